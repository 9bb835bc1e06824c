"""Benchmark: the paper's recorded-data settings as recipes, end to end on the shared data.

For each recorded data set present in ../shared/reference/alrnn-dsr (ECG: M = 100, P = 2;
fMRI: M = 50, P = 2; DurstewitzLab/ALRNN-DSR ``settings/*.json``, see
:meth:`training.TrainConfig.recorded_ecg` and :meth:`~training.TrainConfig.recorded_fmri`)
and each seed: train with the published recipe shortened to ``--fraction`` of its epochs
(timed), select the exported epoch on the training part only, then measure the exported map
on the held-out part and beside the data:

- D_stsp (8 bins per dimension for the 5-D ECG; the Gaussian-mixture estimate for the 20-D
  fMRI, N > 10) and D_H, medians and ranges over five free runs from held-out points
  (:func:`training.evaluation.robust_evaluation`);
- the linear regions the free runs use (> 1 % of the time) with their occupation;
- λ_max of the map per step (tangent propagation, median over the runs) beside the
  data-side estimate from the whole recording (:func:`training.series_lyapunov.lyapunov_record`:
  local Jacobians, or Rosenstein's method on a delay embedding for the short fMRI) — there
  is no true system here, the data's own estimate is what a user can check against.

Every seed is printed.  Nothing is run where the shared data are absent.

    python benchmarks/bench_recorded.py [--sets ecg fmri] [--seeds 2] [--fraction 0.1]
        [--out recorded_runs]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from pwl_analysis import load_model
from training import TrainConfig, train
from training.data import load_series
from training.evaluation import robust_evaluation
from training.series_lyapunov import lyapunov_record

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference" / "alrnn-dsr"
RECIPES = {
    "ecg": ("ECG.npy", TrainConfig.recorded_ecg),
    "fmri": ("fmri.npy", TrainConfig.recorded_fmri),
}


def _config(name: str, seed: int, fraction: float) -> TrainConfig:
    file, recipe = RECIPES[name]
    published = recipe(SHARED / file)
    epochs = max(1, round(published.epochs * fraction))
    every = max(1, epochs // 10)
    return recipe(SHARED / file, seed=seed, epochs=epochs, eval_every=every, checkpoint_every=every)


def _data_lyapunov(x: np.ndarray) -> dict:
    """The data-side λ_max per step of the whole recording (:func:`lyapunov_record`)."""
    record = lyapunov_record(x)
    return record.get("per_step", record)


def _run(name: str, seed: int, fraction: float, out: Path) -> dict:
    config = _config(name, seed, fraction)
    folder = out / f"{name}_seed{seed}"
    started = time.perf_counter()
    if not (folder / "metrics.json").exists():
        train(config, folder, progress=False)
    seconds = json.loads((folder / "metrics.json").read_text())["wall_time_s"]
    series = load_series(config.data_path, test_fraction=config.test_fraction)
    m = load_model(folder)
    with np.load(folder / "model.npz") as arrays:
        B = arrays["B"]
    steps = len(series.test)
    evaluation = robust_evaluation(
        m, series.test, B=B, n_runs=5, steps=steps, transient=min(1000, steps),
        window=max(2, steps // 2), n_bins=config.n_bins, sigma=config.sigma,
        lyapunov_steps=max(steps, 5000),
    )  # fmt: skip
    return {
        "set": name,
        "seed": seed,
        "epochs": config.epochs,
        "train_s": seconds,
        "total_s": time.perf_counter() - started,
        "D_stsp": evaluation.d_stsp.to_dict(),
        "D_H": evaluation.d_h.to_dict(),
        "lambda_max_per_step": evaluation.lambda_max.to_dict(),
        "regions_used": {r: evaluation.occupation[r] for r in evaluation.regions_used},
        "fixed_points": len(m.fixed_points()),
        "data_lambda_per_step": _data_lyapunov(np.concatenate([series.train, series.test])),
    }


def _line(row: dict) -> str:
    def spread(d):
        return f"{d['median']:.3g} [{d['min']:.3g}, {d['max']:.3g}]"

    data = row["data_lambda_per_step"]
    data_text = spread(data) if "median" in data else data["error"]
    regions = ", ".join(f"{k}: {v:.0%}" for k, v in row["regions_used"].items())
    return (
        f"| {row['set']} | {row['seed']} | {row['epochs']} | {row['train_s']:.0f} | "
        f"{spread(row['D_stsp'])} | {spread(row['D_H'])} | "
        f"{spread(row['lambda_max_per_step'])} | {data_text} | {regions} | "
        f"{row['fixed_points']} |"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--fraction", type=float, default=0.1,
                        help="share of the published epochs to train (1 = published)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("recorded_runs"))
    args = parser.parse_args(argv)
    present = [s for s in args.sets if (SHARED / RECIPES[s][0]).exists()]
    if not present:
        print(f"skipped: no recorded data in {SHARED}")
        return
    print(
        "| set | seed | epochs | train s | D_stsp (held out) | D_H | λ_max per step "
        "(model) | λ_max per step (data) | regions used | fixed points |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for name in present:
        for seed in range(args.seeds):
            row = _run(name, seed, args.fraction, args.out)
            rows.append(row)
            print(_line(row), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "recorded.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
