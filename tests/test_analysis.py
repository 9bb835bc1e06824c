"""The analyze pipeline, its figures and the graph / latex / analyze commands."""

import json
import os
import shutil

import networkx as nx
import numpy as np
import pytest

from pwl_analysis import PWLMap, _exact, free_run, load_model
from pwl_analysis.app.analysis import analyze, default_max_period, entropy_length
from pwl_analysis.app.cli import main
from pwl_analysis.app.figures import attractor_figure, graph_figure, save_figure
from pwl_analysis.entropy import entropy_bounds
from pwl_analysis.graph import empirical_graph
from pwl_analysis.lyapunov import lyapunov_spectrum

from systems import lozi_map, lozi_plrnn, lozi_shplrnn, random_map, reference_file, tent_map

PNG = b"\x89PNG\r\n\x1a\n"
REPORT = {
    "analysis.json",
    "equations.tex",
    "graph_empirical.graphml",
    "graph_empirical.json",
    "graph_exact.graphml",
    "graph_exact.json",
    "attractor.png",
    "graph.png",
}


def _expected_files() -> set[str]:
    if shutil.which("pdflatex"):
        return REPORT | {"equations.pdf"}
    assert not os.environ.get("CI"), "pdflatex must be installed in CI"
    return REPORT


@pytest.mark.parametrize(("name", "P"), [("lorenz_m20_p2", 2), ("lorenz_m30_p10", 10)])
def test_official_models_get_a_complete_report(tmp_path, name, P):
    m = load_model(reference_file(f"{name}.pt"), P=P)
    (tmp_path / "notes.txt").write_text("kept")
    result = analyze(m, tmp_path, name=name, steps=3000, transient=500)
    assert {p.name for p in tmp_path.iterdir()} == _expected_files() | {"notes.txt"}
    assert (tmp_path / "notes.txt").read_text() == "kept"
    record = json.loads((tmp_path / "analysis.json").read_text())
    assert record["M"] == m.M and record["P"] == P
    assert len(record["lyapunov"]["exponents"]) == m.M
    assert record["cycles"]["complete"] is True
    if P == 10:  # 1024 regions: 10^6 LPs for the 2-blocks alone, so skipped with the reason
        assert record["entropy_bounds"] is None
        assert record["entropy_bounds_skipped"].startswith("not computed: 1024 regions")
    else:
        assert record["entropy_bounds"]["upper"] <= np.log(4) + 1e-12
    # The empirical graph's nodes are exactly the regions of the run.
    run = free_run(m, 3000, 500)
    graph = nx.read_graphml(tmp_path / "graph_empirical.graphml")
    assert set(graph.nodes) == {m.region_label(r) for r in m.region_of(run)}
    assert set(result.empirical.attractor_regions) <= set(graph.nodes)
    # The exact graph certifies every observed transition.
    exact = nx.read_graphml(tmp_path / "graph_exact.graphml")
    assert set(graph.edges) <= set(exact.edges)
    for figure in ("attractor.png", "graph.png"):
        assert (tmp_path / figure).read_bytes().startswith(PNG)
    assert not [p for p in tmp_path.parent.iterdir() if p.name.startswith(f".{tmp_path.name}.")]


def test_lyapunov_in_the_report_is_that_of_the_run(tmp_path):
    m = lozi_map()
    result = analyze(m, tmp_path, steps=2000, transient=200, max_period=4)
    direct = lyapunov_spectrum(m, free_run(m, 1, 200)[0], steps=2000, transient=0)
    np.testing.assert_array_equal(result.lyapunov.exponents, direct.exponents)
    assert "Lyapunov spectrum" in repr(result)


def test_entropy_bounds_in_the_analysis_are_those_of_entropy_bounds(tmp_path):
    m = lozi_map()
    result = analyze(m, tmp_path, steps=2000, transient=200, max_period=4)
    assert entropy_length(m) == (12, "")  # 2-D: polygons, no LP
    direct = entropy_bounds(m, 12)  # the same free-run box
    assert result.entropy.to_dict() == direct.to_dict()
    # Lozi a = 1.7, b = 0.5: h_top ≈ 0.50 (issue 15's target: upper ≤ 0.52)
    assert direct.upper <= 0.52 and not direct.lower_is_bound
    record = json.loads((tmp_path / "analysis.json").read_text())
    assert record["entropy_bounds"] == direct.to_dict()
    assert record["entropy_bounds_skipped"] is None
    assert "(proven bound)" in result.summary()["entropy, admissible words"]


def test_entropy_length_keeps_the_lps_few():
    assert entropy_length(random_map(0, M=3, P=2)) == (4, "")  # 4^4 = 256 words
    assert entropy_length(random_map(0, M=3, P=1)) == (8, "")
    length, reason = entropy_length(random_map(0, M=10, P=5))
    assert length is None and "32 regions" in reason


def test_default_period_keeps_the_search_near_4096_words():
    # (2^P)^K ≤ 4096: K = 12 for P = 1, 6 for P = 2, 1 for P = 10 (1024^2 > 4096).
    assert default_max_period(tent_map()) == 12
    assert default_max_period(random_map(0, M=3, P=2)) == 6
    assert default_max_period(random_map(0, M=10, P=10)) == 1
    assert default_max_period(PWLMap.from_alrnn([0.5], [[0.0]], [1.0], P=0)) == 1


def test_figures_for_one_two_and_three_units(tmp_path):
    m = lozi_map()
    run = free_run(m, 500, 100)
    cycles = m.cycles(3)
    for units in ((0,), (0, 1), (0, 1, 2)):  # unit 2 does not exist and is dropped
        path = save_figure(attractor_figure(m, run, cycles, units), tmp_path / f"{len(units)}.png")
        assert path.read_bytes().startswith(PNG)
    save_figure(graph_figure(empirical_graph(m, run)), tmp_path / "g.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.png", "2.png", "3.png", "g.png"]


def test_bad_input_is_rejected(tmp_path):
    diverging = PWLMap.from_alrnn([1.5], [[0.0]], [1.0], P=0)
    with pytest.raises(ValueError, match="diverges"):
        free_run(diverging, 5000, 0)
    with pytest.raises(ValueError, match="not a folder"):
        analyze(lozi_map(), _a_file(tmp_path))
    with pytest.raises(ValueError, match="empty"):
        graph_figure(nx.DiGraph())
    with pytest.raises(ValueError, match="no unit"):
        attractor_figure(lozi_map(), np.zeros((3, 2)), units=(5,))


def test_commands(tmp_path, capsys):
    model = str(reference_file("lorenz_m20_p2.pt"))
    assert main(["graph", model, "--P", "2", "--steps", "2000"]) == 0
    assert "graph entropy" in capsys.readouterr().out
    assert (
        main(["graph", model, "--P", "2", "--exact", "--graphml", str(tmp_path / "g.graphml")]) == 0
    )
    assert nx.read_graphml(tmp_path / "g.graphml").graph["kind"] == "exact"
    assert "wrote" in capsys.readouterr().out
    assert main(["graph", model, "--P", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["graph"]["kind"] == "empirical"
    assert main(["latex", model, "--P", "2", "-o", str(tmp_path / "e.tex"), "--exact"]) == 0
    assert (tmp_path / "e.tex").read_text().startswith("\\documentclass")
    out = tmp_path / "report"
    assert main(["analyze", model, "--P", "2", "--out", str(out), "--steps", "2000"]) == 0
    assert {p.name for p in out.iterdir()} == _expected_files()
    assert main(["analyze", model, "--P", "2", "--out", str(tmp_path / "e.tex")]) == 2
    assert "not a folder" in capsys.readouterr().err


def _a_file(folder):
    path = folder / "file.txt"
    path.write_text("")
    return path


def _weights_file(m, path, **stored):
    """The map's float weights as an .npz, under its model class's names."""
    A, W1, W2, h1, h2 = (_exact.to_float(x) for x in m.exact_weights)
    if m.model == "PLRNN":
        np.savez(path, A=A, W=W1, h=h1[:, 0], **stored)
    else:
        np.savez(path, A=A, W1=W1, W2=W2, h1=h1[:, 0], h2=h2[:, 0], **stored)
    return str(path)


def test_analyze_a_shplrnn_file_end_to_end(tmp_path, capsys):
    m = lozi_shplrnn()
    model = _weights_file(m, tmp_path / "lozi_sh.npz")
    out = tmp_path / "report"
    command = ["analyze", model, "--model-type", "shplrnn", "--out", str(out), "--steps", "3000"]
    assert main(command) == 0
    assert {p.name for p in out.iterdir()} == _expected_files()
    record = json.loads((out / "analysis.json").read_text())
    assert (record["model_type"], record["M"], record["H"], record["regions"]) == (
        "shPLRNN",
        2,
        2,
        4,
    )
    assert record["P"] is None and record["cycles"]["complete"] is True
    # the admissible words are not yet written for general maps: skipped, with the reason
    assert record["entropy_bounds"] is None
    assert "AL-RNNs only" in record["entropy_bounds_skipped"]
    # the free run visits every one of the 4 regions (tests/systems.py), and the graphs say so
    graph = nx.read_graphml(out / "graph_empirical.graphml")
    assert set(graph.nodes) == {r.label for r in m.regions}
    assert set(graph.edges) <= set(nx.read_graphml(out / "graph_exact.graphml").edges)
    tex = (out / "equations.tex").read_text()
    assert "A shPLRNN with $M = 2$ latent units" in tex and "c_d" in tex
    assert "shPLRNN, H = 2, 4 regions" in capsys.readouterr().out


def test_graph_and_latex_commands_take_the_model_type(tmp_path, capsys):
    # an A, W, h file is an AL-RNN unless told: --model-type plrnn reads it as a PLRNN
    m = lozi_plrnn()
    model = _weights_file(m, tmp_path / "lozi.npz")
    assert main(["graph", model, "--model-type", "plrnn", "--json", "--steps", "3000"]) == 0
    nodes = json.loads(capsys.readouterr().out)["nodes"]
    assert {node["id"] for node in nodes} == {"00", "01", "10", "11"}
    tex = tmp_path / "lozi.tex"
    assert main(["latex", model, "--model-type", "plrnn", "-o", str(tex)]) == 0
    assert "A PLRNN with $M = 2$" in tex.read_text()
    assert main(["entropy", model, "--model-type", "plrnn"]) == 2
    assert "AL-RNNs only" in capsys.readouterr().err
