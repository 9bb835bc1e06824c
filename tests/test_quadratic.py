"""Exact arithmetic in Q(√d) against sympy's own algebraic numbers."""

from fractions import Fraction

import numpy as np
import sympy

from pwl_analysis._quadratic import Quadratic, square_root


def test_square_root_squares_back():
    root = square_root(Fraction(2, 9))
    assert isinstance(root, Quadratic) and root * root == Fraction(2, 9)
    assert square_root(Fraction(9, 4)) == Fraction(3, 2)


def test_signs_and_field_operations_match_sympy():
    # Near-cancelling a + b√d (a within 1e-38 of −b√d ~ 1e22) are where a float sign fails;
    # sympy decides the sign of a + b·sqrt(d) exactly (is_positive refines its numerical
    # evaluation until certain), and the field operations must agree with its expansion.
    rng = np.random.default_rng(7)
    d = 99180982961856665310654312176681  # the Lozi map's discriminant, scaled
    for _ in range(200):
        b = Fraction(int(rng.integers(-(10**6), 10**6)), int(rng.integers(1, 10**6)))
        approx = Fraction(str(sympy.N(-sympy.Rational(b) * sympy.sqrt(d), 60)))
        a = approx + Fraction(int(rng.integers(-3, 4)), 10**50)
        x = Quadratic(a, b, d)
        exact = sympy.Rational(a) + sympy.Rational(b) * sympy.sqrt(d)
        assert x.sign() == (1 if exact.is_positive else -1 if exact.is_negative else 0)
        y = Quadratic(Fraction(int(rng.integers(1, 100))), b, d)
        assert sympy.expand((x * y / y).sympy() - x.sympy()) == 0
        assert sympy.expand((x - y).sympy() - (exact - y.sympy())) == 0
