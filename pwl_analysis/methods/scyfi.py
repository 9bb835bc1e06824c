"""SCYFI: iterate region word → cycle solve → the word the solution visits, from random starts.

For a region word w = d_0 … d_{k−1} the cycle equation (I − Π) z_0 = c, Π = J_{d_{k−1}} ⋯
J_{d_0}, is solved in floats; if the points z_j visit other regions than w says, the visited
word is adopted and solved again, until it is self-consistent (Eisenmann et al. 2023).  That
step, :func:`scyfi_step`, and its iteration, :func:`refine`, are shared with the seeded search
(:mod:`pwl_analysis.methods.seeded`), which starts from a free run's near-returns instead of
random words.  Words are compared up to rotation (necklaces): the step commutes with rotation,
so each rotation class is solved once.  Every self-consistent word is then decided exactly
(:func:`~pwl_analysis.cycle_equation.exact_cycle`): the floats only choose words.  Orbits the
search returns are certain; orbits it misses are not ruled out (``complete`` is False).

References
----------
Eisenmann, L., Monfared, Z., Göring, N., Durstewitz, D. (2023). Bifurcations and loss jumps in
RNN training. NeurIPS 2023 (SCYFI).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from pwl_analysis.cycle_equation import exact_cycles, float_cycle_points
from pwl_analysis.errors import Remedy
from pwl_analysis.methods.base import SearchMethod
from pwl_analysis.orbits import CycleSet
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.words import (
    least_rotation,
    necklace_key,
    primitive_period,
)

#: Words solved in one batched float call (bounds memory: n × K × M floats, and the padding
#: of shorter words to the longest of the batch).
_BATCH = 256


@dataclass(frozen=True)
class Scyfi(SearchMethod):
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
        :func:`~pwl_analysis.cycle_equation.float_cycle_points`) and each rotation class is
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

    name = "scyfi"
    complete = False
    budget = "max_letters"
    unit = "region letters"
    remedies = (Remedy("n_starts", "lower"),)

    n_starts: int = 200
    max_iter: int = 50
    seed: int = 0
    max_letters: int = 50_000_000

    def __post_init__(self):
        self._require(positive=("n_starts", "max_iter", "max_letters"), non_negative=("seed",))

    def letters(self, max_period: int) -> int:
        """Upper bound of the region letters solved up to period ``max_period``.

        Parameters
        ----------
        max_period : int
            Largest period K.

        Returns
        -------
        int
            n_starts × max_iter × (1 + 2 + … + K).

        Examples
        --------
        >>> Scyfi().letters(10)
        550000
        """
        return self.n_starts * self.max_iter * max_period * (max_period + 1) // 2

    def describe(self, m: PWLMap) -> str:
        """One line naming the method and its settings, for reports."""
        return f"SCYFI heuristic ({self.n_starts} starts × {self.max_iter} iterations per period)"

    def costs(self, m: PWLMap | None, max_period: int) -> np.ndarray:
        """:meth:`letters` up to each period 1…K (the map does not matter).

        Examples
        --------
        >>> Scyfi(n_starts=1, max_iter=1).costs(None, 4).tolist()
        [1, 3, 6, 10]
        """
        return np.array([self.letters(k) for k in range(1, max_period + 1)])

    def _find(self, m: PWLMap, max_period: int, progress: bool) -> CycleSet:
        rng = np.random.default_rng(self.seed)
        found, tried = [], 0
        for k in tqdm(range(1, max_period + 1), desc="periods", disable=not progress):
            starts = rng.integers(0, m.n_regions, size=(self.n_starts, k))
            consistent, n_tried = refine(m, starts, self.max_iter)
            words = sorted(least_rotation(word) for word in consistent if len(word) == k)
            found.extend(exact_cycles(m, words))
            tried += n_tried
        return self._result(m, found, max_period, tried)


def scyfi_step(
    m: PWLMap, words: list[np.ndarray], every_rotation: bool = True
) -> tuple[list[np.ndarray | None], np.ndarray]:
    """SCYFI's step: the region word each word's float cycle visits.

    Words of any lengths are solved in batches of similar length
    (:func:`~pwl_analysis.cycle_equation.float_cycle_points`).

    Parameters
    ----------
    m : PWLMap
        The map.
    words : list of ndarray of int
        Region words, each of shape (k,), k ≥ 1.
    every_rotation : bool, default True
        Solve the cycle equation at every position (short, strongly unstable cycles) or
        once, iterating forward (long cycles, several times cheaper).

    Returns
    -------
    visited : list of (ndarray or None)
        Per word, the regions (d(z_0), …, d(z_{k−1})) of its cycle's points, or None where
        I − Π is singular or the points are not finite.
    consistent : ndarray of bool, shape (n,)
        Which words visit themselves: the fixed points of the step.

    Examples
    --------
    For z ↦ z/2 + 1 (z ≤ 0) and 3z/4 + 1 (z > 0) the word (0,) solves to 2, the fixed point of
    region 0's affine map, which lies in region 1; the word (1,) solves to 4, in region 1:

    >>> m = PWLMap.from_alrnn([0.5], [[0.25]], [1.0], P=1)
    >>> visited, consistent = scyfi_step(m, [np.array([0]), np.array([1])])
    >>> [word.tolist() for word in visited], consistent.tolist()
    ([[1], [1]], [False, True])
    """
    visited: list[np.ndarray | None] = [None] * len(words)
    consistent = np.zeros(len(words), dtype=bool)
    lengths = [len(word) for word in words]
    order = sorted(range(len(words)), key=lengths.__getitem__)
    for start in range(0, len(order), _BATCH):
        batch = order[start : start + _BATCH]
        longest = lengths[batch[-1]]
        if lengths[batch[0]] == longest:
            padded = np.stack([words[i] for i in batch]).astype(np.int64, copy=False)
        else:
            padded = np.full((len(batch), longest), -1, dtype=np.int64)
            for row, i in zip(padded, batch):
                row[longest - lengths[i] :] = words[i]
        points, ok = float_cycle_points(m, padded, every_rotation)
        regions = m.region_of(points)
        consistent[batch] = ok & ((regions == padded) | (padded < 0)).all(axis=1)
        for i, row, solved in zip(batch, regions, ok.tolist()):
            if solved:
                visited[i] = row[longest - lengths[i] :]
    return visited, consistent


def refine(
    m: PWLMap,
    seeds: Iterable[np.ndarray],
    max_solves: int,
    every_rotation: bool = True,
    progress: bool = False,
) -> tuple[list[np.ndarray], int]:
    """SCYFI's iteration: the self-consistent words :func:`scyfi_step` reaches from seeds.

    Each word's rotation class is solved at most once: a visited word whose class was
    solved before is dropped, its successor having been followed already.  ``max_solves``
    steps are taken at most.

    Parameters
    ----------
    m : PWLMap
        The map.
    seeds : iterable of ndarray of int
        Initial region words (any lengths; repeated rotation classes are solved once).
    max_solves : int
        Steps per seed before it is given up.
    every_rotation : bool, default True
        Passed to :func:`scyfi_step`.
    progress : bool, default False
        Show a progress bar over the seeds.

    Returns
    -------
    consistent : list of ndarray
        The primitive roots of the self-consistent words reached, one per rotation class.
    tried : int
        Rotation classes whose cycle equation was solved.

    Examples
    --------
    From the tent map's words (0, 0, 1) and (1, 1): both are self-consistent, the second
    as a power of the fixed point's word (1,):

    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> consistent, tried = refine(tent, [np.array([0, 0, 1]), np.array([1, 1])], 10)
    >>> [word.tolist() for word in consistent], tried
    ([[0, 0, 1], [1]], 2)
    """
    tried, active = set(), []
    for word in seeds:
        key = necklace_key(word)
        if key not in tried:
            tried.add(key)
            active.append(word)
    consistent: dict[bytes, np.ndarray] = {}
    bar = tqdm(total=len(active), desc="seeds", disable=not progress)
    for _ in range(max_solves):
        if not active:
            break
        moving = []
        visited, fixed = scyfi_step(m, active, every_rotation)
        for word, seen, same in zip(active, visited, fixed.tolist()):
            if same:
                root = word[: primitive_period(word)]
                consistent.setdefault(necklace_key(root), root)
                continue
            if seen is None:
                continue
            key = necklace_key(seen)
            if key not in tried:
                tried.add(key)
                moving.append(seen)
        bar.update(len(active) - len(moving))
        active = moving
    bar.update(len(active))
    bar.close()
    return list(consistent.values()), len(tried)
