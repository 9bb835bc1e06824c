"""Real roots of integer polynomials, exactly: rational endpoints, certified isolation.

A real algebraic number s* is held as an interval [lower, upper] with rational ends and a
square-free integer polynomial p whose only root in the interval is s* (a rational root as
lower = upper = s*).  Rational roots are found exactly (``fmpq_poly.roots``), the others by
Arb's certified complex root isolation (Johansson 2017; FLINT's ``arb_fmpz_poly_complex_roots``
returns the real roots with imaginary part exactly zero), the balls' ends read as exact dyadic
rationals.  Two intervals hold the same number exactly when they meet and gcd(p, q) has a root
in the intersection (decided by the signs of the gcd at its ends).  Descartes' rule of signs
after a Möbius transformation proves a polynomial has no root in a window (Collins & Akritas
1976), which spares most root isolations.

References
----------
Collins, G. E. & Akritas, A. G. (1976). Polynomial real root isolation using Descarte's rule
of signs. SYMSAC '76, 272–275.
Johansson, F. (2017). Arb: efficient arbitrary-precision midpoint-radius interval arithmetic.
IEEE Trans. Computers 66, 1281–1292.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import flint

#: Width every root interval inside [0, 1] is refined to.
WIDTH = Fraction(1, 10**30)
#: First working precision (bits) of the root isolation; doubled until roots separate.
_PRECISION = 128


@dataclass(frozen=True)
class RootInterval:
    """A real algebraic number s* certified in [lower, upper] (rational; equal when s* is).

    Attributes
    ----------
    lower, upper : Fraction
        The interval's ends; lower = upper = s* exactly when s* is rational.
    polynomial : flint.fmpz_poly
        A square-free integer polynomial whose only root in [lower, upper] is s*.

    Examples
    --------
    √2 − 1, the positive root of s² + 2s − 1, located to 1e-30:

    >>> import flint
    >>> from pwl_analysis.real_roots import WIDTH, real_roots
    >>> root = real_roots(flint.fmpz_poly([-1, 2, 1]), 128)[-1]
    >>> root.lower**2 + 2 * root.lower < 1 < root.upper**2 + 2 * root.upper, root.width <= WIDTH
    (True, True)
    """

    lower: Fraction
    upper: Fraction
    polynomial: flint.fmpz_poly = field(repr=False, compare=False)

    @property
    def width(self) -> Fraction:
        """upper − lower."""
        return self.upper - self.lower

    @property
    def exact(self) -> bool:
        """s* is rational and equals lower = upper."""
        return self.lower == self.upper

    def __float__(self) -> float:
        return float((self.lower + self.upper) / 2)

    def same_root(self, other: RootInterval) -> bool:
        """Whether both intervals hold the same number (decided with a gcd, exactly)."""
        lower, upper = max(self.lower, other.lower), min(self.upper, other.upper)
        if lower > upper:
            return False
        common = self.polynomial.gcd(other.polynomial)
        if common.degree() < 1:
            return False
        if lower == upper:
            return sign_at(common, lower) == 0
        return sign_at(common, lower) * sign_at(common, upper) <= 0

    def to_dict(self) -> dict:
        """Endpoints as ``"p/q"`` strings."""
        return {"lower": str(self.lower), "upper": str(self.upper), "float": float(self)}


def squarefree_integer(p: flint.fmpq_poly) -> flint.fmpz_poly:
    """The square-free primitive integer polynomial with the roots of p."""
    q = flint.fmpz_poly(p.numer())
    q = flint.fmpz_poly([c // q.content() for c in q.coeffs()])
    return flint.fmpz_poly([c for c in (q // q.gcd(q.derivative())).coeffs()])


def _fmpq(x: Fraction) -> flint.fmpq:
    return flint.fmpq(x.numerator, x.denominator)


def sign_at(p, s: Fraction) -> int:
    """The sign (−1, 0, 1) of the polynomial p at the rational s, exactly."""
    value = p(_fmpq(s))
    return (value > 0) - (value < 0)


def _fraction(x) -> Fraction:
    mantissa, exponent = x.man_exp()
    return Fraction(int(mantissa)) * Fraction(2) ** int(exponent)


def real_roots(p: flint.fmpz_poly, precision: int) -> list[RootInterval]:
    """Isolating intervals of the real roots of a square-free p: rational ones exact.

    ``precision`` is Arb's working precision in bits.
    """
    intervals, rest = [], p
    for root, _ in flint.fmpq_poly(p).roots():
        r = Fraction(int(root.p), int(root.q))
        intervals.append(RootInterval(r, r, p))
        rest = rest // flint.fmpz_poly([-int(root.p), int(root.q)])
    if rest.degree() >= 1:
        old = flint.ctx.prec
        flint.ctx.prec = precision
        try:
            roots = rest.complex_roots()
        finally:
            flint.ctx.prec = old
        for ball, _ in roots:
            if ball.imag != 0:  # Arb returns the real roots with imaginary part exactly 0
                continue
            mid, rad = _fraction(ball.real.mid()), _fraction(ball.real.rad())
            intervals.append(RootInterval(mid - rad, mid + rad, p))
    return intervals


def root_free(p: flint.fmpz_poly, window: tuple[Fraction, Fraction]) -> bool:
    """Descartes' rule of signs proves p ≠ 0 on the closed window [lo, hi].

    s = lo + (hi − lo)/(1 + x) maps x ∈ (0, ∞) onto the open window, and (1 + x)^n p(s) is
    the reversal of p(lo + (hi − lo) y) shifted by y = x + 1; no sign variation in its
    coefficients means no positive root x (Collins & Akritas 1976).  False where that rule
    does not decide.
    """
    lo, hi = window
    if sign_at(p, lo) == 0 or sign_at(p, hi) == 0:
        return False
    scaled = flint.fmpq_poly(p)(flint.fmpq_poly([_fmpq(lo), _fmpq(hi - lo)]))
    reversed_ = flint.fmpq_poly(scaled.coeffs()[::-1])
    signs = [c > 0 for c in reversed_(flint.fmpq_poly([1, 1])).coeffs() if c != 0]
    return all(x == signs[0] for x in signs)


def distinct_roots(
    squarefree: dict, window: tuple[Fraction, Fraction]
) -> list[tuple[RootInterval, set]]:
    """The distinct real roots in a window of named square-free polynomials, and who vanishes.

    Each root comes with the set of names of the polynomials vanishing there.  Intervals are
    disjoint, sorted, and of width ≤ :data:`WIDTH` where they meet [0, 1].
    """
    lo, hi = window
    precision = _PRECISION
    while True:
        found = sorted(
            (
                (r, name)
                for name, p in squarefree.items()
                for r in real_roots(p, precision)
                if r.upper >= lo and r.lower <= hi
            ),
            key=lambda item: item[0].lower,
        )
        roots, ok = [], True
        for interval, name in found:
            if roots and roots[-1][0].upper >= interval.lower:
                last, names = roots[-1]
                if not last.same_root(interval):
                    ok = False
                    break
                lower, upper = max(last.lower, interval.lower), min(last.upper, interval.upper)
                roots[-1] = (RootInterval(lower, upper, last.polynomial), names | {name})
            else:
                roots.append((interval, {name}))
        wide = any(r.width > WIDTH and r.upper >= 0 and r.lower <= 1 for r, _ in roots)
        if ok and not wide:
            return roots
        precision *= 2
