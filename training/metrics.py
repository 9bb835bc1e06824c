"""Dynamical-systems-reconstruction (DSR) measures: how closely a free run matches the data.

All functions take plain numpy arrays of shape (T, N), time along axis 0, and return a
:class:`Metric` that carries the settings it was computed with, so a stored number is never
separated from the bins, smoothing or length behind it.

- :func:`state_space_divergence`  D_stsp: KL divergence of the occupation measures.
- :func:`power_spectrum_distance`  D_H: Hellinger distance of smoothed power spectra.
- :func:`prediction_error`  n-step-ahead mean squared error from teacher states.
- :func:`maximal_lyapunov_exponent`  λ_max of the map from its exact Jacobians.

References
----------
Koppe, G., Toutounji, H., Kirsch, P., Lis, S., Durstewitz, D. (2019). Identifying nonlinear
dynamical systems via generative recurrent neural networks. PLoS Comput. Biol. 15(8).
Mikhaeil, J., Monfared, Z., Durstewitz, D. (2022). On the difficulty of learning chaotic
dynamics with RNNs. NeurIPS 2022.
Hess, F., Monfared, Z., Brenner, M., Durstewitz, D. (2023). Generalized teacher forcing for
learning chaotic dynamics. ICML 2023.
Brenner, M., Hemmer, C. J., Monfared, Z., Durstewitz, D. (2024). Almost-Linear RNNs Yield
Highly Interpretable Symbolic Codes in Dynamical Systems Reconstruction. NeurIPS 2024.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.special import logsumexp

from pwl_analysis.errors import UserInputError
from pwl_analysis.free_runs import free_run
from pwl_analysis.lyapunov import maximal_lyapunov_exponents
from pwl_analysis.pwl_map import PWLMap

#: Above this many observed dimensions D_stsp uses the Gaussian-mixture estimate.
MAX_BINNED_DIMENSIONS = 10


@dataclass(frozen=True)
class Metric:
    """One DSR measure and the settings it was computed with.

    Attributes
    ----------
    name : str
        ``"D_stsp"``, ``"D_H"``, ``"prediction_error"`` or ``"lambda_max"``.
    value : float
        The number (NaN when undefined, e.g. a free run that left the data range entirely).
    settings : dict
        Everything needed to recompute it: bins, σ, lengths, method.
    """

    name: str
    value: float
    settings: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        details = ", ".join(f"{k}={v}" for k, v in self.settings.items())
        return f"{self.name} = {self.value:.4g} ({details})"

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {"value": float(self.value), "settings": dict(self.settings)}


def _as_series(name: str, x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] < 2:
        raise UserInputError(f"{name} must be a (T, N) time series with T ≥ 2, got shape {x.shape}")
    return x


def _check_pair(x_true, x_gen) -> tuple[np.ndarray, np.ndarray]:
    x_true, x_gen = _as_series("x_true", x_true), _as_series("x_gen", x_gen)
    if x_true.shape[1] != x_gen.shape[1]:
        raise UserInputError(
            f"x_true has {x_true.shape[1]} dimensions but x_gen has {x_gen.shape[1]}"
        )
    if not np.all(np.isfinite(x_true)):
        raise UserInputError("x_true contains NaN or infinite values")
    return x_true, x_gen


# ---- D_stsp --------------------------------------------------------------------------------


def _bin_indices(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, n_bins: int) -> np.ndarray:
    """Flat bin index of every row of x inside the box [lo, hi); rows outside are dropped.

    Rows are selected before binning, so huge values of a diverging run never overflow.
    """
    x = x[np.all((x >= lo) & (x < hi), axis=1)]
    coordinates = np.floor(n_bins * (x - lo) / (hi - lo)).astype(np.int64)
    coordinates = np.minimum(coordinates, n_bins - 1)  # rounding at the upper edge
    return np.ravel_multi_index(tuple(coordinates.T), (n_bins,) * x.shape[1])


def _binned_kl(x_true: np.ndarray, x_gen: np.ndarray, n_bins: int, alpha: float) -> float:
    """KL(p‖q) of Laplace-smoothed histograms, summing the never-visited bins in closed form."""
    sigma = x_true.std(axis=0)
    lo, hi = x_true.min(axis=0) - 0.1 * sigma, x_true.max(axis=0) + 0.1 * sigma
    bins_true = _bin_indices(x_true, lo, hi, n_bins)
    bins_gen = _bin_indices(x_gen, lo, hi, n_bins)
    if bins_gen.size == 0:
        return float("nan")
    visited, inverse = np.unique(np.concatenate([bins_true, bins_gen]), return_inverse=True)
    counts_true = np.bincount(inverse[: bins_true.size], minlength=visited.size)
    counts_gen = np.bincount(inverse[bins_true.size :], minlength=visited.size)
    n_total = float(n_bins) ** x_true.shape[1]
    p = (counts_true + alpha) / (bins_true.size + alpha * n_total)
    q = (counts_gen + alpha) / (bins_gen.size + alpha * n_total)
    p_empty = alpha / (bins_true.size + alpha * n_total)
    q_empty = alpha / (bins_gen.size + alpha * n_total)
    n_empty = n_total - visited.size
    return float(np.sum(p * np.log(p / q)) + n_empty * p_empty * np.log(p_empty / q_empty))


def _gmm_log_density(points: np.ndarray, centres: np.ndarray, sigma: float) -> np.ndarray:
    """log of (1/T) Σ_t N(point; centre_t, σ² I) for each point."""
    squared = (points**2).sum(1)[:, None] - 2 * points @ centres.T + (centres**2).sum(1)[None, :]
    dim = points.shape[1]
    log_norm = -0.5 * dim * np.log(2 * np.pi * sigma**2) - np.log(centres.shape[0])
    return logsumexp(-0.5 * np.maximum(squared, 0.0) / sigma**2, axis=1) + log_norm


def _gmm_kl(x_true, x_gen, sigma: float, max_T: int, samples: int, seed: int) -> float:
    """Monte-Carlo KL of the Gaussian mixtures centred on the two series (Hershey & Olsen)."""
    x_true, x_gen = x_true[:max_T], x_gen[:max_T]
    x_gen = x_gen[np.all(np.isfinite(x_gen), axis=1)]
    if x_gen.shape[0] == 0:
        return float("nan")
    rng = np.random.default_rng(seed)
    draws = x_true[rng.integers(0, x_true.shape[0], samples)]
    draws = draws + sigma * rng.standard_normal(draws.shape)
    return float(
        np.mean(_gmm_log_density(draws, x_true, sigma) - _gmm_log_density(draws, x_gen, sigma))
    )


def state_space_divergence(
    x_true,
    x_gen,
    n_bins: int = 30,
    alpha: float = 1e-5,
    gmm_sigma: float = 1.0,
    gmm_samples: int = 1000,
    seed: int = 0,
) -> Metric:
    """D_stsp = KL(p_true ‖ p_gen) between the occupation measures of two trajectories.

    For N ≤ 10 observed dimensions the measures are histograms with ``n_bins`` bins per
    dimension over the box [min − 0.1 s, max + 0.1 s] of the true data (s its standard
    deviation), with Laplace smoothing p_k = (c_k + α) / (Σ c + α K) over all K = n_bins^N
    bins; generated points outside the box are not counted.  For N > 10 each series defines
    the Gaussian mixture (1/T) Σ_t N(x_t, σ² I) and the KL divergence is a Monte-Carlo mean
    of log p_true − log p_gen over ``gmm_samples`` draws from p_true (first 10,000 points).

    Parameters
    ----------
    x_true, x_gen : array_like, shape (T, N) and (T', N)
    n_bins : int
        Bins per dimension (binned estimate).
    alpha : float
        Laplace pseudo-count added to every bin.
    gmm_sigma : float
        Mixture component width σ (Gaussian-mixture estimate).
    gmm_samples, seed : int
        Monte-Carlo sample size and seed (Gaussian-mixture estimate).

    Returns
    -------
    Metric
        ``value`` ≈ 0 for trajectories on the same attractor, NaN if no generated point
        falls in the box.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(5000, 2))
    >>> state_space_divergence(x, x).value
    0.0
    """
    x_true, x_gen = _check_pair(x_true, x_gen)
    N = x_true.shape[1]
    if N <= MAX_BINNED_DIMENSIONS:
        value = _binned_kl(x_true, x_gen, n_bins, alpha)
        settings = {"method": "binned", "n_bins": n_bins, "alpha": alpha}
    else:
        value = _gmm_kl(x_true, x_gen, gmm_sigma, 10_000, gmm_samples, seed)
        settings = {"method": "gmm", "sigma": gmm_sigma, "samples": gmm_samples, "seed": seed}
    settings.update(T_true=x_true.shape[0], T_gen=x_gen.shape[0])
    return Metric("D_stsp", value, settings)


# ---- D_H -----------------------------------------------------------------------------------


def _smoothed_spectra(x: np.ndarray, sigma: float) -> np.ndarray:
    """Per-dimension |rfft|² of the z-scored series, Gaussian-smoothed and summing to 1."""
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    spectra = np.abs(np.fft.rfft(x, axis=0)) ** 2
    if sigma > 0:
        spectra = gaussian_filter1d(spectra, sigma, axis=0)
    return spectra / spectra.sum(axis=0)


def power_spectrum_distance(x_true, x_gen, sigma: float = 20.0) -> Metric:
    """D_H: Hellinger distance of smoothed power spectra, averaged over dimensions.

    Each dimension is z-scored, its power spectrum |rfft(x)|² smoothed with a Gaussian
    kernel of width σ frequency bins and normalised to a distribution f; then

        H(f, g) = sqrt(1 − Σ_ω sqrt(f(ω) g(ω))),   D_H = mean over dimensions of H.

    Parameters
    ----------
    x_true, x_gen : array_like, shape (T, N)
        Two series of the same length.
    sigma : float
        Width of the Gaussian smoothing kernel, in frequency bins.

    Returns
    -------
    Metric
        ``value`` in [0, 1]; NaN if x_gen is not finite (or so large that its spread
        overflows) or has a constant dimension.

    Examples
    --------
    >>> x = np.sin(np.linspace(0, 60, 2000))[:, None]
    >>> round(power_spectrum_distance(x, x).value, 6)  # √(1 − Σf) of a rounding error
    0.0
    """
    x_true, x_gen = _check_pair(x_true, x_gen)
    if x_true.shape != x_gen.shape:
        raise UserInputError(f"D_H needs equal shapes, got {x_true.shape} and {x_gen.shape}")
    settings = {"sigma": sigma, "T": x_true.shape[0]}
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run: std is inf or NaN
        spread = x_gen.std(axis=0)
    if not np.all(np.isfinite(spread)) or np.any(spread == 0):
        return Metric("D_H", float("nan"), settings)
    overlap = np.sum(np.sqrt(_smoothed_spectra(x_true, sigma) * _smoothed_spectra(x_gen, sigma)), 0)
    value = float(np.mean(np.sqrt(np.clip(1.0 - overlap, 0.0, None))))
    return Metric("D_H", value, settings)


# ---- free runs, prediction, Lyapunov -------------------------------------------------------


def latent_states(x, M: int, B=None) -> np.ndarray:
    """Latent states for observations x, shape (T, N) -> (T, M).

    The first N units are the observation (identity observation model); the other M − N
    come from the initial-state map, z = x B with shape (N, M), or are zero when B is None.
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    z = np.zeros((x.shape[0], M)) if B is None else x @ np.asarray(B, dtype=np.float64)
    z[:, : x.shape[1]] = x
    return z


def observed_free_run(m: PWLMap, x0, steps: int, B=None) -> np.ndarray:
    """Observed units of the free run from observation x0: (steps, N), first row x0.

    The run starts from the latent state of x0 (:func:`latent_states`) and keeps whatever
    it reaches, ±inf or NaN included (:func:`pwl_analysis.free_runs.free_run`).
    """
    x0 = np.asarray(x0, dtype=np.float64)
    z0 = latent_states(x0[None, :], m.M, B)[0]
    return free_run(m, steps, z0=z0, bounded=False)[:, : x0.shape[0]]


def prediction_error(m: PWLMap, x, n_steps: int = 20, B=None) -> Metric:
    """Mean squared n-step prediction error from latent states built from the data.

    From every z_t = latent_states(x_t) the map is iterated n times and its first N units
    are compared with x_{t+n}: mean over t and dimensions of (f^n(z_t)_{1:N} − x_{t+n})².
    """
    x = _as_series("x", x)
    if not 1 <= n_steps < x.shape[0]:
        raise UserInputError(f"n_steps must be in 1…{x.shape[0] - 1}, got {n_steps}")
    z = latent_states(x[:-n_steps], m.M, B)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(n_steps):
            z = m(z)
        value = float(np.mean((z[:, : x.shape[1]] - x[n_steps:]) ** 2))
    return Metric("prediction_error", value, {"n_steps": n_steps, "T": x.shape[0]})


def maximal_lyapunov_exponent(m: PWLMap, z0, steps: int = 10_000, transient: int = 1000) -> Metric:
    """λ_max = lim (1/n) log ‖J_{n−1} ⋯ J_0 v‖ along the orbit of z0, per map iteration.

    :func:`pwl_analysis.lyapunov.maximal_lyapunov_exponents` of the free run from z0; NaN if
    the orbit leaves the finite numbers.
    """
    z0 = np.asarray(z0, dtype=np.float64)[None, :]
    orbit = free_run(m, steps, transient, z0, bounded=False)
    value = maximal_lyapunov_exponents(m, orbit)[0]
    return Metric("lambda_max", float(value), {"steps": steps, "transient": transient})
