r"""LaTeX export: the map, its regions, its orbits and its symbolic graph as a document.

The document states the map in its model's own form (an AL-RNN's A z + W Φ*(z) + h, or the
shallow form A z + W₁ relu(W₂ z + h₂) + h₁ of every other model class) and as a
piecewise-affine map,

    f(z) = J_d z + c_d  for z ∈ Ω_d = {s_i(z) > 0 where d_i = 1, s_i(z) ≤ 0 where d_i = 0},

s(z) = W₂ z + h₂ the switching functions (an AL-RNN's last P units, where c_d = h), with every
coefficient printed by :func:`sympy.latex` — rounded to ``digits`` significant digits, or
(``exact=True``) as the exact Rationals of the map (the dyadic rationals the float weights
are, or the rationals of a map from :func:`pwl_analysis.rational.rationalize`, with a
sentence saying how far they moved).  Every region's affine map is written out: small models
(M ≤ 6) get each J_d and c_d in a ``cases`` display; larger ones write J_d = (B | C_d) when
the first columns B are shared by every region (an AL-RNN's M − P linear units), B once and
only the switching columns C_d per region, else each J_d and c_d in column blocks (of all
regions up to 64, else of those of the graph or the orbits).  The table of regions gives each
region's fixed point (real or virtual), its stability in the standard terms
(:mod:`pwl_analysis.stability`) and its occupation in a free run.  Orbits go into a table with
their leading multipliers and stability, seeded long cycles into another with their coarse
words; the symbolic graph into a TikZ picture (up to ``TIKZ_MAX_NODES`` nodes) or an included
figure.

A standalone document needs only Debian's ``texlive-latex-base``, ``texlive-latex-recommended``
(booktabs) and ``texlive-pictures`` (TikZ); a fragment needs ``amsmath``, ``booktabs``,
``longtable`` and ``tikz`` in the including document's preamble.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import networkx as nx
import numpy as np
import sympy

from pwl_analysis import _exact
from pwl_analysis._atomic import write_atomically
from pwl_analysis.errors import UserInputError
from pwl_analysis.free_runs import free_run
from pwl_analysis.graph import region_attributes
from pwl_analysis.orbit_table import OrbitRow, orbit_rows
from pwl_analysis.orbits import CycleSet
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.rational import Rationalization
from pwl_analysis.roles import LISTED_REGIONS_MAX
from pwl_analysis.symbolic import symbolic_sequence

#: Models with at most this many units get every region's matrix written out.
FULL_MATRIX_MAX_M = 6
#: Graphs with more nodes are not drawn in TikZ (a figure can be included instead).
TIKZ_MAX_NODES = 32
#: Columns per printed matrix block (fits an A4 page in footnotesize at 4 digits).
BLOCK_COLUMNS = 8
#: ... and when the entries are exact rationals.
EXACT_BLOCK_COLUMNS = 3
#: Exact coordinates of an orbit point are printed when none is longer than this ("p/q").
EXACT_POINT_MAX_CHARS = 24
#: The free run behind the occupation column when no graph or trajectory is given.
_RUN_STEPS, _RUN_TRANSIENT = 10_000, 1_000

_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{booktabs,longtable,array}
\usepackage{graphicx}
\usepackage{tikz}
\usetikzlibrary{arrows.meta}
\setcounter{MaxMatrixCols}{20}
\allowdisplaybreaks
"""

_SPECIAL = {
    "±": r"\ensuremath{\pm}",
    "λ": r"\ensuremath{\lambda}",
    "μ": r"\ensuremath{\mu}",
    "ρ": r"\ensuremath{\rho}",
    "Ω": r"\ensuremath{\Omega}",
    "→": r"\ensuremath{\to}",
    "×": r"\ensuremath{\times}",
    "≤": r"\ensuremath{\le}",
    "≥": r"\ensuremath{\ge}",
    "−": "-",
    "…": r"\dots{}",
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
}


class LatexError(RuntimeError):
    """pdflatex failed on a generated document."""


def escape_text(text: str) -> str:
    r"""Text safe in LaTeX's text mode.

    Specials are escaped, a few math symbols translated, any other non-ASCII character
    replaced by ``?`` (it could stop pdflatex).

    >>> escape_text("lorenz_m20 #2 & 50% {x}")
    'lorenz\\_m20 \\#2 \\& 50\\% \\{x\\}'
    """
    return "".join(_SPECIAL.get(ch, ch if ord(ch) < 128 else "?") for ch in str(text))


def _scalar(x: float, digits: int, exact: bool) -> sympy.Expr:
    if exact:
        return sympy.Rational(*float(x).as_integer_ratio())
    return sympy.Integer(0) if x == 0 else sympy.Float(float(x), digits)


def matrix_latex(array, digits: int = 4, exact: bool = False) -> str:
    """One matrix (or a vector, as a column) through :func:`sympy.latex`."""
    array = np.atleast_2d(np.asarray(array, dtype=np.float64))
    return _latex_matrix(sympy.Matrix([[_scalar(x, digits, exact) for x in row] for row in array]))


def _latex_matrix(entries: sympy.Matrix) -> str:
    return sympy.latex(entries, mat_delim="(")


def _shown(array: np.ndarray, exact_value, digits: int, exact: bool) -> sympy.Matrix:
    """The entries to print: the map's exact rationals, or its floats rounded to ``digits``."""
    if exact:
        return _exact.to_sympy(exact_value)
    array = np.atleast_2d(np.asarray(array, dtype=np.float64))
    return sympy.Matrix([[_scalar(x, digits, False) for x in row] for row in array])


def _column_blocks(name: str, entries: sympy.Matrix, exact: bool) -> list[str]:
    """``name_{:, a:b} = (…)`` for blocks of at most BLOCK_COLUMNS columns (fewer if exact)."""
    width = EXACT_BLOCK_COLUMNS if exact else BLOCK_COLUMNS
    n = entries.shape[1]
    if n <= width:
        return [f"{name} &= {_latex_matrix(entries)}"]
    return [
        rf"{name}_{{:,\,{a + 1}:{min(a + width, n)}}} &= "
        + _latex_matrix(entries[:, a : a + width])
        for a in range(0, n, width)
    ]


def _align(lines: list[str]) -> str:
    return "{\\footnotesize\n\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}\n}\n"


def switching_latex(m: PWLMap, digits: int = 4, exact: bool = False) -> list[str]:
    """Each switching function s_i(z) = (W₂ z + h₂)_i in LaTeX (an AL-RNN's: its unit z_j).

    Rounded to ``digits`` significant digits, or (``exact``) as exact rationals.

    >>> from pwl_analysis import PWLMap
    >>> m = PWLMap.from_shplrnn([[0.5, 0], [0, 0.5]], [[1], [0]], [["1/3", -1]], [0, 0], [2])
    >>> switching_latex(m, digits=3)
    ['0.333 z_{1} - z_{2} + 2.0']
    """
    functions = m.switching_functions()
    if not exact:
        functions = functions.evalf(digits)
    return [sympy.latex(f) for f in functions]


def region_conditions(m: PWLMap, indices, digits: int = 4, exact: bool = False) -> dict[int, str]:
    """Ω_d in text mode for each region index: its inequalities s_i(z) > 0 / ≤ 0.

    Each inequality is written out for H ≤ 3; beyond, the sets of active and inactive units,
    named by the coordinate when every s_i is one (an AL-RNN's last P units), else s_i.
    """
    if m.H == 0:
        return {int(i): f"$z \\in \\mathbb{{R}}^{{{m.M}}}$" for i in indices}
    functions = m.switching_functions()
    if all(f.is_Symbol for f in functions):
        letter, units = "z", [int(f.name.split("_")[1]) for f in functions]
    else:
        letter, units = "s", list(range(1, m.H + 1))
    shown = switching_latex(m, digits, exact)
    units = np.array(units)
    conditions = {}
    for index in indices:
        bits = m.region_bits[index].astype(bool)
        if m.H <= 3:
            signs = {False: r"\le 0", True: "> 0"}
            text = ", ".join(f"${s} {signs[bool(b)]}$" for s, b in zip(shown, bits))
        else:
            parts = []
            for active, sign in ((True, "> 0"), (False, r"\le 0")):
                chosen = units[bits == active]
                if chosen.size:
                    members = ", ".join(str(u) for u in chosen)
                    parts.append(f"${letter}_i {sign}$ for $i \\in \\{{{members}\\}}$")
            text = "; ".join(parts)
        conditions[int(index)] = text
    return conditions


def _definition(m: PWLMap, digits: int, exact: bool, rationalization) -> str:
    text, weights = m._definition_latex()
    lines = []
    for name, array, exact_value in weights:
        shown = _shown(array, exact_value, digits, exact)
        lines += _column_blocks(name, shown, exact)
    parts = ["\\section*{The map}\n", text, _align(lines)]
    precision = "exact rationals" if exact else f"{digits} significant digits"
    parts.append(f"Coefficients are printed as {precision}.\n")
    if rationalization is not None:
        parts.append(
            escape_text(rationalization.describe())
            + " These rational weights define the map analysed below, exactly.\n"
        )
    return "".join(parts)


def _shared_columns(m: PWLMap) -> int:
    """n > 0 when J_d = (B | C_d) with B (the first n columns) and c_d = h alike in every region.

    The leading columns where W₂ is zero (an AL-RNN's M − P linear units), provided every
    region has the same offset; else 0.
    """
    _, W2, h2 = m.exact_relu_layer
    if any(x != 0 for x in _exact.column_entries(h2)):
        return 0
    zero_columns = [all(x == 0 for x in column) for column in W2.transpose().to_list()]
    return next((j for j, zero in enumerate(zero_columns) if not zero), m.M)


def _offset(m: PWLMap, index: int, digits: int, exact: bool) -> sympy.Matrix:
    return _shown(m.offsets[index][:, None], m.exact_region_offset(index), digits, exact)


def _piecewise(m: PWLMap, indices, conditions: dict, digits: int, exact: bool) -> str:
    """Every listed region's affine map: whole J_d for M ≤ 6, else in column blocks."""
    head = "\\subsection*{Piecewise-affine form}\n"
    if m.M <= FULL_MATRIX_MAX_M:
        rows = [
            rf"{_latex_matrix(_jacobian(m, i, digits, exact))} z + "
            rf"{_latex_matrix(_offset(m, i, digits, exact))}"
            rf" & \text{{if {conditions[i]}}}"
            for i in indices
        ]
        return (
            head
            + "\\[ f(z) = \\begin{cases}\n"
            + " \\\\[4pt]\n".join(rows)
            + "\n\\end{cases} \\]\n"
        )
    n = _shared_columns(m)
    if n in (0, m.M):
        text = head + (
            "On $\\Omega_d$ ($\\Omega_d$ as in the table of regions), $f(z) = J_d z + c_d$ with\n"
        )
        lines = []
        for i in indices:
            label = m.region_label(i)
            lines += _column_blocks(f"{{J_{{{label}}}}}", _jacobian(m, i, digits, exact), exact)
            lines += _column_blocks(
                f"{{c_{{{label}}}}}^\\top", _offset(m, i, digits, exact).T, exact
            )
        return text + _align(lines)
    switching = m.M - n
    text = (
        head + f"Write $z = (x, y)$ with $x = (z_1, \\dots, z_{{{n}}})$ the linear and "
        f"$y = (z_{{{n + 1}}}, \\dots, z_{{{m.M}}})$ the piecewise-linear units.  On $\\Omega_d$,\n"
        "\\[ f(z) = J_d z + h = B x + C_d y + h, \\]\n"
        f"where $B$, the first ${n}$ columns of $J_d$, is the same in every region, "
        f"and $C_d$, its last ${switching}$ columns, switches with the region "
        "($\\Omega_d$ as in the table of regions):\n"
    )
    lines = _column_blocks("B", _jacobian(m, 0, digits, exact)[:, :n], exact)
    width = EXACT_BLOCK_COLUMNS if exact else BLOCK_COLUMNS
    per_line = max(1, width // switching)
    indices = list(indices)
    for a in range(0, len(indices), per_line):
        chunk = indices[a : a + per_line]
        if switching > width:
            lines += _column_blocks(
                f"{{C_{{{m.region_label(chunk[0])}}}}}",
                _jacobian(m, chunk[0], digits, exact)[:, n:],
                exact,
            )
            continue
        names = r" \;\big|\; ".join(f"C_{{{m.region_label(i)}}}" for i in chunk)
        columns = sympy.Matrix.hstack(*(_jacobian(m, i, digits, exact)[:, n:] for i in chunk))
        lines.append(rf"\bigl({names}\bigr) &= {_latex_matrix(columns)}")
    return text + _align(lines)


def _jacobian(m: PWLMap, index: int, digits: int, exact: bool) -> sympy.Matrix:
    return _shown(m.jacobians[index], m.exact_region_jacobian(index), digits, exact)


_FIXED_POINT_KINDS = {"real": "real", "virtual": "virtual", "none": "none ($I - J_d$ singular)"}


def _listed_regions(m: PWLMap, graph: nx.DiGraph | None, cycles: CycleSet) -> tuple[list, str]:
    """The regions a document lists, and how they were chosen."""
    if m.n_regions <= LISTED_REGIONS_MAX:
        return list(range(m.n_regions)), f"all {m.n_regions} regions"
    if graph is not None:
        indices = sorted(graph.nodes[n]["index"] for n in graph.nodes)
        return indices, f"the {len(indices)} regions of the symbolic graph"
    indices = sorted({m.region_index(r) for c in cycles for r in c.regions})
    return indices, f"the {len(indices)} regions holding the orbits below"


def _region_rows(
    m: PWLMap,
    indices,
    conditions: dict,
    cycles: CycleSet,
    occupation: dict | None,
    roles: dict | None,
) -> list[str]:
    rows = []
    for label, data in region_attributes(m, indices, cycles).items():
        kind = data["fixed_point_kind"]
        stability = escape_text(data["fixed_point_stability"]) if kind != "none" else "n/a"
        share = "n/a" if occupation is None else f"{occupation.get(data['index'], 0.0):.3f}"
        role = "" if roles is None else f" & {escape_text(roles.get(label, 'n/a'))}"
        rows.append(
            rf"\texttt{{{label}}} & {conditions[data['index']]} & "
            rf"{_FIXED_POINT_KINDS[kind]} & {stability} & {share}{role} \\"
        )
    return rows


def _occupation(m: PWLMap, graph: nx.DiGraph | None, trajectory) -> tuple[dict | None, str]:
    """Share of a free run in each region (by index), and a sentence saying which run."""
    if graph is not None and graph.graph.get("kind") == "empirical":
        shares = {graph.nodes[n]["index"]: graph.nodes[n].get("occupation", 0.0) for n in graph}
        return shares, "the free run of the symbolic graph"
    if trajectory is None:
        try:
            trajectory = free_run(m, _RUN_STEPS, _RUN_TRANSIENT)
        except ValueError:
            return None, "none: the free run from $z_0 = 0$ diverges"
        which = f"a free run of {_RUN_STEPS} steps from $z_0 = 0$ after {_RUN_TRANSIENT}"
    else:
        which = f"the given trajectory of {len(trajectory)} states"
    return symbolic_sequence(m, trajectory).occupation(), which


def _regions(
    m: PWLMap, indices, conditions: dict, which: str, cycles: CycleSet, occupation, roles
) -> str:
    shares, run = occupation
    roles = None if roles is None else {r.label: r.role for r in roles}
    head = (
        f"\\section*{{Regions}}\nOf the {m.n_regions} linear regions, listed are "
        f"{which}; the fixed point of $z \\mapsto J_d z + c_d$ is real when it lies in "
        "$\\Omega_d$ and virtual otherwise, named by its multipliers (the eigenvalues of $J_d$) "
        "with its index, the number of unstable directions.  The occupation is the share of "
        f"{run} spent in the region"
        + ("; the role, the part of the attractor the region carries" if roles else "")
        + ".\n"
    )
    if not indices:
        return head
    par = ">{\\raggedright\\arraybackslash}p"
    columns = (
        f"l{par}{{5cm}}{par}{{2.2cm}}{par}{{3.6cm}}r"
        if roles is None
        else f"l{par}{{3.2cm}}{par}{{1.5cm}}{par}{{2.6cm}}r{par}{{4.2cm}}"
    )
    return (
        head + f"\\begin{{longtable}}{{{columns}}}\n\\toprule\n"
        "$d$ & $\\Omega_d$ & fixed point & stability & occupation"
        + (" & role" if roles else "")
        + " \\\\\n\\midrule\n\\endhead\n"
        + "\n".join(_region_rows(m, indices, conditions, cycles, shares, roles))
        + "\n\\bottomrule\n\\end{longtable}\n"
    )


def _complex_latex(value: complex, digits: int) -> str:
    real = sympy.latex(_scalar(value.real, digits, False))
    if value.imag == 0:
        return real
    imag = sympy.latex(_scalar(abs(value.imag), digits, False))
    return f"{real} {'+' if value.imag > 0 else '-'} {imag}\\,i"


def _listed(values: list[str], total: int) -> str:
    """Comma-separated inline formulas, one per value, so the line may break between them."""
    return ", ".join(f"${v}$" for v in values) + (r", \dots" if total > len(values) else "")


def _point_entries(point: tuple, digits: int, exact: bool) -> list[str]:
    """Coordinates of z_0: exact "p/q" when asked for, known and short enough, else floats."""
    if exact and all(x.is_Rational and len(str(x)) <= EXACT_POINT_MAX_CHARS for x in point):
        return [sympy.latex(x) for x in point]
    return [sympy.latex(_scalar(float(x), digits, False)) for x in point]


def _runs(runs, max_runs: int | None = None) -> str:
    """A region word, run-length encoded (``10``$^{5}$), breakable between runs."""
    shown = runs if max_runs is None else runs[:max_runs]
    text = " ".join(rf"\texttt{{{label}}}" + (f"$^{{{n}}}$" if n > 1 else "") for label, n in shown)
    return text + (r" \dots" if len(shown) < len(runs) else "")


def _latex_cells(row: OrbitRow, digits: int, exact: bool, max_runs: int | None) -> list[str]:
    """A row of :func:`~pwl_analysis.orbit_table.orbit_rows` in LaTeX, column by column."""
    shown = 3
    multipliers = [_complex_latex(mu, digits) for mu in row.multipliers[:shown]]
    point = _point_entries(row.point[:shown], digits, exact)
    exponent = "$-\\infty$" if not math.isfinite(row.exponent) else f"${row.exponent:.4f}$"
    cells = [
        str(row.period),
        escape_text(row.stability) + (" (boundary)" if row.on_boundary else ""),
        _listed(multipliers, len(row.multipliers)),
        exponent,
        _runs(row.runs, max_runs),
        f"({_listed(point, len(row.point))})",
    ]
    coarse = [] if row.coarse is None else [rf"\texttt{{{escape_text(row.coarse) or '-'}}}"]
    return coarse + cells


def orbit_longtable(rows, digits: int = 4, exact: bool = False, max_runs: int | None = None) -> str:
    """The rows of :func:`~pwl_analysis.orbit_table.orbit_rows` as a ``longtable``.

    The columns are those of every orbit table (:mod:`pwl_analysis.orbit_table`); ``exact``
    prints short exact coordinates of z_0, ``max_runs`` cuts long region words.
    """
    coarse = any(row.coarse is not None for row in rows)
    stability, mu, regions, point = (
        ">{\\raggedright\\arraybackslash}" + f"p{{{width}cm}}"
        for width in ((2.0, 2.8, 2.6, 2.6) if coarse else (2.4, 3.4, 3.0, 3.2))
    )
    columns = ("l" if coarse else "") + f"r{stability}{mu}r{regions}{point}"
    header = (["coarse word"] if coarse else []) + [
        "$k$",
        "stability",
        "$\\mu$",
        "$\\lambda$",
        "regions",
        "$z_0$",
    ]
    body = [" & ".join(_latex_cells(row, digits, exact, max_runs)) + r" \\" for row in rows]
    return (
        f"\\begin{{longtable}}{{{columns}}}\n\\toprule\n"
        + " & ".join(header)
        + " \\\\\n\\midrule\n\\endhead\n"
        + "\n".join(body)
        + "\n\\bottomrule\n\\end{longtable}\n"
    )


def _cycles(cycles: CycleSet, digits: int, exact: bool = False) -> str:
    guarantee = "complete" if cycles.complete else "not a completeness guarantee"
    head = (
        "\\section*{Fixed points and cycles}\n"
        f"Orbits of period $k \\le {cycles.max_period}$ (search: {escape_text(cycles.method)}; "
        f"{guarantee}). The stability names the orbit by its multipliers "
        "(saddle, flip saddle for a negative unstable multiplier, saddle-focus for a complex "
        "pair, attracting or repelling node or focus) with its index, the number of unstable "
        "directions; $\\mu$ are the leading multipliers (eigenvalues of the monodromy matrix), "
        "$\\lambda = \\log\\max|\\mu| / k$; the regions are the orbit's word, "
        "$\\texttt{d}^n$ for $n$ steps in $\\Omega_d$; $z_0$ is the first point"
        + (" (exact where short)" if exact else "")
        + ".\n"
    )
    if not len(cycles):
        return head + "\nNo orbit was found.\n"
    return head + orbit_longtable(orbit_rows(cycles), digits, exact)


def _long_cycles(long_cycles: CycleSet | None, words, cycles: CycleSet, digits: int) -> str:
    """Seeded cycles longer than the complete search's K, with their coarse words."""
    if long_cycles is None:
        return ""
    words = list(words) if words else [""] * len(long_cycles)
    rows = [(w, c) for w, c in zip(words, long_cycles) if c.period > cycles.max_period]
    head = (
        "\\section*{Long cycles}\n"
        f"Cycles of period {cycles.max_period + 1} to {long_cycles.max_period} from the "
        f"near-returns of a free run ({escape_text(long_cycles.method)}); each is proven, "
        "the list is not a completeness guarantee.  The coarse word names the loops "
        "(L/R: the wing a loop turns around).\n"
    )
    if not rows:
        return head + "\nNo such cycle was found.\n"
    rows.sort(key=lambda row: (len(row[0]), row[0], row[1].period))
    table = orbit_rows([c for _, c in rows], coarse=[w for w, _ in rows])
    return head + orbit_longtable(table, digits, max_runs=6)


def graph_tikz(graph: nx.DiGraph) -> str:
    """The graph as a TikZ picture: nodes on a circle, edge width by ``weight`` if present."""
    nodes = sorted(graph.nodes, key=lambda n: (graph.nodes[n].get("index", 0), str(n)))
    key = {n: f"n{i}" for i, n in enumerate(nodes)}
    radius = min(7.0, max(2.0, 0.35 * len(nodes)))
    weights = [w for _, _, w in graph.edges(data="weight") if w is not None]
    heaviest = max(weights, default=1.0) or 1.0
    lines = [r"\begin{tikzpicture}[>={Stealth[length=2mm]}]"]
    for i, node in enumerate(nodes):
        angle = 90 - 360 * i / len(nodes)
        lines.append(
            rf"\node[draw, rounded corners, inner sep=2pt, font=\tiny] ({key[node]}) at "
            rf"({angle:.2f}:{radius:.2f}cm) {{\texttt{{{escape_text(node)}}}}};"
        )
    for a, b, data in graph.edges(data=True):
        width = 0.4 + 2.6 * data.get("weight", heaviest) / heaviest
        if a == b:
            angle = 90 - 360 * nodes.index(a) / len(nodes)
            bend = f"out={angle + 25:.1f}, in={angle - 25:.1f}, looseness=6"
        else:
            bend = "bend left=12"
        lines.append(rf"\draw[->, line width={width:.2f}pt] ({key[a]}) to[{bend}] ({key[b]});")
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines) + "\n"


def _graph_section(graph: nx.DiGraph | None, figure: str | None) -> str:
    if graph is None and figure is None:
        return ""
    kind = "" if graph is None else escape_text(graph.graph.get("kind", "")) + " "
    head = "\\section*{Symbolic graph}\n"
    if graph is not None:
        head += (
            f"The {kind}graph has {graph.number_of_nodes()} regions and "
            f"{graph.number_of_edges()} transitions"
            + (
                "; edge widths show relative frequency"
                if graph.graph.get("kind") == "empirical"
                else ""
            )
            + ".\n"
        )
    if graph is not None and 0 < graph.number_of_nodes() <= TIKZ_MAX_NODES:
        body = graph_tikz(graph)
    elif figure is not None:
        body = f"\\includegraphics[width=0.8\\linewidth]{{{escape_text(figure)}}}\n"
    else:
        return head + "It is too large to draw here; see the GraphML file.\n"
    return head + "\\begin{center}\n" + body + "\\end{center}\n"


def _summary(summary: Mapping[str, str] | None) -> str:
    if not summary:
        return ""
    rows = "\n".join(
        f"{escape_text(key)} & {escape_text(value)} \\\\" for key, value in summary.items()
    )
    return (
        "\\section*{Summary}\n\\begin{longtable}{l>{\\raggedright\\arraybackslash}p{9cm}}\n"
        "\\toprule\n" + rows + "\n\\bottomrule\n\\end{longtable}\n"
    )


def map_to_latex(
    m: PWLMap,
    *,
    name: str = "AL-RNN",
    digits: int = 4,
    exact: bool = False,
    fragment: bool = False,
    cycles: CycleSet | None = None,
    graph: nx.DiGraph | None = None,
    figure: str | None = None,
    summary: Mapping[str, str] | None = None,
    trajectory=None,
    rationalization: Rationalization | None = None,
    long_cycles: CycleSet | None = None,
    coarse_words=None,
    roles=None,
) -> str:
    r"""The map, its regions, orbits and symbolic graph as LaTeX.

    Parameters
    ----------
    m : PWLMap
        The map.
    name : str
        Title of the document (escaped).
    digits : int
        Significant digits of printed coefficients, 1 ≤ digits ≤ 17.
    exact : bool
        Print the map's coefficients as exact Rationals instead.
    fragment : bool
        Return only the body, to ``\input`` into a document that loads amsmath, booktabs,
        longtable, array, graphicx and tikz.
    cycles : CycleSet, optional
        Orbits for the table; ``m.fixed_points()`` (exact and complete) by default.
    graph : networkx.DiGraph, optional
        A symbolic graph (:mod:`pwl_analysis.graph`); its regions are listed and, when small,
        drawn in TikZ.
    figure : str, optional
        Path of an image of the graph, included when the graph is too large for TikZ.
    summary : mapping of str to str, optional
        Key numbers (entropies, Lyapunov exponents) for a summary table; escaped.
    trajectory : array_like, shape (T, M), optional
        The run whose occupation of each region is tabulated, when ``graph`` is not an
        empirical graph (which holds its own); a free run of 10000 steps from z_0 = 0 after
        1000 by default.
    rationalization : Rationalization, optional
        When ``m`` is ``rationalization.map`` (:func:`pwl_analysis.rational.rationalize`),
        the document says how its rational weights were chosen and how far they moved.
    long_cycles : CycleSet, optional
        Cycles of a seeded search (:class:`~pwl_analysis.methods.seeded.TrajectorySeeded`); those
        longer than ``cycles.max_period`` get their own table.
    coarse_words : sequence of str, optional
        The coarse word of each of ``long_cycles`` (:mod:`pwl_analysis.coarse`).
    roles : sequence of RegionRole, optional
        What each region carries (:func:`pwl_analysis.roles.region_roles`), as a column of
        the table of regions.

    Returns
    -------
    str
        A standalone document for ``pdflatex``, or with ``fragment`` its body.

    Raises
    ------
    ValueError
        ``digits`` outside 1 … 17, or a ``rationalization`` of another map.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| as its two affine pieces, and its fixed points −1/2 and 1/6
    in exact rationals:

    >>> from pwl_analysis import PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> text = map_to_latex(tent, fragment=True, exact=True)
    >>> "\\documentclass" in text
    False
    >>> cases = text[text.index("\\begin{cases}") : text.index("\\end{cases}")]
    >>> "\\text{if $z_{1} \\le 0$}" in cases and "\\text{if $z_{1} > 0$}" in cases
    True
    >>> "($- \\frac{1}{2}$)" in text and "($\\frac{1}{6}$)" in text
    True
    """
    if not 1 <= digits <= 17:
        raise UserInputError(f"digits must be between 1 and 17, got {digits}")
    if rationalization is not None and rationalization.map is not m:
        raise UserInputError("rationalization describes another map: pass rationalization.map as m")
    cycles = m.fixed_points() if cycles is None else cycles
    indices, which = _listed_regions(m, graph, cycles)
    conditions = region_conditions(m, indices, digits, exact)
    body = [
        _summary(summary),
        _definition(m, digits, exact, rationalization),
        _piecewise(m, indices, conditions, digits, exact),
        _regions(m, indices, conditions, which, cycles, _occupation(m, graph, trajectory), roles),
        _cycles(cycles, digits, exact),
        _long_cycles(long_cycles, coarse_words, cycles, digits),
        _graph_section(graph, figure),
    ]
    text = "".join(body)
    if fragment:
        return (
            "% pwl-analysis fragment; needs amsmath, amssymb, booktabs, longtable, array, "
            "graphicx, tikz (arrows.meta)\n" + text
        )
    title = f"\\title{{{escape_text(name)}}}\n\\author{{pwl-analysis}}\n\\date{{}}\n"
    return _PREAMBLE + title + "\\begin{document}\n\\maketitle\n" + text + "\\end{document}\n"


def write_latex(path: str | Path, text: str) -> Path:
    """Write LaTeX source atomically."""
    return write_atomically(path, text)


def compile_pdf(tex_path: str | Path, timeout: float = 120.0) -> Path:
    """Run ``pdflatex`` twice on a document; returns the PDF next to it.

    Runs in a temporary folder with ``-halt-on-error`` and ``-no-shell-escape``; the PDF is
    moved into place atomically, and nothing else is left next to the source.

    Raises
    ------
    FileNotFoundError
        ``pdflatex`` is not installed.
    LatexError
        LaTeX reported an error (the end of its log is in the message).
    """
    executable = shutil.which("pdflatex")
    if executable is None:
        raise FileNotFoundError("pdflatex is not installed (Debian: texlive-latex-base)")
    tex_path = Path(tex_path).resolve()
    with tempfile.TemporaryDirectory() as folder:
        command = [
            executable,
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-no-shell-escape",
            f"-output-directory={folder}",
            tex_path.name,
        ]
        for _ in range(2):  # longtable widths settle on the second pass
            run = subprocess.run(
                command, cwd=tex_path.parent, capture_output=True, timeout=timeout, check=False
            )
            if run.returncode != 0:
                log = run.stdout.decode("utf-8", errors="replace")
                raise LatexError(f"pdflatex failed on {tex_path.name}:\n{log[-3000:]}")
        pdf = tex_path.with_suffix(".pdf")
        write_atomically(pdf, (Path(folder) / pdf.name).read_bytes())
    return pdf
