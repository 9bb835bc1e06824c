"""One table of orbits: the rows, and the same columns in text, Markdown, HTML and LaTeX."""

import re

import numpy as np
import sympy

from pwl_analysis.latex import orbit_longtable
from pwl_analysis.methods.seeded import certify_cycle
from pwl_analysis.orbit_table import (
    html_orbit_table,
    markdown_table,
    orbit_rows,
    plain_header,
    text_table,
)

from systems import lozi_map, tent_map


def test_rows_hold_what_the_records_say():
    cycles = lozi_map().cycles(4)
    rows = orbit_rows(cycles)
    assert [r.period for r in rows] == [c.period for c in cycles]
    for row, cycle in zip(rows, cycles):
        assert row.stability == cycle.stability and row.coarse is None
        assert row.point == tuple(cycle.exact_points.row(0))  # exact Rationals
        assert sum(n for _, n in row.runs) == cycle.period
        assert row.exponent == cycle.lyapunov_exponent
    # Lozi's fixed point in x > 0 has the multipliers (−1.7 ± √4.89) / 2, both real
    (flip,) = [r for r in rows if r.period == 1 and r.runs == (("1", 1),)]
    expected = sorted([(-1.7 - np.sqrt(4.89)) / 2, (-1.7 + np.sqrt(4.89)) / 2], key=abs)[::-1]
    np.testing.assert_allclose([mu.real for mu in flip.multipliers], expected, rtol=1e-12)
    assert all(mu.imag == 0 for mu in flip.multipliers)


def test_every_output_has_the_same_columns_and_rows():
    cycles = lozi_map().cycles(4)
    rows = orbit_rows(cycles, coarse=["", "A", "B", "AB"][: len(cycles)])
    header = plain_header(coarse=True)
    text = text_table(rows).splitlines()
    markdown = markdown_table(rows)
    html = html_orbit_table("Lozi", rows)
    latex = orbit_longtable(rows)
    assert len(text) == 1 + len(rows) and len(markdown) == 2 + len(rows)
    assert html.count("<tr>") == 1 + len(rows)
    assert latex.count(r" \\") == 1 + len(rows)  # the header and one line per orbit
    assert text[0].split("  ")[0] == "coarse word" and markdown[0].startswith("| coarse word | k |")
    assert all(f"<th>{name}</th>" in html for name in header)
    for row, line, cells in zip(rows, text[1:], markdown[2:]):
        assert str(row.stability) in line and f"| {row.stability} |" in cells
        assert cells.startswith(f"| {row.coarse or '-'} | {row.period} |")
    assert "$\\mu$" in latex and "\\texttt{AB}" in latex and "\\texttt{-}" in latex


def test_certified_rows_print_floats_even_in_an_exact_document():
    m = tent_map()  # its 4-cycles have short exact points (denominators 2^4 ± 1 and so on)
    cycle = m.cycles(4).of_period(4)[0]
    certified = certify_cycle(m, [m.region_index(r) for r in cycle.regions])
    exact_row, certified_row = orbit_rows([cycle, certified])
    assert all(x.is_Rational for x in exact_row.point)
    assert not any(x.is_Rational for x in certified_row.point)
    assert [float(x) for x in certified_row.point] == certified.points[0].tolist()
    exact_latex = orbit_longtable([exact_row], exact=True)
    assert sympy.latex(exact_row.point[0]) in exact_latex  # short exact fractions
    float_latex = orbit_longtable([certified_row], exact=True)
    assert not re.search(r"\\frac", float_latex.split("\\midrule")[1])


def test_long_region_words_are_cut_and_run_length_encoded():
    m = lozi_map()
    cycles = m.cycles(8)
    longest = max(orbit_rows(cycles), key=lambda row: len(row.runs))
    assert len(longest.runs) > 2
    assert "^" in markdown_table([longest])[2] or all(n == 1 for _, n in longest.runs)
    assert r"\dots" in orbit_longtable([longest], max_runs=2)
