"""Bounds on the topological entropy of a piecewise-linear map from its admissible words.

Let Λ be the set of points whose whole forward orbit stays in the box B, and N_n the number
of admissible region words of length n (:mod:`pwl_analysis.admissibility`).

**Upper bound (proved).**  Every itinerary of a point of Λ (any choice of closed region at a
boundary) is a sequence all of whose n-blocks are admissible, so the itineraries form a
subshift X inside the subshift of finite type X_n defined by the admissible n-blocks.  The
points sharing one itinerary form a convex set on which every f^j is affine and bounded, so
those fibres carry no entropy, and by Bowen's inequality

    h_top(f|Λ) ≤ h(X) ≤ h(X_n) = log ρ(G_n),   and   h(X) ≤ (1/n) log N_n,

G_n the graph with the admissible (n−1)-blocks as nodes and the admissible n-blocks as
edges.  ρ(G_n) is bounded from above by the Collatz–Wielandt ratio max_i (G x)_i / x_i of a
positive vector x (from power iteration), so the float value is itself a bound up to
rounding.  Over-approximated words (an LP that could not be certified) only raise it.

**Lower value (an estimate).**  With P_k = Σ_{j | k} j · #{cycles of minimal period j in B}
the number of points of period dividing k (every cycle decided exactly), the value reported
is (1/K) log P_K at the largest length K.  For many piecewise-affine maps h_top = lim
(1/k) log P_k (e.g. expanding interval maps), but a finite k is no bound in general (a map
with three fixed points and zero entropy has (1/1) log 3 > 0).  ``lower_is_bound`` is
therefore False, and the report says "estimate" — except for an interval map (M = 1) that
sends the box into itself with constant |slope| s, where h_top = max(0, log s) exactly
(Misiurewicz–Szlenk: h = lim (1/n) log Var(f^n), and Var(f^n) = s^n |I|); the tent map is one.

References
----------
Bowen, R. (1971). Entropy for group endomorphisms and homogeneous spaces. Trans. AMS 153,
401–414 (the inequality h(f) ≤ h(g) + sup h(f, fibre)).
Lind, D., Marcus, B. (1995). An Introduction to Symbolic Dynamics and Coding. CUP
(§4.1: h(X) = lim (1/n) log |B_n(X)| = inf_n by subadditivity; §4.3–4.4: h = log ρ for an
edge shift).
Misiurewicz, M., Szlenk, W. (1980). Entropy of piecewise monotone mappings. Studia Math. 67.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from pwl_analysis.admissibility import _Context, free_run_box, word_levels
from pwl_analysis.errors import BudgetError, Remedy, UserInputError
from pwl_analysis.methods.admissible_tree import _leaf_cycle
from pwl_analysis.methods.base import MAX_PERIOD, _is_integer
from pwl_analysis.orbits import Cycle
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.words import is_lyndon

#: Power-iteration steps for the Perron vector of a block graph.
_POWER_STEPS = 3000


@dataclass(frozen=True)
class EntropyBounds:
    """Upper bound and lower estimate of the topological entropy, and how each was obtained.

    Attributes
    ----------
    lower : float
        (1/K) log P_K from the exact cycles in the box (nats per step; 0 without cycles), or
        max(0, log s) for a constant-slope interval map (see the module docstring).
    upper : float
        min over n of log ρ(G_n) and (1/n) log N_n (nats per step); a proven bound.
    lower_is_bound : bool
        Whether ``lower`` is a proven lower bound (False: an estimate, see the module).
    lower_how, upper_how : str
        One sentence each.
    word_counts : tuple of int
        N_1 … N_K, admissible words per length.
    periodic_points : tuple of int
        P_1 … P_K, points of period dividing k in the box.
    box : (ndarray, ndarray)
        The box (lower, upper) the orbits stay in.

    See Also
    --------
    entropy_bounds : computes this record.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| realises all 2^n binary words in [−1/2, 1/2] and has 2^k
    points of period dividing k; it sends the interval into itself with slope ±2, so
    h_top = log 2 is proven from both sides:

    >>> from pwl_analysis import PWLMap, entropy_bounds
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> b = entropy_bounds(tent, 4, box=([-0.5], [0.5]))
    >>> b.word_counts, b.periodic_points, b.lower_is_bound
    ((2, 4, 8, 16), (2, 4, 8, 16), True)

    In [−1/2, 3/10], which the map does not send into itself, no theorem applies and the
    lower value is only the periodic-orbit estimate:

    >>> entropy_bounds(tent, 4, box=([-0.5], [0.3])).lower_is_bound
    False
    """

    lower: float
    upper: float
    lower_is_bound: bool
    lower_how: str
    upper_how: str
    word_counts: tuple[int, ...]
    periodic_points: tuple[int, ...]
    box: tuple

    def __repr__(self) -> str:
        kind = "bound" if self.lower_is_bound else "estimate"
        return (
            f"EntropyBounds({self.lower:.4f} ({kind}) ≤ h_top ≤ {self.upper:.4f}, "
            f"words to length {len(self.word_counts)})"
        )

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "lower": self.lower,
            "upper": self.upper,
            "lower_is_bound": self.lower_is_bound,
            "lower_how": self.lower_how,
            "upper_how": self.upper_how,
            "word_counts": list(self.word_counts),
            "periodic_points": list(self.periodic_points),
            "box": [np.asarray(b).tolist() for b in self.box],
        }


def entropy_bounds(
    m: PWLMap,
    max_length: int,
    box=None,
    max_words: int = 2_000_000,
    progress: bool = False,
    max_decisions: int | None = None,
) -> EntropyBounds:
    """Topological entropy of f on the orbits that stay in ``box``: upper bound, lower estimate.

    Parameters
    ----------
    m : PWLMap
        The map.
    max_length : int
        Longest admissible word (and period) K ≥ 2.
    box : (lower, upper) or None
        None: the bounding box of a free run from z = 0 (10⁴ steps after 10³), widened by 10 %
        on each side; the report says so.
    max_words : int
        Budget of admissible words per length.
    progress : bool
        Show a progress bar over the candidate words of each length.
    max_decisions : int or None
        Budget of candidate words decided (each an LP, or a polygon cut for M ≤ 2 in a
        box), checked before each length against an estimate of the cost up to
        ``max_length``: the candidates of the first two lengths are known before any is
        decided, and the later ones grow like the last two lengths' candidates did.
        None: 10⁴ LPs (about a minute at M = 20), or 10⁶ polygon cuts for M ≤ 2.

    Returns
    -------
    EntropyBounds
        The proven upper bound, the lower value (a bound only where a theorem applies) and
        how each was obtained.

    Raises
    ------
    UserInputError
        ``max_length`` is not an integer ≥ 2, or (without a box) the free run diverges.
    BudgetError
        ``max_length`` beyond :data:`~pwl_analysis.methods.MAX_PERIOD`, or the estimated
        candidate words beyond ``max_decisions`` (refused before the lengths they need are
        decided, naming the ``max_length`` that fits).
    SearchTooLargeError
        More than ``max_words`` admissible words of one length.

    Examples
    --------
    The tent map on [−1/2, 1/2] has entropy log 2:

    >>> m = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> bounds = entropy_bounds(m, 6, box=([-0.5], [0.5]))
    >>> round(bounds.lower, 12), round(bounds.upper, 12), round(float(np.log(2)), 12)
    (0.69314718056, 0.69314718056, 0.69314718056)
    """
    if not _is_integer(max_length) or max_length < 2:
        raise UserInputError(f"max_length must be an integer ≥ 2, got {max_length!r}")
    if max_length > MAX_PERIOD:
        raise BudgetError(
            f"word length {max_length} is beyond the longest the entropy bounds take, {MAX_PERIOD}",
            (Remedy("max_length", "lower", MAX_PERIOD),),
        )
    where = "the given box"
    if box is None:
        box, where = free_run_box(m), "the box of a free run from z = 0, widened by 10 %"
    ctx = _Context(m, box)
    budget = _DecisionBudget(ctx, int(max_length), max_decisions)
    levels, cycles = [], []
    for level in word_levels(ctx, int(max_length), max_words, progress, budget):
        levels.append([node.word for node in level])
        words = np.array(levels[-1], dtype=np.int64).reshape(len(level), len(levels))
        lyndon = is_lyndon(words, m.n_regions) if len(level) else np.zeros(0, dtype=bool)
        found = (_leaf_cycle(ctx, node) for node, ok in zip(level, lyndon) if ok)
        cycles += [c for c in found if isinstance(c, Cycle)]
    counts = tuple(len(level) for level in levels)
    upper, upper_at, by = _upper_bound(levels, counts)
    periodic = tuple(
        sum(c.period for c in cycles if k % c.period == 0) for k in range(1, len(levels) + 1)
    )
    K = len(levels)
    lower = float(np.log(periodic[-1]) / K) if periodic[-1] else 0.0
    lower_how = (
        f"estimate (1/{K}) log P_{K} = (1/{K}) log {periodic[-1]} from the exact cycles of "
        f"period dividing {K} in {where}; not a proven lower bound"
    )
    slope = _constant_slope(m, ctx.box)
    if slope is not None:
        lower = max(0.0, float(np.log(slope)))
        lower_how = (
            f"max(0, log s), s = {slope:.6g}: the map sends the interval {where} into itself "
            "with constant |slope| s, so h_top = max(0, log s) (Misiurewicz–Szlenk); proven"
        )
    return EntropyBounds(
        lower=lower,
        upper=upper,
        lower_is_bound=slope is not None,
        lower_how=lower_how,
        upper_how=(
            f"{by} at n = {upper_at}: the admissible {upper_at}-blocks in {where} "
            f"({ctx.certified} words excluded by exact Farkas certificates, "
            f"{ctx.uncertified} uncertified and kept); a proven upper bound"
        ),
        word_counts=counts,
        periodic_points=periodic,
        box=ctx.box,
    )


#: Default budgets of candidate words decided: by LP (M > 2 or no box), by cutting polygons.
_LP_DECISIONS, _POLYGON_DECISIONS = 10_000, 1_000_000


class _DecisionBudget:
    """The budget of candidate words the entropy bounds decide, checked before each length.

    Called by :func:`~pwl_analysis.admissibility.word_levels` with (n, C_n), the number of
    candidate words of length n, before they are decided.  The cost up to length K is
    estimated from what is known then:

    - n = 1: the q roots, and the C_2 = N_1² candidates of length 2, N_1 the regions whose
      closure meets the box (for an AL-RNN each switching coordinate's range in the box
      allows one sign or both: N_1 = Π_i (1 + [range straddles 0]), no LP);
    - n ≥ 3: the candidates so far, and C_n r^{j−n} at each length j = n … K, with
      r = C_n / C_{n−1} the last growth of the candidates (N_n grows like e^{n h}).

    A cost over the budget raises :class:`~pwl_analysis.errors.BudgetError` naming the
    largest ``max_length`` the estimate fits (or, where not even length 2 fits, the budget
    to raise), before any of those words is decided.
    """

    def __init__(self, ctx, max_length: int, max_decisions: int | None = None):
        default = _POLYGON_DECISIONS if ctx.polygons else _LP_DECISIONS
        self.budget = default if max_decisions is None else max_decisions
        if not _is_integer(self.budget) or self.budget < 1:
            raise UserInputError(f"max_decisions must be a positive integer, got {max_decisions!r}")
        self.max_length, self.ctx = max_length, ctx
        self.decided, self.previous = 0, None

    def __call__(self, length: int, candidates: int) -> None:
        """Refuse, before length ``length`` is decided, a cost over the budget."""
        if length == 1:
            known = [candidates, _regions_meeting_box(self.ctx) ** 2]
            costs = np.cumsum(known[: self.max_length])
        elif length == 2:
            costs = np.array([self.decided + candidates])
        else:
            ratio = candidates / max(self.previous, 1)
            costs = self.decided + _geometric_sums(
                candidates, ratio, self.max_length - length + 1, self.budget - self.decided
            )
        if costs[-1] > self.budget:
            self._refuse(length, costs)
        self.decided += candidates
        self.previous = candidates

    def _refuse(self, length: int, costs: np.ndarray) -> None:
        fits = length - 1 + int(np.count_nonzero(costs <= self.budget))
        how = "polygon cuts" if self.ctx.polygons else "linear programs"
        remedies = (Remedy("max_length", "lower", fits),) if fits >= 2 else ()
        raise BudgetError(
            f"entropy bounds up to word length {self.max_length} would decide about "
            f"{costs[-1]:.3g} candidate words by length {length - 1 + len(costs)} ({how}; "
            f"{self.ctx.m.n_regions} regions), over the budget of {self.budget:.3g}",
            (*remedies, Remedy("max_decisions", "raise")),
        )


def _geometric_sums(first: float, ratio: float, terms: int, stop: float) -> np.ndarray:
    """Partial sums of first · ratio^j, j = 0 … terms − 1, ending after the first over ``stop``."""
    sums, total, term = [], 0.0, float(first)
    for _ in range(terms):
        total += term
        sums.append(total)
        if total > stop:
            break
        term *= ratio
    return np.array(sums)


def _regions_meeting_box(ctx) -> int:
    """N_1 for an AL-RNN: Π_i (number of signs the box allows switching coordinate i)."""
    m, (lower, upper) = ctx.m, ctx.box if ctx.box is not None else (None, None)
    if lower is None:
        return m.n_regions
    switching = slice(m.M - m.P, m.M)
    signs = (upper[switching] > 0).astype(int) + (lower[switching] <= 0).astype(int)
    return int(np.prod(signs))


def _constant_slope(m: PWLMap, box) -> float | None:
    """s when M = 1, f maps the box [l, u] into itself and |f'| = s on every piece there.

    Decided in exact rationals; None when any condition fails.
    """
    if m.M != 1:
        return None
    lower, upper = (Fraction(float(b[0])) for b in box)
    slope = [Fraction(float(J[0, 0])) for J in m.jacobians]  # region 0: z ≤ 0, 1: z > 0
    h = Fraction(float(m.h[0]))

    def f(z: Fraction) -> Fraction:
        return slope[int(m.P == 1 and z > 0)] * z + h

    if m.P == 0:
        pieces, corners = [0], [lower, upper]
    else:
        pieces = [r for r, inside in ((0, lower < 0), (1, upper > 0)) if inside]
        corners = [lower, upper] + ([Fraction(0)] if lower < 0 < upper else [])
    moduli = {abs(slope[r]) for r in pieces}
    if len(moduli) != 1 or not all(lower <= f(z) <= upper for z in corners):
        return None
    return float(moduli.pop())


def _upper_bound(levels: list, counts: tuple) -> tuple[float, int, str]:
    """The least of log ρ(G_n) and (1/n) log N_n over n, with the n and the kind attaining it."""
    best = (np.inf, 0, "")
    for n in range(1, len(levels) + 1):
        if counts[n - 1] == 0:
            return 0.0, n, "no admissible words"
        candidates = [(float(np.log(counts[n - 1]) / n), n, "(1/n) log N_n")]
        if n >= 2:
            candidates.append((_log_spectral_radius(levels[n - 2], levels[n - 1]), n, "log ρ(G_n)"))
        best = min([best, *candidates], key=lambda c: c[0])
    return best


def _log_spectral_radius(nodes: list, edges: list) -> float:
    """An upper bound on log ρ of the graph with nodes (n−1)-blocks and edges n-blocks.

    ρ is the largest ρ over strongly connected components.  On each (irreducible) component,
    Collatz–Wielandt: ρ(A) + 1 = ρ(A + I) ≤ max_i ((A + I) x)_i / x_i for any x > 0, with x
    the power-iterated Perron vector of A + I (aperiodic, so the iteration converges).
    """
    index = {word: i for i, word in enumerate(nodes)}
    rows = [index[word[:-1]] for word in edges]
    cols = [index[word[1:]] for word in edges]
    n = len(nodes)
    A = sparse.csr_matrix((np.ones(len(edges)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(A, directed=True, connection="strong")
    rho = 0.0
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        block = A[members][:, members]
        if block.nnz == 0:
            continue  # a single node without a loop carries no cycle
        rho = max(rho, _collatz_wielandt(block))
    return float(np.log(rho)) if rho > 0 else -np.inf


def _collatz_wielandt(A) -> float:
    """max_i ((A + I) x)_i / x_i − 1 ≥ ρ(A) for the irreducible nonnegative matrix A."""
    B = A + sparse.identity(A.shape[0], format="csr")
    x = np.ones(A.shape[0])
    for _ in range(_POWER_STEPS):
        x = B @ x
        x /= x.max()
    return float(np.max((B @ x) / x)) - 1.0
