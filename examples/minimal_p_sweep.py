"""Minimal-P sweep on Lorenz-63: D_stsp and regions used against P = 0 … 5.
========================================================================

The AL-RNN paper's central experiment: the smallest number P of piecewise-linear units that
still reconstructs the attractor gives the most parsimonious piecewise-linear model.  Runs are
trained and analysed in parallel on a local Dask cluster; rerunning skips finished runs.

    python examples/minimal_p_sweep.py [--epochs 60] [--seeds 2] [--out examples/output/sweep]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pwl_analysis.app.sweep import SweepConfig, sweep

OUTPUT = Path(__file__).resolve().parent / "output" / "sweep"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--max-P", type=int, default=5)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    config = SweepConfig(
        recipe="fast",
        base={"system": "lorenz63", "epochs": args.epochs, "eval_every": 0},
        grid={"P": list(range(args.max_P + 1)), "seed": list(range(args.seeds))},
        max_period=3,
    )
    result = sweep(config, args.out)
    print(result)


if __name__ == "__main__":
    main()
