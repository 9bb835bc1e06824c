"""Certified emptiness of polyhedra: a float LP's "infeasible" is never taken without proof."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pwl_analysis._exact import exact_matrix
from pwl_analysis.feasibility import certified_empty


def _decide(G, g):
    G, g = np.asarray(G, dtype=float), np.asarray(g, dtype=float)
    return certified_empty(G, g, exact_matrix(G), exact_matrix(g))


def _fourier_motzkin_empty(G, g) -> bool:
    """Independent exact decision: Fourier–Motzkin elimination over the rationals.

    Eliminating x_j pairs every row with a positive coefficient with every row with a
    negative one; the system is empty iff some variable-free row 0 ≤ b has b < 0
    (Schrijver 1986, §12.2).  (sympy's simplex was tried first and found feasible points that
    violate the constraints, e.g. x + y ≤ −1 with −x − y ≤ 0.)
    """
    rows = [([Fraction(a) for a in row], Fraction(b)) for row, b in zip(G, g)]
    for j in range(len(G[0])):
        zero = [r for r in rows if r[0][j] == 0]
        positive = [r for r in rows if r[0][j] > 0]
        negative = [r for r in rows if r[0][j] < 0]
        combined = []
        for a_p, b_p in positive:
            for a_n, b_n in negative:
                s, t = -a_n[j], a_p[j]  # s·row_p + t·row_n eliminates x_j
                combined.append(([s * x + t * y for x, y in zip(a_p, a_n)], s * b_p + t * b_n))
        rows = zero + combined
    return any(b < 0 for _, b in rows)


rows = st.lists(st.integers(-3, 3), min_size=2, max_size=2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(rows, st.integers(-4, 4)), min_size=1, max_size=5))
def test_certified_empty_agrees_with_exact_simplex(system):
    G = [row for row, _ in system]
    g = [b for _, b in system]
    empty = _decide(G, g)
    # a certified "empty" must be true; on small integer data the float LP is also never
    # wrong, so the decision is exact here
    assert empty == _fourier_motzkin_empty(G, g)


def test_tiny_coefficient_is_not_dropped():
    # −1e-12 x ≤ −1 and x ≤ 1e13: feasible (x ∈ [1e12, 1e13]); unscaled, HiGHS drops the tiny
    # coefficient (below its 1e-9 cut-off) and calls the problem infeasible
    G, g = np.array([[-1e-12], [1.0]]), np.array([-1.0, 1e13])
    assert not _decide(G, g)
    assert _decide(G, np.array([-1.0, 1e11]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(rows, st.integers(-4, 4)), min_size=1, max_size=5))
def test_a_lying_float_solver_cannot_make_a_feasible_set_empty(system):
    import pwl_analysis.feasibility as feasibility

    G = np.array([row for row, _ in system], dtype=float)
    g = np.array([b for _, b in system], dtype=float)
    original = feasibility.float_feasible
    feasibility.float_feasible = lambda G, g: False  # the solver always says "infeasible"
    try:
        empty = feasibility.certified_empty(G, g, exact_matrix(G), exact_matrix(g))
    finally:
        feasibility.float_feasible = original
    assert empty == _fourier_motzkin_empty(G.astype(int).tolist(), g.astype(int).tolist())


def test_huge_right_hand_sides_are_not_infinite():
    # x ≥ 5e20 and x ≤ 4e20 is empty; x ≥ 4e20 and x ≤ 5e20 is not (HiGHS reads |b| ≥ 1e20
    # as infinite, the row scaling keeps it finite)
    assert _decide([[-1.0], [1.0]], [-5e20, 4e20])
    assert not _decide([[-1.0], [1.0]], [-4e20, 5e20])


@pytest.mark.parametrize("size", [1e-200, 1e200])
def test_extreme_magnitudes(size):
    assert _decide([[-size, 0.0], [size, 0.0]], [-size, -size])
    assert not _decide([[-size, 0.0], [size, 0.0]], [size, size])
