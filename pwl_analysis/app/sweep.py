"""Sweeps: one AL-RNN trained and analysed per point of a grid of training options, on Dask.

A sweep configuration (TOML or JSON) names a training recipe, the options every run shares and
a grid; every combination of the grid's values is one run::

    recipe = "fast"                  # TrainConfig preset: fast, lorenz63 or rossler
    max_period = 4                   # cycles searched in each trained map
    [base]                           # TrainConfig options of every run
    system = "lorenz63"
    epochs = 20
    [grid]                           # any TrainConfig option: a list of values each
    P = [0, 1, 2, 3, 4]
    seed = [0, 1]

Every setting, every value of ``base`` and ``grid``, every grid point and its data are
checked before the first run starts (:class:`SweepConfig`, :func:`check_data`); a run that
fails while training (a diverging loss) is recorded and the sweep goes on.

A run is named by the SHA-256 of its recipe and options, so its id does not depend on the
order of the grid and a rerun recognises it.  The output folder holds

- ``runs/<name>/``  a finished run: the training run folder plus ``row.json``.  It is trained
  in ``runs/.tmp-<name>-…`` and renamed into place only when training and analysis are done,
  so a folder under its final name is always complete; a rerun skips it.
- ``failed/<name>.json`` and ``failed/<name>.traceback.txt``  the last failure of a run; a
  rerun retries it and removes them once it succeeds.
- ``results.csv``  one row per run (rewritten after every finished run): the options, status,
  error, wall time, D_stsp, D_H, regions visited, fixed points, cycles.
- ``summary.png``  D_stsp and regions visited against P, the minimal P marked.

The minimal P of a group of runs (same options except P and seed) is the smallest P whose
median D_stsp over seeds is at most (1 + ``tolerance``) times the best median: the most
parsimonious piecewise-linear model that reconstructs as well as any (Brenner et al. 2024).

References
----------
Brenner, M., Hemmer, C. J., Monfared, Z., Durstewitz, D. (2024). Almost-Linear RNNs Yield
Highly Interpretable Symbolic Codes in Dynamical Systems Reconstruction. NeurIPS 2024.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import shutil
import time
import traceback
import uuid
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from pwl_analysis._atomic import write_atomically, write_json
from pwl_analysis.app.batch import dask_client, error_line, map_tasks, summarize_model, write_table
from pwl_analysis.app.sweep_summary import minimal_P, plot_sweep
from pwl_analysis.errors import UserInputError

RECIPES = ("fast", "lorenz63", "rossler")
ROW = "row.json"
TABLE = "results.csv"
FIGURE = "summary.png"
_SETTINGS = ("recipe", "base", "grid", "max_period", "free_run_steps", "tolerance")
#: The most runs one sweep configuration may hold.
MAX_RUNS = 10_000


@dataclass(frozen=True)
class Run:
    """One point of the grid: a training recipe and its options."""

    recipe: str
    options: dict
    axes: tuple = ()

    @property
    def run_id(self) -> str:
        """First 12 hex digits of SHA-256 of the canonical JSON of recipe and options."""
        text = json.dumps({"recipe": self.recipe, "options": self.options}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def name(self) -> str:
        """Folder name: the grid values, then the id, e.g. ``P2-seed0-1a2b3c4d5e6f``."""
        labels = [f"{axis}{_label(self.options[axis])}" for axis in self.axes]
        return "-".join([*labels, self.run_id])

    def train_config(self):
        """The :class:`training.TrainConfig`.

        Raises
        ------
        UserInputError
            Options that do not fit together (P > M, …), naming the grid point.
        """
        from training.config import TrainConfig

        options = dict(self.options)
        if "data_path" in options and "system" not in options:
            options["system"] = None
        try:
            return getattr(TrainConfig, self.recipe)(**options)
        except UserInputError as error:
            raise UserInputError(f"{self.point}: {error}") from None

    @property
    def point(self) -> str:
        """Where the run stands in the grid, for messages: ``grid point P = 2, seed = 0``."""
        values = ", ".join(f"{axis} = {self.options[axis]!r}" for axis in self.axes)
        return f"grid point {values}" if values else "base"


def _check_names(options: dict) -> None:
    from training.config import TrainConfig

    unknown = sorted(map(str, set(options) - set(TrainConfig.__dataclass_fields__)))
    if unknown:
        raise UserInputError(f"unknown training option(s) in the sweep: {', '.join(unknown)}")


def check_data(runs: list[Run]) -> None:
    """Read and check the data of every run, as training will, before any run starts.

    Each data file (or built-in series) is checked once per distinct M, ``seq_len``, length
    and held-out fraction (:func:`training.data.check_data`).

    Raises
    ------
    UserInputError, FileNotFoundError
        Data that cannot be read or do not fit a run, naming the grid point.
    """
    from training.data import check_data as check

    checked = set()
    for run in runs:
        config = run.train_config()
        key = (config.data_path, config.system, config.length, config.test_fraction)
        key += (config.M, config.seq_len)
        if key in checked:
            continue
        checked.add(key)
        try:
            check(config)
        except UserInputError as error:
            raise UserInputError(f"{run.point}: {error}") from None


def _checked_options(where: str, options: dict) -> dict:
    """Each training option of ``base`` (or one grid value) as TrainConfig holds it."""
    from training.config import check_option

    _check_names(options)
    try:
        return {name: check_option(name, value) for name, value in options.items()}
    except UserInputError as error:
        raise UserInputError(f"{where}: {error}") from None


def _checked_grid(grid: dict) -> dict:
    """Each axis of the grid a non-empty list of distinct, checked option values."""
    _check_names(grid)
    checked = {}
    for axis, values in grid.items():
        if not isinstance(values, list) or not values:
            raise UserInputError(f"grid.{axis} must be a non-empty list of values, got {values!r}")
        checked[axis] = [_checked_options("grid", {axis: value})[axis] for value in values]
        repeated = [v for i, v in enumerate(checked[axis]) if v in checked[axis][:i]]
        if repeated:
            raise UserInputError(f"grid.{axis} lists {repeated[0]!r} more than once")
    return checked


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _toml():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib


def _label(value) -> str:
    text = Path(value).name if isinstance(value, str) else str(value)
    return re.sub(r"[^\w.]+", "_", text)[:24]


@dataclass(frozen=True)
class SweepConfig:
    """A grid of training runs and how each trained map is analysed.

    Attributes
    ----------
    recipe : str
        ``TrainConfig`` preset: ``"fast"``, ``"lorenz63"`` or ``"rossler"``.
    base : dict
        Training options shared by every run.
    grid : dict of str to list
        Training options to vary; every combination is a run.
    max_period : int
        Cycles of period ≤ max_period are searched in each map (exhaustive, exact).
    free_run_steps : int
        Length of the free run whose regions are counted.
    tolerance : float
        Relative tolerance of the minimal-P rule (see the module docstring).

    Raises
    ------
    UserInputError
        Before any run starts: a setting of the wrong type or range, an unknown or repeated
        option, a value of ``base`` or ``grid`` that :func:`training.config.check_option`
        refuses (named ``base: …`` or ``grid: …``), a grid point whose options do not fit
        together (named ``grid point P = 9: …``), or more than ``MAX_RUNS`` runs.  The data
        are read by :func:`check_data` when :func:`sweep` starts.

    See Also
    --------
    pwl_analysis.app.sweep.sweep : trains and analyses the runs.

    Examples
    --------
    Three values of P times two seeds are six runs, each named by its grid values and the
    hash of its options (the same whatever the order of the grid):

    >>> from pwl_analysis.app import SweepConfig
    >>> config = SweepConfig(base={"epochs": 20}, grid={"P": [0, 1, 2], "seed": [0, 1]})
    >>> runs = config.runs()
    >>> len(runs), [run.name.rsplit("-", 1)[0] for run in runs[:3]]
    (6, ['P0-seed0', 'P0-seed1', 'P1-seed0'])
    >>> swapped = SweepConfig(base={"epochs": 20}, grid={"seed": [0, 1], "P": [0, 1, 2]})
    >>> {run.run_id for run in runs} == {run.run_id for run in swapped.runs()}
    True
    >>> SweepConfig(grid={"P": 2})
    Traceback (most recent call last):
    ...
    pwl_analysis.errors.UserInputError: grid.P must be a non-empty list of values, got 2
    """

    recipe: str = "fast"
    base: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    max_period: int = 4
    free_run_steps: int = 10_000
    tolerance: float = 0.1

    def __post_init__(self):
        from pwl_analysis.methods import Exhaustive

        if not isinstance(self.recipe, str) or self.recipe not in RECIPES:
            raise UserInputError(f"recipe must be one of {', '.join(RECIPES)}, got {self.recipe!r}")
        for name in ("base", "grid"):
            if not isinstance(getattr(self, name), dict):
                raise UserInputError(
                    f"{name} must be a table of training options, got {getattr(self, name)!r:.60}"
                )
        Exhaustive().check_budget(self.max_period)
        if not _is_integer(self.free_run_steps) or self.free_run_steps < 1:
            raise UserInputError(
                f"free_run_steps must be a positive integer, got {self.free_run_steps!r}"
            )
        real = isinstance(self.tolerance, (int, float)) and not isinstance(self.tolerance, bool)
        if not real or not 0 <= self.tolerance < float("inf"):
            raise UserInputError(f"tolerance must be a finite number ≥ 0, got {self.tolerance!r}")
        object.__setattr__(self, "base", _checked_options("base", self.base))
        object.__setattr__(self, "grid", _checked_grid(self.grid))
        both = sorted(set(self.base) & set(self.grid))
        if both:
            raise UserInputError(f"option(s) both in base and grid: {', '.join(both)}")
        size = math.prod(len(values) for values in self.grid.values())
        if size > MAX_RUNS:
            raise UserInputError(
                f"the grid has {size} runs, more than {MAX_RUNS}: split it into several sweeps"
            )
        for run in self.runs():
            run.train_config()

    @classmethod
    def from_file(cls, path: str | Path) -> SweepConfig:
        """Read a ``.toml`` or ``.json`` sweep configuration."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no sweep configuration {path}")
        if path.suffix not in (".toml", ".json"):
            raise UserInputError(f"sweep configuration must be .toml or .json, got {path.name}")
        try:
            text = path.read_text()
        except UnicodeDecodeError as error:
            raise UserInputError(f"{path} is not a text file (byte {error.start})") from error
        try:
            values = json.loads(text) if path.suffix == ".json" else _toml().loads(text)
        except json.JSONDecodeError as error:
            raise UserInputError(
                f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column "
                f"{error.colno}"
            ) from error
        except _toml().TOMLDecodeError as error:
            raise UserInputError(f"{path} is not valid TOML: {error}") from error
        return cls.from_dict(values)

    @classmethod
    def from_dict(cls, values: dict) -> SweepConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        if not isinstance(values, dict):
            raise UserInputError(
                f"a sweep configuration is a table of settings ({', '.join(_SETTINGS)}), "
                f"got {values!r:.60}"
            )
        unknown = sorted(map(str, set(values) - set(_SETTINGS)))
        if unknown:
            raise UserInputError(
                f"unknown sweep setting(s): {', '.join(unknown)} (known: {', '.join(_SETTINGS)})"
            )
        return cls(**values)

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return asdict(self)

    def runs(self) -> list[Run]:
        """Every combination of the grid's values, in the grid's order."""
        axes = tuple(self.grid)
        points = itertools.product(*self.grid.values())
        return [Run(self.recipe, self.base | dict(zip(axes, p)), axes) for p in points]

    def __repr__(self) -> str:
        grid = " × ".join(f"{axis} ∈ {values}" for axis, values in self.grid.items())
        return f"SweepConfig({self.recipe}, {grid or 'one run'}, {self.base})"


# ---- one run (on a worker) -----------------------------------------------------------------


def execute_run(run: Run, runs_dir: str, max_period: int, free_run_steps: int) -> dict:
    """Train and analyse one run into ``runs_dir/<name>``; return its row, never raise.

    The run is trained into a temporary folder beside its final one and renamed into place
    after ``row.json`` is written, so an interrupted run leaves no folder under its name.
    """
    started = time.perf_counter()
    final = Path(runs_dir) / run.name
    temporary = Path(runs_dir) / f".tmp-{run.name}-{uuid.uuid4().hex[:8]}"
    head = {"run": run.name, "run_id": run.run_id} | run.options
    try:
        result = _train(run, temporary)
        summary = summarize_model(result.pwl_map(), max_period, free_run_steps)
        row = head | {"status": "ok", "error": "", "traceback": ""}
        row |= _metrics(result) | summary.to_dict()
        row |= {"wall_time_s": time.perf_counter() - started, "train_time_s": result.wall_time}
        write_json(temporary / ROW, row)
        return _move_into_place(temporary, final, row)
    except Exception as error:  # recorded in the run's row; the sweep goes on
        shutil.rmtree(temporary, ignore_errors=True)
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        failed = {"status": "failed", "error": error_line(error), "traceback": text}
        return head | failed | {"wall_time_s": time.perf_counter() - started}


def _move_into_place(temporary: Path, final: Path, row: dict) -> dict:
    """Rename the finished run folder to its name.

    If another worker got there first, keep that run and discard this one.
    """
    try:
        os.rename(temporary, final)
    except OSError:
        if not (final / ROW).exists():
            raise
        shutil.rmtree(temporary)
        return json.loads((final / ROW).read_text())
    return row


def _train(run: Run, folder: Path):
    import torch

    from training.loop import train

    config = run.train_config()
    torch.set_num_threads(1)
    return train(config, folder, progress=False)


def _metrics(result) -> dict:
    return {name: result.metrics.get(name, {}).get("value", np.nan) for name in ("D_stsp", "D_H")}


def _lost_run(run: Run, error: BaseException) -> dict:
    """The row of a run whose task was lost with its worker."""
    head = {"run": run.name, "run_id": run.run_id} | run.options
    return head | {"status": "failed", "error": error_line(error), "traceback": repr(error)}


# ---- bookkeeping (in the client) -----------------------------------------------------------


def _read_row(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _record(out: Path, run: Run, row: dict) -> dict:
    """Keep a failure's traceback in ``failed/``, or clear an old failure after success."""
    record, trace = (
        out / "failed" / f"{run.name}.json",
        out / "failed" / f"{run.name}.traceback.txt",
    )
    if row["status"] == "ok":
        record.unlink(missing_ok=True)
        trace.unlink(missing_ok=True)
        return row
    write_atomically(trace, row["traceback"].encode())
    row = row | {"traceback": str(trace.relative_to(out))}
    write_json(record, row)
    return row


def _remove_temporaries(runs_dir: Path) -> None:
    """Delete unfinished run folders left by an interrupted sweep."""
    for stale in runs_dir.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)


@dataclass(frozen=True)
class SweepResult:
    """A sweep's rows (one per run, in grid order) and what this call did.

    Attributes
    ----------
    out_dir : Path
    rows : tuple of dict
        Finished and failed runs (a run interrupted before finishing has no row).
    executed : int
        Runs executed in this call (the others had finished before).
    wall_time : float
        Seconds this call took.
    minimal_P : dict of str to int or None
        Minimal P of each group of runs (see :func:`minimal_P`).
    table, figure : Path
        ``results.csv`` and ``summary.png`` in ``out_dir``.

    See Also
    --------
    pwl_analysis.app.sweep.sweep : computes this record.

    Examples
    --------
    A sweep folder whose three runs have finished: an earlier call wrote each run's
    ``row.json`` (here written by hand, with D_stsp = 9.0, 3.2 and 3.0 for P = 0, 1, 2).
    Calling :func:`~pwl_analysis.app.sweep.sweep` again trains nothing; the minimal P is 1, the
    smallest whose D_stsp is within 10 % of the best:

    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from pwl_analysis.app import SweepConfig
    >>> from pwl_analysis.app.sweep import sweep
    >>> config = SweepConfig(base={"system": "lorenz63", "epochs": 20}, grid={"P": [0, 1, 2]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for run, d_stsp in zip(config.runs(), [9.0, 3.2, 3.0]):
    ...         finished = Path(folder, "runs", run.name)
    ...         finished.mkdir(parents=True)
    ...         row = {"status": "ok", **run.options, "D_stsp": d_stsp, "regions_visited": 2}
    ...         _ = (finished / "row.json").write_text(json.dumps(row))
    ...     result = sweep(config, folder, progress=False)
    ...     table = result.table.read_text().splitlines()
    >>> result.executed, result.failed, result.minimal_P
    (0, 0, {'all': 1})
    >>> table[0], len(table)
    ('status,system,epochs,P,D_stsp,regions_visited', 4)
    """

    out_dir: Path
    rows: tuple
    executed: int
    wall_time: float
    minimal_P: dict
    table: Path
    figure: Path

    @property
    def failed(self) -> int:
        """Number of rows whose status is not ``ok``."""
        return sum(row["status"] != "ok" for row in self.rows)

    def __repr__(self) -> str:
        minimal = "; ".join(f"{P} ({group})" for group, P in self.minimal_P.items())
        return "\n".join(
            [
                f"Sweep {self.out_dir}: {len(self.rows)} runs, {self.failed} failed; "
                f"{self.executed} executed in this call, {self.wall_time:.1f} s",
                f"  minimal P: {minimal or 'none (no finished run)'}",
                f"  table:  {self.table}",
                f"  figure: {self.figure}",
            ]
        )

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return asdict(self) | {k: str(getattr(self, k)) for k in ("out_dir", "table", "figure")}


def sweep(
    config: SweepConfig,
    out_dir: str | Path,
    scheduler: str | None = None,
    workers: int = 2,
    progress: bool = True,
) -> SweepResult:
    """Train and analyse every run of ``config`` not finished yet in ``out_dir``, on Dask.

    Parameters
    ----------
    config : SweepConfig
    out_dir : str or Path
        The sweep folder (see the module docstring); on a cluster, a path every worker sees.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default: a local cluster.
    workers : int
        Worker processes of the local cluster.
    progress : bool
        A tqdm bar over finished runs.

    Returns
    -------
    SweepResult
        Also written as ``results.csv`` and ``summary.png``.  Ctrl-C keeps every finished run
        and the table so far; the next call continues.
    """
    started = time.perf_counter()
    check_data(config.runs())
    out = Path(out_dir)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    (out / "failed").mkdir(exist_ok=True)
    write_json(out / "sweep.json", config.to_dict())
    runs = config.runs()
    rows = {run.name: _read_row(out / "runs" / run.name / ROW) for run in runs}
    todo = [run for run in runs if rows[run.name] is None]
    rows |= {run.name: _read_row(out / "failed" / f"{run.name}.json") for run in todo}
    if todo:
        _remove_temporaries(out / "runs")
        task = partial(
            execute_run,
            runs_dir=str(out / "runs"),
            max_period=config.max_period,
            free_run_steps=config.free_run_steps,
        )
        with dask_client(scheduler, workers) as client:
            for run, row in map_tasks(client, task, todo, _lost_run, progress, "sweep"):
                rows[run.name] = _record(out, run, row)
                write_table(out / TABLE, [r for r in rows.values() if r is not None])
        _remove_temporaries(out / "runs")
    done = tuple(row for row in rows.values() if row is not None)
    write_table(out / TABLE, done)
    groups = [axis for axis in config.grid if axis not in ("P", "seed")]
    minimal = minimal_P(done, groups, config.tolerance)
    plot_sweep(out / FIGURE, done, groups, minimal)
    return SweepResult(
        out_dir=out,
        rows=done,
        executed=len(todo),
        wall_time=time.perf_counter() - started,
        minimal_P=minimal,
        table=out / TABLE,
        figure=out / FIGURE,
    )
