"""Exact arithmetic in a real quadratic field Q(√d): the eigenvalues of a rational 2×2 matrix.

A number a + b√d (a, b rational, d > 0 an integer that is not a square) is held as its two
rational coordinates; sums, products and quotients stay in the field, and its sign is
decided exactly: if a and b have opposite signs, a + b√d has the sign of the larger of a²
and b² d.  Used to grow the first pieces of a planar map's unstable manifold exactly.
"""

from __future__ import annotations

from fractions import Fraction
from math import isqrt

import sympy


class Quadratic:
    """a + b√d with a, b ``Fraction`` and d a positive non-square integer."""

    __slots__ = ("a", "b", "d")

    def __init__(self, a, b, d: int):
        self.a, self.b, self.d = Fraction(a), Fraction(b), d

    def _lift(self, other):
        """``other`` as a member of this field, or NotImplemented (an array, a float…)."""
        if isinstance(other, Quadratic):
            if other.d != self.d:
                raise ValueError(f"√{self.d} and √{other.d} are numbers of different fields")
            return other
        if isinstance(other, (int, Fraction)):
            return Quadratic(other, 0, self.d)
        return NotImplemented

    def __add__(self, other) -> Quadratic:
        o = self._lift(other)
        if o is NotImplemented:
            return o
        return Quadratic(self.a + o.a, self.b + o.b, self.d)

    __radd__ = __add__

    def __neg__(self) -> Quadratic:
        return Quadratic(-self.a, -self.b, self.d)

    def __sub__(self, other) -> Quadratic:
        o = self._lift(other)
        return o if o is NotImplemented else self + (-o)

    def __rsub__(self, other) -> Quadratic:
        o = self._lift(other)
        return o if o is NotImplemented else o - self

    def __mul__(self, other) -> Quadratic:
        o = self._lift(other)
        if o is NotImplemented:
            return o
        return Quadratic(self.a * o.a + self.b * o.b * self.d, self.a * o.b + self.b * o.a, self.d)

    __rmul__ = __mul__

    def __truediv__(self, other) -> Quadratic:
        o = self._lift(other)
        if o is NotImplemented:
            return o
        norm = o.a * o.a - o.b * o.b * self.d
        return self * Quadratic(o.a / norm, -o.b / norm, self.d)

    def __rtruediv__(self, other) -> Quadratic:
        o = self._lift(other)
        return o if o is NotImplemented else o / self

    def sign(self) -> int:
        """−1, 0 or 1, exactly."""
        sa, sb = _sign(self.a), _sign(self.b)
        if sb == 0 or sa == sb:
            return sa
        if sa == 0:
            return sb
        return sa if self.a * self.a > self.b * self.b * self.d else sb

    def __lt__(self, other) -> bool:
        return (self - _exact(other)).sign() < 0

    def __gt__(self, other) -> bool:
        return (self - _exact(other)).sign() > 0

    def __le__(self, other) -> bool:
        return not self > other

    def __ge__(self, other) -> bool:
        return not self < other

    def __eq__(self, other) -> bool:
        return (self - _exact(other)).sign() == 0

    def __hash__(self) -> int:
        return hash((self.a, self.b, self.d))

    def __float__(self) -> float:
        return float(self.a) + float(self.b) * self.d**0.5

    def sympy(self) -> sympy.Expr:
        """The number as a sympy expression a + b·sqrt(d)."""
        return sympy.Rational(self.a) + sympy.Rational(self.b) * sympy.sqrt(self.d)

    def __repr__(self) -> str:
        return f"{self.a} + {self.b}√{self.d}"


def to_sympy(x) -> sympy.Expr:
    """A ``Quadratic`` or ``Fraction`` as a sympy number."""
    return x.sympy() if isinstance(x, Quadratic) else sympy.Rational(x.numerator, x.denominator)


def _sign(x: Fraction) -> int:
    return (x > 0) - (x < 0)


def _exact(x):
    return x if isinstance(x, Quadratic) else Fraction(x)


def square_root(x: Fraction):
    """√x for a rational x ≥ 0: a ``Fraction`` when it is one, else a :class:`Quadratic`."""
    x = Fraction(x)
    root_p, root_q = isqrt(x.numerator), isqrt(x.denominator)
    if root_p * root_p == x.numerator and root_q * root_q == x.denominator:
        return Fraction(root_p, root_q)
    d = x.numerator * x.denominator  # √(p/q) = √(pq) / q
    return Quadratic(0, Fraction(1, x.denominator), d)
