"""The complete search: every Lyndon region word of each period, screened, decided exactly.

For each period k ≤ K every Lyndon word over the regions (one per cyclic class) is listed,
without the words using a transition Ω_a → Ω_b that linear programming proves impossible (a
transition is dropped only with an exact infeasibility certificate,
:mod:`pwl_analysis.transitions`).  The words' cycle equations (I − Π) z_0 = c are solved in
batched floats with rigorous error bounds (:func:`~pwl_analysis.cycle_equation.screen_words`):
a word is dropped only when its cycle provably leaves its regions.  The others are decided in
exact rationals (:func:`~pwl_analysis.cycle_equation.exact_cycle`).  Powers w^r of shorter
words are decided too where I − Π_w^r may be singular, so families of cycles (a multiplier
that is a root of unity) are reported as :class:`~pwl_analysis.orbits.DegenerateCycle`
records.  *Complete*: every orbit of minimal period ≤ K (inside the box, if one is given) is
listed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from pwl_analysis.cycle_equation import (
    exact_cycles,
    may_have_singular_power,
    power_word_family,
    reduced_systems,
    screen_words,
)
from pwl_analysis.errors import Remedy
from pwl_analysis.methods.base import SearchMethod
from pwl_analysis.orbits import CycleSet
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.transitions import transition_matrix
from pwl_analysis.words import lyndon_words

#: Above this many regions the transition LPs cost more than they save; ``prune=None``
#: (automatic) skips them.
_AUTO_PRUNE_MAX_REGIONS = 32
#: ... except for a sparse arrangement of up to this many regions: fewer cells than sign
#: vectors (more hyperplanes than dimensions, as in a shPLRNN), each mapped into few others.
_AUTO_PRUNE_MAX_SPARSE_REGIONS = 512


@dataclass(frozen=True)
class Exhaustive(SearchMethod):
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
        Budget of region words, decided before the search (:meth:`costs`): the Lyndon words
        solved over all periods together, and the partial words held while one period's
        words are listed (those with no letter below their first), at most this many each;
        beyond, :class:`SearchTooLargeError` names the largest period that fits.  The
        default admits the 20-D Lorenz model (4 regions) to period 12 (1.9·10⁶ words, about
        half a minute) and the tent map to period 22.

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

    name = "exhaustive"
    complete = True
    budget = "max_words"
    remedies = (Remedy("method", "use", "Scyfi"),)

    prune: bool | None = None
    box: tuple | None = None
    max_words: int = 5_000_000

    def __post_init__(self):
        self._require(positive=("max_words",))

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

    def costs(self, m: PWLMap | None, max_period: int) -> np.ndarray | None:
        """Region words up to each period: max(Lyndon words so far, largest partial list).

        Counted exactly, without listing them (:func:`word_counts`): over all transitions,
        and, where the search prunes and that count is over the budget, over the
        transitions the LPs leave (q² LPs, the first step of the search).

        Examples
        --------
        The tent map: 2, 1, 2, 3 Lyndon words of lengths 1…4 (OEIS A001037), and
        1 + 2^{k−1} partial words of length k:

        >>> from pwl_analysis import Exhaustive, PWLMap
        >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
        >>> Exhaustive().costs(tent, 4).tolist()
        [2.0, 3.0, 5.0, 9.0]
        """
        if m is None:
            return None
        everything = np.ones((m.n_regions, m.n_regions), dtype=bool)
        costs = word_counts(everything, max_period, self.max_words)
        if (len(costs) < max_period or costs[-1] > self.max_words) and self._prunes(m):
            costs = word_counts(transition_matrix(m, self.box), max_period, self.max_words)
        return costs

    def _find(self, m: PWLMap, max_period: int, progress: bool) -> CycleSet:
        allowed = transition_matrix(m, self.box) if self._prunes(m) else None
        everything = np.ones((m.n_regions, m.n_regions), dtype=bool)
        counts = word_counts(everything if allowed is None else allowed, max_period, np.inf, True)
        by_period, found, tried = {}, [], 0
        bar = tqdm(total=int(counts[-1]), unit=" words", desc="region words", disable=not progress)
        with bar:
            for k in range(1, max_period + 1):
                words = by_period[k] = lyndon_words(m.n_regions, k, allowed, self.max_words)
                tried += len(words) + sum(len(by_period[d]) for d in range(1, k) if k % d == 0)
                systems = reduced_systems(m, k) if len(words) else []
                for start in range(0, len(words), _CHUNK):
                    chunk = words[start : start + _CHUNK]
                    found.extend(exact_cycles(m, chunk[_candidates(m, chunk, systems)]))
                    bar.update(len(chunk))
                found.extend(_power_families(m, by_period, k))
        return self._result(m, found, max_period, tried)


#: Words screened and decided between two updates of the progress bar.
_CHUNK = 1024


def word_counts(
    allowed: np.ndarray, max_period: int, stop: float, lyndon_only: bool = False
) -> np.ndarray:
    """Region words of the exhaustive search up to each period, counted without listing them.

    With A the (q, q) 0/1 matrix of allowed transitions, the Lyndon words of length k whose
    cyclic transitions are all allowed number (1/k) Σ_{d | k} μ(d) tr(A^{k/d}) (primitive
    necklaces among the closed walks; Lothaire 1983, §5.1), and the partial words of length
    j listed on the way (no letter below the first) 1ᵀ V_j 1 with V_1 = I,
    V_{j+1} = (V_j A) ∘ U, U the upper triangle of ones.  Entry k − 1 is
    max(Σ_{i≤k} L_i, max_{j≤k} partial_j) (only the Lyndon sum with ``lyndon_only``); the
    counting stops after the first entry over ``stop``.  Floats: an estimate, exact below
    2⁵³.

    References
    ----------
    Lothaire, M. (1983). Combinatorics on Words. Addison-Wesley.
    """
    A = np.asarray(allowed, dtype=np.float64)
    q = len(A)
    upper = np.triu(np.ones((q, q)))
    V, power = np.eye(q), np.eye(q)
    traces, costs, lyndon, partial = [], [], 0.0, 0.0
    for k in range(1, max_period + 1):
        if k > 1:
            V = (V @ A) * upper
        power = power @ A
        traces.append(float(np.trace(power)))
        lyndon += sum(_mobius(k // d) * traces[d - 1] for d in _divisors(k)) / k
        partial = max(partial, float(V.sum()))
        costs.append(lyndon if lyndon_only else max(lyndon, partial))
        if costs[-1] > stop:
            break
    return np.array(costs)


def _divisors(k: int) -> list[int]:
    return [d for d in range(1, k + 1) if k % d == 0]


def _mobius(n: int) -> int:
    """The Möbius function μ(n)."""
    sign, p = 1, 2
    while p * p <= n:
        if n % p == 0:
            n //= p
            if n % p == 0:
                return 0
            sign = -sign
        p += 1
    return -sign if n > 1 else sign


def _candidates(m: PWLMap, words: np.ndarray, systems: list) -> np.ndarray:
    """Verified float screen of words of one period, with that period's reduced systems.

    All words pass (to the exact decision) when no base region gives a provably invertible
    reduced system.
    """
    if len(words) == 0:
        return np.zeros(0, dtype=bool)
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
