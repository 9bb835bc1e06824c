"""LaTeX export: content, escaping, and documents that pdflatex compiles."""

import os
import shutil

import numpy as np
import pytest
import sympy

from pwl_analysis import load_model
from pwl_analysis.graph import empirical_graph, exact_graph
from pwl_analysis.latex import compile_pdf, escape_text, matrix_latex, write_latex

from systems import lozi_map, reference_file, tent_map

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
