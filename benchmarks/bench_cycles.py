"""Benchmark: every cycle of the official AL-RNN models against a naive baseline.

Baseline (measured in the same run): every region sequence of each length k (all q^k, with
rotations and powers), the product of its k Jacobians, one ``numpy.linalg.solve`` of the
cycle equation each, iterate and check the regions in floats.

Targets (issue "Exact PWL core", 2-core machine): all cycles up to period 10 of the M=20, P=2
model in under 1 s; all fixed points of the M=30, P=10 model in under 0.1 s.

    python benchmarks/bench_cycles.py [--max-period 10]
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np

from pwl_analysis import load_model
from pwl_analysis.words import least_rotation, primitive_period

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "alrnn-dsr"


def naive_cycles(m, max_period: int) -> set[tuple[int, ...]]:
    """Region words (as found, all rotations) of every consistent float solution."""
    found = set()
    for k in range(1, max_period + 1):
        for word in itertools.product(range(m.n_regions), repeat=k):
            product, offset = np.eye(m.M), np.zeros(m.M)
            for r in word:
                product, offset = m.jacobians[r] @ product, m.jacobians[r] @ offset + m.h
            try:
                z = np.linalg.solve(np.eye(m.M) - product, offset)
            except np.linalg.LinAlgError:
                continue
            visited = []
            for _ in word:
                visited.append(int(m.region_of(z)))
                z = m(z)
            if tuple(visited) == word:
                found.add(word)
    return found


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def compare(name: str, m, max_period: int, target: float) -> None:
    m.cycles(1)  # warm caches (Jacobians, exact weights) outside the timing, for both methods
    ours, t_ours = timed(m.cycles, max_period)
    naive, t_naive = timed(naive_cycles, m, max_period)
    naive_orbits = len({least_rotation(w[: primitive_period(w)]) for w in naive})
    print(
        f"{name}: periods ≤ {max_period}: {len(ours)} orbits ({ours.words_tried} words) in "
        f"{t_ours:.3f} s; naive baseline {naive_orbits} orbits in {t_naive:.2f} s; "
        f"speed-up ×{t_naive / t_ours:.1f}; target < {target} s: "
        f"{'met' if t_ours < target else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-period", type=int, default=10)
    args = parser.parse_args()
    if not REFERENCE.exists():
        raise SystemExit(f"reference models not found at {REFERENCE}")
    small = load_model(REFERENCE / "lorenz_m20_p2.pt", P=2)
    large = load_model(REFERENCE / "lorenz_m30_p10.pt", P=10)
    compare("lorenz_m20_p2", small, args.max_period, target=1.0)
    compare("lorenz_m30_p10 fixed points", large, 1, target=0.1)
    compare("lorenz_m30_p10 fixed points and 2-cycles", large, 2, target=float("inf"))


if __name__ == "__main__":
    main()
