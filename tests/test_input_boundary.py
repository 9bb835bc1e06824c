"""Every user input is checked where it enters, before any training or search (issue 28).

Each test gives the command line one careless or hostile input of the second probe campaign
and asserts what the user sees: exit status 2, one line on stderr naming the bad value, no
training started (the training entry point fails the test if it is called), nothing created
beside the inputs, and the user's files unchanged.
"""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from pwl_analysis.app.cli import main

from cli_checks import one_sentence, snapshot
from systems import tent_file

# ---- 1. data files ------------------------------------------------------------------------

BAD_DATA = {
    "objects.npy": (None, "holds Python objects (dtype object), not numbers"),
    "ragged.csv": ("1,2,3\n4,5\n6,7,8\n" * 50, "row 2 has 2 values where row 1 has 3"),
    "semicolons.csv": ("1;2;3\n" * 200, "row 1 is separated by ';'"),
    "strings.csv": ("a,b,c\n" + "1,x,3\n" * 200, "row 2, column 2 holds 'x', not a number"),
    "words.npy": (None, "holds values of type <U"),
    "empty.csv": ("\n\n", "holds no rows of numbers"),
}


def write_bad_data(folder: Path, name: str) -> Path:
    path = folder / name
    text, _ = BAD_DATA[name]
    if name == "objects.npy":
        np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    elif name == "words.npy":
        np.save(path, np.array([["1", "2"], ["3", "x"]]))
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("name", sorted(BAD_DATA))
def test_run_refuses_a_data_file_that_is_not_numbers_before_training(
    tmp_path, capsys, no_training, name
):
    data = write_bad_data(tmp_path, name)
    before = snapshot(tmp_path)
    small = ["--epochs", "3", "--M", "6", "--P", "1", "--max-period", "1", "--no-progress"]
    assert main(["run", "--data", str(data), "--out", str(tmp_path / "R"), *small]) == 2
    one_sentence(capsys, "run", str(data), BAD_DATA[name][1])
    assert snapshot(tmp_path) == before  # no report, no R.run, the file as it was


@pytest.mark.parametrize("name", ["objects.npy", "ragged.csv", "semicolons.csv", "strings.csv"])
def test_train_refuses_a_data_file_that_is_not_numbers_before_training(
    tmp_path, capsys, no_training, name
):
    data = write_bad_data(tmp_path, name)
    before = snapshot(tmp_path)
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "run")]) == 2
    one_sentence(capsys, "train", str(data), BAD_DATA[name][1])
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_data_file_that_is_a_pipe_is_refused_without_reading_it(tmp_path, capsys, no_training):
    os.mkfifo(tmp_path / "pipe.npy")  # reading it would block for ever
    assert main(["run", "--data", str(tmp_path / "pipe.npy"), "--out", str(tmp_path / "R")]) == 2
    one_sentence(capsys, "run", "pipe.npy is not a regular file (a folder, pipe or device)")
    assert [p.name for p in tmp_path.iterdir()] == ["pipe.npy"]


def test_run_refuses_data_with_more_columns_than_units_before_training(
    tmp_path, capsys, no_training
):
    data = tmp_path / "wide.npy"
    np.save(data, np.random.default_rng(0).standard_normal((500, 4)))
    before = snapshot(tmp_path)
    argv = ["run", "--data", str(data), "--out", str(tmp_path / "R"), "--M", "3", "--P", "1"]
    assert main(argv) == 2
    one_sentence(capsys, "run", "have N = 4 dimensions, more than M = 3 units")
    assert snapshot(tmp_path) == before


# ---- 2. sweep configurations ----------------------------------------------------------------

BAD_SWEEPS = {
    "broken.toml": ("recipe = \n[base\n", "is not valid TOML: Invalid value (at line 1"),
    "period.toml": (
        'max_period = "x"\n[base]\nsystem="lorenz63"\nepochs=1\n',
        "max_period must be a positive integer, got 'x'",
    ),
    "endless.toml": (
        'max_period = 1\n[base]\nsystem="lorenz63"\nepochs=inf\nM=6\nP=1\n',
        "base: epochs must be an integer, got inf",
    ),
    "float.toml": ("[base]\nM = 6.5\n", "base: M must be an integer, got 6.5"),
    "flag.toml": ("[grid]\nselect_best = [1]\n", "grid: select_best must be true or false"),
    "system.toml": ("[base]\nsystem = 5\n", "base: system must be a string or None, got 5"),
    "negative.toml": ("[grid]\nseed = [0, -1]\n", "grid: seed must be at least 0, got -1"),
    "crossed.toml": ("[base]\nM = 6\n[grid]\nP = [1, 9]\n", "grid point P = 9: P = 9"),
    "repeated.toml": ("[grid]\nP = [1, 1]\n", "grid.P lists 1 more than once"),
    "bad.json": ('{"recipe": ', "is not valid JSON: Expecting value at line 1, column 12"),
    "numbers.json": ('{"recipe": [1, 2]}', "recipe must be one of fast, lorenz63, rossler"),
    "list.json": ("[1, 2, 3]", "a sweep configuration is a table of settings"),
    "base.json": ('{"base": [1, 2], "grid": {"P": [0]}}', "base must be a table of training"),
    "tolerance.json": ('{"tolerance": NaN}', "tolerance must be a finite number ≥ 0, got nan"),
}


@pytest.fixture
def no_runs(monkeypatch):
    """A sweep that fails the test if it starts its runs (instead of running without end)."""
    import pwl_analysis.app.sweep

    def started(*args, **kwargs):
        raise AssertionError("the sweep started its runs")

    monkeypatch.setattr(pwl_analysis.app.sweep, "dask_client", started)


@pytest.mark.parametrize("name", sorted(BAD_SWEEPS))
def test_sweep_refuses_a_bad_configuration_before_any_run(tmp_path, capsys, no_runs, name):
    text, message = BAD_SWEEPS[name]
    (tmp_path / name).write_text(text)
    before = snapshot(tmp_path)
    argv = ["sweep", str(tmp_path / name), "--out", str(tmp_path / "S"), "--workers", "1"]
    assert main([*argv, "--no-progress"]) == 2
    one_sentence(capsys, "sweep", message)
    assert snapshot(tmp_path) == before  # no sweep folder: no run started


def test_sweep_refuses_a_data_file_that_is_not_numbers_before_any_run(tmp_path, capsys, no_runs):
    data = write_bad_data(tmp_path, "strings.csv")
    settings = {"base": {"data_path": str(data), "M": 6}, "grid": {"P": [0, 1]}}
    (tmp_path / "s.json").write_text(json.dumps(settings))
    before = snapshot(tmp_path)
    assert main(["sweep", str(tmp_path / "s.json"), "--out", str(tmp_path / "S")]) == 2
    one_sentence(capsys, "sweep", "grid point P = 0: ", "row 2, column 2 holds 'x'")
    assert snapshot(tmp_path) == before


# ---- 3. boxes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("box", "message"),
    [
        (["0,0", "1,1"], "box lower bound has 2 values; give one (every coordinate) or M = 1"),
        (["0", "1,2,3"], "box upper bound has 3 values"),
        (["nan", "1"], "box lower bound must be finite, got [nan]"),
        (["-1", "inf"], "box upper bound must be finite, got [inf]"),
        (["x", "1"], "--box LOWER must be a number, or numbers separated by commas"),
        (["0", "1;2"], "--box UPPER must be a number, or numbers separated by commas"),
        (["1", "0"], "box lower bound exceeds upper bound in coordinate 0 (1 > 0)"),
    ],
)
@pytest.mark.parametrize(
    "command", ["entropy", "cycles --method admissible-tree", "cycles --method exhaustive"]
)
def test_a_box_that_does_not_fit_the_map_is_refused_before_the_search(
    tmp_path, capsys, monkeypatch, command, box, message
):
    tent_file(tmp_path)
    import pwl_analysis.entropy
    import pwl_analysis.methods.admissible_tree
    import pwl_analysis.methods.exhaustive

    def searched(*args, **kwargs):
        raise AssertionError("the search started")

    for searcher, words in [
        (pwl_analysis.entropy, "word_levels"),
        (pwl_analysis.methods.admissible_tree, "word_levels"),
        (pwl_analysis.methods.exhaustive, "lyndon_words"),
    ]:
        monkeypatch.setattr(searcher, words, searched)  # where each search makes its words
    before = snapshot(tmp_path)
    name, *options = command.split()
    assert main([name, str(tmp_path / "tent.npz"), *options, "--box", *box]) == 2
    one_sentence(capsys, name, message)
    assert snapshot(tmp_path) == before


def test_entropy_in_a_box_no_orbit_stays_in_is_zero_not_a_traceback(tmp_path, capsys):
    # The tent map u ↦ 1/2 − 2|u| sends the point box {0} (on the closure of both regions:
    # two 1-blocks) to 1/2, outside it: no admissible 2-block, so the entropy of what stays in
    # the box is 0 (an empty level was a traceback; found by the CLI fuzz).
    tent_file(tmp_path)
    assert main(["entropy", str(tmp_path / "tent.npz"), "--box", "0", "0", "--json"]) == 0
    bounds = json.loads(capsys.readouterr().out)
    assert bounds["upper"] == 0.0 and bounds["word_counts"][:2] == [2, 0]


def test_a_zero_width_box_pins_the_coordinate():
    from pwl_analysis import PWLMap
    from pwl_analysis.transitions import check_box

    plane = PWLMap.from_alrnn([0.5, 0.5], [[0.0, 0.0], [0.0, 0.0]], [0.0, 0.0], P=1)
    lower, upper = check_box(plane, ([0.0, -1.0], [0.0, 1.0]))
    assert lower.tolist() == [0.0, -1.0] and upper.tolist() == [0.0, 1.0]


# ---- 4. resuming a run whose stored configuration was changed -------------------------------


@pytest.fixture
def stopped_run(tmp_path):
    """A run folder ``R.run`` of M = 6, P = 1 on a 3-column file, as training leaves it.

    Written without training: the state's weights have the shapes an AL-RNN of M = 6 units
    on N = 3 data dimensions has (what :func:`training.checkpoint.check_state` compares).
    """
    from training import checkpoint
    from training.config import TrainConfig

    data = tmp_path / "series.npy"
    np.save(data, np.random.default_rng(0).standard_normal((1000, 3)))
    folder = tmp_path / "R.run"
    folder.mkdir()
    config = TrainConfig(system=None, data_path=str(data), M=6, P=1, epochs=4)
    (folder / checkpoint.CONFIG).write_text(json.dumps(config.to_dict()))
    weights = {"A": np.zeros(6), "W": np.zeros((6, 6)), "h": np.zeros(6), "B": np.zeros((3, 6))}
    state = checkpoint.TrainingState(
        weights=weights, optimizer={}, epoch=1, step=50, rng_state={}, losses=np.ones(1),
        wall_time=1.0,
    )  # fmt: skip
    checkpoint.save_state(folder, state, config.P, np.zeros(3), np.ones(3))
    return folder


def change_config(folder: Path, **changes) -> None:
    path = folder / "config.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | changes))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"epochs": "3"}, "config.json is not a valid training configuration: epochs must be an "
                          "integer, got '3'"),
        ({"noise": None}, "noise must be a finite number, got None"),
        ({"M": 8}, "checkpoint.npz no longer matches its configuration: it was trained with "
                   "M = 6 units, but config.json says M = 8"),
        ({"P": 2}, "it was trained with P = 1, but config.json says P = 2"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["train", "run"])
def test_resume_refuses_a_stored_config_that_is_wrong_or_no_longer_matches_its_checkpoint(
    stopped_run, capsys, no_training, command, changes, message
):
    change_config(stopped_run, **changes)
    before = snapshot(stopped_run.parent)
    if command == "train":
        argv = ["train", "--resume", str(stopped_run), "--no-progress"]
    else:
        argv = ["run", "--out", str(stopped_run.with_suffix("")), "--resume", "--no-progress"]
    assert main(argv) == 2
    one_sentence(capsys, command, str(stopped_run), message)
    assert snapshot(stopped_run.parent) == before


def test_resume_refuses_data_whose_columns_changed(stopped_run, capsys, no_training):
    np.save(stopped_run.parent / "series.npy", np.random.default_rng(1).normal(size=(1000, 4)))
    before = snapshot(stopped_run.parent)
    assert main(["train", "--resume", str(stopped_run), "--no-progress"]) == 2
    one_sentence(capsys, "train", "trained on 3 data dimensions, the data now have 4")
    assert snapshot(stopped_run.parent) == before


def test_training_resumed_in_python_checks_the_checkpoint_before_the_first_step(stopped_run):
    pytest.importorskip("torch")
    from pwl_analysis.errors import UserInputError
    from training import TrainConfig, train

    config = TrainConfig.from_dict(json.loads((stopped_run / "config.json").read_text()))
    before = snapshot(stopped_run)
    message = r"trained with M = 6 units, but config\.json says M = 7"
    with pytest.raises(UserInputError, match=message):
        train(config.replace(M=7), stopped_run, progress=False, resume=True)
    assert snapshot(stopped_run) == before


# ---- 5. training options out of range -------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--epochs", "0"], "epochs must be at least 1, got 0"),
        (["--M", "0"], "M must be at least 1, got 0"),
        (["--M", "6", "--P", "7"], "P = 7 piecewise-linear units must be between 0 and M = 6"),
        (["--seed", "-1"], "seed must be at least 0, got -1"),
        (["--M", "2"], "the data lorenz63 have N = 3 dimensions, more than M = 2 units"),
    ],
)
def test_run_refuses_training_options_out_of_range_before_training(
    tmp_path, capsys, no_training, options, message
):
    assert main(["run", "lorenz63", "--out", str(tmp_path / "R"), *options]) == 2
    one_sentence(capsys, "run", message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--lr-start", "nan"], "lr_start must be a finite number, got nan"),
        (["--noise", "inf"], "noise must be a finite number, got inf"),
        (["--test-fraction", "1"], "test_fraction must be in [0, 1), got 1.0"),
        (["--dt", "0"], "dt must be positive, got 0.0"),
        (["--length", "1"], "length must be at least 2, got 1"),
        (["--length", "100"], "the training part of lorenz63 has 80 points, fewer than seq_len"),
        (["--eval-every", "-1"], "eval_every must be at least 0, got -1"),
        (["--tau", "0"], "forcing interval τ must be a positive integer, got 0"),
    ],
)
def test_train_refuses_training_options_out_of_range_before_training(
    tmp_path, capsys, no_training, options, message
):
    argv = ["train", "--system", "lorenz63", "--out", str(tmp_path / "run"), *options]
    assert main(argv) == 2
    one_sentence(capsys, "train", message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("epochs", float("inf"), "epochs must be an integer, got inf"),
        ("epochs", 3.0, "epochs must be an integer, got 3.0"),
        ("epochs", True, "epochs must be an integer, got True"),
        ("M", "20", "M must be an integer, got '20'"),
        ("lr_end", float("nan"), "lr_end must be a finite number, got nan"),
        ("select_lambda", 1, "select_lambda must be true or false, got 1"),
        ("data_path", 3, "data_path must be a string or None, got 3"),
        ("system", "lorenz", "system must be one of lorenz63, rossler, ecg, got 'lorenz'"),
    ],
)
def test_every_training_option_is_type_checked(name, value, message):
    from pwl_analysis.errors import UserInputError
    from training.config import TrainConfig

    changes = {name: value} | ({"system": None} if name == "data_path" else {})
    with pytest.raises(UserInputError) as error:
        TrainConfig(**changes)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--M", str(10**30)], "M = 1000000000000000000000000000000 units make M² = 1e+60"),
        (["--M", "10001"], "M = 10001 units make M² = 1e+08 weights, more than 1e+08 floats"),
        (["--batch-size", str(10**11)], "one batch holds batch_size × (seq_len + 1) × (M + P"),
    ],
)
def test_a_model_or_batch_too_large_for_memory_is_refused_before_training(
    tmp_path, capsys, no_training, options, message
):
    argv = ["train", "--system", "lorenz63", "--out", str(tmp_path / "run"), *options]
    assert main(argv) == 2
    one_sentence(capsys, "train", message)
    assert list(tmp_path.iterdir()) == []


def test_training_options_are_held_as_python_numbers():
    from training.config import TrainConfig

    config = TrainConfig(epochs=np.int64(3), lr_start=1, data_path=Path("x.npy"), system=None)
    assert type(config.epochs) is int and type(config.lr_start) is float
    assert config.data_path == "x.npy"
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


# ---- 6. analyze-many's options, before any model is read -----------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--max-period", "0"], "max_period must be a positive integer, got 0"),
        (["--P", "-1"], "P must be a non-negative integer, got -1"),
        (["--max-period", "5000"], "lower --max-period to 1000"),
    ],
)
def test_analyze_many_refuses_options_before_reading_any_model(
    tmp_path, capsys, monkeypatch, options, message
):
    import pwl_analysis.app.batch

    def started(*args, **kwargs):
        raise AssertionError("a model was analysed")

    monkeypatch.setattr(pwl_analysis.app.batch, "dask_client", started)
    tent_file(tmp_path)
    before = snapshot(tmp_path)
    out = tmp_path / "reports"
    assert main(["analyze-many", str(tmp_path), "--out", str(out), *options]) == 2
    one_sentence(capsys, "analyze-many", message)
    assert snapshot(tmp_path) == before and not out.exists()
