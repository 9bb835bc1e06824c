"""Cells of hyperplane arrangements against an independent exact decision of every sign vector."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pwl_analysis._exact import exact_matrix
from pwl_analysis.arrangement import Polyhedron, arrangement_cells, split_cells
from pwl_analysis.errors import BudgetError
from pwl_analysis.feasibility import decide_polyhedron, satisfies


def fourier_motzkin_empty(G, g, strict) -> bool:
    """Exact emptiness of {x : G x ≤ g, ``<`` on strict rows} by Fourier–Motzkin elimination.

    Combining two rows to eliminate a variable gives a strict row when either is strict; the
    system is empty iff a variable-free row 0 ≤ b (0 < b if strict) fails (Schrijver 1986,
    §12.2).  Independent of the LP and Farkas machinery under test.
    """
    rows = [([Fraction(a) for a in row], Fraction(b), bool(s)) for row, b, s in zip(G, g, strict)]
    for j in range(len(G[0]) if len(G) else 0):
        keep = [r for r in rows if r[0][j] == 0]
        positive = [r for r in rows if r[0][j] > 0]
        negative = [r for r in rows if r[0][j] < 0]
        for (a_p, b_p, s_p), (a_n, b_n, s_n) in itertools.product(positive, negative):
            u, v = -a_n[j], a_p[j]
            keep.append(([u * x + v * y for x, y in zip(a_p, a_n)], u * b_p + v * b_n, s_p or s_n))
        rows = keep
    return any(b < 0 or (b == 0 and s) for _, b, s in rows)


def _cell_rows(W, b, bits):
    sign = np.where(np.asarray(bits) == 1, 1.0, -1.0)
    return -sign[:, None] * W, sign * b, np.asarray(bits) == 1


def brute_force_cells(W, b) -> list[str]:
    """Every sign vector of {W z + b = 0} whose half-open cell Fourier–Motzkin finds non-empty."""
    return [
        "".join(map(str, bits))
        for bits in itertools.product((0, 1), repeat=len(b))
        if not fourier_motzkin_empty(*_cell_rows(W, b, bits))
    ]


def _labels(cells) -> list[str]:
    return ["".join(map(str, d)) for d in cells.bits]


small_integers = st.integers(-2, 2)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(small_integers, small_integers, small_integers), min_size=1, max_size=4))
def test_cells_agree_with_fourier_motzkin(planes):
    # small integer hyperplanes in the plane: parallel, coincident, opposite and zero rows
    W = np.array([p[:2] for p in planes], dtype=float)
    b = np.array([p[2] for p in planes], dtype=float)
    cells = arrangement_cells(W, b, exact_matrix(W), exact_matrix(b))
    assert _labels(cells) == brute_force_cells(W, b)
    assert cells.proven
    for label, witness in zip(_labels(cells), cells.witnesses):
        values = (exact_matrix(W) * witness + exact_matrix(b)).to_Matrix()
        assert "".join("1" if v > 0 else "0" for v in values) == label


def test_opposite_hyperplanes_give_a_cell_without_interior():
    # z > 0 and −z > 0 exclude each other; z ≤ 0 and −z ≤ 0 leave the line z_1 = 0
    W, b = np.array([[1.0, 0.0], [-1.0, 0.0]]), np.zeros(2)
    cells = arrangement_cells(W, b, exact_matrix(W), exact_matrix(b))
    assert _labels(cells) == ["00", "01", "10"]
    assert cells.witnesses[0].to_Matrix()[0] == 0


def test_full_rank_shortcut_agrees_with_the_construction():
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    fast = arrangement_cells(W, b, exact_matrix(W), exact_matrix(b))
    assert fast.lps == 0 and len(fast.bits) == 8
    cells, refuted, _ = split_cells(
        W, b, exact_matrix(W), exact_matrix(b), Polyhedron.whole_space(4)
    )
    assert [c[0] for c in cells] == [tuple(d) for d in fast.bits] and refuted == 0


def test_cell_budget():
    W = np.array([[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 3)
    b = np.array([0.0, 1.0, 2.0, 0.0, 1.0, 2.0])
    with pytest.raises(BudgetError, match="more than 8"):
        arrangement_cells(W, b, exact_matrix(W), exact_matrix(b), max_cells=8)


rows = st.lists(st.integers(-3, 3), min_size=2, max_size=2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(rows, st.integers(-3, 3), st.booleans()), min_size=1, max_size=5))
def test_decide_polyhedron_agrees_with_fourier_motzkin(system):
    G = np.array([r for r, _, _ in system], dtype=float)
    g = np.array([c for _, c, _ in system], dtype=float)
    strict = np.array([s for _, _, s in system])
    decision = decide_polyhedron(G, g, exact_matrix(G), exact_matrix(g), strict)
    # on small integer data the LPs never fail, so every system is decided, and rightly
    assert decision.decided
    assert decision.empty == fourier_motzkin_empty(G, g, strict)
    if not decision.empty:
        assert satisfies(exact_matrix(G), exact_matrix(g), strict, decision.witness)
