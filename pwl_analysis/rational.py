r"""Simple rationals for float weights: the weights a mathematician means.

A float weight x stands for every real number that rounds to it, the interval
I(x) = (x − u₋/2, x + u₊/2) with u₋, u₊ the gaps to the neighbouring floats.  Its
*simplest rational* is the fraction p/q in I(x) with the smallest q (and then the smallest
|p|); it is found exactly by the Stern–Brocot (continued-fraction) descent
(Graham, Knuth, Patashnik 1994, §4.5).  So the float 1.7 becomes 17/10, not the dyadic
7656119366529843/2^52 it is, and since p/q lies in I(x), p/q rounds back to x: the float view
of the map does not change, only the exact one.

:func:`rationalize` replaces every weight of a map so and returns the rational map
(:meth:`PWLMap.from_rationals`) with the largest change |p/q − x|, which the exact analysis
then treats as the model.

References
----------
Graham, R. L., Knuth, D. E., Patashnik, O. (1994). Concrete Mathematics, 2nd ed.,
Addison-Wesley, §4.5 (the Stern–Brocot tree).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pwl_analysis.pwl_map import PWLMap, require_alrnn


def simplest_between(low: Fraction, high: Fraction) -> Fraction:
    """The rational with the smallest denominator in the open interval (low, high), low < high.

    >>> simplest_between(Fraction(1, 3), Fraction(1, 2))
    Fraction(2, 5)
    """
    if not low < high:
        raise ValueError(f"need low < high, got {low} and {high}")
    if low < 0 < high:
        return Fraction(0)
    if high <= 0:
        return -simplest_between(-high, -low)
    # 0 ≤ low < high: descend the continued fraction, x = n + 1/y
    whole = math.floor(low) + 1
    if whole < high:
        return Fraction(whole)
    n = math.floor(low)
    upper = None if low == n else 1 / (low - n)
    lower = 1 / (high - n)
    if upper is None:  # y ∈ (lower, ∞): the smallest integer above lower
        return n + 1 / Fraction(math.floor(lower) + 1)
    return n + 1 / simplest_between(lower, upper)


def simplest_rational(x: float) -> Fraction:
    """The simplest rational that rounds to the float x (x itself when none is simpler).

    >>> simplest_rational(1.7), simplest_rational(-0.5), simplest_rational(0.1)
    (Fraction(17, 10), Fraction(-1, 2), Fraction(1, 10))
    """
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{x!r} is not a finite weight")
    if x == 0:
        return Fraction(0)
    size = Fraction(abs(x))
    above = Fraction(float(np.nextafter(abs(x), math.inf))) - size
    below = size - Fraction(float(np.nextafter(abs(x), 0.0)))  # smaller at a power of 2
    simplest = simplest_between(size - below / 2, size + above / 2)
    return -simplest if x < 0 else simplest


@dataclass(frozen=True)
class Rationalization:
    """A map with each weight replaced by its simplest rational.

    Attributes
    ----------
    map : PWLMap
        The map with rational weights; its float weights equal the original ones.
    largest_change : float
        max |p/q − x| over all weights x (below half a float spacing of the weight).
    changed : int
        How many weights are not the dyadic rational of their float.
    total : int
        How many weights there are (M² + M² + M).

    See Also
    --------
    rationalize : builds this record.
    PWLMap.from_rationals : a map from rational weights given directly.

    Examples
    --------
    The float 0.1 is the dyadic rational 3602879701896397/2^55; its simplest rational, the
    one with the smallest denominator that rounds to the same float, is 1/10:

    >>> from pwl_analysis import PWLMap, rationalize
    >>> r = rationalize(PWLMap.from_alrnn([0.1], [[0.5]], [0.3], P=1))
    >>> r.changed, r.total
    (2, 3)
    >>> print(r.weights_text())
    A = [[1/10]]
    W = [[1/2]]
    h = [[3/10]]

    Each change is below half the spacing of floats near the weight (2^-54 near 0.3):

    >>> r.largest_change < 2**-55
    True
    """

    map: PWLMap
    largest_change: float
    changed: int
    total: int

    def describe(self) -> str:
        """One sentence for documents and reports."""
        return (
            f"Each weight is replaced by the simplest rational within its float's rounding "
            f"interval (it rounds back to the same float): {self.changed} of {self.total} "
            f"weights change, the largest by {self.largest_change:.2g}."
        )

    def weights_text(self) -> str:
        """The rational weights, ``A = [[0, 1/2], [1, 17/10]]`` etc., one per line."""
        return "\n".join(
            f"{name} = {matrix.to_Matrix().tolist()}".replace("'", "")
            for name, matrix in zip("AWh", self.map.exact_weights)
        )

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "changed": self.changed,
            "total": self.total,
            "largest_change": self.largest_change,
        }

    def __repr__(self) -> str:
        return (
            f"Rationalization({self.changed} of {self.total} weights changed, "
            f"largest change {self.largest_change:.2g})"
        )


def rationalize(m: PWLMap) -> Rationalization:
    """Replace every weight of ``m`` by :func:`simplest_rational` of it.

    Each weight x becomes the rational p/q with the smallest q in the interval of reals that
    round to x, so the new map's float weights are exactly the old ones and its exact
    arithmetic works with short rationals instead of dyadic ones with 50-digit numerators.

    Parameters
    ----------
    m : PWLMap
        The map whose weights are replaced.

    Returns
    -------
    Rationalization
        The map with the simplest rational weights and how much each changed.

    Examples
    --------
    The Lozi map x' = 1 − 1.7|x| + y, y' = x/2 as an AL-RNN on z = (y, x):

    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> r = rationalize(lozi)
    >>> r.map.exact_weights[0].to_Matrix().tolist()
    [[0, 1/2], [1, 17/10]]
    """
    m = require_alrnn(m, "rationalize")
    weights = [np.asarray(x, dtype=np.float64) for x in (m.A, m.W, m.h)]
    rational = [np.vectorize(simplest_rational, otypes=[object])(x) for x in weights]
    changes = [
        abs(r - Fraction(float(x)))
        for ws, rs in zip(weights, rational)
        for x, r in zip(ws.ravel(), rs.ravel())
    ]
    return Rationalization(
        map=PWLMap.from_rationals(*rational, P=m.P),
        largest_change=float(max(changes)),
        changed=sum(c != 0 for c in changes),
        total=len(changes),
    )
