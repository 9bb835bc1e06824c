"""LaTeX export: content, escaping, and documents that pdflatex compiles."""

import os
import shutil

import numpy as np
import pytest
import sympy

from pwl_analysis import PWLMap, load_model
from pwl_analysis.graph import empirical_graph, exact_graph
from pwl_analysis.latex import compile_pdf, escape_text, matrix_latex, write_latex
from pwl_analysis.rational import rationalize

from systems import SCYFI_CYCLES, lozi_map, lozi_plrnn, random_map, reference_file, tent_map

NASTY = r"model_1 #2 & 50% {x} $y$ ~z^ \ λ ± é"


def _pdflatex_or_skip() -> None:
    if shutil.which("pdflatex") is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex must be installed in CI (.ci/run installs texlive-latex-base)")
        pytest.skip("pdflatex not installed")


def test_escape_text_escapes_every_special_character():
    assert escape_text("a_b #2 & 50% {x} $y$ ~z^ \\") == (
        r"a\_b \#2 \& 50\% \{x\} \$y\$ \textasciitilde{}z\textasciicircum{} \textbackslash{}"
    )
    # Unicode that pdflatex may not know is translated or replaced, never passed through.
    assert escape_text("λ ± é") == r"\ensuremath{\lambda} \ensuremath{\pm} ?"


def test_matrix_latex_rounds_or_stays_exact():
    assert matrix_latex([[0.123456]], digits=3) == sympy.latex(
        sympy.Matrix([[0.123]]), mat_delim="("
    )
    # 0.1 is the dyadic rational 3602879701896397 / 2^55 as a float.
    assert r"\frac{3602879701896397}{36028797018963968}" in matrix_latex([[0.1]], exact=True)


def test_tent_map_document_states_both_branches_and_fixed_points():
    text = tent_map().to_latex()
    assert text.startswith("\\documentclass") and text.rstrip().endswith("\\end{document}")
    # Ω_0: u ↦ 2u + 1/2, Ω_1: u ↦ −2u + 1/2; fixed points −1/2 and 1/6.
    assert "\\left(\\begin{matrix}2.0\\end{matrix}\\right) z" in text
    assert "\\left(\\begin{matrix}-2.0\\end{matrix}\\right) z" in text
    assert "$-0.5$" in text and "$0.1667$" in text


def test_fragment_has_no_preamble():
    text = lozi_map().to_latex(fragment=True)
    assert "\\documentclass" not in text and "\\begin{document}" not in text
    assert "\\section*{The map}" in text


def test_large_models_write_the_structure_once():
    m = load_model(reference_file("lorenz_m30_p10.pt"), P=10)
    text = m.to_latex()
    assert "\\begin{cases}" not in text  # no 1024-case display
    assert text.count("W_{:,\\,") == 4  # W in column blocks of 8: 1–8, 9–16, 17–24, 25–30


def test_bad_precision_is_rejected():
    with pytest.raises(ValueError, match="digits"):
        tent_map().to_latex(digits=0)


def _documents():
    m = lozi_map()
    orbit = m.trajectory([0.0, 0.1], 2000)[100:]
    cycles = m.cycles(6)
    yield "tent", tent_map().to_latex(name=NASTY)
    yield (
        "lozi",
        m.to_latex(
            name=NASTY,
            cycles=cycles,
            graph=empirical_graph(m, orbit, cycles),
            summary={NASTY: NASTY},
        ),
    )
    yield "lozi_exact", m.to_latex(exact=True, cycles=cycles, graph=exact_graph(m))
    rational = rationalize(m)
    yield (
        "lozi_rational",
        rational.map.to_latex(exact=True, cycles=rational.map.cycles(4), rationalization=rational),
    )
    for name, P in (("lorenz_m20_p2", 2), ("lorenz_m30_p10", 10)):
        model = load_model(reference_file(f"{name}.pt"), P=P)
        run = model.trajectory(np.zeros(model.M), 3000)[500:]
        graph = empirical_graph(model, run)
        yield name, model.to_latex(name=name, graph=graph)
        yield f"{name}_exact", model.to_latex(name=name, graph=graph, exact=True)


def test_generated_documents_compile(tmp_path):
    _pdflatex_or_skip()
    for name, text in _documents():
        pdf = compile_pdf(write_latex(tmp_path / f"{name}.tex", text))
        assert pdf.read_bytes().startswith(b"%PDF")
    # compile_pdf works in a temporary folder: no .aux or .log is left next to the source.
    assert {p.suffix for p in tmp_path.iterdir()} == {".pdf", ".tex"}


def _region_table_rows(text: str) -> list[list[str]]:
    table = text.split("\\section*{Regions}")[1].split("\\end{longtable}")[0]
    body = table.split("\\endhead\n")[1].split("\n\\bottomrule")[0]
    return [[cell.strip() for cell in row.rstrip(" \\").split(" & ")] for row in body.splitlines()]


def test_m20_p2_defines_f_on_every_region_and_fills_the_region_table():
    m = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    text = m.to_latex(name="lorenz_m20_p2")
    # J_d = (B | C_d): B once, the P = 2 switching columns of every region
    assert "B_{:,\\,1:8}" in text
    assert (
        "\\bigl(C_{00} \\;\\big|\\; C_{01} \\;\\big|\\; C_{10} \\;\\big|\\; C_{11}\\bigr)" in text
    )
    rows = _region_table_rows(text)
    assert [row[0] for row in rows] == [
        "\\texttt{00}",
        "\\texttt{01}",
        "\\texttt{10}",
        "\\texttt{11}",
    ]
    for row in rows:
        assert len(row) == 5 and all(row), row  # no empty cell
        assert row[2] in {"real", "virtual"} and "index" in row[3]
    shares = [float(row[4]) for row in rows]
    assert sum(shares) == pytest.approx(1.0, abs=2e-3)  # each share printed to 3 decimals


def test_compact_form_gives_every_region_jacobian():
    # (B | C_d) printed at full precision is J_d itself, for every region of a random M = 8 map
    m = random_map(3, 8, 2)
    text = m.to_latex(digits=17, fragment=True)
    n = m.M - m.P
    block = text.split("\\bigl(C_{00}")[1].split("\\end{matrix}")[0]
    rows = block.split("\\begin{matrix}")[1].split("\\\\")
    C = np.array([[float(x) for x in row.split("&")] for row in rows])
    for d in range(m.n_regions):
        assert np.allclose(C[:, d * m.P : (d + 1) * m.P], m.jacobians[d][:, n:], rtol=1e-15, atol=0)


def test_rationalized_lozi_prints_simple_weights_and_exact_fixed_points():
    r = rationalize(lozi_map())
    text = r.map.to_latex(exact=True, rationalization=r)
    assert "\\frac{17}{10}" in text and "\\frac{1}{2}" in text and "- \\frac{17}{5}" in text
    assert "simplest rational" in text and "2 of 10" in text
    # fixed points z = (y, x) = (5/22, 5/11) and (−5/12, −5/6)
    assert "$\\frac{5}{22}$, $\\frac{5}{11}$" in text
    assert "$- \\frac{5}{12}$, $- \\frac{5}{6}$" in text
    assert "flip saddle (index 1)" in text and "saddle (index 1)" in text
    with pytest.raises(ValueError, match="another map"):
        lozi_map().to_latex(rationalization=r)


def test_results_display_themselves_in_jupyter():
    from pwl_analysis import exact_graph, graph_topology

    m = lozi_map()
    # the map prints as its two affine branches, through sympy's printer protocol too
    assert m._repr_latex_().startswith("$$f(z) = \\begin{cases}")
    assert sympy.latex(m) == m._latex() and "\\Omega_{1}" in sympy.latex(m)
    assert "M = 30" in load_model(reference_file("lorenz_m30_p10.pt"), P=10)._repr_latex_()
    cycles = m.cycles(2)
    html = cycles._repr_html_()
    assert html.count("<tr>") == 1 + len(cycles) and "flip saddle (index 1)" in html
    assert cycles[0].stability._repr_latex_() == "$\\text{saddle (index 1)}$"
    topology = graph_topology(exact_graph(m), cycles)
    assert "exact graph: 2 regions" in topology._repr_html_()


# ---- every model class ---------------------------------------------------------------------


def _exact(array) -> sympy.Matrix:
    """Float weights as the exact (dyadic) rationals they are."""
    return sympy.Matrix([[sympy.Rational(float(x)) for x in row] for row in np.atleast_2d(array)])


def _cases_rows(text: str) -> list[str]:
    cases = text.split("\\begin{cases}\n")[1].split("\n\\end{cases}")[0]
    return cases.split(" \\\\[4pt]\n")


def _positive_units(condition: str) -> set[int]:
    """The units i with s_i > 0 in a condition "$s_i > 0$ for $i \\in \\{…\\}$; …"."""
    if "$s_i > 0$" not in condition:
        return set()
    members = condition.split("$s_i > 0$ for $i \\in \\{")[1].split("\\}$")[0]
    return {int(x) for x in members.split(", ")}


def test_shplrnn_document_gives_every_region_its_own_affine_map():
    # SCYFI's shPLRNN (M = 2, H = 10): each case of the display is J_d z + c_d with
    # J_d = A + W₁ D_d W₂, c_d = h₁ + W₁ D_d h₂ built here in sympy from the weights, for the
    # d its condition states; at the region's witness point J_d w + c_d is the map itself.
    weights = {key: _exact(value) for key, value in SCYFI_CYCLES.items()}
    A = sympy.diag(*weights["A"])
    W1, W2 = weights["W1"], weights["W2"]
    h1, h2 = weights["h1"].T, weights["h2"].T
    m = PWLMap.from_shplrnn(**SCYFI_CYCLES)
    text = m.to_latex(exact=True, fragment=True)
    assert "A shPLRNN with $M = 2$ latent units" in text
    rows = _cases_rows(text)
    assert len(rows) == m.n_regions
    labels = set()
    for row in rows:
        condition = row.split("\\text{if ")[1][:-1]
        positive = _positive_units(condition)
        d = [1 if i + 1 in positive else 0 for i in range(10)]
        J = A + W1 * sympy.diag(*d) * W2
        c = h1 + W1 * sympy.diag(*d) * h2
        printed = f"{sympy.latex(J, mat_delim='(')} z + {sympy.latex(c, mat_delim='(')}"
        assert row.startswith(printed)
        label = "".join(map(str, d))
        labels.add(label)
        w = sympy.Matrix(m.region_witness(m.region_index(label)).to_Matrix())
        s = W2 * w + h2
        assert [1 if x > 0 else 0 for x in s] == d  # the witness lies in the stated region
        assert J * w + c == A * w + W1 * s.applyfunc(lambda x: sympy.Max(0, x)) + h1
    assert labels == {r.label for r in m.regions}


def test_general_documents_compile(tmp_path):
    _pdflatex_or_skip()
    scyfi = PWLMap.from_shplrnn(**SCYFI_CYCLES)
    documents = {
        "scyfi": scyfi.to_latex(name="SCYFI shPLRNN", cycles=scyfi.cycles(4)),
        "scyfi_exact": scyfi.to_latex(exact=True),
        "plrnn": lozi_plrnn().to_latex(graph=exact_graph(lozi_plrnn())),
        "dendplrnn": PWLMap.from_dendplrnn(
            np.full(2, 0.5), [[0.1, -0.2], [0.3, 0.1]], [0.1, 0.0], [1.0, -0.5], [[0, 1], [0, 2]]
        ).to_latex(),
    }
    rng = np.random.default_rng(0)
    wide = PWLMap.from_shplrnn(
        rng.uniform(-0.5, 0.5, 7),
        rng.normal(size=(7, 2)),
        rng.normal(size=(2, 7)),
        rng.normal(size=7),
        rng.normal(size=2),
    )
    documents["shplrnn_m7"] = wide.to_latex()
    # M = 7 > 6: each region's J_d and c_d in its own blocks (no column is shared)
    assert documents["shplrnn_m7"].count("{J_{") == wide.n_regions == 4
    assert documents["shplrnn_m7"].count("{c_{") == 4
    for name, text in documents.items():
        pdf = compile_pdf(write_latex(tmp_path / f"{name}.tex", text))
        assert pdf.read_bytes().startswith(b"%PDF")
