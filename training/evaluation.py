"""Robust evaluation of a reconstruction: several long free runs, medians and spreads.

A DSR measure from one short free run is noise: single 10,000-step runs of one Lorenz model
scatter D_stsp between 3.4 and 4.0.  Here every measure is taken over ``n_runs`` free runs
from different points of the reference data, all iterated together as one batch
(z_t of shape (n_runs, M)), and reported as median, minimum and maximum:

- D_stsp of each run (after a transient) against all reference points;
- D_H on consecutive windows of ``window`` steps of each run against windows of the
  reference, the median over windows per run;
- λ_max of each run, per map step and, given the sampling interval Δt, per time unit
  (λ/Δt), by tangent propagation through the exact region Jacobians (Benettin et al. 1980);
- the occupation of every linear subregion, pooled over runs, and how many regions hold
  more than ``min_occupation`` of the time.

References
----------
Koppe, G. et al. (2019). PLoS Comput. Biol. 15(8) (D_stsp).  Mikhaeil, J. et al. (2022).
NeurIPS (D_H).  Benettin, G. et al. (1980). Meccanica 15, 9–30 (λ_max).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pwl_analysis.free_runs import free_run
from pwl_analysis.lyapunov import maximal_lyapunov_exponents
from pwl_analysis.pwl_map import PWLMap
from training.metrics import (
    Metric,
    _as_series,
    latent_states,
    power_spectrum_distance,
    prediction_error,
    state_space_divergence,
)


@dataclass(frozen=True)
class Spread:
    """A measure over several free runs: its values, median and range.

    Attributes
    ----------
    values : tuple of float
        One value per run; NaN for a run that diverged.

    Examples
    --------
    A diverged run (NaN) is left out of the median and the range:

    >>> from training import Spread
    >>> spread = Spread((1.0, float("nan"), 3.0, 2.0))
    >>> spread
    2 [1, 3]
    >>> spread.median, spread.low, spread.high
    (2.0, 1.0, 3.0)
    """

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        """Median over the finite values (NaN when none is finite)."""
        finite = [v for v in self.values if np.isfinite(v)]
        return float(np.median(finite)) if finite else float("nan")

    @property
    def low(self) -> float:
        """Smallest finite value (NaN if none is finite)."""
        return float(np.nanmin(self.values)) if np.isfinite(self.values).any() else float("nan")

    @property
    def high(self) -> float:
        """Largest finite value (NaN if none is finite)."""
        return float(np.nanmax(self.values)) if np.isfinite(self.values).any() else float("nan")

    def __repr__(self) -> str:
        return f"{self.median:.4g} [{self.low:.4g}, {self.high:.4g}]"

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "median": self.median,
            "min": self.low,
            "max": self.high,
            "values": [float(v) for v in self.values],
        }


@dataclass(frozen=True)
class RobustEvaluation:
    """DSR measures of one model over several long free runs.

    Attributes
    ----------
    d_stsp, d_h : Spread
        State-space divergence and power-spectrum distance per run.
    lambda_max : Spread
        Largest Lyapunov exponent per map step, per run.
    dt : float or None
        Sampling interval of the data; with it, :attr:`lambda_max_per_time` = λ_max / Δt.
    prediction_error : Metric
        n-step-ahead error from the reference (deterministic, one number).
    occupation : dict
        Region label → fraction of the free-run time spent there (pooled over runs).
    diverged : int
        Runs that left the finite numbers (their measures are NaN).
    settings : dict
        n_runs, steps, transient, window, bins, σ, min_occupation.

    See Also
    --------
    robust_evaluation : computes this record.

    Examples
    --------
    The map u ↦ u/2 + 1/2 − max(0, u) observed at its attracting fixed point u* = 1/3
    (multiplier −1/2): every run stays in Ω_1, predicts the data exactly and has
    λ_max = log(1/2) per step, 2 log(1/2) per time unit at Δt = 1/2:

    >>> import numpy as np
    >>> from pwl_analysis import PWLMap
    >>> from training import robust_evaluation
    >>> m = PWLMap.from_alrnn([0.5], [[-1.0]], [0.5], P=1)
    >>> data = np.full((3000, 1), 1 / 3)
    >>> e = robust_evaluation(m, data, dt=0.5, n_runs=2, steps=2000, window=1000)
    >>> round(e.lambda_max.median, 12), round(e.lambda_max_per_time.median, 12)
    (-0.69314718056, -1.38629436112)
    >>> e.regions_used, e.prediction_error.value, e.diverged
    (('1',), 0.0, 0)
    """

    d_stsp: Spread
    d_h: Spread
    lambda_max: Spread
    dt: float | None
    prediction_error: Metric
    occupation: dict
    diverged: int
    settings: dict = field(default_factory=dict)

    @property
    def lambda_max_per_time(self) -> Spread | None:
        """λ_max per time unit, λ / Δt (None without Δt)."""
        if self.dt is None:
            return None
        return Spread(tuple(v / self.dt for v in self.lambda_max.values))

    @property
    def regions_used(self) -> tuple[str, ...]:
        """Regions holding more than ``min_occupation`` of the time, most visited first."""
        floor = self.settings.get("min_occupation", 0.01)
        ranked = sorted(self.occupation.items(), key=lambda item: -item[1])
        return tuple(label for label, share in ranked if share > floor)

    def __repr__(self) -> str:
        per_time = self.lambda_max_per_time
        lam = f"λ_max={self.lambda_max!r}/step" + (
            f" = {per_time!r}/time unit" if per_time is not None else ""
        )
        return (
            f"RobustEvaluation({self.settings.get('n_runs')} runs × {self.settings.get('steps')}"
            f" steps: D_stsp={self.d_stsp!r}, D_H={self.d_h!r}, {lam}, "
            f"regions used {list(self.regions_used)})"
        )

    def to_markdown(self) -> list[str]:
        """Lines of a Markdown table: each measure's median and range over the runs."""
        settings = self.settings
        lines = [
            f"{settings['n_runs']} free runs of {settings['steps']:,} steps (after "
            f"{settings['transient']:,} transient steps) from different points of the "
            f"reference data ({settings['T_reference']:,} points); median [min, max] over runs"
            + (f"; {self.diverged} run(s) diverged" if self.diverged else "")
            + ".",
            "",
            "| measure | median | range |",
            "|---|---|---|",
            f"| D_stsp ({settings['n_bins']} bins) | {self.d_stsp.median:.4g} | "
            f"{self.d_stsp.low:.4g} … {self.d_stsp.high:.4g} |",
            f"| D_H ({settings['window']:,}-step windows, σ = {settings['sigma']:g}) | "
            f"{self.d_h.median:.4g} | {self.d_h.low:.4g} … {self.d_h.high:.4g} |",
            f"| λ_max per step | {self.lambda_max.median:.4g} | {self.lambda_max.low:.4g} … "
            f"{self.lambda_max.high:.4g} |",
        ]
        per_time = self.lambda_max_per_time
        if per_time is not None:
            lines.append(
                f"| λ_max per time unit (Δt = {self.dt:g}) | {per_time.median:.4g} | "
                f"{per_time.low:.4g} … {per_time.high:.4g} |"
            )
        used = ", ".join(f"Ω_{label} {self.occupation[label]:.1%}" for label in self.regions_used)
        lines += [
            f"| prediction error ({settings['n_steps']} steps) | "
            f"{self.prediction_error.value:.4g} | |",
            "",
            f"Regions used (> {settings['min_occupation']:.0%} of the time): {used or 'none'}.",
        ]
        return lines

    def to_metrics(self) -> dict:
        """The measures as ``{name: {"value": median, "settings": …}}``.

        The format of :meth:`training.metrics.Metric.to_dict`; the settings carry each
        measure's range over the runs and the run count.
        """
        common = {k: self.settings[k] for k in ("n_runs", "steps", "transient")}
        spreads = {
            "D_stsp": (self.d_stsp, {"n_bins": self.settings["n_bins"]}),
            "D_H": (self.d_h, {"sigma": self.settings["sigma"], "window": self.settings["window"]}),
            "lambda_max": (self.lambda_max, {"steps": self.settings["lyapunov_steps"]}),
        }
        metrics = {
            name: {
                "value": spread.median,
                "settings": {**common, **own, "min": spread.low, "max": spread.high},
            }
            for name, (spread, own) in spreads.items()
        }
        metrics["prediction_error"] = self.prediction_error.to_dict()
        return metrics

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        per_time = self.lambda_max_per_time
        return {
            "D_stsp": self.d_stsp.to_dict(),
            "D_H": self.d_h.to_dict(),
            "lambda_max_per_step": self.lambda_max.to_dict(),
            "lambda_max_per_time": None if per_time is None else per_time.to_dict(),
            "dt": self.dt,
            "prediction_error": self.prediction_error.to_dict(),
            "occupation": dict(self.occupation),
            "regions_used": list(self.regions_used),
            "diverged_runs": self.diverged,
            "settings": dict(self.settings),
        }


def _windowed_d_h(reference: np.ndarray, run: np.ndarray, window: int, sigma: float) -> float:
    """Median D_H of consecutive windows of the run against windows of the reference."""
    n_ref, n_run = len(reference) // window, len(run) // window
    if n_ref == 0 or n_run == 0:
        raise ValueError(f"window = {window} is longer than the reference or the free run")
    values = [
        power_spectrum_distance(
            reference[(i % n_ref) * window : (i % n_ref + 1) * window],
            run[i * window : (i + 1) * window],
            sigma,
        ).value
        for i in range(n_run)
    ]
    return float(np.median(values)) if np.isfinite(values).all() else float("nan")


def spread_starts(x, n_runs: int, M: int, B=None) -> np.ndarray:
    """Latent initial states of ``n_runs`` free runs from evenly spaced points of a series:
    x_{⌊rT/n⌋}, r = 0 … n − 1, lifted by :func:`training.metrics.latent_states`.

    Examples
    --------
    >>> spread_starts(np.arange(8.0)[:, None], 4, M=2).tolist()
    [[0.0, 0.0], [2.0, 0.0], [4.0, 0.0], [6.0, 0.0]]
    """
    x = np.asarray(x)
    return latent_states(x[(np.arange(n_runs) * len(x)) // n_runs], M, B)


def robust_evaluation(
    m: PWLMap,
    x_reference,
    B=None,
    dt: float | None = None,
    n_runs: int = 5,
    steps: int = 100_000,
    transient: int = 1000,
    window: int = 10_000,
    n_bins: int = 30,
    sigma: float = 20.0,
    n_steps: int = 20,
    lyapunov_steps: int | None = None,
    min_occupation: float = 0.01,
) -> RobustEvaluation:
    """Evaluate a model by ``n_runs`` long free runs from different points of the data.

    Parameters
    ----------
    m : PWLMap
        The trained map; its first N latent units are the observations.
    x_reference : array_like, shape (T, N)
        Data to compare with (held-out or training part: the caller decides).  Run r starts
        from x_reference[r · T / n_runs] (lifted to the latent space with ``B``).
    B : array_like, shape (N, M), optional
        Initial-state map (see :func:`training.metrics.latent_states`).
    dt : float, optional
        Sampling interval, for λ_max per time unit.
    n_runs, steps, transient : int
        Free runs, their length after the transient, the transient discarded.
    window : int
        Window length of D_H.
    n_bins, sigma, n_steps : int, float, int
        D_stsp bins per dimension, D_H smoothing, prediction horizon (0: no prediction
        error, NaN).
    lyapunov_steps : int, optional
        Tangent steps of λ_max (default: ``steps``; 0: no λ_max, NaN).
    min_occupation : float
        Share of time above which a region counts as used.

    Returns
    -------
    RobustEvaluation
        Median and range of each measure over the runs, and the regions used.

    Raises
    ------
    ValueError
        ``n_runs`` < 1, ``steps`` < 2, ``transient`` < 0, data of the wrong shape or not
        finite, or ``window`` longer than the data or the runs.

    References
    ----------
    Koppe, G. et al. (2019). PLoS Comput. Biol. 15(8) (D_stsp).  Mikhaeil, J. et al. (2022).
    NeurIPS (D_H).  Benettin, G. et al. (1980). Meccanica 15, 9–30 (λ_max).

    Examples
    --------
    The tent map's free runs have λ_max = log 2 per step:

    >>> m = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> x = np.random.default_rng(0).uniform(-0.5, 0.5, (2000, 1))
    >>> e = robust_evaluation(m, x, n_runs=3, steps=2000, window=1000, transient=10)
    >>> round(e.lambda_max.median, 3) == round(float(np.log(2)), 3)
    True
    """
    x_reference = _as_series("x_reference", x_reference)
    if n_runs < 1 or steps < 2 or transient < 0:
        raise ValueError(
            f"need n_runs ≥ 1, steps ≥ 2, transient ≥ 0; got {n_runs}, {steps}, {transient}"
        )
    N = x_reference.shape[1]
    z0 = spread_starts(x_reference, n_runs, m.M, B)
    tangent_steps = steps if lyapunov_steps is None else lyapunov_steps
    runs = free_run(m, max(steps, tangent_steps), transient, z0, bounded=False)
    orbit = runs[:steps]  # (steps, runs, M)
    finite = np.all(np.isfinite(orbit), axis=(0, 2))
    observed = orbit[:, :, :N]
    d_stsp, d_h = [], []
    for r in range(n_runs):
        if not finite[r]:
            d_stsp.append(float("nan"))
            d_h.append(float("nan"))
            continue
        d_stsp.append(state_space_divergence(x_reference, observed[:, r], n_bins=n_bins).value)
        d_h.append(_windowed_d_h(x_reference, observed[:, r], window, sigma))
    regions = m.region_of(orbit[:, finite])
    counts = np.bincount(regions.ravel(), minlength=m.n_regions)
    total = max(int(counts.sum()), 1)
    occupation = {m.region_label(i): counts[i] / total for i in np.flatnonzero(counts)}
    lyapunov = (
        maximal_lyapunov_exponents(m, runs[:tangent_steps])
        if tangent_steps > 0
        else np.full(n_runs, np.nan)
    )
    error = (
        prediction_error(m, x_reference, n_steps, B)
        if n_steps > 0
        else Metric("prediction_error", float("nan"), {"n_steps": 0})
    )
    return RobustEvaluation(
        d_stsp=Spread(tuple(d_stsp)),
        d_h=Spread(tuple(d_h)),
        lambda_max=Spread(tuple(float(v) for v in lyapunov)),
        dt=dt,
        prediction_error=error,
        occupation=occupation,
        diverged=int((~finite).sum()),
        settings={
            "n_runs": n_runs,
            "steps": steps,
            "transient": transient,
            "window": window,
            "n_bins": n_bins,
            "sigma": sigma,
            "n_steps": n_steps,
            "lyapunov_steps": tangent_steps,
            "min_occupation": min_occupation,
            "T_reference": len(x_reference),
        },
    )
