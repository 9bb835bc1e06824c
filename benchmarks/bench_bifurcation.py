"""Bifurcations on the segment between two M = 20, P = 2 AL-RNNs: seconds per period bound.

Target (issue 27, 2 cores): ``bifurcations`` between two M = 20, P = 2 checkpoints with
K = 8 in ≤ 1 s.  The paths here run from the official model ``lorenz_m20_p2`` to copies of it
with every weight of A (its diagonal), W and h moved by ε·N(0, 1) (seed 0), standing in for
the next checkpoint of a training run, and to this project's own Lorenz-63 model
(``benchmarks/models``), a path between two unrelated trainings.

    python benchmarks/bench_bifurcation.py [--max-period K]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from pwl_analysis import PWLMap, bifurcations, load_model

HERE = Path(__file__).resolve().parent
OFFICIAL = HERE.parents[1] / "shared" / "reference" / "alrnn-dsr" / "lorenz_m20_p2.pt"
PROJECT = HERE / "models" / "lorenz63_m20_p2.npz"


def perturbed(m: PWLMap, epsilon: float, seed: int = 0) -> PWLMap:
    """A, W, h moved by ε·N(0, 1) entrywise (A's off-diagonal zeros kept)."""
    rng = np.random.default_rng(seed)
    A = m.A + epsilon * rng.normal(size=m.A.shape) * (m.A != 0)
    W = m.W + epsilon * rng.normal(size=m.W.shape)
    h = m.h + epsilon * rng.normal(size=m.h.shape)
    return PWLMap.from_alrnn(A, W, h, P=m.P)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-period", type=int, default=3)
    args = parser.parse_args()
    m0 = load_model(OFFICIAL, P=2)
    ends = {f"ε = {e:g}": perturbed(m0, e) for e in (1e-3, 1e-2, 1e-1)}
    if PROJECT.is_file():
        ends["project model"] = load_model(PROJECT)
    for name, m1 in ends.items():
        for K in range(1, args.max_period + 1):
            start = time.perf_counter()
            found = bifurcations(m0, m1, max_period=K)
            seconds = time.perf_counter() - start
            counts = f"{found.words:5d} words, {len(found):3d} events"
            print(f"{name:>14}  K = {K}: {counts}, {seconds:7.2f} s")


if __name__ == "__main__":
    main()
