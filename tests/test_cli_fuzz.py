"""A property-based fuzz of the command line (issue 28).

Random option values and random files, for every command: the command either works (exit
status 0), or reaches the expensive part with inputs it accepted, or refuses with exit status 2
and one sentence on the last line of stderr — never a traceback — and it changes nothing but
its own output path.  The expensive parts (training, the Dask sweep and batch engines) are
replaced by a stub that stops the command the moment they start, so what is fuzzed is the
boundary where input enters, and each example takes well under a second.  Examples are
derandomised, so a regression fails CI every time, not by chance.
"""

from __future__ import annotations

import hashlib
import os
import signal
import tempfile
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwl_analysis.app import cli

from systems import tent_file

#: How long one example may run before it counts as a budget that did not bite (seconds).
#: A refusal must come at once; the legitimate small computations below take well under it.
WATCHDOG = 20

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Started(Exception):
    """Raised by the stubs: the command accepted its input and began the expensive work."""


@pytest.fixture
def stubs(monkeypatch):
    """Training, sweeps and batch analysis stop at once when they start."""
    import training.loop

    def started(*args, **kwargs):
        raise Started

    monkeypatch.setattr(training.loop, "train", started)
    monkeypatch.setattr(cli, "sweep", started)
    monkeypatch.setattr(cli, "analyze_many", started)
    monkeypatch.setattr(cli, "skeleton", started)


# ---- the files a careless or hostile user may hand over ------------------------------------


def _write_files(folder: Path) -> None:
    tent_file(folder)
    np.savez(folder / "reflection.npz", A=[-1.0], W=[[0.0]], h=[1.0], P=1)
    np.savez(folder / "nan.npz", A=[np.nan], W=[[-4.0]], h=[0.5], P=1)
    np.savez(folder / "shapes.npz", A=[2.0, 1.0], W=[[-4.0]], h=[0.5], P=1)
    (folder / "empty.npz").write_bytes(b"")
    (folder / "junk.pt").write_bytes(bytes(range(256)) * 4)
    (folder / "text.npy").write_text("not an array\n")
    np.save(folder / "object.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(folder / "series.npy", np.random.default_rng(0).normal(size=(400, 3)))
    np.save(folder / "nan_series.npy", np.full((400, 3), np.nan))
    (folder / "ragged.csv").write_text("1,2,3\n4,5\n" * 100)
    (folder / "semicolons.csv").write_text("1;2;3\n" * 200)
    (folder / "words.csv").write_text("a,b,c\n" + "1,x,3\n" * 200)
    (folder / "folder").mkdir()
    (folder / "sweep_broken.toml").write_text("recipe = \n[base\n")
    (folder / "sweep_types.toml").write_text('max_period = "x"\n[base]\nepochs = inf\n')
    (folder / "sweep.json").write_text('{"recipe": ')
    (folder / "sweep_list.json").write_text("[1, 2, 3]")
    (folder / "sweep_names.json").write_text('{"base": [1, 2], "grid": {"P": [0]}}')
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "pipe.npz")


MODELS = ["tent.npz", "reflection.npz", "nan.npz", "shapes.npz", "empty.npz", "junk.pt"]
MODELS += ["text.npy", "folder", "missing.pt", "pipe.npz"]
DATA = ["series.npy", "nan_series.npy", "object.npy", "ragged.csv", "semicolons.csv"]
DATA += ["words.csv", "folder", "missing.csv", "pipe.npz", "junk.pt"]
SWEEPS = ["sweep_broken.toml", "sweep_types.toml", "sweep.json", "sweep_list.json"]
SWEEPS += ["sweep_names.json", "folder", "missing.toml", "pipe.npz"]

#: Values typed where an integer belongs, and where a float belongs.
INTEGERS = st.sampled_from(["-3", "0", "1", "2", "3", "40", "999", str(10**12), "x", "nan", ""])
FLOATS = st.sampled_from(["-1", "0", "0.5", "1e-3", "1e308", "inf", "nan", "x", ""])
NUMBER_LISTS = st.sampled_from(["0", "1", "-1,1", "0,0", "nan", "x", "1,2,3", "inf", ""])


def _options(draw, table: dict) -> list[str]:
    """Some of the options in ``table`` (flag → strategy of its value), each at most once."""
    argv = []
    for flag in draw(st.lists(st.sampled_from(sorted(table)), unique=True, max_size=4)):
        value = table[flag]
        argv += [flag] if value is None else [flag, draw(value)]
    return argv


MODEL_OPTIONS = {"--P": INTEGERS, "--model-type": st.sampled_from(["alrnn", "plrnn", "x"])}
RUN_OPTIONS = {"--steps": INTEGERS, "--transient": INTEGERS}
SEARCH_OPTIONS = {
    "--method": st.sampled_from(["exhaustive", "scyfi", "seeded", "admissible-tree", "x"]),
    "--max-period": INTEGERS,
}
TRAIN_OPTIONS = {
    "--M": INTEGERS,
    "--P": INTEGERS,
    "--epochs": INTEGERS,
    "--seed": INTEGERS,
}
TRAIN_ONLY = {"--lr-start": FLOATS, "--tau": INTEGERS, "--dt": FLOATS, "--length": INTEGERS}


@st.composite
def commands(draw) -> list[str]:
    """One random command line (paths relative to the example's folder)."""
    command = draw(
        st.sampled_from(["cycles", "entropy", "graph", "latex", "analyze", "train", "run"])
        | st.sampled_from(["sweep", "analyze-many", "skeleton", "bifurcations"])
    )
    model = draw(st.sampled_from(MODELS))
    if command == "cycles":
        return [command, model, *_options(draw, {**MODEL_OPTIONS, **SEARCH_OPTIONS}), "--json"]
    if command == "entropy":
        box = {"--box": st.tuples(NUMBER_LISTS, NUMBER_LISTS)}
        argv = [command, model, *_options(draw, {**MODEL_OPTIONS, "--max-length": INTEGERS})]
        if draw(st.booleans()):
            argv += ["--box", *draw(box["--box"])]
        return [*argv, "--json"]
    if command == "graph":
        exact = {"--exact": None}
        return [command, model, *_options(draw, {**MODEL_OPTIONS, **RUN_OPTIONS, **exact})]
    if command == "latex":
        table = {**MODEL_OPTIONS, "--max-period": INTEGERS, "--digits": INTEGERS}
        return [command, model, "-o", "out/model.tex", *_options(draw, table)]
    if command == "analyze":
        table = {**MODEL_OPTIONS, **RUN_OPTIONS, "--max-period": INTEGERS}
        return [command, model, "--out", "out", *_options(draw, table)]
    if command == "train":
        source = draw(st.sampled_from(["--system", "--data", "--resume"]))
        value = {"--system": "lorenz63", "--data": draw(st.sampled_from(DATA))}.get(source)
        value = value or draw(st.sampled_from(["folder", "missing", "tent.npz"]))
        options = _options(draw, {**TRAIN_OPTIONS, **TRAIN_ONLY})
        return [command, source, value, "--out", "out", *options, "--no-progress"]
    if command == "run":
        source = ["lorenz63"] if draw(st.booleans()) else ["--data", draw(st.sampled_from(DATA))]
        table = {**TRAIN_OPTIONS, "--max-period": INTEGERS}
        return [command, *source, "--out", "out", *_options(draw, table), "--no-progress"]
    if command == "skeleton":
        table = {
            **MODEL_OPTIONS,
            "--coding": st.sampled_from(["lorenz", "rossler", "x"]),
            "--max-word-length": INTEGERS,
            "--max-loops": INTEGERS,
            "--steps": INTEGERS,
            "--time-step": FLOATS,
            "--against": st.sampled_from(["lorenz63", "series.npy", "words.csv", "missing.npy"]),
        }
        return [command, model, *_options(draw, table), "--json"]
    if command == "bifurcations":
        table = {**MODEL_OPTIONS, "--max-period": INTEGERS, "--max-words": INTEGERS}
        return [command, model, draw(st.sampled_from(MODELS)), *_options(draw, table), "--json"]
    if command == "sweep":
        return [command, draw(st.sampled_from(SWEEPS)), "--out", "out", "--no-progress"]
    folder = draw(st.sampled_from([".", "folder", "missing", "tent.npz"]))
    options = _options(draw, {"--P": INTEGERS, "--max-period": INTEGERS, "--workers": INTEGERS})
    return [command, folder, "--out", "out", *options, "--no-progress"]


# ---- what every command line must do --------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, str]:
    """Every regular file under ``folder`` except the output ``out`` → hash of its bytes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if relative.split("/")[0].startswith("out") or not path.is_file():
            continue
        found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@contextmanager
def _watchdog(argv: list[str]):
    def expired(signum, frame):
        raise AssertionError(f"{argv} ran {WATCHDOG} s without finishing or refusing")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(WATCHDOG)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run(folder: Path, argv: list[str]) -> tuple[int | str, str]:
    """Run the command line in ``folder``; its exit status (or "started") and its stderr."""
    err, here = StringIO(), Path.cwd()
    os.chdir(folder)
    try:
        with redirect_stderr(err), redirect_stdout(StringIO()), _watchdog(argv):
            try:
                status = cli.main(argv)
            except SystemExit as exit_:
                status = exit_.code
            except Started:
                status = "started"
    finally:
        os.chdir(here)
    return status, err.getvalue()


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="the watchdog needs SIGALRM")
@FUZZ
@given(argv=commands())
def test_every_command_line_works_or_refuses_in_one_sentence(stubs, argv):
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        _write_files(folder)
        before = _snapshot(folder)
        status, err = _run(folder, argv)
        lines = [line for line in err.splitlines() if line.strip()]
        assert "Traceback" not in err, f"{argv}:\n{err}"
        assert status in (0, 2, "started"), f"{argv} exited {status}:\n{err}"
        if status == 2:
            assert lines and lines[-1].startswith(f"pwl-analysis {argv[0]}: error: "), err
            ours = "usage:" not in err
            assert not ours or len(lines[-1]) < 400, f"not one sentence: {lines[-1]}"
        assert _snapshot(folder) == before, f"{argv} changed a file it was not asked to write"
