"""Exact rational arithmetic for float weights.

Every IEEE-754 double is a dyadic rational p / 2^e, so a float array has one exact
rational image: no rounding, no guessing.  Matrices are held as sympy ``DomainMatrix``
over ``QQ`` (backed by FLINT or gmpy2 when installed), which is orders of magnitude faster
than ``sympy.Matrix`` of ``Rational`` for the linear algebra of cycle equations.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy
from sympy import QQ
from sympy.polys.matrices import DomainMatrix


def exact_scalar(value: float):
    """The exact rational value of a float as an element of ``QQ``."""
    numerator, denominator = float(value).as_integer_ratio()
    return QQ(numerator, denominator)


def exact_matrix(array: np.ndarray) -> DomainMatrix:
    """Exact ``DomainMatrix`` over ``QQ`` of a float array of shape (n,) or (n, m).

    A vector of shape (n,) becomes a column, shape (n, 1).
    """
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    rows = [[exact_scalar(x) for x in row] for row in array]
    return DomainMatrix(rows, array.shape, QQ)


def rational_array(values) -> DomainMatrix:
    """Exact ``DomainMatrix`` over ``QQ`` of nested rationals (int, ``Fraction``, sympy
    ``Rational`` or ``"p/q"``) of shape (n,) or (n, m); a vector becomes a column.  Floats are
    refused: a float has its own exact value, use :func:`exact_matrix`.
    """
    array = np.asarray(values, dtype=object)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise ValueError(f"expected a vector or matrix of rationals, got shape {array.shape}")
    return DomainMatrix([[_rational(x) for x in row] for row in array], array.shape, QQ)


def _rational(x):
    if isinstance(x, (float, np.floating)):
        raise ValueError(f"{x!r} is a float; give rationals (Fraction, sympy Rational, 'p/q')")
    value = sympy.Rational(str(x)) if isinstance(x, str) else sympy.Rational(x)
    return QQ(int(value.p), int(value.q))


def identity(n: int) -> DomainMatrix:
    """The n×n identity over ``QQ``."""
    return DomainMatrix.eye(n, QQ)


def to_sympy(matrix: DomainMatrix) -> sympy.Matrix:
    """A ``sympy.Matrix`` of ``Rational`` with the same entries."""
    return matrix.to_Matrix()


def to_float(matrix: DomainMatrix) -> np.ndarray:
    """Float64 array of a ``DomainMatrix`` (rounded to nearest from the exact value)."""
    rows, cols = matrix.shape
    entries = matrix.to_list()
    return np.array(
        [[float(Fraction(int(x.numerator), int(x.denominator))) for x in row] for row in entries],
        dtype=np.float64,
    ).reshape(rows, cols)


def column_entries(matrix: DomainMatrix) -> list:
    """The entries of an (n, 1) ``DomainMatrix`` as a list of ``QQ`` elements."""
    return [row[0] for row in matrix.to_list()]


def rational_string(x) -> str:
    """``"p/q"`` (or ``"p"`` when q = 1) for an exact rational."""
    r = sympy.Rational(int(x.numerator), int(x.denominator))
    return str(r)
