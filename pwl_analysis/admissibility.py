"""Admissible region words: which itineraries some orbit segment realises, decided by LP.

A region word w = w_0 … w_{n−1} is *admissible* in a box B = [l, u] when the polyhedron

    Q(w) = {z ∈ R^M : f^j(z) ∈ B ∩ cl Ω_{w_j},  j = 0, …, n−1}

is non-empty (without a box, B = R^M).  Along a fixed word the map is affine,
z_j = Π_j z + c_j with Π_0 = I, c_0 = 0, Π_{j+1} = J_{w_j} Π_j, c_{j+1} = J_{w_j} c_j + h, so
every condition is linear in z: per step, P sign rows −s_i (Π_j z + c_j)_{M−P+i} ≤ 0 with
s = ±1 from the region's bits, and 2M box rows.  Q(w) = {z : A z ≤ b}.

**Deciding.**  One LP, min t subject to A z − t·1 ≤ b with every row scaled to unit norm and
t ≥ −1 (the Chebyshev-centre problem, so a feasible answer is a deep interior point).  An
optimum t* ≤ 0 gives a point of Q(w): the word is admissible (a float claim, in the safe
direction: admitting a word never loses an orbit).  A float t* > 0 is *never taken as proof*.
Its dual y ≥ 0 satisfies Aᵀy = 0, 1ᵀy = 1, bᵀy = −t* < 0, a Farkas certificate; it is solved
again exactly over QQ on its support (weights are dyadic rationals, so Π_j and c_j have exact
images) and checked, y ≥ 0 and bᵀy < 0, in rational arithmetic: then 0 = yᵀA z ≤ yᵀb < 0 for
any z, so Q(w) is empty.  A word whose certificate does not survive is counted admissible.
Errors therefore only ever add words: a search pruned by admissibility stays complete.

Closed regions make boundary points admissible in both neighbouring regions, another
over-approximation; cycles are decided exactly at the end with the half-open convention of
:meth:`PWLMap.region_of`.

References
----------
Schrijver, A. (1986). Theory of Linear and Integer Programming. Wiley (Farkas' lemma, §7.3).
Huangfu, Q., Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
Math. Prog. Comp. 10, 119–142 (HiGHS).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import flint
import numpy as np
from scipy.optimize import linprog
from tqdm.auto import tqdm

from pwl_analysis._polygon import Interval, Polygon
from pwl_analysis.errors import Remedy
from pwl_analysis.free_runs import free_run
from pwl_analysis.pwl_map import PWLMap, require_alrnn
from pwl_analysis.transitions import check_box
from pwl_analysis.words import SearchTooLargeError

#: Dual weights below this fraction of the largest are taken as zero (outside the support).
_SUPPORT = 1e-12


def _fmpq(x: float) -> flint.fmpq:
    return flint.fmpq(*float(x).as_integer_ratio())


def _fmpq_of(matrix) -> flint.fmpq_mat:
    """A ``DomainMatrix`` over QQ as a python-flint ``fmpq_mat`` (exact)."""
    rows, cols = matrix.shape
    entries = [
        flint.fmpq(int(x.numerator), int(x.denominator)) for row in matrix.to_list() for x in row
    ]
    return flint.fmpq_mat(rows, cols, entries)


class _Context:
    """A map, a box and the exact images of both, with counters of the decisions made."""

    def __init__(self, m: PWLMap, box):
        self.m = require_alrnn(m, "admissible words (admissible, AdmissibleTree, entropy bounds)")
        self.box = check_box(m, box)
        self.sign = np.where(m.region_bits == 1, 1.0, -1.0)
        self.rows_per_step = m.P + (2 * m.M if self.box is not None else 0)
        self.exact_h = _fmpq_of(m.exact_weights[2])
        if self.box is not None:
            self.exact_box = tuple([_fmpq(x) for x in bound] for bound in self.box)
        #: 1-D and 2-D polyhedra in a box are cut as intervals and polygons, no LP
        #: (:mod:`pwl_analysis._polygon`)
        self.polygons = m.M <= 2 and self.box is not None
        self.lps = self.certified = self.uncertified = 0

    @cached_property
    def exact_jacobians(self) -> list:
        """The exact J_d (the float ones round A_ij + W_ij; a rational map's are not floats).

        Computed on first use: a map with many regions pays for them only when a decision
        is made exactly.
        """
        return [_fmpq_of(self.m.exact_region_jacobian(d)) for d in range(self.m.n_regions)]

    def step_rows(self, Pi: np.ndarray, c: np.ndarray, letter: int):
        """Rows (A, b) of A z ≤ b saying Π z + c ∈ cl Ω_letter ∩ box."""
        M, P = self.m.M, self.m.P
        s = self.sign[letter]
        A = [-s[:, None] * Pi[M - P :]]
        b = [s * c[M - P :]]
        if self.box is not None:
            lower, upper = self.box
            A += [Pi, -Pi]
            b += [upper - c, c - lower]
        return np.vstack(A), np.concatenate(b)

    def exact_row(self, Pi, c, letter: int, kind: int):
        """Row ``kind`` of :meth:`step_rows` over QQ: (list of M fmpq, fmpq)."""
        M, P = self.m.M, self.m.P
        if kind < P:
            i = M - P + kind
            s = int(self.sign[letter][kind])
            return [-s * Pi[i, j] for j in range(M)], s * c[i, 0]
        lower, upper = self.exact_box
        i = (kind - P) % M
        if kind - P < M:
            return [Pi[i, j] for j in range(M)], upper[i] - c[i, 0]
        return [-Pi[i, j] for j in range(M)], c[i, 0] - lower[i]


class _Word:
    """One node of a word tree: a word, its float polyhedron and (lazily) its exact one.

    ``Pi``, ``c`` map z_0 to z_{n−1}; ``A``, ``b`` hold every row for steps 0 … n−1.
    ``growth`` is max_j ‖ |J_{w_{j−1}}| ⋯ |J_{w_0}| ‖∞ + ‖c̄_j‖∞ (c̄ the same recursion in
    absolute values), which bounds the rounding error of the float rows.
    """

    __slots__ = (
        "A",
        "Pi",
        "_abs",
        "_exact",
        "b",
        "c",
        "growth",
        "parent",
        "polygon",
        "witness",
        "word",
    )

    def __init__(self, word, parent, Pi, c, A, b, absolute=None):
        self.word, self.parent, self.Pi, self.c, self.A, self.b = word, parent, Pi, c, A, b
        self.witness = self.polygon = None
        self._exact = None
        self._abs = (np.abs(Pi), np.abs(c)) if absolute is None else absolute
        previous = 0.0 if parent is None else parent.growth
        self.growth = max(previous, float(self._abs[0].sum(axis=1).max() + self._abs[1].max()))

    @classmethod
    def root(cls, ctx: _Context, letter: int) -> _Word:
        M = ctx.m.M
        Pi, c = np.eye(M), np.zeros(M)
        return cls((letter,), None, Pi, c, *ctx.step_rows(Pi, c, letter))

    def child(self, ctx: _Context, letter: int) -> _Word:
        J = ctx.m.jacobians[self.word[-1]]
        Pi, c = J @ self.Pi, J @ self.c + ctx.m.h
        A, b = ctx.step_rows(Pi, c, letter)
        J_abs = np.abs(J)
        absolute = (J_abs @ self._abs[0], J_abs @ self._abs[1] + np.abs(ctx.m.h))
        word = (*self.word, letter)
        return _Word(word, self, Pi, c, np.vstack([self.A, A]), np.r_[self.b, b], absolute)

    def exact(self, ctx: _Context):
        """(Π, c) over QQ as fmpq matrices, computed once along the parent chain.

        Iteratively, from the nearest ancestor that has them: a word of length 1000 is no
        recursion 1000 calls deep.
        """
        chain, node = [], self
        while node is not None and node._exact is None:
            chain.append(node)
            node = node.parent
        for node in reversed(chain):
            if node.parent is None:
                M = ctx.m.M
                node._exact = (
                    flint.fmpq_mat(M, M, [int(i == j) for i in range(M) for j in range(M)]),
                    flint.fmpq_mat(M, 1, [0] * M),
                )
            else:
                Pi, c = node.parent._exact
                J = ctx.exact_jacobians[node.parent.word[-1]]
                node._exact = (J * Pi, J * c + ctx.exact_h)
        return self._exact

    def ancestor(self, length: int) -> _Word:
        node = self
        while len(node.word) > length:
            node = node.parent
        return node


def _decide(ctx: _Context, node: _Word, hint=None) -> str:
    """Decide whether Q(node.word) is non-empty; sets ``node.witness`` when it is.

    Returns how: ``"polygon"`` (2-D: the parent's polygon cut by the new rows is not empty),
    ``"witness"`` (``hint``, a point of the parent's polyhedron, satisfies the new rows),
    ``"LP feasible"``, ``"certified infeasible"`` or ``"uncertified"`` (the LP says
    infeasible but the exact certificate failed: counted admissible).
    """
    if ctx.polygons:
        how = _decide_by_polygon(ctx, node)
        if how is not None:
            return how
    new = ctx.rows_per_step
    if hint is not None and np.all(node.A[-new:] @ hint <= node.b[-new:]):
        node.witness = hint
        return "witness"
    norms = np.linalg.norm(node.A, axis=1)
    norms[norms == 0] = 1.0
    M = ctx.m.M
    ctx.lps += 1
    result = linprog(
        np.r_[np.zeros(M), 1.0],
        A_ub=np.hstack([node.A / norms[:, None], -np.ones((len(node.A), 1))]),
        b_ub=node.b / norms,
        bounds=[(None, None)] * M + [(-1.0, None)],
        method="highs",
    )
    if result.status == 0 and result.fun <= 0:
        node.witness = result.x[:M]
        return "LP feasible"
    if result.status == 0 and _certify(ctx, node, -result.ineqlin.marginals / norms):
        ctx.certified += 1
        return "certified infeasible"
    ctx.uncertified += 1
    return "uncertified"


def _decide_by_polygon(ctx: _Context, node: _Word) -> str | None:
    """Cut the parent's polygon by the node's new rows; None when an LP must decide."""
    if node.parent is None:
        P, M = ctx.m.P, ctx.m.M
        shape = Polygon if M == 2 else Interval
        polygon = shape.box(*ctx.box, range(P, P + M), range(P + M, P + 2 * M))
        new_rows = range(P)
    else:
        polygon = node.parent.polygon
        new_rows = range(len(node.parent.A), len(node.A))
    if polygon is None:
        return None
    for row in new_rows:
        cut = polygon.cut(node.A[row], node.b[row], row)
        if not isinstance(cut, tuple):
            polygon = cut
            continue
        if _certify_minors(ctx, node, cut if ctx.m.M == 1 else (*cut, row)):
            ctx.certified += 1
            return "certified infeasible"
        return None
    node.polygon, node.witness = polygon, polygon.centroid()
    return "polygon"


def _certify_minors(ctx: _Context, node: _Word, rows: tuple[int, ...]) -> bool:
    """Exact Farkas check on M + 1 rows: y_i = (−1)^i det(the other rows' a's).

    That y solves Σ y_i a_i = 0 (Cramer); with every y_i ≥ 0 (or every y_i ≤ 0, then −y) and
    yᵀb < 0 (> 0) the rows are inconsistent.  In 2-D the minors are the cross products
    a_2 × a_3, a_3 × a_1, a_1 × a_2.  A single row is inconsistent when a = 0 and b < 0.
    """
    M = ctx.m.M
    exact = [_exact_row(ctx, node, row) for row in rows]
    if len(rows) == 1:
        a, b = exact[0]
        return all(x == 0 for x in a) and b < 0
    if len(set(rows)) != M + 1:
        return False
    y = []
    for i in range(M + 1):
        others = [a for k, (a, _) in enumerate(exact) if k != i]
        minor = flint.fmpq_mat(M, M, [x for a in others for x in a]).det()
        y.append(minor if i % 2 == 0 else -minor)
    value = sum((w * b for w, (_, b) in zip(y, exact)), flint.fmpq(0))
    if all(w >= 0 for w in y):
        return value < 0
    if all(w <= 0 for w in y):
        return value > 0
    return False


def _certify(ctx: _Context, node: _Word, y: np.ndarray) -> bool:
    """Exact Farkas check: y ≥ 0 on a support S, Σ_S y_i a_i = 0, Σ_S y_i = 1, Σ_S y_i b_i < 0.

    ``y`` are the float dual weights of the unscaled rows.  The equations are solved over QQ
    with the free unknowns (if the support is larger than needed) fixed at the float weights.
    """
    if not np.all(np.isfinite(y)) or y.max(initial=0.0) <= 0:
        return False
    support = np.flatnonzero(y > _SUPPORT * y.max())
    rows = [_exact_row(ctx, node, int(i)) for i in support]
    M, s = ctx.m.M, len(support)
    system = flint.fmpq_mat(M + 1, s + 1)
    for col, (a, _) in enumerate(rows):
        for i in range(M):
            system[i, col] = a[i]
        system[M, col] = 1
    system[M, s] = 1
    reduced, rank = system.rref()
    pivots = [next(j for j in range(s + 1) if reduced[r, j] != 0) for r in range(rank)]
    if s in pivots:
        return False  # the equations have no solution on this support
    guess = y[support] / y[support].sum()
    weights = [None if j in pivots else _fmpq(guess[j]) for j in range(s)]
    for r, p in enumerate(pivots):
        free = sum((reduced[r, j] * weights[j] for j in range(s) if j not in pivots), flint.fmpq(0))
        weights[p] = reduced[r, s] - free
    if any(w < 0 for w in weights):
        return False
    return sum((w * b for w, (_, b) in zip(weights, rows)), flint.fmpq(0)) < 0


def _exact_row(ctx: _Context, node: _Word, index: int):
    step, kind = divmod(index, ctx.rows_per_step)
    Pi, c = node.ancestor(step + 1).exact(ctx)
    return ctx.exact_row(Pi, c, node.word[step], kind)


# ---- one word --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Admissibility:
    """Whether a region word is realised by an orbit segment (in a box), and how that is known.

    Attributes
    ----------
    word : tuple of str
        Region labels w_0, …, w_{n−1}.
    admissible : bool
        True when some z has f^j(z) ∈ cl Ω_{w_j} (and in the box) for j < n.
    witness : ndarray of shape (M,) or None
        Such a z (float) when admissible.
    exact_witness : bool
        True when the witness, converted exactly to rationals, satisfies every condition in
        exact arithmetic (a proof of admissibility); False when it does so only within the
        LP's tolerance or there is no witness.
    decided_by : str
        ``"exact witness"``, ``"float witness (within tolerance)"`` (an LP or polygon point
        that satisfies the conditions only up to rounding),
        ``"Farkas certificate (exact)"`` (a proof of non-admissibility) or
        ``"LP infeasible, certificate failed: counted admissible"``.

    See Also
    --------
    admissible : decides one word.
    admissible_words : every admissible word up to a length.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| sends u = −1/8 ∈ Ω_0 to 1/4 ∈ Ω_1, an exact witness that the
    word 0 1 is realised (the LP's point, checked in rationals):

    >>> from pwl_analysis import PWLMap, admissible
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> record = admissible(tent, ["0", "1"], box=([-0.5], [0.5]))
    >>> record.admissible, record.witness.tolist(), record.exact_witness, record.decided_by
    (True, [-0.125], True, 'exact witness')
    >>> record.to_dict()["word"]
    ['0', '1']
    """

    word: tuple[str, ...]
    admissible: bool
    witness: np.ndarray | None
    exact_witness: bool
    decided_by: str

    def __repr__(self) -> str:
        verdict = "admissible" if self.admissible else "not admissible"
        return f"Admissibility({' → '.join(self.word)}: {verdict}, {self.decided_by})"

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "word": list(self.word),
            "admissible": self.admissible,
            "witness": None if self.witness is None else self.witness.tolist(),
            "exact_witness": self.exact_witness,
            "decided_by": self.decided_by,
        }


def admissible(m: PWLMap, word, box=None) -> Admissibility:
    """Whether some orbit segment follows the region word, decided with a certificate.

    Parameters
    ----------
    m : PWLMap
        The map.
    word : sequence of region labels or indices
        w_0, …, w_{n−1}, n ≥ 1.
    box : (lower, upper) or None
        Every point z_0, …, z_{n−1} must lie in the box; None: anywhere in R^M.

    Returns
    -------
    Admissibility
        The verdict, a witness point when admissible, and how it was decided.

    Raises
    ------
    ValueError
        An empty word, an unknown region, or a box of the wrong shape.

    References
    ----------
    Schrijver, A. (1986). Theory of Linear and Integer Programming. Wiley (Farkas' lemma,
    §7.3).

    Examples
    --------
    The tent map realises every binary word in [−1/2, 1/2]; in [0, 1/2] only z = 0 lies in
    cl Ω_0, and f(0) = 1/2 does not, so the word 0 0 is not realised there:

    >>> m = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> admissible(m, ["0", "1", "1", "0"], box=([-0.5], [0.5])).admissible
    True
    >>> admissible(m, ["0", "0"], box=([0.0], [0.5])).decided_by
    'Farkas certificate (exact)'
    """
    indices = tuple(m.region_index(r) for r in word)
    if not indices:
        raise ValueError("the region word is empty; expected at least one region")
    ctx = _Context(m, box)
    node = _Word.root(ctx, indices[0])
    for letter in indices[1:]:
        node = node.child(ctx, letter)
    how = _decide(ctx, node)
    labels = tuple(m.region_label(r) for r in indices)
    if how == "certified infeasible":
        return Admissibility(labels, False, None, False, "Farkas certificate (exact)")
    if how == "uncertified":
        return Admissibility(
            labels, True, None, False, "LP infeasible, certificate failed: counted admissible"
        )
    exact = _satisfies_exactly(ctx, node, node.witness)
    decided = "exact witness" if exact else "float witness (within tolerance)"
    return Admissibility(labels, True, node.witness, exact, decided)


def _satisfies_exactly(ctx: _Context, node: _Word, z: np.ndarray) -> bool:
    point = [_fmpq(x) for x in z]
    for index in range(len(node.A)):
        a, b = _exact_row(ctx, node, index)
        if sum((ai * zi for ai, zi in zip(a, point)), flint.fmpq(0)) > b:
            return False
    return True


def free_run_box(m: PWLMap, widen: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Bounding box of a free run from z = 0 (10⁴ steps after 10³), widened by ``widen``.

    The box is widened by ``widen`` of its size on each side: a box around the attractor
    reached from the origin.

    Parameters
    ----------
    m : PWLMap
        The map.
    widen : float
        Fraction of the box's size added on each side (and 10⁻⁹ of the bounds, so the box
        of a run that settles on a fixed point is not empty).

    Returns
    -------
    (ndarray, ndarray), each of shape (M,)
        The lower and upper corners.

    Raises
    ------
    ValueError
        When the free run diverges (give a box instead).

    Examples
    --------
    The map u ↦ u/2 + 1/2 − max(0, u) draws every orbit to its fixed point u = 1/3:

    >>> from pwl_analysis import PWLMap, free_run_box
    >>> lower, upper = free_run_box(PWLMap.from_alrnn([0.5], [[-1.0]], [0.5], P=1))
    >>> bool(lower[0] < 1 / 3 < upper[0]), bool(upper[0] - lower[0] < 1e-8)
    (True, True)

    The Lozi map on z = (y, x) has y_{t+1} = x_t / 2, so the box's y-range is half its
    x-range:

    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> lower, upper = free_run_box(lozi)
    >>> np.allclose([lower[0], upper[0]], [lower[1] / 2, upper[1] / 2])
    True
    """
    try:
        orbit = free_run(m, 10_000, 1_000)
    except ValueError as error:
        raise ValueError(f"{error}; give a box=(lower, upper) instead") from error
    low, high = orbit.min(axis=0), orbit.max(axis=0)
    pad = widen * (high - low) + 1e-9 * (1 + np.abs(high) + np.abs(low))
    return low - pad, high + pad


# ---- all words of each length ------------------------------------------------------------


def admissible_words(
    m: PWLMap, max_length: int, box=None, max_words: int = 2_000_000, progress: bool = False
) -> tuple[np.ndarray, ...]:
    """Every admissible region word of length 1 … ``max_length`` (see the module docstring).

    Level by level: a word w_0 … w_n is a candidate only when w_0 … w_{n−1} and
    w_1 … w_n are both admissible (the shift of an orbit segment is one), and then decided as
    by :func:`admissible`.  The lists over-approximate: a word is dropped only on an exact Farkas
    certificate.

    Parameters
    ----------
    m : PWLMap
        The map.
    max_length : int
        Longest word n ≥ 1.
    box : (lower, upper) or None
        Every point of the orbit segment must lie in the box; None: anywhere in R^M.
    max_words : int
        Budget of admissible words per length before :class:`SearchTooLargeError`.
    progress : bool
        Show a progress bar over word lengths.

    Returns
    -------
    tuple of ndarray of int64
        Entry n − 1 has shape (N_n, n), rows (region indices) in lexicographic order.

    Raises
    ------
    ValueError
        ``max_length`` is not a positive integer, or a box of the wrong shape.
    SearchTooLargeError
        More than ``max_words`` admissible words of one length.

    Examples
    --------
    >>> m = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> [len(w) for w in admissible_words(m, 4, box=([-0.5], [0.5]))]
    [2, 4, 8, 16]
    """
    if isinstance(max_length, bool) or int(max_length) != max_length or max_length < 1:
        raise ValueError(f"max_length must be a positive integer, got {max_length!r}")
    ctx = _Context(m, box)
    return tuple(
        np.array([node.word for node in level], dtype=np.int64).reshape(len(level), n)
        for n, level in enumerate(word_levels(ctx, int(max_length), max_words, progress), 1)
    )


def word_levels(
    ctx: _Context, max_length: int, max_words: int, progress: bool = False, before=None
):
    """Yield the admissible words of length 1, 2, … as lists of tree nodes (lexicographic).

    ``before(length, n)``, when given, is called before the n candidate words of each
    length are decided (a budget may refuse there); the progress bar counts candidates.
    """
    q = ctx.m.n_regions
    if before is not None:
        before(1, q)
    with tqdm(total=q, desc="word length 1", unit=" words", disable=not progress) as bar:
        yield from _levels(ctx, max_length, max_words, before, bar)


def _levels(ctx: _Context, max_length: int, max_words: int, before, bar):
    """The levels of :func:`word_levels`, counted on ``bar``."""
    q = ctx.m.n_regions
    level = []
    for a in range(q):
        node = _Word.root(ctx, a)
        if _decide(ctx, node) != "certified infeasible":
            level.append(node)
        bar.update()
    yield level
    for length in range(2, max_length + 1):
        previous = {node.word for node in level}
        candidates = [
            (node, letter)
            for node in level
            for letter in range(q)
            if (*node.word[1:], letter) in previous
        ]
        if before is not None:
            before(length, len(candidates))
        bar.set_description(f"word length {length}")
        bar.total += len(candidates)
        level = []
        for node, letter in candidates:
            child = node.child(ctx, letter)
            if _decide(ctx, child, node.witness) != "certified infeasible":
                level.append(child)
            bar.update()
            if len(level) > max_words:
                raise SearchTooLargeError(
                    f"more than {max_words} admissible words of length {length}",
                    (Remedy("max_words", "raise"), Remedy("max_length", "lower", length - 1)),
                )
        yield level
