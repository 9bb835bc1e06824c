"""File-system faults and special files: one sentence, exit status 2, nothing lost (issue 28).

The faults are injected by replacing the system call that meets them (``os.fsync`` for a full
disk, ``os.rename`` for a mount point, ``os.access``/``os.statvfs`` for a read-only folder), so
the tests run anywhere, as root in CI too, where permissions do not bite.  Names too long and
names that are not UTF-8 are real.
"""

import errno
import os
import signal
import types
from pathlib import Path

import pytest

from pwl_analysis import _atomic, load_model
from pwl_analysis._filesystem import FileSystemFault
from pwl_analysis.app.cli import main
from pwl_analysis.loading import read_state_dict
from pwl_analysis.pwl_map import ModelError

from cli_checks import snapshot
from systems import tent_file

TINY = ["--epochs", "1", "--M", "6", "--P", "1", "--max-period", "2", "--no-progress"]
TINY += ["--evaluation-steps", "2000"]


def full_disk(fd):
    raise OSError(errno.ENOSPC, "No space left on device")


def one_line(capsys) -> str:
    """The one error line on stderr, its last line (after any progress bars of ``analyze``)."""
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("pwl-analysis")]
    assert "Traceback" not in err and len(errors) == 1, err
    assert err.endswith(errors[0] + "\n") and ": error: " in errors[0], err
    return errors[0]


@pytest.fixture
def deadline():
    """Fail a test that blocks (a named pipe opened) instead of hanging the suite."""

    def blocked(signum, frame):
        raise TimeoutError("blocked for 20 s: a special file was opened")

    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# ---- the atomic writer ---------------------------------------------------------------------


def test_a_full_disk_leaves_the_old_file_byte_for_byte_and_no_temporary(tmp_path, monkeypatch):
    (tmp_path / "f.json").write_bytes(b"old")
    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(FileSystemFault, match=r"the disk is full; f\.json is unchanged"):
        _atomic.write_atomically(tmp_path / "f.json", "new")
    assert snapshot(tmp_path) == {"f.json": b"old"}


def test_a_name_too_long_for_the_file_system_is_one_sentence_and_one_that_fits_is_written(
    tmp_path,
):
    with pytest.raises(FileSystemFault, match="a name is too long for the file system"):
        _atomic.write_atomically(tmp_path / ("x" * 300), "text")
    fits = tmp_path / ("y" * 250)  # fits NAME_MAX = 255, its temporary name must fit too
    _atomic.write_atomically(fits, "text")
    assert snapshot(tmp_path) == {fits.name: b"text"}


def test_text_naming_an_undecodable_file_is_written_with_its_bytes_escaped(tmp_path):
    # A data file named b"d\xff.csv" reaches the report as "d\udcff.csv" (os.fsdecode).
    _atomic.write_atomically(tmp_path / "report.md", "data: " + os.fsdecode(b"d\xff.csv"))
    assert (tmp_path / "report.md").read_bytes() == b"data: d\\xff.csv"


# ---- analyze -------------------------------------------------------------------------------


def test_analyze_on_a_full_disk_leaves_the_output_folder_as_it_was(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "analysis.json").write_text("earlier analysis")
    (out / "notes.txt").write_text("mine")
    before = snapshot(out)
    model = tent_file(tmp_path)
    monkeypatch.setattr(os, "fsync", full_disk)
    assert main(["analyze", str(model), "--out", str(out), "--max-period", "2"]) == 2
    err = one_line(capsys)
    assert f"cannot write {out}: the disk is full" in err and f"{out} is as it was" in err
    assert snapshot(out) == before  # no staging folder, no temporary file left either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "tent.npz"]


def test_analyze_on_a_full_disk_into_a_new_folder_leaves_nothing(tmp_path, capsys, monkeypatch):
    model = tent_file(tmp_path)
    monkeypatch.setattr(os, "fsync", full_disk)
    assert main(["analyze", str(model), "--out", str(tmp_path / "new"), "--max-period", "2"]) == 2
    assert "the disk is full" in one_line(capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["tent.npz"]


def test_analyze_into_a_mount_point_renames_only_inside_it(tmp_path, capsys, monkeypatch):
    # A mount point: any rename into or out of ``out`` crosses file systems (EXDEV), as when
    # ``out`` is a mounted volume and its parent another; the report must be staged inside.
    out = tmp_path / "volume"
    out.mkdir()
    model = tent_file(tmp_path)

    def crossing(real):
        def move(source, target, *args, **kwargs):
            inside = (out in Path(source).parents, out in Path(target).parents)
            if inside[0] != inside[1]:
                raise OSError(errno.EXDEV, "Invalid cross-device link", str(source))
            return real(source, target, *args, **kwargs)

        return move

    monkeypatch.setattr(os, "replace", crossing(os.replace))
    monkeypatch.setattr(os, "rename", crossing(os.rename))
    monkeypatch.setattr("shutil.which", lambda name, *args, **kwargs: None)  # no pdflatex
    assert main(["analyze", str(model), "--out", str(out), "--max-period", "2"]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert "analysis.json" in written and "graph.png" in written
    assert not [name for name in written if name.startswith(".")]


def test_analyze_refuses_a_read_only_folder_before_any_work(tmp_path, capsys, monkeypatch):
    import pwl_analysis.app.analysis

    out = tmp_path / "out"
    out.mkdir()
    access, statvfs = os.access, os.statvfs
    monkeypatch.setattr(os, "access", lambda p, m, **k: Path(p) != out and access(p, m, **k))
    monkeypatch.setattr(
        os,
        "statvfs",
        lambda p: types.SimpleNamespace(f_flag=os.ST_RDONLY) if Path(p) == out else statvfs(p),
    )

    def no_work(*args, **kwargs):
        raise AssertionError("the analysis started")

    monkeypatch.setattr(pwl_analysis.app.analysis, "free_run", no_work)
    assert main(["analyze", str(tent_file(tmp_path)), "--out", str(out)]) == 2
    err = one_line(capsys)
    assert f"in {out}: the file system is read-only; nothing was written" in err
    assert list(out.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a folder without write permission")
def test_analyze_refuses_a_folder_without_write_permission(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir(mode=0o555)
    try:
        assert main(["analyze", str(tent_file(tmp_path)), "--out", str(out)]) == 2
    finally:
        out.chmod(0o755)
    assert "permission is denied; nothing was written" in one_line(capsys)


def test_analyze_refuses_a_name_too_long_before_any_work(tmp_path, capsys):
    out = tmp_path / ("x" * 300)
    assert main(["analyze", str(tent_file(tmp_path)), "--out", str(out)]) == 2
    err = one_line(capsys)
    assert "is 300 bytes long, more than the 255 bytes" in err and "nothing was written" in err
    assert [p.name for p in tmp_path.iterdir()] == ["tent.npz"]


@pytest.mark.parametrize("command", ["analyze", "run"])
def test_an_output_name_that_is_not_utf8_is_refused_before_any_work(
    tmp_path, capsys, monkeypatch, command
):
    import training.loop

    monkeypatch.setattr(training.loop, "train", None)  # calling it would fail the test
    out = tmp_path / os.fsdecode(b"out\xff")
    model = tent_file(tmp_path)
    arguments = [str(model)] if command == "analyze" else ["lorenz63", *TINY]
    assert main([command, *arguments, "--out", str(out)]) == 2
    err = one_line(capsys)
    assert "out\\xff is not valid UTF-8" in err and "nothing was written" in err
    assert [p.name for p in tmp_path.iterdir()] == ["tent.npz"]


# ---- run -----------------------------------------------------------------------------------


class Trained:
    """What ``training.loop.train`` returns, as far as ``run`` reads it before writing."""

    def __init__(self, folder: Path):
        self.run_dir = folder

    def pwl_map(self):
        return load_model(self.run_dir)


@pytest.fixture
def instant_training(monkeypatch):
    """Training that writes a run folder at once: the tent map as its model.npz."""
    import training.loop

    def train(config, folder, **kwargs):
        folder = Path(folder)
        folder.mkdir(parents=True)
        tent_file(folder).rename(folder / "model.npz")
        (folder / "checkpoint.npz").write_bytes(b"training state")
        return Trained(folder)

    monkeypatch.setattr(training.loop, "train", train)


def run(out, *extra):
    return main(["run", "lorenz63", "--out", str(out), *TINY, *extra])


def test_run_refuses_a_mount_point_before_training(tmp_path, capsys, monkeypatch, no_training):
    # Renaming a mount point fails with EBUSY: run's final swap would fail after training.
    out = tmp_path / "volume"
    out.mkdir()
    ismount = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == out or ismount(p))
    assert run(out) == 2
    err = one_line(capsys)
    assert f"{out} is a mount point" in err and f"such as {out / 'report'}" in err
    assert [p.name for p in tmp_path.iterdir()] == ["volume"] and list(out.iterdir()) == []


def test_run_refuses_a_read_only_folder_before_training(tmp_path, capsys, monkeypatch, no_training):
    access, statvfs = os.access, os.statvfs
    monkeypatch.setattr(os, "access", lambda p, m, **k: Path(p) != tmp_path and access(p, m, **k))
    monkeypatch.setattr(
        os,
        "statvfs",
        lambda p: types.SimpleNamespace(f_flag=os.ST_RDONLY) if Path(p) == tmp_path else statvfs(p),
    )
    assert run(tmp_path / "r") == 2
    assert f"in {tmp_path}: the file system is read-only" in one_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_run_refuses_a_name_without_room_for_OUT_run_before_training(tmp_path, capsys, no_training):
    assert run(tmp_path / ("r" * 240)) == 2  # fits NAME_MAX, but OUT.run and .OUT.new.… do not
    err = one_line(capsys)
    assert "is 264 bytes long (with 24 for the names made from it)" in err
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_after_training_keeps_the_trained_model_in_OUT_run(
    tmp_path, capsys, monkeypatch, instant_training
):
    monkeypatch.setattr(os, "fsync", full_disk)  # the first write after training: analysis files
    out = tmp_path / "r"
    assert run(out) == 2
    err = one_line(capsys)
    kept = tmp_path / "r.run"
    assert f"cannot write {out}: the disk is full" in err
    assert f"the trained model is kept in {kept}" in err and "rerun with --resume" in err
    assert [p.name for p in tmp_path.iterdir()] == ["r.run"]  # no staging folder left
    assert load_model(kept).P == 1 and (kept / "checkpoint.npz").read_bytes() == b"training state"


def test_a_failed_final_swap_restores_the_old_report_and_keeps_the_trained_model(
    tmp_path, capsys, monkeypatch, instant_training
):
    import pwl_analysis.app.run
    from pwl_analysis.app._folders import write_marker

    out = tmp_path / "r"
    out.mkdir()
    (out / "report.md").write_text("the earlier report")
    write_marker(out, "run report")
    before = snapshot(out)

    def analyse_into(staging, *args):
        _atomic.write_atomically(staging / "report.md", "the new report")
        write_marker(staging, "run report")
        return None, {}

    rename = os.rename

    def busy(source, target):
        if Path(source).name.startswith(".r.new.") and Path(target) == out:
            raise OSError(errno.EBUSY, "Device or resource busy", str(source))
        return rename(source, target)

    monkeypatch.setattr(pwl_analysis.app.run, "_analyse_into", analyse_into)
    monkeypatch.setattr(os, "rename", busy)
    assert run(out, "--overwrite") == 2
    err = one_line(capsys)
    assert f"cannot write {out}: a folder is a mount point or in use" in err
    assert f"{out} is as it was, and the trained model is kept in {tmp_path / 'r.run'}" in err
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r", "r.run"]  # no .r.old/.r.new
    assert load_model(tmp_path / "r.run").P == 1


def test_a_full_disk_during_training_keeps_the_last_completed_epoch(tmp_path, capsys, monkeypatch):
    import training.loop

    def train(config, folder, **kwargs):
        folder.mkdir()
        _atomic.write_atomically(folder / "checkpoint.npz", b"epoch 1")
        monkeypatch.setattr(os, "fsync", full_disk)
        _atomic.write_atomically(folder / "checkpoint.npz", b"epoch 2")

    monkeypatch.setattr(training.loop, "train", train)
    assert run(tmp_path / "r") == 2
    kept = tmp_path / "r.run"
    err = one_line(capsys)
    assert f"cannot write {kept}: the disk is full (writing checkpoint.npz)" in err
    assert "the last completed epoch is kept in it: continue with --resume" in err
    assert snapshot(tmp_path) == {"r.run/checkpoint.npz": b"epoch 1"}


def test_a_full_disk_at_the_first_checkpoint_of_real_training_leaves_nothing(tmp_path, monkeypatch):
    from pwl_analysis.app import run_pipeline

    budget = dict(M=3, P=1, epochs=1, batches_per_epoch=2, batch_size=4, seq_len=20)
    budget |= dict(eval_every=0, test_steps=200, length=1000)
    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(FileSystemFault, match=r"the disk is full.*nothing was kept"):
        run_pipeline("lorenz63", tmp_path / "r", progress=False, **budget)
    assert list(tmp_path.iterdir()) == []


# ---- the command line's last line of defence -----------------------------------------------


def test_a_fault_no_writer_names_is_still_one_sentence(tmp_path, capsys, monkeypatch):
    import pwl_analysis.app.cli

    def write_latex(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pwl_analysis.app.cli, "write_latex", write_latex)
    target = tmp_path / "m.tex"
    assert main(["latex", str(tent_file(tmp_path)), "-o", str(target)]) == 2
    assert f"{target}: the disk is full (No space left on device)" in one_line(capsys)


# ---- special files -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pipe.npz", "pipe.pt", "run/model.npz"])
def test_loaders_refuse_a_named_pipe_without_opening_it(tmp_path, capsys, deadline, name):
    pipe = tmp_path / name
    pipe.parent.mkdir(exist_ok=True)
    os.mkfifo(pipe)
    given = pipe.parent if name.startswith("run/") else pipe
    with pytest.raises(ModelError, match="is a named pipe, not a regular file"):
        load_model(given, P=None if name.endswith(".npz") else 1)
    assert main(["cycles", str(given), "--P", "1"]) == 2
    assert f"{pipe} is a named pipe" in one_line(capsys)


def test_read_state_dict_refuses_a_named_pipe(tmp_path, deadline):
    os.mkfifo(tmp_path / "weights.pt")
    with pytest.raises(ModelError, match=r"weights\.pt is a named pipe"):
        read_state_dict(tmp_path / "weights.pt")


def test_analyze_many_skips_special_files_with_a_note(tmp_path, deadline):
    from dask.distributed import LocalCluster

    from pwl_analysis.app.batch import analyze_many, find_checkpoints

    folder = tmp_path / "models"
    folder.mkdir()
    tent_file(folder)
    for name in ("pipe", "pipe.npz"):
        os.mkfifo(folder / name)
    assert find_checkpoints(folder) == [folder / "tent.npz"]
    with LocalCluster(processes=False, n_workers=1, dashboard_address=None) as cluster:
        batch = analyze_many(
            folder, max_period=2, scheduler=cluster.scheduler_address, progress=False
        )
    assert [row["status"] for row in batch.rows] == ["ok"]
    assert batch.skipped == (
        f"{folder / 'pipe'} (a named pipe)",
        f"{folder / 'pipe.npz'} (a named pipe)",
    )
    assert "Skipped 2 special file(s), not regular files and never opened" in repr(batch)
