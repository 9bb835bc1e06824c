"""Close returns of a recorded series: the data's own periodic-orbit skeleton.

A chaotic orbit shadows each unstable periodic orbit now and then, and while it does it
returns close to where it was one period earlier (Lathrop & Kostelich 1989):

    ‖x_{i+p} − x_i‖ < ε,   p = p_min … p_max samples.

For each p the indices i with a close return form runs (the orbit shadows the periodic
orbit for several samples); the best i of a run is one *close return* (i, p).  The segment
x_i … x_{i+p−1} is then nearly a closed loop, and a coding (a
:class:`~pwl_analysis.coarse.SectionCoding`, or anything with a ``word(points)`` method that
reads a cyclic orbit) names it by its word, read cyclically and reported as the least
rotation.  Close returns are grouped by word; neighbouring p and overlapping runs of one
passage count once (a close return is kept when no better one of its word starts within
half a period of it).  Segments whose word is empty (no loop: p below one turn) or a power
w^r, r ≥ 2 (the r-th return of w, counted at w's own period) are left out.

The period of a word is that of its best (closest) return: p samples, p Δt time units.

A close return need not come from a periodic orbit: near a weakly unstable focus the orbit
spirals out slowly and each turn returns close to the last.  In Lorenz-63 data the one-loop
words L and R (p Δt ≈ 0.63) are such returns, around the wing fixed points C± (multipliers
e^{0.094 · 2π/10.19} ≈ 1.06 a turn), although the flow has no orbit L or R; their period is
the focus's turn 2π/ω, not an orbit's.

References
----------
Lathrop, D. P., Kostelich, E. J. (1989). Characterization of an experimental strange
attractor by periodic orbits. Physical Review A 40, 4028–4031.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pwl_analysis.errors import UserInputError
from pwl_analysis.words import primitive_period


@dataclass(frozen=True)
class CloseReturn:
    """The close returns of a series that read one word.

    Attributes
    ----------
    word : str
        The word of the loop (least rotation, not a power).
    period_steps : int
        p of the best return, in samples.
    period : float
        p Δt, in the series' time units.
    count : int
        Distinct close returns (passages) reading the word.
    distance : float
        ‖x_{i+p} − x_i‖ of the best return.
    start : int
        i of the best return.
    period_range : tuple of int
        The least and largest p among the word's close returns.

    Examples
    --------
    >>> CloseReturn("LR", 156, 1.56, 12, 0.08, 4031, (154, 158)).to_dict()["period"]
    1.56
    """

    word: str
    period_steps: int
    period: float
    count: int
    distance: float
    start: int
    period_range: tuple[int, int]

    def __repr__(self) -> str:
        return (
            f"CloseReturn({self.word}: p = {self.period_steps} ({self.period:.6g}), "
            f"{self.count} returns, best ‖x_(i+p) − x_i‖ = {self.distance:.3g})"
        )

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "word": self.word,
            "period_steps": self.period_steps,
            "period": self.period,
            "count": self.count,
            "distance": self.distance,
            "start": self.start,
            "period_range": list(self.period_range),
        }


def close_returns(
    series,
    dt: float,
    coding,
    epsilon: float | None = None,
    max_period: int | None = None,
    min_period: int = 2,
) -> tuple[CloseReturn, ...]:
    """The periodic orbits a series shadows, by word, from its close returns.

    Parameters
    ----------
    series : array_like, shape (T, N)
        The recorded trajectory x_0 … x_{T−1}, sampled every ``dt``.
    dt : float
        The sampling interval Δt > 0.
    coding : object with a ``word(points)`` method
        Names a cyclic segment of shape (p, N) by its word, e.g. a
        :class:`~pwl_analysis.coarse.SectionCoding` with observation the identity.
    epsilon : float, optional
        The closeness ε; by default 1 % of the series' diameter ‖max x − min x‖.
    max_period : int, optional
        The largest p, in samples; by default T // 10.
    min_period : int
        The least p, in samples (≥ 1).

    Returns
    -------
    tuple of CloseReturn
        One record per word, by word length then word.

    Raises
    ------
    UserInputError
        A series that is not a finite (T, N) array, dt ≤ 0, ε ≤ 0 or periods out of range.

    Examples
    --------
    A circle sampled 100 times a turn, coded by its upward crossings of y = 0 (one letter,
    ``a``): every turn returns exactly, so the loop ``a`` has period 100 samples, in one
    passage that never ends:

    >>> import numpy as np
    >>> from pwl_analysis import SectionCoding, close_returns
    >>> t = 2 * np.pi * np.arange(1000) / 100
    >>> circle = np.column_stack([np.cos(t), np.sin(t)])
    >>> coding = SectionCoding(np.zeros(2), np.array([0.0, 1.0]), np.array([[1.0, 0.0]]),
    ...                        "a", np.eye(2))
    >>> [(r.word, r.period_steps, r.count) for r in close_returns(circle, 0.01, coding)]
    [('a', 100, 1)]
    """
    x, epsilon, max_period = _check(series, dt, epsilon, max_period, min_period)
    found: dict[str, list[tuple[float, int, int]]] = {}
    for p in range(min_period, max_period + 1):
        distance = np.linalg.norm(x[p:] - x[:-p], axis=1)
        for i in _run_minima(distance, epsilon):
            word = coding.word(x[i : i + p])
            if word and primitive_period([ord(c) for c in word]) == len(word):
                found.setdefault(word, []).append((float(distance[i]), int(i), p))
    records = [_record(word, returns, dt) for word, returns in found.items()]
    return tuple(sorted(records, key=lambda r: (len(r.word), r.word)))


def _check(series, dt, epsilon, max_period, min_period):
    x = np.asarray(series, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 3 or not np.all(np.isfinite(x)):
        raise UserInputError(
            f"series must be a finite (T, N) array with T ≥ 3, got shape {np.shape(series)}"
        )
    if not dt > 0:
        raise UserInputError(f"dt must be positive, got {dt}")
    epsilon = 0.01 * float(np.linalg.norm(np.ptp(x, axis=0))) if epsilon is None else epsilon
    if not epsilon > 0:
        raise UserInputError(f"epsilon must be positive, got {epsilon}")
    max_period = len(x) // 10 if max_period is None else int(max_period)
    if not 1 <= min_period <= max_period < len(x):
        raise UserInputError(
            f"need 1 ≤ min_period ≤ max_period < T = {len(x)}, got min_period = "
            f"{min_period}, max_period = {max_period}"
        )
    return x, float(epsilon), max_period


def _run_minima(distance: np.ndarray, epsilon: float) -> np.ndarray:
    """The index of the least distance in each run of consecutive indices below ε."""
    close = distance < epsilon
    if not close.any():
        return np.zeros(0, dtype=int)
    edges = np.diff(close.astype(np.int8), prepend=0, append=0)
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return np.array([a + int(np.argmin(distance[a:b])) for a, b in zip(starts, stops)])


def _record(word: str, returns: list[tuple[float, int, int]], dt: float) -> CloseReturn:
    """Keep a return when no better one of the word starts within half its period."""
    kept: list[tuple[float, int, int]] = []
    for d, i, p in sorted(returns):
        if all(abs(i - j) > p / 2 for _, j, _ in kept):
            kept.append((d, i, p))
    best_distance, best_start, best_p = kept[0]
    periods = [p for _, _, p in kept]
    return CloseReturn(
        word=word,
        period_steps=best_p,
        period=best_p * dt,
        count=len(kept),
        distance=best_distance,
        start=best_start,
        period_range=(min(periods), max(periods)),
    )
