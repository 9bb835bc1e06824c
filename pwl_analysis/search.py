"""Finding every fixed point and k-cycle: the search methods.

The method is a value passed to :func:`find_cycles` (and :meth:`PWLMap.cycles`):

- :class:`Exhaustive` — every Lyndon region word of each period up to K, pruned by the LP
  transition graph (a transition is dropped only with an exact infeasibility certificate),
  screened by batched float solves with rigorous error bounds (a word is dropped only when
  its cycle provably leaves its regions), decided exactly; powers w^r of shorter words are decided
  too where I − Π_w^r may be singular, so families of cycles (a multiplier that is a root of
  unity) are reported as :class:`DegenerateCycle` records.  *Complete*: every orbit of
  minimal period ≤ K (inside the box, if one is given) is listed.
- :class:`Scyfi` — the heuristic of Eisenmann et al. (2023) for models where 2^{P·K} words are
  too many: from random region words, solve the cycle equation, jump to the word the solution
  actually visits, repeat until self-consistent.  Orbits it returns are exact and certain;
  orbits it misses are not ruled out (``complete`` is False).

References
----------
Eisenmann, L., Monfared, Z., Göring, N., Durstewitz, D. (2023). Bifurcations and loss jumps in
RNN training. NeurIPS 2023 (SCYFI).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from pwl_analysis import _exact
from pwl_analysis.cycle_equation import (
    direct_float_solve,
    exact_cycle,
    may_have_singular_power,
    power_word_family,
    reduced_systems,
    screen_words,
)
from pwl_analysis.errors import UserInputError
from pwl_analysis.orbits import Cycle, CycleSet, DegenerateCycle, VirtualFixedPoint
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.seeded import TrajectorySeeded, seeded_cycles
from pwl_analysis.stability import classify
from pwl_analysis.transitions import transition_matrix
from pwl_analysis.word_tree import AdmissibleTree, tree_cycles
from pwl_analysis.words import (
    SearchTooLargeError,
    least_rotation,
    lyndon_words,
    necklace_key,
    primitive_period,
)

#: Longest period the exhaustive and SCYFI searches accept: a period-K word costs products of K
#: matrices in exact rationals, and the searches loop over every period up to K.
MAX_PERIOD = 1_000

#: Above this many regions the transition LPs cost more than they save; ``prune=None``
#: (automatic) skips them.
_AUTO_PRUNE_MAX_REGIONS = 32
#: ... except for a sparse arrangement of up to this many regions: fewer cells than sign
#: vectors (more hyperplanes than dimensions, as in a shPLRNN), each mapped into few others.
_AUTO_PRUNE_MAX_SPARSE_REGIONS = 512


@dataclass(frozen=True)
class Exhaustive:
    """Complete search over all Lyndon region words of each period.

    Parameters
    ----------
    prune : bool or None
        Drop words using a transition the LP proves impossible (see
        :mod:`pwl_analysis.transitions`).  None: prune when there are at most 32 regions
        (2^P ≤ 32 for an AL-RNN), or at most 512 regions that are fewer than the 2^H sign
        vectors (a general map whose hyperplanes outnumber its dimensions).
    box : (lower, upper) or None
        Restrict transitions (and so the orbits found) to a box, e.g. the data's range.
    max_words : int
        Budget of partial words per period before :class:`SearchTooLargeError` is raised.

    See Also
    --------
    PWLMap.cycles : runs the search.
    AdmissibleTree : complete too, pruned by admissible prefixes.
    Scyfi : the heuristic for large P.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| has as many orbits of minimal period k as there are primitive
    binary necklaces of length k (OEIS A001037: 2, 1, 2, 3, 6, 9, 18, 30); the pruned and the
    unpruned search list them all:

    >>> from pwl_analysis import Exhaustive, PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> for method in (Exhaustive(), Exhaustive(prune=False)):
    ...     found = tent.cycles(8, method=method)
    ...     print([len(found.of_period(k)) for k in range(1, 9)], found.complete, found.method)
    [2, 1, 2, 3, 6, 9, 18, 30] True exhaustive (LP-pruned)
    [2, 1, 2, 3, 6, 9, 18, 30] True exhaustive (unpruned)
    """

    prune: bool | None = None
    box: tuple | None = None
    max_words: int = 5_000_000

    def describe(self, m: PWLMap) -> str:
        """One line naming the method and its settings, for reports."""
        pruned = "LP-pruned" if self._prunes(m) else "unpruned"
        boxed = ", in box" if self.box is not None else ""
        return f"exhaustive ({pruned}{boxed})"

    def _prunes(self, m: PWLMap) -> bool:
        if self.prune is None:
            q = m.n_regions
            sparse = q < 2 ** m.region_bits.shape[1] and q <= _AUTO_PRUNE_MAX_SPARSE_REGIONS
            return q <= _AUTO_PRUNE_MAX_REGIONS or sparse or self.box is not None
        return self.prune


@dataclass(frozen=True)
class Scyfi:
    """SCYFI: iterate word → exact-structure solve → visited word, from random starts.

    Every cycle returned is decided exactly
    (:func:`~pwl_analysis.cycle_equation.exact_cycle`); the floats only choose the words.

    Parameters
    ----------
    n_starts : int
        Random initial words per period.
    max_iter : int
        Word updates per start before giving up.
    seed : int
        Seed of the random initial words.
    max_letters : int
        Budget of the float solves: n_starts × max_iter × (1 + 2 + … + K) region letters at
        most, checked before the search (:class:`SearchTooLargeError` beyond).  A word of
        length k costs 3k products of (M+1)×(M+1) matrices (all its rotations at once, see
        :func:`~pwl_analysis.cycle_equation.direct_float_solve`) and each rotation class is
        solved once, so the default admits K = 99 with the default starts; SCYFI's 2-D
        80-cycle model takes about 3 s (``benchmarks/bench_long_periods.py``).

    See Also
    --------
    Exhaustive : the complete search, for small P.

    References
    ----------
    Eisenmann, L., Monfared, Z., Göring, N., Durstewitz, D. (2023). Bifurcations and loss
    jumps in RNN training. NeurIPS 2023 (SCYFI).

    Examples
    --------
    On the tent map the heuristic finds every orbit up to period 6 (the primitive binary
    necklaces 2, 1, 2, 3, 6, 9), but only the exhaustive search can say so:

    >>> from pwl_analysis import PWLMap, Scyfi
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> found = tent.cycles(6, method=Scyfi())
    >>> [len(found.of_period(k)) for k in range(1, 7)], found.complete
    ([2, 1, 2, 3, 6, 9], False)
    >>> [c.regions for c in found] == [c.regions for c in tent.cycles(6)]
    True
    """

    n_starts: int = 200
    max_iter: int = 50
    seed: int = 0
    max_letters: int = 50_000_000

    def letters(self, max_period: int) -> int:
        """Upper bound of the region letters solved up to period ``max_period``."""
        return self.n_starts * self.max_iter * max_period * (max_period + 1) // 2

    def describe(self, m: PWLMap) -> str:
        """One line naming the method and its settings, for reports."""
        return f"SCYFI heuristic ({self.n_starts} starts × {self.max_iter} iterations per period)"


def find_cycles(
    m: PWLMap,
    max_period: int,
    method: Exhaustive | Scyfi | TrajectorySeeded | AdmissibleTree | None = None,
    progress: bool = False,
) -> CycleSet:
    """Every orbit of minimal period 1…``max_period`` that ``method`` finds.

    Parameters
    ----------
    m : PWLMap
        The map.
    max_period : int
        Largest period K ≥ 1.
    method : Exhaustive, Scyfi, TrajectorySeeded or AdmissibleTree, optional
        Defaults to ``Exhaustive()``; ``TrajectorySeeded`` (long cycles from a free run's
        near-returns) is dispatched to :func:`pwl_analysis.seeded.seeded_cycles`,
        ``AdmissibleTree`` to :func:`pwl_analysis.word_tree.tree_cycles`.
    progress : bool
        Show a progress bar over periods.

    Returns
    -------
    CycleSet
        The cycles found, sorted by period and region word, with whether the list is
        complete.

    Raises
    ------
    ValueError
        ``max_period`` is not a positive integer.
    TypeError
        ``method`` is not one of the search methods.
    SearchTooLargeError
        The method's words or letters exceed its budget.

    Examples
    --------
    The tent map has 2 fixed points and one 2-cycle:

    >>> m = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> result = find_cycles(m, 2)
    >>> [c.period for c in result]
    [1, 1, 2]
    """
    method = Exhaustive() if method is None else method
    check_search(max_period, method)
    if isinstance(method, TrajectorySeeded):
        return seeded_cycles(m, int(max_period), method, progress)
    if isinstance(method, AdmissibleTree):
        return tree_cycles(m, int(max_period), method, progress)
    periods = tqdm(range(1, int(max_period) + 1), desc="periods", disable=not progress)
    found, tried = [], 0
    if isinstance(method, Exhaustive):
        allowed = transition_matrix(m, method.box) if method._prunes(m) else None
        by_period = {}
        for k in periods:
            words = by_period[k] = lyndon_words(m.n_regions, k, allowed, method.max_words)
            tried += len(words) + sum(len(by_period[d]) for d in range(1, k) if k % d == 0)
            found.extend(_decide(m, words, _candidates(m, words)))
            found.extend(_power_families(m, by_period, k))
    else:
        rng = np.random.default_rng(method.seed)
        for k in periods:
            words, n_tried = _scyfi_words(m, k, method, rng)
            tried += n_tried
            found.extend(_decide(m, words, np.ones(len(words), dtype=bool)))
    return CycleSet.of_found(
        found, max_period, method.describe(m), isinstance(method, Exhaustive), tried
    )


def check_search(max_period: int, method: Exhaustive | Scyfi | TrajectorySeeded) -> None:
    """Refuse a search before it starts: a bad period, method, or a search over budget.

    Raises
    ------
    UserInputError
        ``max_period`` is not a positive integer.
    SearchTooLargeError
        ``max_period`` > ``MAX_PERIOD`` (exhaustive or SCYFI), or SCYFI's letters exceed its
        ``max_letters``.
    TypeError
        ``method`` is not a search method.
    """
    if isinstance(max_period, bool) or int(max_period) != max_period or max_period < 1:
        raise UserInputError(f"max_period must be a positive integer, got {max_period!r}")
    if not isinstance(method, (Exhaustive, Scyfi, TrajectorySeeded, AdmissibleTree)):
        raise TypeError(
            "method must be Exhaustive(), AdmissibleTree(), Scyfi() or TrajectorySeeded(), "
            f"got {method!r}"
        )
    if isinstance(method, (Exhaustive, Scyfi, AdmissibleTree)) and max_period > MAX_PERIOD:
        raise SearchTooLargeError(
            f"max_period = {max_period} is beyond the longest period searched, {MAX_PERIOD}: "
            "lower --max-period (or use --seeded for long cycles)"
        )
    if isinstance(method, Scyfi) and method.letters(max_period) > method.max_letters:
        raise SearchTooLargeError(
            f"SCYFI up to period {max_period} would solve up to {method.letters(max_period):.2g} "
            f"region letters, over its budget of {method.max_letters:.2g}: "
            "lower --max-period or --starts"
        )


def _candidates(m: PWLMap, words: np.ndarray) -> np.ndarray:
    """Verified float screen of one period's words.

    All words pass (to the exact decision) when no base region gives a provably invertible
    reduced system.
    """
    if len(words) == 0:
        return np.zeros(0, dtype=bool)
    systems = reduced_systems(m, words.shape[1])
    if not systems:
        return np.ones(len(words), dtype=bool)
    return screen_words(m, words, systems)


def _power_families(m: PWLMap, by_period: dict, k: int) -> list:
    """Families of k-periodic points along powers w^{k/d} of shorter Lyndon words w.

    A power word has the same unique solution as w unless I − Π_w^{k/d} is singular (e.g. a
    multiplier −1 gives a line of 2-cycles); only such words are decided exactly.
    """
    families = []
    for d in range(1, k):
        if k % d or len(by_period[d]) == 0:
            continue
        words = by_period[d]
        flagged = words[may_have_singular_power(m, words, k // d)]
        families.extend(power_word_family(m, word, k // d) for word in flagged)
    return [f for f in families if f is not None]


def _decide(m: PWLMap, words: np.ndarray, candidates: np.ndarray) -> list:
    results = (exact_cycle(m, word) for word in words[candidates])
    return [r for r in results if r is not None]


def _scyfi_words(m: PWLMap, k: int, method: Scyfi, rng) -> tuple[np.ndarray, int]:
    """Self-consistent primitive Lyndon words of length k reached from random starts.

    The step word → visited word commutes with rotation, so each necklace is solved once:
    a word whose rotation class was solved before (in this or an earlier iteration) is
    dropped, its successor having been followed already.
    """
    words = rng.integers(0, m.n_regions, size=(method.n_starts, k))
    seen, consistent = set(), set()
    for _ in range(method.max_iter):
        fresh = {}
        for word in words:
            key = necklace_key(word)
            if key not in seen:
                seen.add(key)
                fresh[key] = word
        if not fresh:
            break
        words = np.array(list(fresh.values()))
        points, solvable = direct_float_solve(m, words)
        visited = m.region_of(points)
        same = (visited == words).all(axis=1) & solvable
        consistent.update(least_rotation(w) for w in words[same])
        words = visited[~same & solvable]
    primitive = [w for w in consistent if primitive_period(w) == k]
    return np.array(sorted(primitive), dtype=np.int64).reshape(-1, k), len(seen)


def region_fixed_point(m: PWLMap, region: int) -> Cycle | VirtualFixedPoint | DegenerateCycle:
    """The fixed point of one region's affine map z ↦ J_d z + c_d, decided exactly.

    Returns
    -------
    Cycle
        The solution z* of (I − J_d) z = c_d lies in Ω_d: a fixed point of the map.
    VirtualFixedPoint
        z* lies outside Ω_d.
    DegenerateCycle
        I − J_d is singular (no solution, or a set of them).
    """
    found = exact_cycle(m, (region,))
    if found is not None:
        return found
    J = m.exact_region_jacobian(region)
    point = (_exact.identity(m.M) - J).lu_solve(m.exact_region_offset(region))
    multipliers = np.linalg.eigvals(m.jacobians[region])
    return VirtualFixedPoint(
        region=m.region_label(region),
        point=_exact.to_float(point)[:, 0],
        exact_point=_exact.to_sympy(point),
        multipliers=multipliers[np.argsort(-np.abs(multipliers), kind="stable")],
        stability=classify(multipliers, lambda: J),
    )


def virtual_fixed_points(m: PWLMap) -> tuple[VirtualFixedPoint, ...]:
    """Fixed points of each region's affine map that lie outside that region (exact)."""
    found = (region_fixed_point(m, region) for region in range(m.n_regions))
    return tuple(f for f in found if isinstance(f, VirtualFixedPoint))
