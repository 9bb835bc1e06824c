"""The table of orbits: one set of rows, printed as plain text, Markdown, HTML or LaTeX.

Every output that lists fixed points and cycles — the ``cycles`` command, ``report.md``, the
LaTeX document (:mod:`pwl_analysis.latex`) and a :class:`~pwl_analysis.orbits.CycleSet` in
Jupyter — shows the same columns, taken from :func:`orbit_rows`:

- the *coarse word* of the orbit, when a coarse coding names it (:mod:`pwl_analysis.coarse`);
- its period k and its *stability* (:class:`~pwl_analysis.stability.Stability`), marked when
  the orbit lies on a switching boundary;
- its leading *multipliers* μ, the eigenvalues of the monodromy matrix Π of largest modulus,
  and its largest Lyapunov exponent λ = log max |μ| / k per map step;
- its *region word* d_0 … d_{k−1}, run-length encoded (``10^5`` for five steps in Ω_10);
- its first point z_0: exact Rationals where the record has them, floats otherwise.

Each output formats the cells in its own markup; only this module decides what a row holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy

from pwl_analysis._html import html_table
from pwl_analysis.stability import Stability

#: Leading multipliers and coordinates of z_0 a table shows.
SHOWN_MULTIPLIERS, SHOWN_COORDINATES = 3, 4


@dataclass(frozen=True)
class OrbitRow:
    """One orbit as a row of a table.

    Attributes
    ----------
    coarse : str or None
        The orbit's coarse word (``""``: the coding names no loop); None without a coding.
    period : int
    stability : Stability
    on_boundary : bool
    multipliers : tuple of complex
        All multipliers, by decreasing modulus; an imaginary part below 10⁻¹² |μ| (the
        rounding of a real eigenvalue) is set to 0.
    exponent : float
        λ = log max |μ| / k (−inf when Π is nilpotent).
    runs : tuple of (str, int)
        The region word run-length encoded.
    point : tuple of sympy numbers, length M
        z_0: Rationals for an exact cycle, Floats for a certified one.
    """

    coarse: str | None
    period: int
    stability: Stability
    on_boundary: bool
    multipliers: tuple[complex, ...]
    exponent: float
    runs: tuple[tuple[str, int], ...]
    point: tuple


def orbit_rows(orbits: Iterable, coarse: Sequence[str] | None = None) -> tuple[OrbitRow, ...]:
    """The rows of a table of orbits, in the order given.

    Parameters
    ----------
    orbits : iterable of PeriodicOrbit
        Exact or certified cycles (a :class:`~pwl_analysis.orbits.CycleSet` is one).
    coarse : sequence of str, optional
        One coarse word per orbit; the table then has a coarse-word column.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| has the 2-cycle −1/10 ↦ 3/10 ↦ −1/10:

    >>> from pwl_analysis import PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> row = orbit_rows(tent.cycles(2))[2]
    >>> row.period, row.runs, row.point
    (2, (('0', 1), ('1', 1)), (-1/10,))
    """
    orbits = list(orbits)
    words = [None] * len(orbits) if coarse is None else list(coarse)
    rows = []
    for orbit, word in zip(orbits, words):
        with np.errstate(divide="ignore"):
            exponent = orbit.lyapunov_exponent
        rows.append(
            OrbitRow(
                coarse=word,
                period=orbit.period,
                stability=orbit.stability,
                on_boundary=orbit.on_boundary,
                multipliers=tuple(_rounded_real(complex(mu)) for mu in orbit.multipliers),
                exponent=exponent,
                runs=tuple(orbit.runs),
                point=tuple(sympy.sympify(x) for x in orbit.first_point),
            )
        )
    return tuple(rows)


def _rounded_real(mu: complex) -> complex:
    return complex(mu.real, 0.0) if abs(mu.imag) < 1e-12 * max(1.0, abs(mu)) else mu


def _has_coarse(rows: Sequence[OrbitRow]) -> bool:
    return any(row.coarse is not None for row in rows)


def _number(x: float) -> str:
    return f"{x:.4g}"


def _complex(value: complex) -> str:
    """μ in plain text: ``-1.956``, ``0.5+0.3i``."""
    if value.imag == 0:
        return _number(value.real)
    return f"{_number(value.real)}{'+' if value.imag > 0 else '-'}{_number(abs(value.imag))}i"


def _shown(values: list[str], total: int) -> str:
    return ", ".join(values) + (", …" if total > len(values) else "")


def _word(runs, max_chars: int) -> str:
    text = " ".join(f"{label}^{n}" if n > 1 else label for label, n in runs)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def plain_cells(row: OrbitRow, word_chars: int = 32) -> list[str]:
    """A row's cells as plain text, in the order of :func:`plain_header`."""
    multipliers = [_complex(mu) for mu in row.multipliers[:SHOWN_MULTIPLIERS]]
    point = [_number(float(x)) for x in row.point[:SHOWN_COORDINATES]]
    exponent = "-inf" if not math.isfinite(row.exponent) else f"{row.exponent:.4f}"
    cells = [
        str(row.period),
        str(row.stability) + (" (boundary)" if row.on_boundary else ""),
        _shown(multipliers, len(row.multipliers)),
        exponent,
        _word(row.runs, word_chars),
        "(" + _shown(point, len(row.point)) + ")",
    ]
    return ([row.coarse or "-"] if row.coarse is not None else []) + cells


def plain_header(coarse: bool) -> list[str]:
    """Column names of the plain-text, Markdown and HTML tables."""
    return (["coarse word"] if coarse else []) + [
        "k",
        "stability",
        "leading multipliers μ",
        "λ per step",
        "regions",
        "z_0",
    ]


def text_table(rows: Sequence[OrbitRow]) -> str:
    """The rows as an aligned plain-text table (for a terminal)."""
    header = plain_header(_has_coarse(rows))
    body = [plain_cells(row) for row in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    numeric = {"k", "λ per step"}
    lines = [
        "  ".join(
            cell.rjust(width) if name in numeric else cell.ljust(width)
            for cell, width, name in zip(line, widths, header)
        ).rstrip()
        for line in [header, *body]
    ]
    return "\n".join(lines)


def markdown_table(rows: Sequence[OrbitRow]) -> list[str]:
    """The rows as the lines of a Markdown table."""
    header = plain_header(_has_coarse(rows))
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(plain_cells(row, word_chars=60)) + " |" for row in rows]
    return lines


def html_orbit_table(caption: str, rows: Sequence[OrbitRow]) -> str:
    """The rows as an HTML table, for Jupyter."""
    header = plain_header(_has_coarse(rows))
    return html_table(caption, header, [plain_cells(row) for row in rows])
