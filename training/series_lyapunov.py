"""λ_max of a recorded series, estimated from the data alone.

A user with recorded data has no true system to compare a model with; what the data itself
says about its largest Lyapunov exponent is the check they can make, and the target that
model selection (``TrainConfig.select_lambda``) aims at.  Two classical estimators:

* **Local Jacobians** (Eckmann & Ruelle 1985; Sano & Sawada 1985),
  :func:`local_jacobian_lyapunov`: along the series, at every k-th point x_i, fit by least
  squares the k-step Jacobian J_i that maps the displacements x_j − x_i of the nearest
  neighbours (more than one mean period away in time) to x_{j+k} − x_{i+k}; carry a tangent
  vector along, v ← J_i v / ‖J_i v‖, and read λ_max per step = ⟨log ‖J_i v‖⟩ / k.
* **Rosenstein, Collins & De Luca (1993)**, :func:`rosenstein_lyapunov`: for reference points
  take the nearest neighbour more than one mean period away, follow both,
  y(k) = ⟨ log ‖x_{i+k} − x_{j+k}‖ ⟩_i, and read λ_max as the slope of y(k) where it rises
  linearly (from 10 % to 50 % of its rise between start and plateau).

Both are repeated on disjoint parts of the data and reported as median and range.

What to expect (``tests/test_series_lyapunov.py``, 80,000–100,000 samples): on maps both are
within about 1–2 % (logistic map r = 4: ln 2; Hénon map: 0.419).  On sampled flows Rosenstein's
estimate is biased low, −6 % on Lorenz-63 (0.906) and −17 % on Rössler (0.0714), because
nearest neighbours are often separated along the flow, a direction that neither grows nor
shrinks; the local-Jacobian estimate follows the tangent dynamics itself and is within
about 2 % on both (measured −1.7 % and −1.5 %; +1.7 % on the Chen system, whose exponent was
not used to choose any setting).  :func:`lyapunov_record` uses local Jacobians when the
recording is long enough for neighbourhood fits (``SHORT_RECORDING`` samples) and
Rosenstein's method on a delay embedding otherwise (the fMRI: 360 samples in 20 dimensions).
Either is a data-side estimate to set beside the model's exact λ_max, not a reference value.

nolds (a maintained implementation of Rosenstein's method) is not used: its releases
0.6.1–0.6.3 fail to import on this project's Python 3.11 with setuptools ≥ 81.

References
----------
Eckmann, J.-P., Ruelle, D. (1985). Ergodic theory of chaos and strange attractors. Rev. Mod.
Phys. 57, 617–656.
Sano, M., Sawada, Y. (1985). Measurement of the Lyapunov spectrum from a chaotic time series.
Phys. Rev. Lett. 55, 1082–1085.
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

#: Names of the two estimators, as records give them
LOCAL_JACOBIANS = "local Jacobians (Eckmann & Ruelle 1985; Sano & Sawada 1985)"
ROSENSTEIN = "Rosenstein et al. 1993 (nearest neighbours, slope of mean log separation)"

#: Neighbours asked of the k-d tree per reference point; the nearest one far enough in time
#: is taken among them.
_CANDIDATES = 64


@dataclass(frozen=True)
class SeriesLyapunov:
    """An estimate of λ_max from a series.

    Attributes
    ----------
    per_step : Spread
        λ_max per sample, over ``n_repeats`` disjoint parts of the data.
    dt : float or None
        Sampling interval; with it, :attr:`per_time` is λ_max per time unit.
    method : str
        The estimator and its reference.
    settings : dict
        What the estimator used (temporal separation of neighbours, step, fit range, …).
    divergence : ndarray or None
        Rosenstein's y(k), the mean log separation of the first repeat (None for local
        Jacobians).
    """

    per_step: Spread
    dt: float | None
    method: str
    settings: dict
    divergence: np.ndarray | None = None

    @property
    def per_time(self) -> Spread | None:
        """λ_max per time unit (``None`` without ``dt``)."""
        if self.dt is None:
            return None
        return Spread(tuple(v / self.dt for v in self.per_step.values))

    def __repr__(self) -> str:
        unit = f"{self.per_time} per time unit" if self.dt else f"{self.per_step} per step"
        return f"SeriesLyapunov(λ_max ≈ {unit}, {self.method})"

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "method": self.method,
            "per_step": self.per_step.to_dict(),
            "per_time": None if self.per_time is None else self.per_time.to_dict(),
            "dt": self.dt,
            **self.settings,
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


def _checked(x, dt) -> np.ndarray:
    """The series as a finite (T, N) float array with T ≥ ``MIN_SAMPLES``; dt checked."""
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
    return x


def local_jacobian_lyapunov(
    x,
    dt: float | None = None,
    *,
    step: int | None = None,
    n_neighbours: int | None = None,
    n_repeats: int = 5,
    seed: int = 0,
) -> SeriesLyapunov:
    """λ_max of a (T, N) state-space series from local Jacobians along it.

    At the points x_i, i = 0, k, 2k, … (k = ``step``), the k-step Jacobian is the least-squares
    fit over the n nearest neighbours x_j that are more than one mean period away in time,

        J_i = argmin_J Σ_j ‖(x_{j+k} − x_{i+k}) − J (x_j − x_i)‖²,

    and a unit tangent vector carried along the chain, v_{i+k} = J_i v_i / ‖J_i v_i‖, grows on
    average by λ_max per step:

        λ_max ≈ (1 / (k n_i)) Σ_i log ‖J_i v_i‖

    (Eckmann & Ruelle 1985; Sano & Sawada 1985).  The chain is cut into ``n_repeats``
    consecutive parts, each started from a random unit vector whose first 20 factors
    (the alignment with the unstable direction) are not counted.

    Parameters
    ----------
    x : array_like, shape (T, N) or (T,)
        The series (already a state space: a multivariate recording or a delay embedding).
    dt : float, optional
        Sampling interval, for λ_max per time unit.
    step : int, optional
        k; default a tenth of the mean period (at least 1), so the fitted map is close to
        linear over a neighbourhood and still moves the tangent vector on.
    n_neighbours : int, optional
        Neighbours per fit; default 4 (N + 1).
    n_repeats : int
        Consecutive parts of the chain; the estimate is given as median and range.
    seed : int
        Seed of the starting tangent vectors.

    Returns
    -------
    SeriesLyapunov

    Raises
    ------
    UserInputError
        A series that is not finite, too short or constant, or with too few neighbours a
        mean period away in time for the fits.

    Examples
    --------
    The Hénon map (a = 1.4, b = 0.3) has λ_max = 0.41922 per step (Sprott 2003, Table A.1):

    >>> x = [(0.1, 0.1)]
    >>> for _ in range(20_000):
    ...     u, v = x[-1]
    ...     x.append((1 - 1.4 * u * u + v, 0.3 * u))
    >>> estimate = local_jacobian_lyapunov(x[100:])
    >>> round(estimate.per_step.median, 2)
    0.42
    """
    x = _checked(x, dt)
    T, N = x.shape
    period = mean_period(x)
    step = max(1, round(period / 10)) if step is None else int(step)
    n_neighbours = 4 * (N + 1) if n_neighbours is None else int(n_neighbours)
    separation = int(np.ceil(period))
    if step < 1 or n_neighbours < N + 1:
        raise UserInputError(
            f"need step ≥ 1 and at least N + 1 = {N + 1} neighbours, got {step} and {n_neighbours}"
        )
    reference = np.arange(0, T - step, step)
    asked = min(4 * n_neighbours, T - step)
    _, neighbour = cKDTree(x[: T - step]).query(x[reference], k=asked)
    usable = np.abs(neighbour - reference[:, None]) > separation
    # the first n usable neighbours of each point (a stable sort puts them first); rows of
    # unusable ones are zeroed and drop out of the least-squares fit
    first = np.argsort(~usable, axis=1, kind="stable")[:, :n_neighbours]
    neighbour = np.take_along_axis(neighbour, first, axis=1)
    keep = np.take_along_axis(usable, first, axis=1)
    # a point without N + 1 of them is skipped: on a recurrent series this is rare
    fitted = keep.sum(axis=1) >= N + 1
    if fitted.sum() < 20 * n_repeats + 20:
        raise UserInputError(
            "too few points have neighbours a mean period away in time for local fits: the "
            "series is too short to estimate λ_max from local Jacobians"
        )
    here, there = x[neighbour] - x[reference, None], x[neighbour + step] - x[reference + step, None]
    here, there = here * keep[..., None], there * keep[..., None]
    jacobians = np.swapaxes(np.linalg.pinv(here) @ there, 1, 2)  # (R, N, N): J_i
    rng = np.random.default_rng(seed)
    estimates = []
    for part in np.array_split(np.flatnonzero(fitted), n_repeats):
        v = rng.standard_normal(N)
        logs = []
        for i in part:
            v = jacobians[i] @ v
            norm = np.linalg.norm(v)
            if not norm > 0:
                v, norm = rng.standard_normal(N), np.nan
            logs.append(np.log(norm))
            v = v / np.linalg.norm(v)
        estimates.append(np.nanmean(logs[20:]) / step)
    return SeriesLyapunov(
        per_step=Spread(tuple(float(e) for e in estimates)),
        dt=dt,
        method=LOCAL_JACOBIANS,
        settings={"min_separation": separation, "step": step, "n_neighbours": n_neighbours},
    )


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
    x = _checked(x, dt)
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
        method=ROSENSTEIN,
        settings={"min_separation": separation, "fit_steps": list(fits[0])},
        divergence=curves[0],
    )


#: The fewest samples :func:`rosenstein_lyapunov` reads an exponent from
MIN_SAMPLES = 100
#: A recording shorter than this is delay-embedded and read by Rosenstein's method in
#: :func:`lyapunov_record`; a longer one by local Jacobians
SHORT_RECORDING = 2000
#: Delay embedding (dimension, lag) of each column of a short recording
SHORT_EMBEDDING = (3, 1)


def lyapunov_record(x, dt: float | None = None) -> dict:
    """The data-side λ_max of a recording as a JSON-ready dict, or ``{"error": reason}`` when
    the series has no exponent to read (too short, constant, neighbours that never separate).

    A recording of at least ``SHORT_RECORDING`` = 2000 samples is estimated from local
    Jacobians (:func:`local_jacobian_lyapunov`, within about 2 % on sampled flows).  A shorter
    one (the fMRI: 360) has too few neighbours for local fits; each column is then
    delay-embedded, x_t ↦ (x_t, x_{t+1}, x_{t+2}) (``SHORT_EMBEDDING``), λ_max is read by
    :func:`rosenstein_lyapunov`, and the dict says so under ``"delay_embedding"``.  The
    record names its method.  Model selection by λ_max, the report of ``pwl-analysis run
    --data`` and ``benchmarks/bench_recorded.py`` all use this function, so they state the
    same estimate.

    Examples
    --------
    >>> lyapunov_record(np.ones((500, 2)))
    {'error': 'the series is constant: it has no Lyapunov exponent to estimate'}

    The logistic map x ↦ 4x(1 − x) (λ = ln 2 per step): 5,000 samples by local Jacobians,
    1,500 embedded as (x_t, x_{t+1}, x_{t+2}) and read by Rosenstein's method:

    >>> x = [0.3]
    >>> for _ in range(5000):
    ...     x.append(4 * x[-1] * (1 - x[-1]))
    >>> long, short = lyapunov_record(np.array(x)), lyapunov_record(np.array(x[:1500]))
    >>> long["method"] == LOCAL_JACOBIANS, round(long["per_step"]["median"], 2)
    (True, 0.69)
    >>> short["delay_embedding"], round(short["per_step"]["median"], 1)
    ({'dimension': 3, 'lag': 1}, 0.7)
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    try:
        if x.ndim == 2 and len(x) >= SHORT_RECORDING:
            return local_jacobian_lyapunov(x, dt=dt).to_dict()
        if x.ndim == 2 and MIN_SAMPLES <= len(x):
            dimension, lag = SHORT_EMBEDDING
            x = np.concatenate([delay_embedding(c, dimension, lag) for c in x.T], axis=1)
            record = rosenstein_lyapunov(x, dt=dt).to_dict()
            return record | {"delay_embedding": {"dimension": dimension, "lag": lag}}
        return rosenstein_lyapunov(x, dt=dt).to_dict()
    except UserInputError as error:
        return {"error": str(error)}
