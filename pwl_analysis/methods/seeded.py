"""Long cycles seeded by near-returns of a free run, refined by SCYFI, decided rigorously.

A model trained on a flow with a small time step has its interesting periodic orbits at
periods of hundreds of steps, far beyond exhaustive enumeration (2^{P·k} words).  This search
starts where the attractor already is:

1. **Seeds.**  A free run z_0, …, z_{N−1} (after a transient) is searched with a KD-tree for
   near-returns ‖z_{t+n} − z_t‖ < r with n in [``min_period``, K]; the region word
   (d_t, …, d_{t+n−1}) of each such segment is a candidate.  The best seeds of every return
   time n are taken first, so every return time gets a chance before any gets a second one.
2. **SCYFI refinement** (Eisenmann et al. 2023), the step of :class:`~pwl_analysis.methods.
   scyfi.Scyfi` (:func:`~pwl_analysis.methods.scyfi.refine`).  For a candidate word the cycle
   equation (I − Π) z_0 = c, Π = J_{d_{k−1}} ⋯ J_{d_0}, is solved in floats and the points
   z_{j+1} = J_{d_j} z_j + h are formed (z_0 solved once, the others iterated: k products
   instead of the 3k and k solves of solving every rotation); if they visit other regions
   than the word says, the visited word is adopted and solved again, until it is
   self-consistent or ``max_iter`` updates were made.  Words are compared up to rotation
   (necklaces), never by coordinates.
3. **Decision.**  A float-consistent primitive word is decided rigorously:

   - period ≤ ``exact_max_period``: in exact Rationals (:func:`~pwl_analysis.cycle_equation.
     exact_cycle`), giving a :class:`~pwl_analysis.orbits.Cycle` with exact points;
   - longer: by ball arithmetic (Arb, through python-flint).  The exact J_d = A + W D_d and h
     (dyadic rationals of float weights, held in balls of radius 0, or the rationals of a map
     built with :meth:`PWLMap.from_rationals`) are put in balls; Π, c, z_0 = (I − Π)^{-1} c and
     the k images are computed in balls that provably contain the exact rational values, at a
     working precision of 128 + 2 k log₂ ρ(|J|) bits (ρ(|J|) bounds how fast radii grow per
     step).  The word is accepted when the ball of every switching coordinate (z_j)_{M−P+i}
     lies on its region's side of 0 (> 0 for d_i = 1, ≤ 0 for d_i = 0): then the exact rational
     cycle exists and is self-consistent.  Its exact points are too big to keep: their common
     denominator det(I − Π) has about k · M · (bits per weight) bits, ~2·10⁵ bits for k ≈ 350
     on ``lorenz_m20_p2``, so the record is a :class:`~pwl_analysis.orbits.CertifiedCycle`
     without them; ``m.cycle_of_word(cycle.regions)`` computes them on demand (minutes for
     such k).  When
     some ball contains 0 (an orbit on a switching boundary, or too little precision) the
     precision is doubled, twice at most, and then the word goes to the exact solve.

Nothing is accepted by forward float iteration, which drifts along long unstable orbits.  The
search is **not** a completeness guarantee: a cycle the free run never shadows, or whose
SCYFI iteration does not settle, is missed (``CycleSet.complete`` is False).

References
----------
Eisenmann, L., Monfared, Z., Göring, N., Durstewitz, D. (2023). Bifurcations and loss jumps in
RNN training. NeurIPS 2023 (SCYFI).
Johansson, F. (2017). Arb: efficient arbitrary-precision midpoint-radius interval arithmetic.
IEEE Transactions on Computers 66(8), 1281–1292.
"""

from __future__ import annotations

from dataclasses import dataclass

import flint
import numpy as np
from scipy.spatial import cKDTree

from pwl_analysis.cycle_equation import (
    _exact_cycle_equation,
    ball_jacobian,
    ball_matrix,
    exact_cycle,
)
from pwl_analysis.errors import Remedy, UserInputError
from pwl_analysis.free_runs import free_run
from pwl_analysis.methods.base import SearchMethod
from pwl_analysis.methods.scyfi import refine
from pwl_analysis.orbits import CertifiedCycle, CycleSet
from pwl_analysis.pwl_map import MAX_TRAJECTORY_VALUES, PWLMap
from pwl_analysis.stability import classify
from pwl_analysis.words import SearchTooLargeError, least_rotation_shift, necklace_key

#: Extra bits of working precision on top of the radius growth 2 k log₂ ρ(|J|).
_GUARD_BITS = 128
#: Retries at doubled precision before an undecided word goes to the exact solve.
_PRECISION_DOUBLINGS = 2


@dataclass(frozen=True)
class TrajectorySeeded(SearchMethod):
    """Near-returns of a free run as seeds, SCYFI refinement, rigorous decision.

    Parameters
    ----------
    n_steps : int
        Length N of the free run searched for near-returns (after the transient).
    transient : int
        Steps discarded before the free run, so it starts on the attractor.
    radius : float
        Near-return radius r relative to the free run's bounding-box diagonal.
    neighbours : int
        Nearest neighbours queried per point of the free run (bounds the KD-tree's work).
    max_seeds : int
        Candidate words (distinct up to rotation) taken from the near-returns.
    max_iter : int
        SCYFI word updates per seed before it is given up.
    min_period : int
        Shortest return time n considered.
    exact_max_period : int
        Cycles up to this period are decided in exact Rationals, longer ones by ball
        arithmetic (see the module docstring).
    seed : int
        Seed of the free run's random initial state.

    See Also
    --------
    PWLMap.cycles : runs the search.
    Exhaustive : the complete search, for short periods.

    References
    ----------
    Eisenmann, L., Monfared, Z., Göring, N., Durstewitz, D. (2023). Bifurcations and loss
    jumps in RNN training. NeurIPS 2023 (SCYFI).

    Examples
    --------
    The Lozi map x' = 1 − 1.7|x| + y, y' = x / 2 (on z = (y, x)) and its 2-cycle:

    >>> from pwl_analysis import PWLMap, TrajectorySeeded
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> result = lozi.cycles(2, method=TrajectorySeeded(n_steps=2000))
    >>> [c.regions for c in result.of_period(2)], result.complete
    ([('0', '1')], False)

    A short free run seeds most of the orbits up to period 10; every one of them is among
    those the complete search lists, but the seeded search cannot promise it found them all:

    >>> seeded = lozi.cycles(10, method=TrajectorySeeded(n_steps=5000))
    >>> complete = lozi.cycles(10)
    >>> {c.regions for c in seeded} <= {c.regions for c in complete}, seeded.complete
    (True, False)
    """

    name = "seeded"
    complete = False
    longest_period = None

    n_steps: int = 60_000
    transient: int = 1_000
    radius: float = 0.02
    neighbours: int = 48
    max_seeds: int = 600
    max_iter: int = 15
    min_period: int = 2
    exact_max_period: int = 32
    seed: int = 0

    def __post_init__(self):
        self._require(
            positive=("n_steps", "neighbours", "max_seeds", "min_period"),
            non_negative=("transient", "max_iter", "exact_max_period", "seed"),
        )
        if not self.radius > 0:
            raise UserInputError(f"radius must be positive, got {self.radius!r}")

    def describe(self, m: PWLMap) -> str:
        """One line naming the method and its settings, for reports."""
        return (
            f"trajectory-seeded SCYFI ({self.n_steps} steps, {self.max_seeds} seeds × "
            f"{self.max_iter} iterations), exact/ball-arithmetic decision"
        )

    def check_budget(self, max_period: int, m: PWLMap | None = None) -> None:
        """Refuse a bad period, or one the free run is too short to return after.

        Parameters
        ----------
        max_period : int
            Largest period K of the search.
        m : PWLMap, optional
            The map (the free run's budget does not depend on it).

        Raises
        ------
        UserInputError
            ``max_period`` is not a positive integer.
        SearchTooLargeError
            The free run exceeds the memory budget of ``MAX_TRAJECTORY_VALUES`` floats, or
            ``max_period`` ≥ ``n_steps``: a free run of N points returns near itself only
            after fewer than N steps.
        """
        super().check_budget(max_period, m)
        values = None if m is None else (self.n_steps + self.transient) * m.M
        if values is not None and values > MAX_TRAJECTORY_VALUES:
            raise SearchTooLargeError(
                f"a free run of {self.n_steps} steps × {m.M} values exceeds the budget of "
                f"{MAX_TRAJECTORY_VALUES:.0e} floats in memory",
                (Remedy("n_steps", "lower", MAX_TRAJECTORY_VALUES // m.M - self.transient),),
            )
        if max_period >= self.n_steps:
            raise SearchTooLargeError(
                f"period {max_period} is not shorter than the free run of "
                f"{self.n_steps} steps, which can return near itself only after fewer steps",
                (Remedy("max_period", "lower", self.n_steps - 1), Remedy("n_steps", "raise")),
            )

    def _find(self, m: PWLMap, max_period: int, progress: bool) -> CycleSet:
        """Cycles of period ``min_period``…``max_period`` from a free run's near-returns.

        See the module docstring for the algorithm and what is guaranteed; ``words_tried``
        counts the distinct words (up to rotation) whose cycle equation was solved.
        """
        run = _free_run(m, self)
        seeds = near_return_words(m, run, max_period, self)
        consistent, tried = refine(m, seeds, self.max_iter + 1, False, progress)
        found = [_decide(m, word, self.exact_max_period) for word in consistent]
        return self._result(m, [c for c in found if c is not None], max_period, tried)


# ---- seeds ---------------------------------------------------------------------------------


def _free_run(m: PWLMap, method: TrajectorySeeded) -> np.ndarray:
    """(N, M) free run after the transient, from a small random initial state."""
    z0 = np.random.default_rng(method.seed).normal(0.0, 0.1, m.M)
    return free_run(m, method.n_steps, method.transient, z0)


def near_return_words(
    m: PWLMap, run: np.ndarray, max_period: int, method: TrajectorySeeded
) -> list[np.ndarray]:
    """Region words of near-return segments of ``run``, distinct up to rotation.

    A pair (t, t + n) is a near-return when ‖z_{t+n} − z_t‖ < r and n lies in
    [``min_period``, ``max_period``].  Seeds are ranked by (rank of the pair among the
    pairs of the same n, distance) and deduplicated by necklace until ``max_seeds``.
    """
    t, n, distance = near_returns(
        run, method.min_period, max_period, method.radius, method.neighbours
    )
    by_n = np.lexsort((distance, n))
    starts = np.searchsorted(n[by_n], n[by_n], side="left")
    rank = np.arange(len(by_n)) - starts
    order = by_n[np.lexsort((distance[by_n], rank))]
    regions = m.region_of(run)
    seeds, keys = [], set()
    for i in order:
        word = regions[t[i] : t[i] + n[i]]
        key = necklace_key(word)
        if key not in keys:
            keys.add(key)
            seeds.append(word)
            if len(seeds) == method.max_seeds:
                break
    return seeds


def near_returns(
    run: np.ndarray,
    min_period: int,
    max_period: int,
    radius: float,
    neighbours: int,
    stride: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (t, t + n) of a run (N, M) with ‖z_{t+n} − z_t‖ < r, n in [min, max period].

    r is ``radius`` times the run's bounding-box diagonal; the ``neighbours`` nearest
    points of every ``stride``-th point z_t are queried (a KD-tree).  Returns the arrays
    t, n and the distances.
    """
    diagonal = float(np.linalg.norm(run.max(axis=0) - run.min(axis=0)))
    r = radius * max(diagonal, np.finfo(float).tiny)
    k = min(neighbours + 1, len(run))
    queried = np.arange(0, len(run), stride)
    distance, index = cKDTree(run).query(run[queried], k=k, distance_upper_bound=r, workers=-1)
    t = np.broadcast_to(queried[:, None], index.shape)
    n = index - t
    valid = np.isfinite(distance) & (n >= min_period) & (n <= max_period)
    return t[valid], n[valid], distance[valid]


# ---- rigorous decision ---------------------------------------------------------------------


def _decide(m: PWLMap, word: np.ndarray, exact_max_period: int):
    """Cycle, CertifiedCycle, DegenerateCycle or None for a float-consistent primitive word."""
    if len(word) > exact_max_period:
        certified = certify_cycle(m, word)
        if certified is not None:
            return certified or None
    return exact_cycle(m, word)


def certify_cycle(m: PWLMap, word) -> CertifiedCycle | bool | None:
    """Decide a primitive word's cycle by ball arithmetic, when the balls are conclusive.

    Returns
    -------
    CertifiedCycle
        Proven: the exact solution of the cycle equation has every point in its region.
    False
        Proven not a cycle: some switching coordinate is certainly on the wrong side of 0.
    None
        Undecided: a ball contains 0, or I − Π is not provably invertible at the working
        precision; decide the word exactly (:func:`~pwl_analysis.cycle_equation.exact_cycle`).
    """
    word = np.roll(np.asarray(word, dtype=np.int64), -least_rotation_shift(word))
    growth = max(float(np.max(np.abs(np.linalg.eigvals(np.abs(J))))) for J in m.jacobians)
    precision = _GUARD_BITS + int(np.ceil(2 * len(word) * max(np.log2(growth), 0.0)))
    for attempt in range(_PRECISION_DOUBLINGS + 1):
        balls = _ball_cycle_at(m, word, precision << attempt)
        if balls is not None:
            break
    if not balls:
        return balls
    points, product, radius = balls
    return _certified_record(m, word, points, product, radius, precision << attempt)


def _ball_cycle_at(m: PWLMap, word: np.ndarray, precision: int):
    old_precision = flint.ctx.prec
    flint.ctx.prec = precision
    try:
        return _ball_cycle(m, word)
    finally:
        flint.ctx.prec = old_precision


def _ball_cycle(m: PWLMap, word: np.ndarray):
    """(float points (k, M), float Π, max radius) if proven, False if disproven, else None."""
    M = m.M
    jacobians = {r: ball_jacobian(m, r) for r in set(word.tolist())}
    offsets = {r: ball_matrix(m.exact_region_offset(r)) for r in jacobians}
    _, W2, h2 = (ball_matrix(x) for x in m.exact_relu_layer)  # the switching values W₂ z + h₂
    identity = flint.arb_mat(np.eye(M).tolist())
    product, offset = identity, flint.arb_mat(M, 1)
    for region in word:
        product = jacobians[region] * product
        offset = jacobians[region] * offset + offsets[region]
    try:
        point = (identity - product).solve(offset)
    except ZeroDivisionError:
        return None
    points, radius = [], 0.0
    for region in word:
        entries = point.entries()
        side = _sides((W2 * point + h2).entries(), m.region_bits[region])
        if side is not True:
            return side
        points.append([float(x.mid()) for x in entries])
        radius = max(radius, max(float(x.rad()) for x in entries))
        point = jacobians[region] * point + offsets[region]
    monodromy = np.array([float(x.mid()) for x in product.entries()]).reshape(M, M)
    return np.array(points), monodromy, radius


def _sides(balls, bits) -> bool | None:
    """Whether every ball is in its half-line (y > 0 for d = 1, y ≤ 0 for d = 0).

    True if every ball is certainly inside, False if some ball is certainly outside, None
    otherwise.
    """
    inside = [(y > 0) if b else (y <= 0) for y, b in zip(balls, bits)]
    if all(inside):
        return True
    outside = [(y <= 0) if b else (y > 0) for y, b in zip(balls, bits)]
    return False if any(outside) else None


def _certified_record(m, word, points, product, radius, precision) -> CertifiedCycle:
    multipliers = np.linalg.eigvals(product)
    multipliers = multipliers[np.argsort(-np.abs(multipliers), kind="stable")]
    return CertifiedCycle(
        period=len(word),
        regions=tuple(m.region_label(r) for r in word),
        points=points,
        monodromy=product,
        multipliers=multipliers,
        stability=classify(multipliers, lambda: _exact_cycle_equation(m, word)[0]),
        on_boundary=False,
        radius=radius,
        precision=precision,
    )
