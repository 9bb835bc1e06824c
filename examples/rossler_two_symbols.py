"""Rössler with P = 1: a two-region code, its symbolic graph and its cycles.
=========================================================================

With one piecewise-linear unit the AL-RNN splits state space into two half-spaces; the
attractor's fold lives in the region where the unit is active.  The symbolic graph on the two
regions, and the cycles named by the classical two-symbol loop coding (0: a plain turn, 1: a
turn through the fold), reproduce the coding of the Rössler attractor.

    python examples/rossler_two_symbols.py --model benchmarks/models/rossler_m20_p1.npz
    python examples/rossler_two_symbols.py                # trains with the fast recipe

On the gallery's small budget it reads ``benchmarks/models/rossler_m20_p1.npz`` and seeds the
long-cycle search from a 20,000-step free run with 100 seeds (instead of 60,000 and 600).
"""

from __future__ import annotations

from _common import SMALL, model_arguments, trained_model

from pwl_analysis import TrajectorySeeded, free_run
from pwl_analysis.app.figures import graph_figure, save_figure
from pwl_analysis.coarse import rossler_coding
from pwl_analysis.graph import empirical_graph
from pwl_analysis.topology import graph_topology


def main() -> None:
    args = model_arguments(__doc__).parse_args()
    m = trained_model(args, "rossler", "rossler_run")
    orbit = free_run(m, 20_000, 2_000)
    short = m.cycles(8)
    graph = empirical_graph(m, orbit, short)
    print(f"{m}; symbolic graph of a 20,000-step free run:")
    for a, b, data in sorted(graph.edges(data=True)):
        print(f"  Ω_{a} → Ω_{b}: relative frequency {data['weight']:.4f}")
    print(graph_topology(graph, short))
    coding = rossler_coding(m)
    budget = {"n_steps": 20_000, "max_seeds": 100} if SMALL else {}
    long_cycles = m.cycles(600, method=TrajectorySeeded(seed=0, **budget))
    print(f"{len(long_cycles)} long cycles ({long_cycles.method}, not a completeness guarantee):")
    for cycle in sorted((c for c in long_cycles if c.period > 1), key=lambda c: c.period)[:12]:
        print(
            f"  loop word {coding.name(cycle):>8}: period {cycle.period:4d} steps, "
            f"max|λ| = {cycle.spectral_radius:.4g}, λ_max = {cycle.lyapunov_exponent:.4f}/step"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"figure: {save_figure(graph_figure(graph), args.out / 'rossler_graph.png')}")


if __name__ == "__main__":
    main()
