"""Long cycles of the official Lorenz model, found from a free run and named by L/R words.

Target (issue 7): on ``lorenz_m20_p2`` every coarse word of length ≤ 4 that the model
realises is found in under 30 s, rigorous decision included.  The baseline, measured in the
same run, is the exact-Rational route for the shortest cycle found: just forming and solving
its cycle equation (I − Π) z_0 = c over QQ, a lower bound on ``exact_cycle``, which then also
forms k exact points of ~10⁵ digits each (minutes), against the whole ball-arithmetic
decision (``certify_cycle``).

    python benchmarks/bench_long_cycles.py                   # official model in ../shared
    python benchmarks/bench_long_cycles.py MODEL.pt --P 2 --max-period 450
    python benchmarks/bench_long_cycles.py --rossler benchmarks/models/rossler_m20_p1.npz

``benchmarks/models/rossler_m20_p1.npz`` was trained by this project (M = 20, P = 1, fast
recipe, 150 epochs, test D_stsp = 1.23, D_H = 0.028):

    pwl-analysis train --data ../shared/reference/alrnn-dsr/rossler.npy --P 1 --seq-len 300 \
        --tau 8 --out runs/rossler     # then runs/rossler/model.npz

Admissible coarse information (issue 15): for each flow word of length ≤ 4 that the model
realises, whether its shortest cycle's region word is admissible in the free run's box
(``m.admissible``: an exact witness or an exact Farkas certificate), and the entropy bounds
from the admissible region words of length ≤ ``--entropy-length`` in that box.

For a Rössler model the 0/1 loop words are listed too, and the cycles named ``1`` (one turn
through the fold) are compared with the flow's period-1 orbit, Floquet multiplier −2.403
(ChaosBook).  Where the map has no such cycle (its Δt-map need not lock to a periodic orbit
there, see :mod:`pwl_analysis.return_map`), the orbit's multiplier is read off the return
map of a free run on the section through the centre, next to the same estimate for the true
flow (section x = 0, as in ChaosBook).
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from pwl_analysis import (
    TrajectorySeeded,
    _exact,
    entropy_bounds,
    free_run_box,
    load_model,
    lorenz_coding,
    rossler_coding,
)
from pwl_analysis.cycle_equation import _exact_cycle_equation
from pwl_analysis.methods.seeded import certify_cycle
from pwl_analysis.words import lyndon_strings

OFFICIAL = (
    Path(__file__).resolve().parents[2] / "shared" / "reference" / "alrnn-dsr" / "lorenz_m20_p2.pt"
)
TARGET_SECONDS = 30.0
#: Unstable Floquet multiplier of Rössler's period-1 orbit, a = b = 0.2, c = 5.7 (ChaosBook).
ROSSLER_PERIOD_ONE_MULTIPLIER = -2.403


def _timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - start


def _flow_words(max_length: int) -> list[str]:
    """Binary Lyndon words of length 2…max_length: Lorenz-63 has an orbit for each."""
    return lyndon_strings("LR", max_length, min_length=2)


def _table(result, coding) -> dict[str, list]:
    by_name = defaultdict(list)
    for cycle in result:
        by_name[coding.name(cycle)].append(cycle)
    header = f"{'coarse':<10} {'period':>6}  {'leading multipliers':<32} {'λ_max/step':>10}"
    print(header + "  stability")
    for name in sorted(by_name, key=lambda w: (len(w), w)):
        for cycle in sorted(by_name[name], key=lambda c: c.period):
            lead = ", ".join(f"{v.real:.4g}{v.imag:+.3g}j" for v in cycle.multipliers[:2])
            print(
                f"{name or '(none)':<10} {cycle.period:>6}  {lead:<32} "
                f"{cycle.lyapunov_exponent:>10.5f}  {cycle.stability}"
            )
    return by_name


def _exact_first_point(m, word):
    """z_0 = (I − Π)^{-1} c over QQ: the first step of any exact decision of the word."""
    product, offset = _exact_cycle_equation(m, word)
    return (_exact.identity(m.M) - product).lu_solve(offset)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", default=str(OFFICIAL))
    parser.add_argument("--P", type=int, default=2)
    parser.add_argument("--max-period", type=int, default=450, help="4 loops ≈ 300–450 steps")
    parser.add_argument("--rossler", default=None, help="a trained Rössler model (P = 1)")
    parser.add_argument("--entropy-length", type=int, default=5, help="admissible words ≤ n")
    args = parser.parse_args()
    if not Path(args.model).exists():
        print(f"model {args.model} not found: skipped")
        return
    m = load_model(args.model, P=args.P)
    coding = lorenz_coding(m)
    method = TrajectorySeeded()

    result, seconds = _timed(m.cycles, args.max_period, method)
    print(f"{m}; {result}")
    print(f"search: {seconds:.1f} s, {result.words_tried} distinct words tried\n")
    by_name = _table(result, coding)

    print("\nLorenz-63 flow: an orbit for every binary word except L, R (Viswanath 2003)")
    for word in _flow_words(4):
        periods = sorted(c.period for c in by_name.get(word, []))
        print(f"  {word:<5} " + (f"found, period(s) {periods}" if periods else "not found"))
    short = sorted(w for w in by_name if 0 < len(w) <= 4)
    verdict = "met" if seconds < TARGET_SECONDS else "MISSED"
    print(f"coarse words ≤ 4 found: {short} in {seconds:.1f} s (target < 30 s: {verdict})")

    _admissible_coarse_words(m, by_name, args.entropy_length)

    shortest = min((c for c in result if c.period > 1), key=lambda c: c.period, default=None)
    if shortest is not None:
        word = np.array([m.region_index(r) for r in shortest.regions])
        _, ball = _timed(certify_cycle, m, word)
        _, exact = _timed(_exact_first_point, m, word)
        print(
            f"\nthe {shortest.period}-cycle: exact z_0 over QQ {exact:.2f} s (lower bound of the "
            f"exact decision), whole ball-arithmetic decision {ball:.3f} s, "
            f"ratio ≥ {exact / ball:.0f}×"
        )
    if args.rossler is not None:
        _rossler(load_model(args.rossler), args.max_period)


def _admissible_coarse_words(m, by_name: dict, length: int) -> None:
    """Admissibility of the realised flow words' region words, and the entropy bounds."""
    box = free_run_box(m)
    print("\nadmissible in the free run's box (widened by 10 %), shortest cycle of each word:")
    for word in _flow_words(4):
        if word not in by_name:
            print(f"  {word:<5} no cycle found, so no region word to decide")
            continue
        cycle = min(by_name[word], key=lambda c: c.period)
        answer, seconds = _timed(m.admissible, cycle.regions, box)
        print(
            f"  {word:<5} region word of length {cycle.period}: "
            f"{'admissible' if answer.admissible else 'not admissible'} "
            f"({answer.decided_by}, {seconds:.2f} s)"
        )
    bounds, seconds = _timed(entropy_bounds, m, length)
    print(
        f"entropy of f on the orbits that stay in that box, from the admissible region words "
        f"of length ≤ {length} ({seconds:.1f} s): h_top ≤ {bounds.upper:.4f} per step, a proven "
        f"upper bound; N_n = {list(bounds.word_counts)} of (2^P)^n = "
        f"{[m.n_regions**n for n in range(1, length + 1)]}. Lower value {bounds.lower:.4f}, "
        f"{'a proven bound' if bounds.lower_is_bound else 'an estimate'}: {bounds.lower_how}."
    )
    print(f"  upper: {bounds.upper_how}")


def _rossler(m, max_period: int) -> None:
    result, seconds = _timed(m.cycles, max_period, TrajectorySeeded())
    print(f"\nRössler model {m}: {len(result)} cycles in {seconds:.1f} s")
    by_name = _table(result, rossler_coding(m))
    print(f"Rössler flow: period-1 orbit multiplier {ROSSLER_PERIOD_ONE_MULTIPLIER} (ChaosBook)")
    for cycle in by_name.get("1", []):
        print(
            f"  model '1' cycle, {cycle.period} steps: "
            f"leading multiplier {cycle.multipliers[0]:.4g}"
        )
    if "1" not in by_name:
        print("  the model has no cycle found with one turn through the fold ('1')")
    _rossler_return_maps(m)


def _rossler_return_maps(m, steps: int = 200_000) -> None:
    """Λ of the period-1 orbit from return maps on y: the true flow and the model's free run."""
    from training.truth import return_maps

    flow, model = return_maps(m, steps)
    print("return map u_n ↦ u_{n+1} of y on the section x = x* (upward crossings):")
    print(f"  Rössler flow, {steps} samples: {flow}")
    print(f"  model free run, {steps} steps: {model}")


if __name__ == "__main__":
    main()
