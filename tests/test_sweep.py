"""Sweeps on a real two-worker Dask LocalCluster with real (tiny) training runs.

One cluster is shared by the module; each run trains an M = 6 AL-RNN for 3 × 5 steps on a short
Lorenz-63 series simulated once for the module (a few seconds per run, most of it the final
metrics).
"""

import csv
import hashlib
import json
import os
import shutil
import signal
import threading
import time

import numpy as np
import pytest

from pwl_analysis import load_model
from pwl_analysis.app.cli import main
from pwl_analysis.app.sweep import SweepConfig, sweep

from systems import reference_file

pytest.importorskip("torch")

TINY = {
    "M": 6, "epochs": 3, "batches_per_epoch": 5, "batch_size": 8, "seq_len": 30,
    "eval_every": 0, "test_steps": 500,
}  # fmt: skip
#: A learning rate whose first steps make the loss NaN: a run that fails while training
#: (the options themselves are valid, so the sweep starts).
DIVERGES = 1e4


@pytest.fixture(scope="module")
def scheduler():
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def lorenz(tmp_path_factory) -> str:
    from training.data import simulate

    path = tmp_path_factory.mktemp("data") / "lorenz63.npy"
    np.save(path, simulate("lorenz63", 2000))
    return str(path)


def tiny(grid: dict, data_path: str = "lorenz.npy", **base) -> SweepConfig:
    options = TINY | {"data_path": data_path} | base
    return SweepConfig(base=options, grid=grid, max_period=2, free_run_steps=500)


def read_table(path) -> list[dict]:
    with open(path) as file:
        return list(csv.DictReader(file))


def stamps(out) -> dict[str, int]:
    """Modification time of each finished run's row: unchanged iff the run was not redone."""
    return {p.parent.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*/row.json")}


# ---- the grid, no cluster ------------------------------------------------------------------


def test_grid_expands_to_every_combination_with_stable_ids():
    config = tiny({"P": [0, 1, 2], "seed": [0, 1]})
    runs = config.runs()
    assert [(r.options["P"], r.options["seed"]) for r in runs] == [
        (P, seed) for P in (0, 1, 2) for seed in (0, 1)
    ]
    assert len({r.run_id for r in runs}) == 6
    text = json.dumps({"recipe": "fast", "options": runs[0].options}, sort_keys=True)
    assert runs[0].run_id == hashlib.sha256(text.encode()).hexdigest()[:12]
    assert runs[0].name == f"P0-seed0-{runs[0].run_id}"
    reordered = SweepConfig(base=dict(reversed(config.base.items())), grid={"seed": [0], "P": [0]})
    assert reordered.runs()[0].run_id == runs[0].run_id  # the id ignores option order


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"grid": {"Q": [1]}}, "unknown training option"),
        ({"grid": {"P": 2}}, "grid.P must be a non-empty list"),
        ({"base": {"P": 1}, "grid": {"P": [2]}}, "both in base and grid"),
        ({"recipe": "fastest"}, "recipe must be one of"),
        ({"max_period": 0}, "max_period"),
        ({"grid": {"P": [0, 9]}, "base": {"M": 6}}, "grid point P = 9: P = 9 piecewise-linear"),
    ],
)
def test_bad_sweep_configurations_name_the_problem(settings, message):
    with pytest.raises(ValueError, match=message):
        SweepConfig.from_dict(settings)


def test_configuration_files(tmp_path):
    (tmp_path / "s.toml").write_text('recipe = "fast"\n[grid]\nP = [0, 1]\n')
    (tmp_path / "s.json").write_text(json.dumps({"grid": {"P": [0, 1]}, "extra": 1}))
    assert len(SweepConfig.from_file(tmp_path / "s.toml").runs()) == 2
    with pytest.raises(ValueError, match="unknown sweep setting"):
        SweepConfig.from_file(tmp_path / "s.json")
    with pytest.raises(FileNotFoundError):
        SweepConfig.from_file(tmp_path / "missing.toml")


# ---- sweeps on the cluster -----------------------------------------------------------------


def test_sweep_table_records_every_run_and_a_failing_one(tmp_path, scheduler, lorenz):
    out = tmp_path / "sweep"
    config = tiny({"lr_start": [5e-3, DIVERGES], "P": [0, 2], "seed": [0, 1]}, lorenz)
    result = sweep(config, out, scheduler, progress=False)
    rows = read_table(out / "results.csv")
    assert [(float(r["lr_start"]), int(r["P"]), int(r["seed"])) for r in rows] == [
        (lr, P, s) for lr in (5e-3, DIVERGES) for P in (0, 2) for s in (0, 1)
    ]
    assert [r["status"] for r in rows] == ["ok"] * 4 + ["failed"] * 4
    for row in rows[4:]:  # the loss becomes NaN: the run fails, the sweep goes on
        assert "loss became nan" in row["error"] and "\n" not in row["error"]
        assert "Traceback" in (out / row["traceback"]).read_text()
    for row in rows[:4]:
        folder = out / "runs" / row["run"]
        m = load_model(folder)
        metrics = json.loads((folder / "metrics.json").read_text())["metrics"]
        assert m.P == int(row["P"]) and float(row["D_stsp"]) == metrics["D_stsp"]["value"]
        assert 1 <= int(row["regions_visited"]) <= 2 ** int(row["P"])
        assert float(row["wall_time_s"]) > float(row["train_time_s"]) > 0
    # P = 0 is one affine map: at most one isolated fixed point and a one-node graph
    assert all(r["regions_visited"] == "1" and r["topological_entropy"] == "0.0" for r in rows[:2])
    assert all(int(r["fixed_points"]) <= 1 for r in rows[:2])
    assert result.executed == 8 and result.failed == 4
    assert set(result.minimal_P) == {"lr_start=0.005"}  # no group of the diverged runs
    assert (out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((out / "runs").glob(".tmp-*"))

    before = stamps(out)
    again = sweep(config, out, scheduler, progress=False)
    assert again.executed == 4  # only the failed runs are retried
    assert stamps(out) == before
    # rows compared as JSON text: a run that ends on a fixed point has D_H = NaN (a constant
    # series has no spectrum), and NaN != NaN
    assert json.dumps(again.rows, default=str) == json.dumps(
        result.rows[:4] + again.rows[4:], default=str
    )


def test_killed_worker_loses_nothing_and_rerun_does_nothing_twice(tmp_path, scheduler, lorenz):
    from dask.distributed import Client

    config = tiny({"P": [1, 2]}, lorenz, epochs=6)
    out = tmp_path / "sweep"
    killed = []

    def kill_a_busy_worker():
        with Client(scheduler) as client:
            while not killed:
                busy = [w for w, tasks in client.processing().items() if tasks]
                if busy and (out / "runs").exists() and list((out / "runs").glob(".tmp-*")):
                    pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    result = sweep(config, out, scheduler, progress=False)
    killer.join(timeout=30)
    assert killed, "no worker was killed mid-run"
    assert result.failed == 0 and len(result.rows) == 2  # dask re-ran the lost task elsewhere
    before = stamps(out)
    again = sweep(config, out, scheduler, progress=False)
    assert again.executed == 0 and stamps(out) == before and again.rows == result.rows


def test_interrupted_sweep_continues_where_it_stopped(tmp_path, scheduler, lorenz, monkeypatch):
    import pwl_analysis.app.sweep as module

    config = tiny({"P": [1, 2, 3]}, lorenz)
    out = tmp_path / "sweep"
    write_table = module.write_table

    def ctrl_c_after_one_run(path, rows):
        write_table(path, rows)
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "write_table", ctrl_c_after_one_run)
    with pytest.raises(KeyboardInterrupt):
        sweep(config, out, scheduler, progress=False)
    monkeypatch.setattr(module, "write_table", write_table)
    assert len(read_table(out / "results.csv")) == 1  # the table kept what had finished
    _wait_for_cancelled_runs(out / "runs")
    before = stamps(out)
    again = sweep(config, out, scheduler, progress=False)
    assert again.executed == 3 - len(before) and again.failed == 0
    assert {k: v for k, v in stamps(out).items() if k in before} == before
    assert len(read_table(out / "results.csv")) == 3


def _wait_for_cancelled_runs(runs, timeout: float = 60.0) -> None:
    """A cancelled task already running finishes on its worker; let it land first."""
    deadline = time.monotonic() + timeout
    while list(runs.glob(".tmp-*")) and time.monotonic() < deadline:
        time.sleep(0.1)


def test_cli_sweep_and_analyze_many(tmp_path, scheduler, lorenz, capsys):
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps(tiny({"P": [1]}, lorenz).to_dict()))
    out = tmp_path / "sweep"
    argv = ["sweep", str(config), "--scheduler", scheduler, "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    assert "minimal P: 1 (all)" in capsys.readouterr().out
    models = tmp_path / "models"
    shutil.copytree(out / "runs", models / "runs")
    np.savez(models / "tent.npz", A=[2.0], W=[[-4.0]], h=[0.5], P=1)
    (models / "broken.npz").write_bytes(b"not an archive")
    argv = ["analyze-many", str(models), "--max-period", "2", "--scheduler", scheduler]
    assert main([*argv, "--no-progress"]) == 0
    rows = {r["model"].rsplit("/", 1)[-1]: r for r in read_table(models / "analysis/analysis.csv")}
    assert len(rows) == 3
    tent = rows["tent.npz"]  # fixed points −1/2 and 1/6, the 2-cycle {−1/10, 3/10}
    assert (tent["fixed_points"], tent["cycles"], tent["status"]) == ("2", "1", "ok")
    assert (models / "analysis/tent.npz/analysis.json").exists()
    assert rows["broken.npz"]["status"] == "failed" and "ModelError" in rows["broken.npz"]["error"]


def test_analyze_many_reads_official_checkpoints(tmp_path, scheduler):
    from pwl_analysis.app.batch import analyze_many

    shutil.copy(reference_file("lorenz_m20_p2.pt"), tmp_path)
    result = analyze_many(tmp_path, P=2, max_period=1, scheduler=scheduler, progress=False)
    (row,) = result.rows
    # the cycles CLI test finds 4 fixed points in this model (tests/test_cli.py)
    assert row["status"] == "ok" and row["fixed_points"] == 4 and row["M"] == 20
    record = json.loads((tmp_path / "analysis/lorenz_m20_p2.pt/analysis.json").read_text())
    assert len(record["cycles"]["cycles"]) == 4


def test_cli_reports_bad_sweep_input_in_one_sentence(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "missing.toml")]) == 2
    (tmp_path / "typo.toml").write_text("[grid]\nPP = [1, 2]\n")
    assert main(["sweep", str(tmp_path / "typo.toml")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("pwl-analysis sweep: error: no sweep configuration")
    assert err[1] == "pwl-analysis sweep: error: unknown training option(s) in the sweep: PP"


def test_a_sweep_with_failed_runs_exits_nonzero_after_writing_its_table(
    tmp_path, scheduler, lorenz, capsys
):
    config = tmp_path / "bad.json"
    diverging = tiny({"seed": [0, 1]}, lorenz, lr_start=DIVERGES)  # both fail
    config.write_text(json.dumps(diverging.to_dict()))
    out = tmp_path / "sweep"
    argv = ["sweep", str(config), "--scheduler", scheduler, "--out", str(out), "--no-progress"]
    assert main(argv) == 1
    assert [row["status"] for row in read_table(out / "results.csv")] == ["failed", "failed"]
    assert "2 of 2 runs failed" in capsys.readouterr().err
