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
