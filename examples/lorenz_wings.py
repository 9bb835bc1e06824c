"""Lorenz-63 with P = 2: few regions, the two wing fixed points in different regions.
==================================================================================

The AL-RNN paper finds that an AL-RNN with only P = 2 piecewise-linear units reconstructs
Lorenz-63, visiting few of its 4 linear regions, and that the flow's two wing equilibria
C± (saddle foci) appear as fixed points in different regions, related by the Lorenz symmetry
(x, y, z) ↦ (−x, −y, z).

    python examples/lorenz_wings.py                       # trains with the fast recipe
    python examples/lorenz_wings.py --model ../shared/reference/alrnn-dsr/lorenz_m20_p2.pt --P 2
    python examples/lorenz_wings.py --model benchmarks/models/lorenz63_m20_p2.npz

On the gallery's small budget it reads ``benchmarks/models/lorenz63_m20_p2.npz`` (trained by
``pwl-analysis run lorenz63``) instead of training.
"""

from __future__ import annotations

import numpy as np
from _common import model_arguments, trained_model

from pwl_analysis import free_run
from pwl_analysis.app.figures import attractor_figure, save_figure
from pwl_analysis.coarse import wing_fixed_points
from pwl_analysis.symbolic import symbolic_sequence


def main() -> None:
    args = model_arguments(__doc__).parse_args()
    m = trained_model(args, "lorenz63", "lorenz_run")
    fixed = m.fixed_points()
    print(f"{m}: {len(fixed)} fixed points")
    for cycle in fixed:
        x, y, z = cycle.points[0][:3]
        print(
            f"  Ω_{cycle.regions[0]}: (x, y, z) = ({x:+.3f}, {y:+.3f}, {z:+.3f}), {cycle.stability}"
        )
    orbit = free_run(m, 20_000, 2_000)
    coding = symbolic_sequence(m, orbit)
    used = [m.region_label(r) for r in coding.visited]
    print(f"regions used by the attractor: {used} of {m.n_regions}")
    left, right = wing_fixed_points(m)
    print(f"wing fixed points: C− in Ω_{left.regions[0]}, C+ in Ω_{right.regions[0]}")
    print(f"  in different regions: {left.regions != right.regions}")
    mirrored = left.points[0][:3] * np.array([-1, -1, 1])
    print(
        f"  symmetry (x, y, z) ↦ (−x, −y, z) maps C− to within "
        f"{np.linalg.norm(mirrored - right.points[0][:3]):.3f} of C+ (data units)"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    path = save_figure(attractor_figure(m, orbit, fixed), args.out / "lorenz_wings.png")
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
