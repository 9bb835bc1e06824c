"""Your own data: a CSV time series in, the full report out.
=========================================================

The example writes a series it simulates itself — the forced Duffing oscillator
x'' + δx' + αx + βx³ = γ cos(ωt) in its chaotic regime (δ = 0.3, α = −1, β = 1, γ = 0.5,
ω = 1.2; Guckenheimer & Holmes 1983) sampled at dt = 0.1 as (x, x', cos ωt, sin ωt) — to a
CSV file, then runs the same pipeline as ``pwl-analysis run --data FILE``: training,
exact analysis, ``report.md``.  Replace the CSV with your own T × N table.

    python examples/custom_data.py [--epochs 40] [--out examples/output/duffing_report]

On the gallery's small budget the series has 10,000 points, the model trains for 200 steps
and the report's free runs are short: the pipeline is the same, the model barely trained.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from _common import OUTPUT, SMALL, SMALL_LENGTH, SMALL_TRAINING, description
from scipy.integrate import solve_ivp

from pwl_analysis.app.run import run_pipeline


def duffing_series(length: int = 30_000, dt: float = 0.1) -> np.ndarray:
    """(x, x', cos ωt, sin ωt) of the chaotic forced Duffing oscillator, transient dropped."""

    def field(t, u, delta=0.3, alpha=-1.0, beta=1.0, gamma=0.5, omega=1.2):
        x, v = u
        return [v, -delta * v - alpha * x - beta * x**3 + gamma * np.cos(omega * t)]

    t = np.arange(length + 1000) * dt
    solution = solve_ivp(field, (0, t[-1]), [0.1, 0.0], t_eval=t, rtol=1e-9, atol=1e-9)
    x, v = solution.y
    series = np.stack([x, v, np.cos(1.2 * t), np.sin(1.2 * t)], axis=1)
    return series[1000:]


def main() -> None:
    parser = argparse.ArgumentParser(description=description(__doc__))
    parser.add_argument("--epochs", type=int, default=SMALL_TRAINING["epochs"] if SMALL else 40)
    parser.add_argument("--out", type=Path, default=OUTPUT / "duffing_report")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    csv = args.out.parent / "duffing.csv"
    series = duffing_series(SMALL_LENGTH) if SMALL else duffing_series()
    np.savetxt(csv, series, delimiter=",", header="x,v,cos,sin", comments="")
    print(f"wrote {csv}")
    small = {**SMALL_TRAINING, "evaluation_steps": 1_000, "progress": False} if SMALL else {}
    options = {**small, "epochs": args.epochs}
    result = run_pipeline(None, args.out, data=str(csv), overwrite=True, **options)
    print(result)


if __name__ == "__main__":
    main()
