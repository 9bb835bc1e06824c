"""Benchmark: complete cycle lists to period 83 and entropy bounds, against today's methods.

Cycles: every 2-D model of SCYFI's test suite (DurstewitzLab/SCYFI, test/convPLRNN_tests.jl,
the same models as tests/test_scyfi_suite.py), all cycles of period ≤ k by the complete
``AdmissibleTree`` in the box of a free run, against ``Exhaustive`` (complete, fails on its
word budget beyond period 16) and ``Scyfi`` (heuristic, never complete), measured in the
same run.  Scyfi runs in a child process with a time limit (``--baseline-timeout``).

Scyfi before and after its speed-up (each rotation class solved once, all rotations of a
word from prefix × suffix products): on the cases in ``--scyfi-before-periods`` (default
the 80-cycle model, issue 15's target ×10) the package as of ``--scyfi-before`` (a git
revision, exported with ``git archive``) runs in a child process beside today's.

Entropy: the tent map and the Lozi map (a = 1.7, b = 0.5) by ``entropy_bounds`` against the
one-step exact graph's entropy (today's bound) and the naive (1/n) log N_n; and, when the
reference models are present, the official Lorenz model's admissible words and bounds.

Targets (issue 15, 2 cores): every 2-D case complete under 10 s; Lozi upper ≤ 0.52 and
lower ≥ 0.48 within 2 minutes.

    python benchmarks/bench_long_periods.py [--baseline-timeout 300] [--lorenz-length 6]
        [--scyfi-before ab4b2e1] [--scyfi-before-periods 80]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pwl_analysis import (
    AdmissibleTree,
    Exhaustive,
    PWLMap,
    Scyfi,
    SearchTooLargeError,
    entropy_bounds,
    exact_graph,
    free_run_box,
    graph_topology,
    load_model,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_scyfi_suite import CASES, plrnn

from systems import lozi_map, tent_map

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference" / "alrnn-dsr"
#: The last commit before Scyfi's speed-up.
SCYFI_BEFORE = "ab4b2e1"
#: Today's Scyfi and the one at a revision, timed in a child; the budget is lifted because the
#: old default refused period 80.
_SCYFI_CHILD = """
import sys, time
from pwl_analysis import PWLMap, Scyfi
a1, a2, w1, w2, h1, h2, k = (float(x) for x in sys.argv[1:])
m = PWLMap.from_alrnn([[a1, 0.0], [0.0, a2]], [[0.0, w1], [w2, 0.0]], [h1, h2], P=2)
start = time.perf_counter()
result = m.cycles(int(k), method=Scyfi(max_letters=10**9))
print(len(result.of_period(int(k))), time.perf_counter() - start)
"""
CYCLE_TARGET_S = 10.0
ENTROPY_TARGET_S = 120.0


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


def _scyfi_counts(parameters, k, queue) -> None:
    result = plrnn(*parameters).cycles(k, method=Scyfi())
    queue.put(len(result.of_period(k)))


def _scyfi_baseline(parameters, k: int, timeout: float) -> tuple[str, float | None]:
    """(what Scyfi found, seconds) or ('timed out', None) after ``timeout`` seconds."""
    queue = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(
        target=_scyfi_counts, args=(parameters, k, queue)
    )
    start = time.perf_counter()
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.terminate()
        process.join()
        return f"> {timeout:.0f} s, unfinished", None
    return f"{queue.get()} {k}-cycles, not complete", time.perf_counter() - start


def _scyfi_in_child(pythonpath: str, parameters, k: int, timeout: float) -> str:
    """'n k-cycles in s seconds' from Scyfi on the package found at ``pythonpath``."""
    arguments = [sys.executable, "-c", _SCYFI_CHILD, *map(str, (*parameters, k))]
    environment = {**os.environ, "PYTHONPATH": pythonpath}
    try:  # run in that folder: ``python -c`` puts the working folder first on sys.path
        run = subprocess.run(
            arguments,
            env=environment,
            cwd=pythonpath,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} s, unfinished"
    if run.returncode:
        return "failed: " + run.stderr.strip().splitlines()[-1]
    count, seconds = run.stdout.split()
    return f"{count} {k}-cycles in {float(seconds):.1f} s"


def scyfi_before_after(revision: str, periods: list[int], timeout: float) -> None:
    """Scyfi at ``revision`` and today, on the same models in the same run."""
    archive = subprocess.run(
        ["git", "archive", revision, "pwl_analysis"], cwd=ROOT, capture_output=True
    )
    if archive.returncode:
        print(f"Scyfi before/after: revision {revision} not available, skipped")
        return
    with tempfile.TemporaryDirectory() as before:
        subprocess.run(["tar", "-x", "-C", before], input=archive.stdout, check=True)
        for k in periods:
            parameters = CASES[k][1]
            old = _scyfi_in_child(before, parameters, k, timeout)
            new = _scyfi_in_child(str(ROOT), parameters, k, timeout)
            print(f"Scyfi() on the {k}-cycle model: before ({revision}) {old}; after {new}")


def _exhaustive_baseline(m: PWLMap, k: int, box) -> str:
    start = time.perf_counter()
    try:
        result = m.cycles(k, method=Exhaustive(box=box))
    except SearchTooLargeError as error:
        seconds = time.perf_counter() - start
        return f"stops after {seconds:.1f} s: {str(error).split(';')[0]}"
    seconds = time.perf_counter() - start
    return f"{len(result.of_period(k))} {k}-cycles, complete, {seconds:.1f} s"


def cycle_table(timeout: float) -> None:
    print("SCYFI's 2-D suite: every cycle of period ≤ k in the free run's box")
    for k, (_, parameters) in CASES.items():
        m = plrnn(*parameters)
        box = free_run_box(m)
        result, seconds = _timed(m.cycles, k, method=AdmissibleTree(box=box))
        found = ", ".join(
            f"{p}: {len(result.of_period(p))}" for p in range(1, k + 1) if result.of_period(p)
        )
        verdict = "met" if seconds < CYCLE_TARGET_S else "MISSED"
        print(
            f"  k = {k:>2}: AdmissibleTree {seconds:6.2f} s, periods {{{found}}}, "
            f"complete={result.complete}, {result.words_tried} Lyndon words solved; "
            f"target < {CYCLE_TARGET_S:.0f} s {verdict}"
        )
        print(f"          Exhaustive: {_exhaustive_baseline(m, k, box)}")
        scyfi, scyfi_seconds = _scyfi_baseline(parameters, k, timeout)
        ratio = (
            f"×{scyfi_seconds / seconds:.0f}"
            if scyfi_seconds is not None
            else f"> ×{timeout / seconds:.0f}"
        )
        time_text = "" if scyfi_seconds is None else f" in {scyfi_seconds:.1f} s"
        print(f"          Scyfi: {scyfi}{time_text}; speed-up of the complete search {ratio}")


def _one_step_graph_entropy(m: PWLMap, box) -> float:
    return graph_topology(exact_graph(m, box=box)).graph_entropy


def entropy_table(name: str, m: PWLMap, length: int, box=None) -> None:
    bounds, seconds = _timed(entropy_bounds, m, length, box=box)
    naive = np.log(bounds.word_counts[-1]) / length
    today = _one_step_graph_entropy(m, bounds.box)
    verdict = "met" if seconds < ENTROPY_TARGET_S else "MISSED"
    kind = "proven" if bounds.lower_is_bound else "estimate"
    print(
        f"{name}: {bounds.lower:.4f} ({kind}) ≤ h ≤ {bounds.upper:.4f} in {seconds:.1f} s "
        f"(target < {ENTROPY_TARGET_S:.0f} s {verdict}); today's one-step graph bound "
        f"{today:.4f} (upper tighter by {today - bounds.upper:.4f}); naive (1/{length}) log "
        f"N_{length} = {naive:.4f}"
    )
    print(f"  upper: {bounds.upper_how}\n  lower: {bounds.lower_how}")
    print(f"  N_n = {list(bounds.word_counts)}; P_k = {list(bounds.periodic_points)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--baseline-timeout",
        type=float,
        default=300.0,
        help="seconds before a Scyfi baseline run is stopped (default 300)",
    )
    parser.add_argument("--scyfi-before", default=SCYFI_BEFORE, help="git revision")
    parser.add_argument("--scyfi-before-periods", type=int, nargs="*", default=[80])
    parser.add_argument("--lozi-length", type=int, default=14)
    parser.add_argument("--lorenz-length", type=int, default=6)
    args = parser.parse_args()
    scyfi_before_after(args.scyfi_before, args.scyfi_before_periods, args.baseline_timeout)
    cycle_table(args.baseline_timeout)
    entropy_table("tent map", tent_map(), 12, box=([-0.5], [0.5]))
    entropy_table("Lozi a = 1.7, b = 0.5", lozi_map(), args.lozi_length)
    lorenz = REFERENCE / "lorenz_m20_p2.pt"
    if lorenz.exists():
        entropy_table("official Lorenz model", load_model(lorenz, P=2), args.lorenz_length)
    else:
        print(f"official Lorenz model not found at {lorenz}: skipped")


if __name__ == "__main__":
    main()
