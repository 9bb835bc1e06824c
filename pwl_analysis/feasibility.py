"""Certified emptiness of polyhedra {x : G x ≤ g}: a float LP proposes, exact arithmetic decides.

Every pruning decision of a complete search ("no point of Ω_a is mapped into Ω_b", "no
point follows this region word") is the statement that a polyhedron is empty.  A float LP
solver can be wrong about that: HiGHS, for instance, reads right-hand sides of magnitude
≥ 1e20 as infinite and drops coefficients below 1e-9.  So an answer "empty" is accepted only
with a proof, Farkas' lemma:

    {x : G x ≤ g} = ∅   ⇔   ∃ y ≥ 0 with Gᵀ y = 0 and gᵀ y < 0.

The float LP finds a basic solution y of {y ≥ 0, Gᵀ y = 0, gᵀ y = −1}; on its support S the
exact system G_Sᵀ y_S = 0, g_Sᵀ y_S = −1 is solved over the rationals (G and g are exact: the
model's float weights are dyadic rationals) and y_S ≥ 0 is checked exactly.  When no such
certificate is found the polyhedron is reported non-empty: the decision errs only towards
keeping a word, so a search pruned with it never loses an orbit.

References
----------
Schrijver, A. (1986). Theory of Linear and Integer Programming, Cor. 7.1e (Farkas' lemma).
Neumaier, A., Shcherbina, O. (2004). Safe bounds in linear and mixed-integer linear
programming. Math. Program. 99, 283–296.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

#: Entries of y below this fraction of max(y) are taken as outside the certificate's support.
_SUPPORT_CUTOFF = 1e-12


def _power_of_two_below(size: np.ndarray) -> np.ndarray:
    """2^−e with 2^(e−1) ≤ size < 2^e (1 where size is 0): exact scaling factors."""
    return np.ldexp(1.0, -np.frexp(np.where(size > 0, size, 1.0))[1])


def _equilibrated(G: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R G D and R g with diagonal powers of two R, D bringing entries near 1.

    The same set up to x = D x' (so emptiness and Farkas supports are unchanged), and within
    the range the LP solver reads as finite and non-zero.
    """
    for _ in range(3):
        row = _power_of_two_below(np.maximum(np.abs(G).max(axis=1, initial=0.0), np.abs(g)))
        G, g = G * row[:, None], g * row
        G = G * _power_of_two_below(np.abs(G).max(axis=0, initial=0.0))[None, :]
    row = _power_of_two_below(np.maximum(np.abs(G).max(axis=1, initial=0.0), np.abs(g)))
    return G * row[:, None], g * row


def float_feasible(G: np.ndarray, g: np.ndarray) -> bool:
    """The float LP's opinion whether {x : G x ≤ g} is non-empty (not a proof either way)."""
    if G.shape[0] == 0:
        return True
    G_s, g_s = _equilibrated(G, g)
    result = linprog(
        np.zeros(G.shape[1]),
        A_ub=G_s,
        b_ub=g_s,
        bounds=[(None, None)] * G.shape[1],
        method="highs",
    )
    return result.status != 2  # 2: infeasible; optimal or undecided counts as feasible


def farkas_certificate(G: np.ndarray, g: np.ndarray, exact_G: DomainMatrix, exact_g: DomainMatrix):
    """An exact y ≥ 0 with Gᵀ y = 0, gᵀ y = −1 proving {x : G x ≤ g} empty, or None.

    Parameters
    ----------
    G, g : ndarray, shapes (r, n) and (r,)
        Float data, used only to find the certificate's support.
    exact_G, exact_g : DomainMatrix over QQ, shapes (r, n) and (r, 1)
        The exact data the proof is about.

    Returns
    -------
    list of QQ (length r) or None
    """
    r, n = G.shape
    if r == 0:
        return None
    G_s, g_s = _equilibrated(G, g)
    equalities = np.vstack([G_s.T, g_s[None, :]])
    rhs = np.zeros(n + 1)
    rhs[-1] = -1.0
    result = linprog(np.ones(r), A_eq=equalities, b_eq=rhs, bounds=[(0, None)] * r, method="highs")
    if result.status != 0:
        return None
    y = np.asarray(result.x)
    support = np.flatnonzero(y > _SUPPORT_CUTOFF * max(float(y.max(initial=0.0)), 1e-300))
    if support.size == 0:
        return None
    return _exact_certificate(exact_G, exact_g, support)


def _exact_certificate(exact_G: DomainMatrix, exact_g: DomainMatrix, support: np.ndarray):
    """Solve G_Sᵀ y_S = 0, g_Sᵀ y_S = −1 exactly (free variables 0); check y_S ≥ 0."""
    rows_G, rows_g = exact_G.to_list(), exact_g.to_list()
    n = exact_G.shape[1]
    columns = [[rows_G[i][j] for i in support] for j in range(n)]
    columns.append([rows_g[i][0] for i in support])
    rhs = [[QQ(0)] for _ in range(n)] + [[QQ(-1)]]
    system = DomainMatrix(columns, (n + 1, support.size), QQ)
    augmented = system.hstack(DomainMatrix(rhs, (n + 1, 1), QQ))
    reduced, pivots = augmented.rref()
    if support.size in pivots:
        return None  # inconsistent on this support
    table = reduced.to_list()
    y_support = [QQ(0)] * support.size
    for row, column in enumerate(pivots):
        y_support[column] = table[row][support.size]
    if any(value < 0 for value in y_support):
        return None
    y = [QQ(0)] * exact_G.shape[0]
    for index, value in zip(support, y_support):
        y[int(index)] = value
    return y


def certified_empty(
    G: np.ndarray, g: np.ndarray, exact_G: DomainMatrix, exact_g: DomainMatrix
) -> bool:
    """True only when {x : G x ≤ g} is proven empty by an exactly checked Farkas certificate.

    The float LP is asked first; its "feasible" is taken as it is (keeping the polyhedron is
    the safe error), its "infeasible" only with a certificate.

    Examples
    --------
    x ≤ −1 and −x ≤ −1 (so x ≥ 1) cannot both hold:

    >>> from pwl_analysis._exact import exact_matrix
    >>> G, g = np.array([[1.0], [-1.0]]), np.array([-1.0, -1.0])
    >>> certified_empty(G, g, exact_matrix(G), exact_matrix(g))
    True
    >>> G, g = np.array([[1.0], [-1.0]]), np.array([1.0, 1.0])
    >>> certified_empty(G, g, exact_matrix(G), exact_matrix(g))
    False
    """
    if float_feasible(G, g):
        return False
    return farkas_certificate(G, g, exact_G, exact_g) is not None


def box_rows(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The box lower ≤ x ≤ upper as rows [I; −I] x ≤ [upper; −lower] (finite bounds only)."""
    n = lower.shape[0]
    G = np.vstack([np.eye(n), -np.eye(n)])
    g = np.concatenate([upper, -lower])
    finite = np.isfinite(g)
    return G[finite], g[finite]


# ---- half-open polyhedra: strict and non-strict rows -------------------------------------


@dataclass(frozen=True)
class Feasibility:
    """The exact decision whether {x : G x ≤ g, strict where marked} is empty.

    Attributes
    ----------
    witness : DomainMatrix or None
        A column point over QQ that satisfies every row exactly (strict rows strictly).
    certificate : tuple of QQ or None
        Farkas multipliers proving that no point exists: of G x ≤ g itself, or of the lifted
        system of :func:`strict_farkas_certificate` when only the strict rows exclude points.

    At most one is set; neither when the float LPs left the question open.
    """

    witness: DomainMatrix | None
    certificate: tuple | None

    @property
    def empty(self) -> bool:
        """Proven empty (a certificate exists)."""
        return self.certificate is not None

    @property
    def decided(self) -> bool:
        """Either a witness or a certificate was found and checked exactly."""
        return self.witness is not None or self.certificate is not None


def satisfies(exact_G: DomainMatrix, exact_g: DomainMatrix, strict, x: DomainMatrix) -> bool:
    """Whether the exact column x satisfies G x ≤ g, with ``<`` on the ``strict`` rows."""
    slack = [row[0] for row in (exact_g - exact_G * x).to_list()]
    return all(s > 0 if is_strict else s >= 0 for s, is_strict in zip(slack, strict))


def _margin_lp(G: np.ndarray, g: np.ndarray, margin_rows: np.ndarray):
    """max t ≤ 1 with G_i x + t ≤ g_i on the margin rows, G_i x ≤ g_i on the others.

    Rows are scaled to unit Euclidean norm first, so t is a distance to the boundary.
    Returns (x, t, y, scaled G, scaled g) with y ≥ 0 the LP's dual multipliers of the rows,
    or None when the LP fails.  When t < 0, y proves G x ≤ g empty: its dual constraints are
    Gᵀ y = 0 and Σ y_i = 1 over the margin rows, and gᵀ y = t.
    """
    norms = np.linalg.norm(G, axis=1)
    scale = np.where(norms > 0, norms, 1.0)
    G_s, g_s = G / scale[:, None], g / scale
    t_column = np.where(margin_rows & (norms > 0), 1.0, 0.0)[:, None]
    n = G.shape[1]
    cost = np.zeros(n + 1)
    cost[-1] = -1.0
    result = linprog(
        cost,
        A_ub=np.hstack([G_s, t_column]),
        b_ub=g_s,
        bounds=[(None, None)] * n + [(None, 1.0)],
        method="highs",
    )
    if result.status != 0:
        return None
    y = -np.asarray(result.ineqlin.marginals)
    return result.x[:n], float(result.x[n]), y, G_s, g_s


def _exact_point(x: np.ndarray) -> DomainMatrix:
    return DomainMatrix([[QQ(*float(v).as_integer_ratio())] for v in x], (len(x), 1), QQ)


def _rows(matrix: DomainMatrix, rows) -> DomainMatrix:
    entries = matrix.to_list()
    return DomainMatrix([entries[r] for r in rows], (len(rows), matrix.shape[1]), QQ)


def _projected(exact_G: DomainMatrix, exact_g: DomainMatrix, rows, x: DomainMatrix):
    """x moved exactly onto {G_r x = g_r : r in rows}: x + E_Sᵀ y with E_S E_Sᵀ y = g_S − E_S x.

    E_S is a maximal independent subset of the rows (the equations of the others may then
    fail, and the exact check that follows says so).
    """
    if not rows:
        return x
    _, pivots = _rows(exact_G, rows).transpose().rref()  # independent rows
    E, e = _rows(exact_G, [rows[p] for p in pivots]), _rows(exact_g, [rows[p] for p in pivots])
    return x + E.transpose() * (E * E.transpose()).lu_solve(e - E * x)


def strict_farkas_certificate(G, g, exact_G: DomainMatrix, exact_g: DomainMatrix, strict):
    """A Farkas certificate that {x : G x ≤ g, strict rows strictly} is empty, or None.

    The half-open system is non-empty iff the closed system in (x, s, t)

        G x − g s ≤ 0 (non-strict rows),  G x − g s + t ≤ 0 (strict rows),  t − s ≤ 0,  −t ≤ −1

    is (divide by s > 0; conversely scale a point with strict slack ε by s = 1/min(ε, 1)), so
    Farkas' lemma for the lifted system (:func:`farkas_certificate`) proves it empty.
    """
    G, g, strict = np.asarray(G, float), np.asarray(g, float), np.asarray(strict, bool)
    r, n = G.shape
    lifted = np.zeros((r + 2, n + 2))
    lifted[:r, :n], lifted[:r, n], lifted[:r, n + 1] = G, -g, strict
    lifted[r, n : n + 2] = [-1.0, 1.0]
    lifted[r + 1, n + 1] = -1.0
    rhs = np.zeros(r + 2)
    rhs[-1] = -1.0
    G_rows, g_rows = exact_G.to_list(), exact_g.to_list()
    exact_rows = [G_rows[i] + [-g_rows[i][0], QQ(1 if strict[i] else 0)] for i in range(r)]
    exact_rows += [[QQ(0)] * n + [QQ(-1), QQ(1)], [QQ(0)] * (n + 1) + [QQ(-1)]]
    exact_lifted = DomainMatrix(exact_rows, (r + 2, n + 2), QQ)
    exact_rhs = DomainMatrix([[QQ(0)]] * (r + 1) + [[QQ(-1)]], (r + 2, 1), QQ)
    certificate = farkas_certificate(lifted, rhs, exact_lifted, exact_rhs)
    return None if certificate is None else tuple(certificate)


def decide_polyhedron(G, g, exact_G: DomainMatrix, exact_g: DomainMatrix, strict) -> Feasibility:
    """Decide exactly whether {x : G x ≤ g, ``<`` on the ``strict`` rows} is empty.

    One LP usually decides: max t subject to G_i x + t ≤ g_i on every (unit-norm) row.  An
    optimum t > 0 is a deep interior point, taken as the dyadic rational it is and checked
    exactly; an optimum t < 0 has dual multipliers y ≥ 0 with Gᵀ y = 0, gᵀ y < 0, solved again
    exactly on their support (:func:`farkas_certificate`'s check).  A polyhedron without
    interior (t = 0: some rows hold with equality throughout) gets a margin on its strict rows
    only, the LP point projected exactly onto the rows it holds with equality; failing that,
    the lifted certificate of :func:`strict_farkas_certificate`.

    Parameters
    ----------
    G, g : ndarray, shapes (r, n) and (r,)
        Float data, used only to propose a point or a certificate's support.
    exact_G, exact_g : DomainMatrix over QQ, shapes (r, n) and (r, 1)
        The exact data every answer is checked against.
    strict : array_like of bool, shape (r,)
        Rows that must hold strictly.

    Returns
    -------
    Feasibility
        With an exact witness (non-empty), an exact Farkas certificate (empty), or neither.

    Examples
    --------
    x > 0 and x ≤ 0 cannot both hold; x > 0 and x ≤ 1 can:

    >>> from pwl_analysis._exact import exact_matrix
    >>> G, g = np.array([[-1.0], [1.0]]), np.array([0.0, 0.0])
    >>> decide_polyhedron(G, g, exact_matrix(G), exact_matrix(g), [True, False]).empty
    True
    >>> g = np.array([0.0, 1.0])
    >>> decision = decide_polyhedron(G, g, exact_matrix(G), exact_matrix(g), [True, False])
    >>> decision.witness is not None
    True
    """
    G, g, strict = np.asarray(G, float), np.asarray(g, float), np.asarray(strict, bool)
    if G.shape[0] == 0:
        return Feasibility(DomainMatrix.zeros((G.shape[1], 1), QQ), None)
    solved = _margin_lp(G, g, np.ones(len(g), dtype=bool))
    if solved is not None:
        x, t, y, _, _ = solved
        if t > 0 and satisfies(exact_G, exact_g, strict, point := _exact_point(x)):
            return Feasibility(point, None)
        if t < 0:
            support = np.flatnonzero(y > _SUPPORT_CUTOFF * max(float(y.max(initial=0.0)), 1e-300))
            certificate = _exact_certificate(exact_G, exact_g, support) if support.size else None
            if certificate is not None:
                return Feasibility(None, tuple(certificate))
    solved = _margin_lp(G, g, strict)
    if solved is not None and solved[1] > 0:
        x, _, _, G_s, g_s = solved
        tight = np.abs(g_s - G_s @ x) <= 1e-9 * (1 + np.abs(g_s))
        point = _projected(exact_G, exact_g, list(np.flatnonzero(tight & ~strict)), _exact_point(x))
        if satisfies(exact_G, exact_g, strict, point):
            return Feasibility(point, None)
    if not strict.any():
        certificate = farkas_certificate(G, g, exact_G, exact_g)
        return Feasibility(None, None if certificate is None else tuple(certificate))
    return Feasibility(None, strict_farkas_certificate(G, g, exact_G, exact_g, strict))
