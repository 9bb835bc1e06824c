"""λ_max of a recorded series, estimated from the data alone (Rosenstein's method).

A user with recorded data has no true system to compare a model with; what the data itself
says about its largest Lyapunov exponent is the check they can make.  Rosenstein, Collins &
De Luca (1993): for reference points x_i of the (embedded) series take the nearest neighbour
x_j that is more than one mean period away in time, follow both,

    y(k) = ⟨ log ‖x_{i+k} − x_{j+k}‖ ⟩_i ,

and read λ_max per step as the slope of y(k) where it rises linearly, before the separation
saturates at the size of the attractor.  The linear part is taken from 10 % to 50 % of the
rise of y between its start and its plateau; the estimate is repeated on ``n_repeats``
disjoint sets of reference points and reported as median and range.

What to expect (``tests/test_series_lyapunov.py``): on maps the estimate is within about 1 %
(logistic map r = 4: ln 2; Hénon map: 0.419); on sampled flows it is biased low, −6 % on
Lorenz-63 (0.906) and −17 % on Rössler (0.0714) from 100,000 samples, because nearest
neighbours are often separated along the flow, a direction that neither grows nor shrinks.
It is a data-side estimate to set beside the model's exact λ_max, not a reference value.

nolds (a maintained implementation of the same method) is not used: its releases 0.6.1–0.6.3
fail to import on this project's Python 3.11 with setuptools ≥ 81.

References
----------
Rosenstein, M. T., Collins, J. J., De Luca, C. J. (1993). A practical method for calculating
largest Lyapunov exponents from small data sets. Physica D 65, 117–134.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from pwl_analysis.errors import UserInputError
from training.ecg import delay_embedding
from training.evaluation import Spread

#: Neighbours asked of the k-d tree per reference point; the nearest one far enough in time
#: is taken among them.
_CANDIDATES = 64


@dataclass(frozen=True)
class SeriesLyapunov:
    """Rosenstein's estimate of λ_max from a series.

    Attributes
    ----------
    per_step : Spread
        λ_max per sample, over ``n_repeats`` disjoint sets of reference points.
    dt : float or None
        Sampling interval; with it, :attr:`per_time` is λ_max per time unit.
    min_separation : int
        Temporal separation (samples) required of a neighbour: the mean period.
    fit_steps : tuple of int
        The steps (first, last) of y(k) the slope was fitted on (first repeat).
    divergence : ndarray
        y(k), the mean log separation, of the first repeat.
    """

    per_step: Spread
    dt: float | None
    min_separation: int
    fit_steps: tuple[int, int]
    divergence: np.ndarray

    @property
    def per_time(self) -> Spread | None:
        """λ_max per time unit (``None`` without ``dt``)."""
        if self.dt is None:
            return None
        return Spread(tuple(v / self.dt for v in self.per_step.values))

    def __repr__(self) -> str:
        unit = f"{self.per_time} per time unit" if self.dt else f"{self.per_step} per step"
        return f"SeriesLyapunov(λ_max ≈ {unit}, Rosenstein 1993)"

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "method": "Rosenstein et al. 1993 (nearest neighbours, slope of mean log separation)",
            "per_step": self.per_step.to_dict(),
            "per_time": None if self.per_time is None else self.per_time.to_dict(),
            "dt": self.dt,
            "min_separation": self.min_separation,
            "fit_steps": list(self.fit_steps),
        }


def mean_period(x: np.ndarray) -> float:
    """Mean period of a (T, N) series in samples: 1 / the power-weighted mean frequency."""
    power = (np.abs(np.fft.rfft(x - x.mean(axis=0), axis=0)) ** 2).sum(axis=1)[1:]
    frequencies = np.fft.rfftfreq(len(x))[1:]
    if power.sum() == 0:
        raise UserInputError("the series is constant: it has no Lyapunov exponent to estimate")
    return float(1.0 / (np.sum(frequencies * power) / power.sum()))


def _divergence(x, horizon: int, separation: int, reference: np.ndarray) -> np.ndarray:
    """y(k), k = 0 … horizon, over the reference points that have a far-enough neighbour."""
    tree = cKDTree(x[: len(x) - horizon])
    distance, neighbour = tree.query(x[reference], k=min(_CANDIDATES, len(x) - horizon))
    usable = (np.abs(neighbour - reference[:, None]) > separation) & (distance > 0)
    first = usable.argmax(axis=1)
    found = usable[np.arange(len(reference)), first]
    if not found.any():
        raise UserInputError(
            "no two points of the series are close in state space and a mean period apart in "
            "time: the series is too short to estimate λ_max"
        )
    i = reference[found]
    j = neighbour[np.arange(len(reference)), first][found]
    steps = np.arange(horizon + 1)
    separation_k = np.linalg.norm(x[i[:, None] + steps] - x[j[:, None] + steps], axis=-1)
    return np.log(np.maximum(separation_k, np.finfo(float).tiny)).mean(axis=0)


def _slope(y: np.ndarray, low: float = 0.1, high: float = 0.5) -> tuple[float, int, int]:
    """Slope of y(k) between ``low`` and ``high`` of its rise from start to plateau."""
    start = y[: max(1, len(y) // 200) + 1].mean()
    plateau = y[-max(1, len(y) // 5) :].mean()
    rise = plateau - start
    if not rise > 0:
        raise UserInputError(
            "neighbouring points of the series do not separate: no positive Lyapunov exponent "
            "can be read from it"
        )
    first = int(np.argmax(y > start + low * rise))
    last = max(int(np.argmax(y > start + high * rise)), first + 2)
    k = np.arange(first, last + 1)
    return float(np.polyfit(k, y[first : last + 1], 1)[0]), first, last


def rosenstein_lyapunov(
    x,
    dt: float | None = None,
    *,
    horizon: int | None = None,
    n_reference: int = 2000,
    n_repeats: int = 5,
    seed: int = 0,
) -> SeriesLyapunov:
    """λ_max of a (T, N) state-space series by Rosenstein's method.

    Parameters
    ----------
    x : array_like, shape (T, N) or (T,)
        The series (already a state space: a multivariate recording or a delay embedding,
        see :func:`training.ecg.delay_embedding`; a 1-D series is used as it is).
    dt : float, optional
        Sampling interval, for λ_max per time unit.
    horizon : int, optional
        Steps k to follow each pair; default 30 mean periods (at least 20), at most T / 4.
    n_reference : int
        Reference points per repeat.
    n_repeats : int
        Disjoint sets of reference points; the estimate is given as median and range.
    seed : int
        Seed of the choice of reference points.

    Returns
    -------
    SeriesLyapunov

    Raises
    ------
    UserInputError
        A series that is not finite, too short, constant, or whose neighbours never separate.

    Examples
    --------
    The logistic map x ↦ 4x(1 − x) has λ = ln 2 ≈ 0.693 per step:

    >>> x = [0.3]
    >>> for _ in range(5000):
    ...     x.append(4 * x[-1] * (1 - x[-1]))
    >>> from training.ecg import delay_embedding
    >>> estimate = rosenstein_lyapunov(delay_embedding(x[100:], 2, 1), n_reference=1000)
    >>> round(estimate.per_step.median, 2)  # ln 2 = 0.693
    0.7
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    if x.ndim != 2 or len(x) < MIN_SAMPLES:
        raise UserInputError(
            f"need a (T, N) series with T ≥ {MIN_SAMPLES} samples, got shape {x.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise UserInputError("the series contains NaN or infinite values")
    if dt is not None and not dt > 0:
        raise UserInputError(f"dt must be positive, got {dt}")
    period = mean_period(x)
    if horizon is None:
        horizon = max(int(30 * period), 20)
    horizon = min(int(horizon), len(x) // 4)
    separation = int(np.ceil(period))
    rng = np.random.default_rng(seed)
    candidates = rng.permutation(len(x) - horizon)
    size = min(n_reference, len(candidates) // n_repeats)
    slopes, fits, curves = [], [], []
    for r in range(n_repeats):
        reference = np.sort(candidates[r * size : (r + 1) * size])
        y = _divergence(x, horizon, separation, reference)
        slope, first, last = _slope(y)
        slopes.append(slope)
        fits.append((first, last))
        curves.append(y)
    return SeriesLyapunov(
        per_step=Spread(tuple(slopes)),
        dt=dt,
        min_separation=separation,
        fit_steps=fits[0],
        divergence=curves[0],
    )


#: The fewest samples :func:`rosenstein_lyapunov` reads an exponent from
MIN_SAMPLES = 100
#: A recording shorter than this is delay-embedded before :func:`lyapunov_record` estimates λ_max
SHORT_RECORDING = 2000
#: Delay embedding (dimension, lag) of each column of a short recording
SHORT_EMBEDDING = (3, 1)


def lyapunov_record(x, dt: float | None = None) -> dict:
    """:func:`rosenstein_lyapunov` of a recording as a JSON-ready dict, or ``{"error": reason}``
    when the series has no exponent to read (too short, constant, neighbours that never
    separate).

    A recording of fewer than ``SHORT_RECORDING`` = 2000 samples (the fMRI: 360) has too few
    nearest neighbours in its own coordinates; each column is then delay-embedded,
    x_t ↦ (x_t, x_{t+1}, x_{t+2}) (``SHORT_EMBEDDING``), and the dict says so under
    ``"delay_embedding"``.  The report of ``pwl-analysis run --data`` and
    ``benchmarks/bench_recorded.py`` both use this function, so they state the same estimate.

    Examples
    --------
    >>> lyapunov_record(np.ones((500, 2)))
    {'error': 'the series is constant: it has no Lyapunov exponent to estimate'}

    The logistic map x ↦ 4x(1 − x) (λ = ln 2 per step) from 1,500 samples is embedded as
    (x_t, x_{t+1}, x_{t+2}) first:

    >>> x = [0.3]
    >>> for _ in range(1500):
    ...     x.append(4 * x[-1] * (1 - x[-1]))
    >>> record = lyapunov_record(np.array(x)[:, None])
    >>> record["delay_embedding"], round(record["per_step"]["median"], 1)
    ({'dimension': 3, 'lag': 1}, 0.7)
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    embedding = None
    try:
        if x.ndim == 2 and MIN_SAMPLES <= len(x) < SHORT_RECORDING:
            dimension, lag = SHORT_EMBEDDING
            x = np.concatenate([delay_embedding(c, dimension, lag) for c in x.T], axis=1)
            embedding = {"dimension": dimension, "lag": lag}
        record = rosenstein_lyapunov(x, dt=dt).to_dict()
    except UserInputError as error:
        return {"error": str(error)}
    if embedding is not None:
        record["delay_embedding"] = embedding
    return record
