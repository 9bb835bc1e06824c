"""Benchmark: train Lorenz-63 with the default (fast) recipe and compare it with the reference.

Prints, all measured in this one run on the same held-out data (2 torch threads):

- the training wall time of ``TrainConfig()`` (the recipe of ``pwl-analysis train --system
  lorenz63``) and its ratio to the 37-minute reference (the published recipe's plain PyTorch
  implementation on this 2-core machine, as stated in the issue);
- the time of one plain-PyTorch step of the published recipe (autograd through every time step,
  batch 16, T = 200; with 2 and with 1 torch threads) and of the same step with the hand-written
  BPTT, each extrapolated to the recipe's 100,000 steps (an extrapolation, not a measured run);
- D_stsp and D_H of a 10,000-step free run against held-out data for the trained model, the
  official ``lorenz_m20_p2`` model, and an independent trajectory of the true system (the
  finite-sample floor of both metrics).

Run:  python benchmarks/bench_training.py [--out RUN_DIR] [--seed S]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from pwl_analysis import load_model
from training import Forcing, TrainConfig, train
from training.data import simulate
from training.loop import series_for
from training.metrics import observed_free_run, power_spectrum_distance, state_space_divergence
from training.model import ALRNN

REFERENCE_MINUTES = 37.0
OFFICIAL = Path(__file__).resolve().parents[2] / "shared" / "reference" / "alrnn-dsr"


def step_time(forward: str, threads: int, repeats: int = 30) -> float:
    """Median seconds per RAdam step of the published recipe (batch 16, T = 200, τ = 16)."""
    torch.set_num_threads(threads)
    model = ALRNN(20, 2, 3)
    optimizer = torch.optim.RAdam(model.parameters(), lr=1e-3)
    x = torch.randn(201, 16, 3)
    run = getattr(model, forward)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        loss = torch.mean((run(x, Forcing(16)) - x[1:]) ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - started)
    return float(np.median(times[3:]))


def scores(reference: np.ndarray, generated: np.ndarray, config: TrainConfig) -> str:
    d_stsp = state_space_divergence(reference, generated, n_bins=config.n_bins).value
    d_h = power_spectrum_distance(reference, generated, sigma=config.sigma).value
    return f"D_stsp {d_stsp:7.3f}   D_H {d_h:6.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="keep the run folder here")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = TrainConfig(seed=args.seed)
    steps = TrainConfig.lorenz63().total_steps

    print("published recipe, one step (batch 16, T=200), median of 27 in this run:")
    plain = {}
    for threads in (2, 1):
        plain[threads] = step_time("forward_autograd", threads)
        print(
            f"  plain PyTorch autograd, {threads} thread(s)  {plain[threads] * 1e3:8.2f} ms"
            f"  -> x{steps} steps ≈ {plain[threads] * steps / 60:6.1f} min (extrapolated)"
        )
    fast = step_time("forward", 1)
    print(
        f"  hand-written BPTT, 1 thread          {fast * 1e3:8.2f} ms"
        f"  -> x{steps} steps ≈ {fast * steps / 60:6.1f} min (extrapolated)"
    )
    baseline = min(plain.values()) * steps

    out = args.out or Path(tempfile.mkdtemp(prefix="bench_training_"))
    print(f"\ntraining {config} into {out}")
    started = time.perf_counter()
    result = train(config, out, progress=False)
    total = time.perf_counter() - started
    print(f"  optimisation {result.wall_time:.1f} s, total with data and metrics {total:.1f} s")

    series = series_for(config)
    reference = series.test[: config.test_steps]
    B = np.load(out / "model.npz")["B"]
    trained = observed_free_run(result.pwl_map(), reference[0], len(reference), B)
    official = observed_free_run(
        load_model(OFFICIAL / "lorenz_m20_p2.pt", P=2), reference[0], len(reference)
    )
    truth = (
        simulate("lorenz63", len(reference), seed=config.data_seed + 1) - series.mean
    ) / series.std
    print(
        f"\n10,000-step free runs against held-out data (n_bins={config.n_bins}, σ={config.sigma}):"
    )
    print(f"  trained (fast recipe)    {scores(reference, trained, config)}")
    print(f"  official lorenz_m20_p2   {scores(reference, official, config)}")
    print(f"  true system (floor)      {scores(reference, truth, config)}")
    print(
        f"\nwall time vs the {REFERENCE_MINUTES:.0f}-minute reference: "
        f"{result.wall_time / (REFERENCE_MINUTES * 60):.3f} (optimisation), "
        f"{total / (REFERENCE_MINUTES * 60):.3f} (total); "
        f"vs this run's extrapolated plain recipe (faster thread setting): "
        f"{result.wall_time / baseline:.3f}"
    )


if __name__ == "__main__":
    main()
