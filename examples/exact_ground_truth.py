r"""The tent and Lozi maps written as AL-RNNs: exact orbits against closed forms.
==============================================================================

Tent map :math:`u \mapsto 1/2 - 2|u| = 2u + 1/2 - 4\max(0, u)` (M = P = 1): it has
:math:`2^k` points of period dividing k, so its number of orbits of minimal period k is the
number of primitive binary necklaces (OEIS A001037).

Lozi map :math:`x' = 1 - a|x| + y,\ y' = b x` (a = 1.7, b = 0.5) on z = (y, x) with ReLU on
x: its fixed points are x = 1/(1 + a − b) (x > 0) and x = 1/(1 − a − b) (x < 0), y = b x.

    python examples/exact_ground_truth.py [--out examples/output]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import sympy

from pwl_analysis import PWLMap

NECKLACES = [2, 1, 2, 3, 6, 9, 18, 30, 56, 99, 186, 335]


def tent() -> PWLMap:
    return PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)


def lozi(a: float = 1.7, b: float = 0.5) -> PWLMap:
    return PWLMap.from_alrnn(np.array([[0.0, b], [1.0, a]]), [[0, 0], [0, -2 * a]], [0, 1], P=1)


def report_tent(max_period: int) -> None:
    result = tent().cycles(max_period)
    found = [len(result.of_period(k)) for k in range(1, max_period + 1)]
    print(f"tent map, orbits of minimal period 1…{max_period}: {found}")
    print(f"  primitive binary necklaces:            {NECKLACES[:max_period]}")
    print(f"  equal: {found == NECKLACES[:max_period]}")


def report_lozi(out: Path) -> None:
    m = lozi()
    a, b = sympy.Rational(1.7), sympy.Rational(0.5)
    expected = sorted([1 / (1 + a - b), 1 / (1 - a - b)])
    fixed = m.fixed_points()
    print("Lozi map (a = 1.7, b = 0.5), fixed points x*:")
    for cycle in fixed:
        x = cycle.exact_points[0, 1]
        print(f"  x* = {float(x):+.12f} (exact {x}), {cycle.stability}")
    matches = sorted(c.exact_points[0, 1] for c in fixed) == expected
    print(f"  closed form matches exactly: {matches}")
    orbits = m.cycles(10)
    counts = [len(orbits.of_period(k)) for k in range(1, 11)]
    print(f"  orbits of minimal period 1…10: {counts}")
    trajectory = m.trajectory([0.0, 0.1], 20_000)[1000:]
    regions = m.region_of(trajectory)
    fig, ax = plt.subplots(figsize=(6, 4))
    for region, colour in zip(range(m.n_regions), ("tab:blue", "tab:orange")):
        inside = trajectory[regions == region]
        ax.scatter(inside[:, 1], inside[:, 0], s=0.2, c=colour, label=f"Ω_{m.region_label(region)}")
    for cycle in orbits:
        ax.plot(cycle.points[:, 1], cycle.points[:, 0], "k.", ms=4)
    ax.set(xlabel="x", ylabel="y", title="Lozi attractor by region, with its periodic points")
    ax.legend(markerscale=20)
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / "lozi_regions.png", dpi=120)
    print(f"  figure: {out / 'lozi_regions.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("examples/output"))
    parser.add_argument("--max-period", type=int, default=12)
    args = parser.parse_args()
    report_tent(args.max_period)
    report_lozi(args.out)


if __name__ == "__main__":
    main()
