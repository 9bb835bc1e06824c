"""The skeleton of Lorenz-63 models beside the flow's: coverage, periods, spurious orbits, links.

Target (issue 22, 2 cores): on the official model ``lorenz_m20_p2`` at least 18 of the 21
Lyndon L/R words of length 2–6 with an exact (or ball-certified) cycle, the whole
``skeleton`` call within 60 s; the flow's periods reproduced to 1e-5 relative (checked in
``tests/test_flow_orbits.py`` against Viswanath 2003 and ChaosBook).

Each model is also searched by the baseline measured in the same run: the trajectory-seeded
search of ``pwl-analysis cycles --method seeded --coding lorenz`` (near-returns of one free
run, up to ``--max-period`` steps), whose cycles are named by the same coding.  The ratios
printed are words covered and seconds, skeleton over baseline.

    python benchmarks/bench_skeleton.py                       # official + benchmarks/models
    python benchmarks/bench_skeleton.py RUN_DIR [RUN_DIR …]   # models of `pwl-analysis run`

Δt is 0.01 for every model here: the sampling of the published Lorenz-63 data and of this
project's simulated series (``training/data.py``).  A run folder's own Δt is read from it.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from pwl_analysis import TrajectorySeeded, compare_skeletons, load_model, lorenz_coding, skeleton
from pwl_analysis.app.skeleton_reference import run_time_step
from pwl_analysis.words import lyndon_strings
from training.truth import flow_reference

HERE = Path(__file__).resolve().parent
OFFICIAL = HERE.parents[1] / "shared" / "reference" / "alrnn-dsr" / "lorenz_m20_p2.pt"
PROJECT = HERE / "models" / "lorenz63_m20_p2.npz"
#: Sampling interval of the published Lorenz-63 data and of training/data.py's series.
LORENZ_DT = 0.01


def _baseline(m, coding, max_period: int) -> tuple[set[str], float]:
    start = time.perf_counter()
    result = m.cycles(max_period, TrajectorySeeded())
    return {coding.name(cycle) for cycle in result}, time.perf_counter() - start


def _one(name: str, path: Path, P: int | None, reference, args) -> dict:
    m = load_model(path, P=P)
    coding = lorenz_coding(m)
    start = time.perf_counter()
    found = skeleton(
        m, coding, args.max_word_length, args.max_loops, time_step=run_time_step(path) or LORENZ_DT
    )
    seconds = time.perf_counter() - start
    comparison = compare_skeletons(found, reference, observation=coding.observation)
    targets = lyndon_strings("LR", args.max_word_length, min_length=2)
    covered = sum(found[w].found for w in targets)
    named, base_seconds = _baseline(m, coding, args.max_period)
    base_covered = sum(w in named for w in targets)
    errors = [row.period_error for row in comparison.words if row.period_error is not None]
    linking = comparison.linking
    print(f"\n== {name}: {m}")
    print(comparison)
    print(
        f"coverage {covered}/{len(targets)} words of length 2–{args.max_word_length} in "
        f"{seconds:.1f} s; baseline (seeded search, periods ≤ {args.max_period}) "
        f"{base_covered}/{len(targets)} in {base_seconds:.1f} s; ratio words "
        f"{covered / max(base_covered, 1):.2f}×, time {seconds / base_seconds:.2f}×"
    )
    return {
        "model": name,
        "covered": covered,
        "words": len(targets),
        "seconds": seconds,
        "baseline_covered": base_covered,
        "baseline_seconds": base_seconds,
        "spurious": comparison.spurious,
        "median_period_error": float(np.median(errors)) if errors else None,
        "linking_agree": None if linking is None else linking.agreements,
        "linking_disagree": None if linking is None else len(linking.disagreements),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="*", help="run folders of `pwl-analysis run lorenz63`")
    parser.add_argument("--max-word-length", type=int, default=6)
    parser.add_argument("--max-loops", type=int, default=3)
    parser.add_argument("--max-period", type=int, default=450, help="baseline's longest period")
    args = parser.parse_args()
    start = time.perf_counter()
    reference = flow_reference("lorenz63", args.max_word_length)
    print(f"flow skeleton: {len(reference.orbits)} orbits in {time.perf_counter() - start:.1f} s")
    models = [("official lorenz_m20_p2", OFFICIAL, 2), ("project lorenz63_m20_p2", PROJECT, None)]
    models += [(str(run), Path(run), None) for run in args.runs]
    rows = []
    for name, path, P in models:
        if not path.exists():
            print(f"\n== {name}: {path} not found, skipped")
            continue
        rows.append(_one(name, path, P, reference, args))
    print("\nmodel                         words   time  baseline  spurious  period err  links")
    for row in rows:
        error = row["median_period_error"]
        print(
            f"{row['model'][:29]:<29} {row['covered']:>2}/{row['words']:<2} "
            f"{row['seconds']:>6.1f}s "
            f"{row['baseline_covered']:>2} {row['baseline_seconds']:>5.1f}s  "
            f"{' '.join(row['spurious']) or '-':>8}  "
            f"{'-' if error is None else f'{100 * error:.1f}%':>9}  "
            f"{row['linking_agree']}/{row['linking_disagree']}"
        )


if __name__ == "__main__":
    main()
