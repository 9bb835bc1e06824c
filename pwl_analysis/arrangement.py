"""The cells of a hyperplane arrangement: the linear regions of a ReLU layer.

A layer z ↦ relu(W₂ z + h₂) with H hidden units is affine on each cell

    Ω_d = {z ∈ R^M : (W₂ z + h₂)_i > 0 where d_i = 1,  (W₂ z + h₂)_i ≤ 0 where d_i = 0},

d ∈ {0, 1}^H (a point on a hyperplane belongs to the side d_i = 0).  Of the 2^H sign vectors
only the non-empty cells are regions: at most Σ_{i ≤ M} C(H, i) of them (Zaslavsky 1975),
far fewer than 2^H when H > M.

**Construction.**  Incrementally, one hyperplane at a time (Edelsbrunner 1987, ch. 7): every
cell of the first i hyperplanes is split by hyperplane i + 1 into at most two cells.  A cell
carries an exact witness point, and the side of the new hyperplane that witness lies on is
non-empty without further work; the other side is decided by
:func:`~pwl_analysis.feasibility.decide_polyhedron`: an exactly checked witness or an exact
Farkas certificate.  A sign vector is dropped only with a certificate, so the list never
misses a region; a side neither proven nor refuted (the float LPs failed) is kept, without a
witness.  When W₂ has full row rank every sign vector is realised (z ↦ W₂ z + h₂ is onto
R^H) and the 2^H witnesses are solved directly, without LPs.

References
----------
Zaslavsky, T. (1975). Facing up to arrangements: face-count formulas for partitions of space
by hyperplanes. Mem. Amer. Math. Soc. 154.
Edelsbrunner, H. (1987). Algorithms in Combinatorial Geometry. Springer, ch. 7.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from pwl_analysis.errors import BudgetError
from pwl_analysis.feasibility import decide_polyhedron

#: Most cells an arrangement may have before :func:`arrangement_cells` refuses.
MAX_CELLS = 1 << 16
#: Most linear programs the incremental construction may need before it is refused (each
#: a few milliseconds with its exact check: about a minute).
MAX_LPS = 20_000


@dataclass(frozen=True)
class Arrangement:
    """The non-empty cells of {z : W₂ z + h₂ = 0}, sorted by their sign vectors.

    Attributes
    ----------
    bits : ndarray of int8, shape (q, H)
        Row r is the sign vector d of cell r; rows in lexicographic order (the binary number
        d, most significant unit first).
    witnesses : tuple of DomainMatrix or None
        An exact point of each cell (a column over QQ), None where the cell was kept without
        proof.
    refuted : int
        Partial sign vectors (over the first units) proven empty by an exact Farkas
        certificate, each ruling out every sign vector that extends it.
    lps : int
        Cells decided by linear programming.
    """

    bits: np.ndarray
    witnesses: tuple
    refuted: int
    lps: int

    def __repr__(self) -> str:
        q, H = self.bits.shape
        proof = "every cell witnessed" if self.proven else "some cells kept unproven"
        return (
            f"Arrangement({q} cells of {H} hyperplanes, {self.refuted} sign patterns refuted, "
            f"{self.lps} LPs, {proof})"
        )

    @property
    def proven(self) -> bool:
        """Every cell has an exact witness (no cell was kept only for safety)."""
        return all(w is not None for w in self.witnesses)


@dataclass(frozen=True)
class Polyhedron:
    """{x : G x ≤ g, ``<`` on the strict rows}, in floats and exactly (g a column)."""

    G: np.ndarray
    g: np.ndarray
    exact_G: DomainMatrix
    exact_g: DomainMatrix
    strict: np.ndarray

    @classmethod
    def whole_space(cls, n: int) -> Polyhedron:
        """R^n: no rows."""
        return cls(
            np.zeros((0, n)),
            np.zeros(0),
            DomainMatrix.zeros((0, n), QQ),
            DomainMatrix.zeros((0, 1), QQ),
            np.zeros(0, dtype=bool),
        )

    def meet(self, other: Polyhedron) -> Polyhedron:
        """The intersection: both sets of rows."""
        return Polyhedron(
            np.vstack([self.G, other.G]),
            np.concatenate([self.g, other.g]),
            self.exact_G.vstack(other.exact_G),
            self.exact_g.vstack(other.exact_g),
            np.concatenate([self.strict, other.strict]),
        )

    def decide(self):
        """:func:`~pwl_analysis.feasibility.decide_polyhedron` of this set."""
        return decide_polyhedron(self.G, self.g, self.exact_G, self.exact_g, self.strict)


def _sides(value, closed: bool) -> tuple[int, ...]:
    """The sides d_i of a hyperplane that a point with (w·z + b) = ``value`` lies on."""
    if value > 0:
        return (1,)
    return (0, 1) if closed and value == 0 else (0,)


def _half_spaces(W, b, exact_W, exact_b, bits, closed: bool) -> Polyhedron:
    """The side ``bits`` of the first hyperplanes: −s_i (W_i z + b_i) ≤ 0, s_i = ±1.

    Strict where d_i = 1, unless ``closed``.
    """
    n = len(bits)
    sign = np.where(np.asarray(bits) == 1, 1.0, -1.0)
    W_rows, b_rows = exact_W.to_list(), exact_b.to_list()
    exact_G = DomainMatrix(
        [[-QQ(int(s)) * x for x in W_rows[i]] for i, s in enumerate(sign)], (n, W.shape[1]), QQ
    )
    exact_g = DomainMatrix([[QQ(int(s)) * b_rows[i][0]] for i, s in enumerate(sign)], (n, 1), QQ)
    strict = (np.asarray(bits) == 1) & (not closed)
    return Polyhedron(-sign[:, None] * W[:n], sign * b[:n], exact_G, exact_g, strict)


def split_cells(
    W: np.ndarray,
    b: np.ndarray,
    exact_W: DomainMatrix,
    exact_b: DomainMatrix,
    domain: Polyhedron,
    start: DomainMatrix | None = None,
    closed: bool = False,
    max_cells: int = MAX_CELLS,
) -> tuple[list, int, int]:
    """The non-empty cells of {W z + b = 0} inside ``domain``, one hyperplane at a time.

    Parameters
    ----------
    W, b, exact_W, exact_b
        The hyperplanes W_i z + b_i = 0, in floats and over QQ (b a column).
    domain : Polyhedron
        The set the cells are cut from.
    start : DomainMatrix, optional
        A known exact point of ``domain`` (else the domain is decided first).
    closed : bool
        Closed cells (both sides hold the hyperplane) instead of half-open ones.
    max_cells : int
        Refuse (:class:`~pwl_analysis.errors.BudgetError`) beyond this many cells.

    Returns
    -------
    (cells, refuted, lps)
        ``cells``: (sign vector as a tuple, exact witness or None) pairs, in the order of
        the sign vectors; ``refuted``: partial sign vectors proven empty; ``lps``: decisions
        made by linear programming.
    """
    lps = 0
    if start is None:
        decision = domain.decide()
        lps += 1
        if decision.empty:
            return [], 1, lps
        start = decision.witness
    cells, refuted = [((), start)], 0
    for i in range(W.shape[0]):
        split = []
        for bits, witness in cells:
            known = () if witness is None else _sides(_value(exact_W, exact_b, i, witness), closed)
            for side in (0, 1):
                if side in known:
                    split.append(((*bits, side), witness))
                    continue
                rows = _half_spaces(W, b, exact_W, exact_b, (*bits, side), closed)
                decision = domain.meet(rows).decide()
                lps += 1
                if decision.empty:
                    refuted += 1
                else:
                    split.append(((*bits, side), decision.witness))
        _check_budget(len(split), max_cells)
        cells = split
    return sorted(cells, key=lambda cell: cell[0]), refuted, lps


def _value(exact_W: DomainMatrix, exact_b: DomainMatrix, i: int, z: DomainMatrix):
    """W_i z + b_i over QQ."""
    return (exact_W[i, :] * z).to_list()[0][0] + exact_b.to_list()[i][0]


def _full_rank_cells(exact_W2: DomainMatrix, exact_h2: DomainMatrix, max_cells: int):
    """All 2^H sign vectors with witnesses z_d = W₂ᵀ (W₂ W₂ᵀ)⁻¹ (t_d − h₂), t_d = ±1."""
    H = exact_W2.shape[0]
    _check_budget(2**H, max_cells)
    right_inverse = exact_W2.transpose() * (exact_W2 * exact_W2.transpose()).inv()
    codes = np.arange(2**H)
    bits = ((codes[:, None] >> np.arange(H - 1, -1, -1)[None, :]) & 1).astype(np.int8)
    targets = DomainMatrix(
        [[QQ(1 if b else -1) for b in column] for column in bits.T], (H, 2**H), QQ
    )
    h2 = exact_h2.to_list()
    shift = DomainMatrix([[h2[i][0]] * 2**H for i in range(H)], (H, 2**H), QQ)
    points = (right_inverse * (targets - shift)).to_list()
    M = exact_W2.shape[1]
    witnesses = tuple(
        DomainMatrix([[points[j][c]] for j in range(M)], (M, 1), QQ) for c in range(2**H)
    )
    return Arrangement(bits=bits, witnesses=witnesses, refuted=0, lps=0)


def _check_budget(n_cells: int, max_cells: int) -> None:
    if n_cells > max_cells:
        raise BudgetError(
            f"the hyperplane arrangement has more than {max_cells} non-empty cells (linear "
            "regions); this analysis lists every region, so use a model with fewer hidden units"
        )


def arrangement_cost(exact_W2: DomainMatrix) -> tuple[int, int]:
    """Upper bounds on the cells of {W₂ z + h₂ = 0} and on the LPs that construct them.

    The regions of an arrangement are counted by its no-broken-circuit sets (Zaslavsky
    1975), which are sets of hyperplanes with linearly independent normals: at most one of
    each class of parallel hyperplanes, at most M in all.  With n_1, …, n_k hyperplanes in
    the k parallel classes, the cells number at most e_0 + e_1 + … + e_M (e_j the j-th
    elementary symmetric polynomial of the n_i): Σ_{j ≤ M} C(H, j) in general position,
    (B + 1)^M for a dendritic PLRNN's M·B axis-parallel thresholds.  The incremental
    construction decides, for each hyperplane i, the side of every cell of the first i − 1
    hyperplanes that its witness does not lie on: at most Σ_i cells(first i − 1) LPs.
    Computed before any LP, in exact rationals (parallel means proportional over QQ).

    Parameters
    ----------
    exact_W2 : DomainMatrix over QQ, shape (H, M)
        The hyperplanes' normals (rows; a zero row is no hyperplane).

    Returns
    -------
    (cells, lps) : (int, int)

    Examples
    --------
    Three lines in general position in the plane: at most 1 + 3 + 3 = 7 cells, and
    1 + 2 + 4 = 7 LPs (1, 2 and 4 cells before the first, second and third line);
    two pairs of parallel lines: at most (2 + 1)^2 = 9 cells:

    >>> from pwl_analysis._exact import exact_matrix
    >>> arrangement_cost(exact_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])))
    (7, 7)
    >>> arrangement_cost(exact_matrix(np.array([[1.0, 0], [2.0, 0], [0, 1.0], [0, -1.0]])))[0]
    9
    """
    M = exact_W2.shape[1]
    classes: dict[tuple, int] = {}
    cells, lps = 1, 0
    for row in exact_W2.to_list():
        lead = next((x for x in row if x != 0), None)
        if lead is None:
            continue  # a zero normal: the sign is the same everywhere, no cut
        lps += cells
        key = tuple(x / lead for x in row)
        classes[key] = classes.get(key, 0) + 1
        cells = _elementary_sum(list(classes.values()), M)
    return cells, lps


def _elementary_sum(sizes: list[int], M: int) -> int:
    """e_0 + … + e_M of ``sizes`` (exact integers)."""
    e = [1] + [0] * M
    for n in sizes:
        for j in range(M, 0, -1):
            e[j] += n * e[j - 1]
    return sum(e)


def arrangement_cells(
    W2: np.ndarray,
    h2: np.ndarray,
    exact_W2: DomainMatrix,
    exact_h2: DomainMatrix,
    max_cells: int = MAX_CELLS,
    max_lps: int = MAX_LPS,
) -> Arrangement:
    """Every non-empty cell of the arrangement {z : W₂ z + h₂ = 0}, decided exactly.

    Parameters
    ----------
    W2, h2 : ndarray, shapes (H, M) and (H,)
        Float weights (they only propose LP points and certificate supports).
    exact_W2, exact_h2 : DomainMatrix over QQ, shapes (H, M) and (H, 1)
        The exact weights every decision is checked against.
    max_cells : int
        Refuse (:class:`~pwl_analysis.errors.BudgetError`) beyond this many cells.
    max_lps : int
        Refuse, before any LP, an arrangement whose construction may need more linear
        programs than this (the bound of :func:`arrangement_cost`).

    Returns
    -------
    Arrangement

    Raises
    ------
    BudgetError
        Before any LP when the bound on the LPs exceeds ``max_lps``, or when more than
        ``max_cells`` cells are certain (2^H for H ≤ M independent hyperplanes) or found.

    Examples
    --------
    Three lines through the plane, x = 0, y = 0 and x + y = 1, cut it into 7 cells; of the
    8 sign vectors, ``110`` (x > 0, y > 0, x + y ≤ 1) is realised and ``001`` (x ≤ 0, y ≤ 0,
    x + y > 1) is not:

    >>> from pwl_analysis._exact import exact_matrix
    >>> W2, h2 = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([0.0, 0.0, -1.0])
    >>> cells = arrangement_cells(W2, h2, exact_matrix(W2), exact_matrix(h2))
    >>> ["".join(map(str, d)) for d in cells.bits]
    ['000', '010', '011', '100', '101', '110', '111']
    >>> cells.refuted, cells.proven
    (1, True)
    """
    H, M = W2.shape
    if H == 0:
        origin = DomainMatrix.zeros((M, 1), QQ)
        return Arrangement(np.zeros((1, 0), dtype=np.int8), (origin,), refuted=0, lps=0)
    if exact_W2.rank() == H:
        return _full_rank_cells(exact_W2, exact_h2, max_cells)
    cells, lps = arrangement_cost(exact_W2)
    if lps > max_lps:
        raise BudgetError(
            f"the regions of {H} hyperplanes in {M} dimensions (up to {cells:.3g} cells) would "
            f"take up to {lps:.3g} linear programs to list, over the budget of {max_lps:.3g}; "
            "this analysis lists every region, so use a model with fewer hidden units"
        )
    cells, refuted, lps = split_cells(
        W2,
        h2,
        exact_W2,
        exact_h2,
        Polyhedron.whole_space(M),
        start=DomainMatrix.zeros((M, 1), QQ),
        max_cells=max_cells,
    )
    bits = np.array([cell[0] for cell in cells], dtype=np.int8).reshape(len(cells), H)
    return Arrangement(bits, tuple(cell[1] for cell in cells), refuted=refuted, lps=lps)
