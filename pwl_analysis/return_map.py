"""Poincaré return maps of free runs: the period-1 orbit of a flow as a model sees it.

A map trained on a flow with time step Δt need not have a periodic orbit near each of the
flow's periodic orbits: near a hyperbolic periodic orbit of period T the Δt-map has an
invariant closed curve, and periodic points on it exist only where the motion along the
curve locks to a rational rotation (the pairs of cycles with neighbouring periods that
:class:`~pwl_analysis.methods.seeded.TrajectorySeeded` finds are such locked pairs).  The flow's
orbit is still visible in the *return map* of a free run on a section Σ:

    u_{n+1} = R(u_n),   u_n = a coordinate of the n-th upward crossing of Σ,

whose fixed point u* = R(u*) is the period-1 orbit and whose slope Λ = R'(u*) its unstable
Floquet multiplier, when the flow contracts so strongly transversally that the return map is
one-dimensional (Rössler: Λ ≈ −2.403 at a = b = 0.2, c = 5.7; Cvitanović et al., ChaosBook).

References
----------
Rössler, O. E. (1976). An equation for continuous chaos. Physics Letters A 57, 397–398.
Cvitanović, P., Artuso, R., Mainieri, R., Tanner, G., Vattay, G. ChaosBook.org, Niels Bohr
Institute, "Rössler flow" (period-1 cycle, Floquet multiplier −2.403).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pwl_analysis.errors import UserInputError

#: Quantile bins of the coarse scan for a sign change of R(u) − u.
_SCAN_BINS = 40
#: Fixed-point refinements of the local quadratic fit.
_REFINEMENTS = 5


@dataclass(frozen=True)
class ReturnMapFixedPoint:
    """A fixed point u* of a one-dimensional return map and its slope Λ = R'(u*).

    Attributes
    ----------
    position : float
        u*.
    multiplier : float
        Λ, from a quadratic fit of the returns (u_n, u_{n+1}) with |u_n − u*| < ``window``.
    n_returns : int
        Returns inside the window.
    window : float
        Half-width of the fit window around u*.

    See Also
    --------
    return_map_fixed_point : computes this record.
    section_crossings : the section coordinates of a free run.

    Examples
    --------
    An orbit of the logistic map u ↦ 4u(1 − u) is its own return map, with the fixed point
    u* = 3/4 of slope Λ = 4 − 8 · 3/4 = −2; the fit uses the returns within ±0.05 of it:

    >>> from pwl_analysis import return_map_fixed_point
    >>> u = [0.1234]
    >>> for _ in range(2000):
    ...     u.append(4 * u[-1] * (1 - u[-1]))
    >>> fp = return_map_fixed_point(u, window=0.05)
    >>> round(fp.position, 9), round(fp.multiplier, 9), fp.window
    (0.75, -2.0, 0.05)
    >>> 0 < fp.n_returns < 2000
    True
    """

    position: float
    multiplier: float
    n_returns: int
    window: float

    def __repr__(self) -> str:
        return (
            f"ReturnMapFixedPoint(u* = {self.position:.5g}, Λ = {self.multiplier:.4g}; "
            f"quadratic fit of {self.n_returns} returns within ±{self.window:.3g})"
        )

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "position": self.position,
            "multiplier": self.multiplier,
            "n_returns": self.n_returns,
            "window": self.window,
        }


def section_crossings(points, coordinate: int = 0, level: float = 0.0) -> np.ndarray:
    """Upward crossings of the plane x_i = ``level`` by a sampled trajectory.

    A crossing between samples t and t+1 (x_i(t) ≤ level < x_i(t+1)) is placed on the chord
    between them, at the fraction w = (level − x_i(t)) / (x_i(t+1) − x_i(t)).

    Parameters
    ----------
    points : array_like, shape (T, d)
        The trajectory, in time order.
    coordinate : int
        The index i of the coordinate that defines the section.
    level : float
        The section's position: x_i = level.

    Returns
    -------
    ndarray, shape (n, d)
        The crossing points, in time order.

    Examples
    --------
    >>> t = np.linspace(0, 4 * np.pi, 401)
    >>> section_crossings(np.column_stack([np.cos(t), np.sin(t)]))[:, 1].round(3)
    array([-1., -1.])
    """
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or not 0 <= coordinate < points.shape[1]:
        raise UserInputError(
            f"need a (T, d) trajectory and 0 ≤ coordinate < d, got shape {points.shape} "
            f"and coordinate {coordinate}"
        )
    if not np.all(np.isfinite(points)):
        raise UserInputError("the trajectory has NaN or infinite values")
    s = points[:, coordinate] - level
    before = np.nonzero((s[:-1] <= 0) & (s[1:] > 0))[0]
    w = -s[before] / (s[before + 1] - s[before])
    return points[before] + w[:, None] * (points[before + 1] - points[before])


def return_map_fixed_point(u, window: float | None = None) -> ReturnMapFixedPoint:
    """The fixed point of the return map u_n ↦ u_{n+1} where it crosses the diagonal downward.

    A coarse scan (medians of u_{n+1} − u_n in quantile bins of u_n) finds where the return
    map crosses the diagonal from above, as a unimodal map's decreasing branch does; a
    quadratic fit R(u) ≈ c_0 + c_1 (u − u*) + c_2 (u − u*)² of the returns within ``window``
    of the current u* then moves u* to the fit's fixed point, a few times, and Λ = c_1.

    Parameters
    ----------
    u : array_like, shape (n,)
        The sequence u_0, u_1, … of section coordinates, in time order.
    window : float, optional
        Half-width of the fit; by default 2 % of the range of u.

    Returns
    -------
    ReturnMapFixedPoint
        u*, the slope Λ = R'(u*) and the returns the fit used.

    Raises
    ------
    ValueError
        Too few returns, or no downward crossing of the diagonal.

    Examples
    --------
    The logistic map u ↦ 4u(1 − u) has the fixed point 3/4 with slope 4 − 8 · 3/4 = −2, and a
    quadratic fit of a quadratic map is exact:

    >>> u = [0.1234]
    >>> for _ in range(2000):
    ...     u.append(4 * u[-1] * (1 - u[-1]))
    >>> fp = return_map_fixed_point(u)
    >>> round(fp.position, 9), round(fp.multiplier, 9)
    (0.75, -2.0)
    """
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 1 or u.size < 4 * _SCAN_BINS or not np.all(np.isfinite(u)):
        raise UserInputError(
            f"need a finite sequence of at least {4 * _SCAN_BINS} returns, got shape {u.shape}"
        )
    before, after = u[:-1], u[1:]
    window = 0.02 * float(np.ptp(u)) if window is None else float(window)
    position = _coarse_fixed_point(before, after)
    for _ in range(_REFINEMENTS):
        (c2, c1, c0), _ = _local_fit(before, after, position, window)
        roots = np.roots([c2, c1 - 1.0, c0 - position])
        steps = roots[np.isreal(roots)].real
        if steps.size == 0:
            break
        position += float(steps[np.argmin(np.abs(steps))])
    (_, slope, _), inside = _local_fit(before, after, position, window)
    return ReturnMapFixedPoint(float(position), float(slope), inside, window)


def _coarse_fixed_point(before: np.ndarray, after: np.ndarray) -> float:
    edges = np.quantile(before, np.linspace(0.0, 1.0, _SCAN_BINS + 1))
    bins = np.clip(np.searchsorted(edges, before, side="right") - 1, 0, _SCAN_BINS - 1)
    centres, gaps = [], []
    for b in range(_SCAN_BINS):
        members = bins == b
        if members.any():
            centres.append(float(np.median(before[members])))
            gaps.append(float(np.median(after[members] - before[members])))
    gaps = np.array(gaps)
    down = np.nonzero((gaps[:-1] > 0) & (gaps[1:] <= 0))[0]
    if down.size == 0:
        raise UserInputError("the return map never crosses the diagonal from above")
    i = down[0]
    w = gaps[i] / (gaps[i] - gaps[i + 1])
    return centres[i] + w * (centres[i + 1] - centres[i])


def _local_fit(before, after, position: float, window: float) -> tuple[np.ndarray, int]:
    """Coefficients (c_2, c_1, c_0) of the quadratic fit around u*, and the returns it used."""
    inside = np.abs(before - position) < window
    count = int(np.count_nonzero(inside))
    if count < 3:
        raise UserInputError(
            f"fewer than 3 returns within ±{window:.3g} of the fixed point {position:.5g}: "
            "give a longer run or a wider window"
        )
    return np.polyfit(before[inside] - position, after[inside], 2), count
