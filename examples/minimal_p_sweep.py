"""Minimal-P sweep on Lorenz-63: D_stsp and regions used against P = 0 … 5.
========================================================================

The AL-RNN paper's central experiment: the smallest number P of piecewise-linear units that
still reconstructs the attractor gives the most parsimonious piecewise-linear model.  Runs are
trained and analysed in parallel on a local Dask cluster; rerunning skips finished runs.

    python examples/minimal_p_sweep.py [--epochs 60] [--seeds 2] [--out examples/output/sweep]

On the gallery's small budget the sweep is P = 0, 1 with one seed each, 200 training steps on
a 10,000-point series: the machinery is the same, the minimal P of barely trained models means
nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import OUTPUT, SMALL, SMALL_LENGTH, SMALL_TRAINING, description

from pwl_analysis.app.sweep import SweepConfig, sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=description(__doc__))
    parser.add_argument("--epochs", type=int, default=SMALL_TRAINING["epochs"] if SMALL else 60)
    parser.add_argument("--seeds", type=int, default=1 if SMALL else 2)
    parser.add_argument("--max-P", type=int, default=1 if SMALL else 5)
    parser.add_argument("--out", type=Path, default=OUTPUT / "sweep")
    args = parser.parse_args()
    small = {**SMALL_TRAINING, "length": SMALL_LENGTH} if SMALL else {}
    config = SweepConfig(
        recipe="fast",
        base={**small, "system": "lorenz63", "epochs": args.epochs, "eval_every": 0},
        grid={"P": list(range(args.max_P + 1)), "seed": list(range(args.seeds))},
        max_period=3,
    )
    result = sweep(config, args.out, progress=not SMALL)
    print(result)


if __name__ == "__main__":
    main()
