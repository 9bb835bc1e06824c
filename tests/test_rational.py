"""Simplest rationals of float weights, and the exact analysis of the rational map."""

from fractions import Fraction

import numpy as np
import sympy
from hypothesis import given
from hypothesis import strategies as st

from pwl_analysis import PWLMap
from pwl_analysis.app.cli import main
from pwl_analysis.rational import rationalize, simplest_rational

from systems import lozi_map


def test_simple_decimals_come_back():
    assert [simplest_rational(x) for x in (1.7, 0.5, -3.4, 0.1, 1 / 3, 0.0)] == [
        Fraction(17, 10),
        Fraction(1, 2),
        Fraction(-17, 5),
        Fraction(1, 10),
        Fraction(1, 3),
        Fraction(0),
    ]


@given(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))
def test_simplest_rational_rounds_back_and_has_no_simpler_rival(x):
    r = simplest_rational(x)
    assert float(r) == x  # inside the rounding interval of x
    # checked independently: no fraction with a smaller denominator rounds to x
    for q in range(1, min(r.denominator, 200)):
        p = round(Fraction(x) * q)
        assert all(float(Fraction(p + e, q)) != x for e in (-1, 0, 1))


def test_lozi_rational_map_has_the_closed_form_fixed_points():
    r = rationalize(lozi_map())
    A, W, h = (x.to_Matrix() for x in r.map.exact_weights)
    R = sympy.Rational
    assert A == sympy.Matrix([[0, R(1, 2)], [1, R(17, 10)]])  # b = 1/2, a = 17/10
    assert W[1, 1] == R(-17, 5) and h.T.tolist() == [[0, 1]]
    # x = 1/(1 + a − b) = 5/11 for x > 0 and 1/(1 − a − b) = −5/6 for x < 0; y = b x; z = (y, x)
    points = {tuple(c.exact_points.row(0)) for c in r.map.fixed_points()}
    assert points == {(R(5, 22), R(5, 11)), (R(-5, 12), R(-5, 6))}
    # the floats are unchanged: every rational rounds back to the trained weight
    assert np.array_equal(r.map.A, lozi_map().A) and np.array_equal(r.map.W, lozi_map().W)
    assert 0 < r.largest_change < 1e-15 and r.changed == 2  # 1.7 and −3.4; 0.5, 1, 0 are dyadic


def test_rational_map_cycles_satisfy_the_rational_map():
    m = rationalize(lozi_map()).map
    for cycle in m.cycles(4):
        point = cycle.exact_points.row(0).T
        x, y = point[1], point[0]
        for _ in range(cycle.period):  # the Lozi map itself, in sympy Rationals
            x, y = 1 - sympy.Rational(17, 10) * abs(x) + y, x / 2
        assert (y, x) == tuple(point)


def test_from_rationals_accepts_a_diagonal():
    m = PWLMap.from_rationals(["1/2"], [["-1"]], [1], P=1)
    assert m.exact_weights[0].to_Matrix() == sympy.Matrix([[sympy.Rational(1, 2)]])
    assert "rational weights" in repr(m)


def test_latex_command_rationalizes(tmp_path, capsys):
    m = lozi_map()
    np.savez(tmp_path / "lozi.npz", A=m.A, W=m.W, h=m.h, P=1)
    out = tmp_path / "lozi.tex"
    assert main(["latex", str(tmp_path / "lozi.npz"), "--rationalize", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "A = [[0, 1/2], [1, 17/10]]" in printed and "W = [[0, 0], [0, -17/5]]" in printed
    text = out.read_text()
    assert "$\\frac{5}{22}$, $\\frac{5}{11}$" in text  # (y, x) of the fixed point x = 5/11
