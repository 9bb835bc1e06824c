"""Training runs end to end on a small Lorenz series: loss, checkpoints, resume, bad input."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from pwl_analysis import load_model  # noqa: E402
from pwl_analysis.app.cli import main  # noqa: E402
from training import (  # noqa: E402  # noqa: E402
    DataError,
    DivergenceError,
    TrainConfig,
    checkpoint,
    load_series,
    loop,
    resume,
    train,
)
from training.data import simulate  # noqa: E402


@pytest.fixture(scope="module")
def lorenz_file(tmp_path_factory):
    """3,000 raw Lorenz-63 samples at dt = 0.01 as an .npy file."""
    path = tmp_path_factory.mktemp("data") / "lorenz.npy"
    np.save(path, simulate("lorenz63", 3000))
    return path


def _config(path, **changes) -> TrainConfig:
    small = dict(
        system=None, data_path=str(path), M=8, P=2, epochs=6, batches_per_epoch=10,
        batch_size=16, seq_len=40, lr_start=5e-3, lr_end=1e-3, forcing_interval=8,
        eval_every=3, eval_steps=500, test_steps=600, checkpoint_every=2,
    )  # fmt: skip
    return TrainConfig(**(small | changes))


def test_short_training_lowers_loss_and_free_run_stays_bounded(lorenz_file, tmp_path):
    config = _config(lorenz_file, epochs=10, batches_per_epoch=20, lr_start=1e-2)
    result = train(config, tmp_path / "run", progress=False)
    assert result.losses[-1] < 0.5 * result.losses[0]
    m = result.pwl_map()
    x0 = np.zeros(m.M)
    x0[:3] = load_series(lorenz_file, test_fraction=0.2).test[0]
    free = m.trajectory(x0, 5000)
    assert np.all(np.isfinite(free)) and np.abs(free[:, :3]).max() < 10  # z-scored data
    for name in ("config.json", "model.npz", "checkpoint.npz", "metrics.json", "loss.png"):
        assert (tmp_path / "run" / name).exists()
    stored = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert stored["metrics"]["D_stsp"]["settings"]["n_bins"] == 30
    d_h = stored["metrics"]["D_H"]  # five held-out free runs of test_steps (600) each
    assert {k: d_h["settings"][k] for k in ("sigma", "window", "n_runs", "steps")} == {
        "sigma": 20.0,
        "window": 300,
        "n_runs": 5,
        "steps": 600,
    }
    assert d_h["settings"]["min"] <= d_h["value"] <= d_h["settings"]["max"]


def test_run_folder_model_is_the_trained_map(lorenz_file, tmp_path):
    train(_config(lorenz_file, epochs=2), tmp_path, progress=False)
    state = checkpoint.load_state(tmp_path)
    m = load_model(tmp_path)
    np.testing.assert_array_equal(np.diag(m.A), state.exported_weights["A"])
    np.testing.assert_array_equal(m.W, state.exported_weights["W"])
    stored = checkpoint.read_npz(tmp_path / "model.npz")
    assert (int(stored["M"]), int(stored["P"]), int(stored["N"])) == (8, 2, 3)
    series = load_series(lorenz_file)
    np.testing.assert_array_equal(stored["data_mean"], series.mean)
    np.testing.assert_array_equal(stored["data_std"], series.std)


def test_checkpoint_round_trips_exactly(tmp_path):
    rng = np.random.default_rng(0)
    state = checkpoint.TrainingState(
        weights={"A": rng.normal(size=4), "W": rng.normal(size=(4, 4)), "h": rng.normal(size=4),
                 "B": rng.normal(size=(2, 4))},
        optimizer={"A.exp_avg": rng.normal(size=4).astype(np.float32), "A.step": np.array(3.0)},
        epoch=7, step=70, rng_state=np.random.default_rng(5).bit_generator.state,
        losses=rng.random(7), wall_time=1.25, history=({"epoch": 5, "D_stsp": 1.5, "D_H": 0.1},),
        best_weights={"A": rng.normal(size=4), "W": rng.normal(size=(4, 4)),
                      "h": rng.normal(size=4), "B": rng.normal(size=(2, 4))},
        best_epoch=5, best_score=1.5,
        candidates={5: {"A": rng.normal(size=4), "W": rng.normal(size=(4, 4))},
                    12: {"A": rng.normal(size=4), "W": rng.normal(size=(4, 4))}},
    )  # fmt: skip
    checkpoint.save_state(tmp_path, state, P=1, data_mean=np.zeros(2), data_std=np.ones(2))
    loaded = checkpoint.load_state(tmp_path)
    for group in ("weights", "optimizer", "best_weights"):
        original, back = getattr(state, group), getattr(loaded, group)
        assert original.keys() == back.keys()
        for key in original:
            np.testing.assert_array_equal(back[key], original[key])
            assert back[key].dtype == original[key].dtype
    np.testing.assert_array_equal(loaded.losses, state.losses)
    assert (loaded.epoch, loaded.step, loaded.wall_time) == (7, 70, 1.25)
    assert loaded.rng_state == state.rng_state and loaded.history == state.history
    assert (loaded.best_epoch, loaded.best_score) == (5, 1.5)
    assert loaded.candidates.keys() == {5, 12}
    for epoch, weights in state.candidates.items():
        for key, value in weights.items():
            np.testing.assert_array_equal(loaded.candidates[epoch][key], value)
    exported = checkpoint.read_npz(tmp_path / "model.npz")
    np.testing.assert_array_equal(exported["W"], state.best_weights["W"])  # the selected epoch


def test_select_epoch_keeps_the_near_best_and_matches_the_data_lambda():
    history = [
        {"epoch": 3, "D_stsp_worst": float("nan")},  # diverged: no score
        {"epoch": 6, "D_stsp_worst": 2.0},  # the best; its λ_max unknown
        {"epoch": 9, "D_stsp_worst": 2.3},
        {"epoch": 12, "D_stsp_worst": 2.4},  # 2.4 = 1.2 × 2.0: still near
        {"epoch": 15, "D_stsp_worst": 2.5},  # the data's λ_max, but too far off in D_stsp
    ]
    lambdas = {6: float("nan"), 9: 0.020, 12: 0.011, 15: 0.010}
    # no near-best λ_max within 5 % of 0.010: the nearest one, epoch 12 (10 % off)
    assert loop.select_epoch(history, 0.2, 0.010, lambdas) == (12, [6, 9, 12])
    assert loop.select_epoch(history, 0.2) == (6, [6, 9, 12])
    assert loop.select_epoch(history, 0.0, 0.010, lambdas) == (6, [6])
    assert loop.select_epoch(history[:1], 0.2, 0.010, lambdas) == (None, [])
    # within the band D_stsp decides: 9 and 12 both agree within 15 %, 9 has the lower score
    agreeing = {9: 0.0088, 12: 0.0101}
    assert loop.select_epoch(history, 0.2, 0.010, agreeing, band=0.15) == (9, [6, 9, 12])
    assert loop.select_epoch(history, 0.2, 0.010, agreeing, band=0.05) == (12, [6, 9, 12])


def test_selection_by_lambda_exports_a_kept_near_best_epoch(lorenz_file, tmp_path):
    # The exported weights are the chosen epoch's, kept among the near-best candidates of
    # the checkpoint, and metrics.json says how it was chosen: the near-best epochs' λ_max
    # against the data's; without selection by λ_max the run exports its lowest D_stsp.
    config = _config(lorenz_file, eval_every=1, select_tolerance=10.0)
    result = train(config, tmp_path, progress=False)
    selection = json.loads((tmp_path / "metrics.json").read_text())["selection"]
    progress = json.loads((tmp_path / "metrics.json").read_text())["progress"]
    data = selection["data_lambda_max_per_step"]
    assert data > 0  # chaotic data (from 2,400 samples only a rough estimate of 0.00906)
    lambdas = {int(e): v for e, v in selection["near_best_lambda_max_per_step"].items()}
    state = checkpoint.load_state(tmp_path)
    assert sorted(state.candidates) == selection["near_best_epochs"]
    # λ_max is computed in order of D_stsp until one agrees with the data's within the band
    assert lambdas and set(lambdas) <= set(state.candidates)
    scores = {h["epoch"]: h["D_stsp_worst"] for h in progress}
    order = sorted(state.candidates, key=lambda e: (scores[e], e))
    assert list(lambdas) == order[: len(lambdas)]
    agree = [abs(v - data) <= config.select_band * data for v in lambdas.values()]
    assert not any(agree[:-1]) and (agree[-1] or len(lambdas) == len(order))
    chosen, near = loop.select_epoch(progress, 10.0, data, lambdas, config.select_band)
    assert result.selected_epoch == chosen == state.best_epoch and near == sorted(state.candidates)
    np.testing.assert_array_equal(load_model(tmp_path).W, state.candidates[chosen]["W"])
    plain = train(config.replace(select_lambda=False), tmp_path / "plain", progress=False)
    stored = json.loads((tmp_path / "plain" / "metrics.json").read_text())["selection"]
    assert stored["data_lambda_max_per_step"] is None and stored["tolerance"] == 0.0
    assert plain.selected_epoch == min(progress, key=lambda h: h["D_stsp_worst"])["epoch"]


def test_mostly_diverging_evaluations_are_reported(lorenz_file, tmp_path, monkeypatch):
    # Free runs that diverge give no D_stsp; when most evaluations have one, the export is
    # chosen from the rest and the run says so (a Rössler seed ended like this).
    measured = loop._progress_metrics

    def diverging_after_epoch_1(model, series, config):
        metrics = measured(model, series, config)
        epoch = len(loop_calls) + 1
        loop_calls.append(epoch)
        if epoch > 1:
            metrics |= {"D_stsp": float("nan"), "D_stsp_worst": float("nan")}
        return metrics

    loop_calls: list[int] = []
    monkeypatch.setattr(loop, "_progress_metrics", diverging_after_epoch_1)
    with pytest.warns(UserWarning, match="5 of 6 evaluations had a free run .* diverges"):
        result = train(_config(lorenz_file, eval_every=1), tmp_path, progress=False)
    selection = json.loads((tmp_path / "metrics.json").read_text())["selection"]
    assert selection["evaluations_diverged"] == [2, 3, 4, 5, 6]
    assert result.selected_epoch == 1


def test_interrupt_keeps_checkpoint_and_resume_continues_exactly(
    lorenz_file, tmp_path, monkeypatch
):
    config = _config(lorenz_file)
    straight = train(config, tmp_path / "straight", progress=False)

    real_epoch, calls = loop._run_epoch, []

    def interrupted_epoch(*args):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real_epoch(*args)

    monkeypatch.setattr(loop, "_run_epoch", interrupted_epoch)
    with pytest.raises(KeyboardInterrupt):
        train(config, tmp_path / "stopped", progress=False)
    assert checkpoint.load_state(tmp_path / "stopped").epoch == 3  # last completed epoch
    monkeypatch.setattr(loop, "_run_epoch", real_epoch)
    resumed = resume(tmp_path / "stopped", progress=False)
    assert resumed.epochs == straight.epochs
    np.testing.assert_array_equal(resumed.losses, straight.losses)
    np.testing.assert_array_equal(resumed.pwl_map().W, straight.pwl_map().W)


def test_nan_loss_stops_and_keeps_last_good_checkpoint(lorenz_file, tmp_path):
    config = _config(lorenz_file, lr_start=50.0, lr_end=50.0, epochs=30, checkpoint_every=1)
    with pytest.raises(DivergenceError, match="kept the checkpoint of epoch"):
        train(config, tmp_path, progress=False)
    state = checkpoint.load_state(tmp_path)
    assert state.epoch < 30
    assert all(np.all(np.isfinite(v)) for v in state.weights.values())
    assert np.all(np.isfinite(load_model(tmp_path).W))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (lambda x: np.where(np.arange(len(x))[:, None] == 100, np.nan, x), "NaN"),
        (lambda x: np.column_stack([x, np.full(len(x), 2.0)]), "constant column"),
        (lambda x: x[:40], "fewer than seq_len"),
        (lambda x: np.tile(x, 4), "more than M"),
    ],
)
def test_bad_data_fails_before_training(lorenz_file, tmp_path, data, message):
    path = tmp_path / "bad.npy"
    np.save(path, data(np.load(lorenz_file)))
    with pytest.raises(DataError, match=message):
        train(_config(path), tmp_path / "run", progress=False)
    assert not (tmp_path / "run").exists()


def test_bad_options_fail_before_training():
    with pytest.raises(ValueError, match="P = 5"):
        TrainConfig(M=4, P=5)
    with pytest.raises(ValueError, match="α"):
        TrainConfig(alpha=1.5)


def test_existing_run_is_not_overwritten(lorenz_file, tmp_path):
    train(_config(lorenz_file, epochs=1), tmp_path, progress=False)
    before = (tmp_path / "model.npz").read_bytes()
    with pytest.raises(FileExistsError, match="already holds a training run"):
        train(_config(lorenz_file, epochs=1, seed=1), tmp_path, progress=False)
    assert (tmp_path / "model.npz").read_bytes() == before


def test_csv_with_header_reads_like_npy(lorenz_file, tmp_path):
    x = np.load(lorenz_file)
    np.savetxt(tmp_path / "x.csv", x, delimiter=",", header="x,y,z", comments="")
    np.testing.assert_allclose(
        load_series(tmp_path / "x.csv").train, load_series(lorenz_file).train
    )


def test_cli_trains_and_reports_bad_input(lorenz_file, tmp_path, capsys):
    run = tmp_path / "run"
    argv = ["train", "--data", str(lorenz_file), "--out", str(run), "--M", "6", "--epochs", "2"]
    argv += ["--batches-per-epoch", "5", "--seq-len", "40", "--eval-every", "0", "--no-progress"]
    assert main(argv) == 0
    assert load_model(run).M == 6
    assert main(argv) == 2
    assert "already holds a training run" in capsys.readouterr().err
    assert main(["train", "--data", str(lorenz_file), "--out", str(tmp_path / "r2"), "--P", "30",
                 "--no-progress"]) == 2  # fmt: skip
    assert "P = 30" in capsys.readouterr().err
    assert main(["train", "--resume", str(run), "--epochs", "5", "--no-progress"]) == 2
    assert "stored options" in capsys.readouterr().err
