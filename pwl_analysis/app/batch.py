"""Many models at once on Dask: the engine shared by sweeps and ``analyze-many``.

- :func:`dask_client`  a ``dask.distributed`` client on a local cluster of single-threaded
  worker processes, or on a running cluster given by its scheduler address.
- :func:`map_tasks`  submit one task per item and yield the results as they complete, under a
  tqdm bar; a task lost with its worker becomes a result too, so one bad run never stops the
  rest.
- :func:`summarize_model`  what a table records about one map: regions visited by a free run
  and the entropy of its symbolic graph, fixed points and cycles found exactly.
- :func:`analyze_many`  the single-model report of :func:`pwl_analysis.app.analysis.analyze` for
  every checkpoint in a folder, and one CSV table of their key numbers.

Dask is imported inside the functions, so ``import pwl_analysis`` does not need it.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from pwl_analysis._atomic import write_atomically
from pwl_analysis._filesystem import (
    check_path_fits,
    check_writable,
    shown,
    special_kind,
    translated,
)
from pwl_analysis.app.analysis import Analysis, analyze
from pwl_analysis.errors import UserInputError
from pwl_analysis.free_runs import free_run
from pwl_analysis.graph import empirical_graph
from pwl_analysis.loading import RUN_CHECKPOINT, load_model
from pwl_analysis.methods import Exhaustive
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.topology import graph_entropy

#: Thread pools of numpy/torch in a worker: one thread each, so n workers use n cores.
_SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

#: Checkpoint files analyze-many picks up (run folders are recognised by their model.npz).
_MODEL_SUFFIXES = (".npz", ".pt", ".pth")


@contextmanager
def dask_client(scheduler: str | None = None, workers: int = 2) -> Iterator[Any]:
    """A ``dask.distributed.Client``: on ``scheduler`` if given, else on a new local cluster.

    The local cluster runs ``workers`` processes with one thread each (training and the exact
    search hold the GIL, so processes, not threads, give parallelism); it is shut down on exit.
    """
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    if workers < 1:
        raise UserInputError(f"workers must be at least 1, got {workers}")
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: never clash with another cluster
        env=_SINGLE_THREAD_ENV,
    )
    with cluster, Client(cluster) as client:
        yield client


def map_tasks(
    client,
    task: Callable,
    items: Iterable,
    lost: Callable[[Any, BaseException], Any],
    progress: bool = True,
    description: str = "tasks",
) -> Iterator[tuple[Any, Any]]:
    """Yield ``(item, task(item))`` in order of completion, computed on the cluster.

    A task whose future fails (its worker died more often than the scheduler allows, or it
    was cancelled) yields ``(item, lost(item, error))`` instead.  Leaving the loop early
    (Ctrl-C) cancels the tasks not yet done.
    """
    from dask.distributed import as_completed

    futures = {client.submit(task, item, pure=False): item for item in items}
    bar = tqdm(total=len(futures), disable=not progress, desc=description, unit="task")
    try:
        for future in as_completed(futures):
            item = futures[future]
            try:
                result = future.result()
            except Exception as error:  # the task itself never raises: this is the engine
                result = lost(item, error)
            bar.update()
            yield item, result
    finally:
        bar.close()
        client.cancel(list(futures))


def error_line(error: BaseException) -> str:
    """``"TypeName: message"`` on one line."""
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


# ---- one model -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSummary:
    """What a table records about one map.

    Attributes
    ----------
    M : int
        Latent units.
    H, n_regions : int
        Switching functions (an AL-RNN's P piecewise-linear units) and linear regions.
    regions_visited : int
        Distinct linear regions Ω_d met by a free run after its transient.
    topological_entropy : float
        log ρ(A) of the free run's empirical symbolic graph
        (:func:`pwl_analysis.topology.graph_entropy`); NaN when no state was finite.
    fixed_points : int
        Fixed points found (complete: exhaustive search, decided exactly).
    cycles : int
        Cycles of minimal period 2 … ``max_period`` found.
    max_period : int
        The largest period searched.
    diverged : bool
        The free run left the finite numbers; only its states before that were used.

    See Also
    --------
    summarize_model : computes this record.

    Examples
    --------
    The map u ↦ u/2 + 1/2 − max(0, u) draws every orbit to its one fixed point u = 1/3:
    one region visited, no entropy, no cycle:

    >>> from pwl_analysis import PWLMap
    >>> from pwl_analysis.app import summarize_model
    >>> m = PWLMap.from_alrnn([0.5], [[-1.0]], [0.5], P=1)
    >>> summary = summarize_model(m, max_period=4, steps=1_000)
    >>> summary.regions_visited, summary.topological_entropy, summary.fixed_points
    (1, 0.0, 1)
    >>> summary.cycles, summary.diverged
    (0, False)
    """

    M: int
    H: int
    n_regions: int
    regions_visited: int
    topological_entropy: float
    fixed_points: int
    cycles: int
    max_period: int
    diverged: bool

    def __repr__(self) -> str:
        return (
            f"ModelSummary(M={self.M}, H={self.H}: {self.regions_visited} of {self.n_regions} "
            f"regions visited, h_top = {self.topological_entropy:.4g}, {self.fixed_points} "
            f"fixed point(s), {self.cycles} cycle(s) of period 2…{self.max_period})"
        )

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return asdict(self)


def _finite_prefix(states: np.ndarray) -> np.ndarray:
    finite = np.all(np.isfinite(states), axis=1)
    return states if finite.all() else states[: int(np.argmin(finite))]


def summarize_model(
    m: PWLMap, max_period: int = 4, steps: int = 10_000, transient: int = 1_000, z0=None
) -> ModelSummary:
    """Regions visited and entropy of a free run; orbits found by the exhaustive exact search.

    The free run starts at ``z0`` (default 0, as in :func:`pwl_analysis.app.analysis.analyze`);
    its states z_transient … z_{transient+steps−1} (up to the first non-finite one) make the
    empirical symbolic graph (:func:`pwl_analysis.graph.empirical_graph`), whose nodes are the
    regions visited and whose log spectral radius is the topological entropy.  Orbits are
    every cycle of minimal period ≤ ``max_period`` (``m.cycles``).

    Parameters
    ----------
    m : PWLMap
        The map.
    max_period : int
        Largest cycle period searched.
    steps, transient : int
        Length of the free run and of its discarded transient.
    z0 : array_like, shape (M,), optional
        Start of the free run; 0 by default.

    Returns
    -------
    ModelSummary
        Regions visited, entropy, fixed points and cycles.

    Raises
    ------
    ValueError
        ``max_period`` < 1, ``steps`` < 1 or ``transient`` < 0.

    Examples
    --------
    The tent map u ↦ 2u + 1/2 − 4 max(0, u) is the full 2-shift: entropy log 2, two fixed
    points (−1/2 and 1/6), one 2-cycle.

    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> s = summarize_model(tent, max_period=2, steps=2_000, transient=0, z0=[0.01])
    >>> s.regions_visited, round(s.topological_entropy, 6), s.fixed_points, s.cycles
    (2, 0.693147, 2, 1)
    """
    if max_period < 1 or steps < 1 or transient < 0:
        raise UserInputError(
            f"need max_period ≥ 1, steps ≥ 1, transient ≥ 0; got {max_period}, {steps}, {transient}"
        )
    states = free_run(m, steps, transient, z0, bounded=False)
    finite = _finite_prefix(states)
    orbits = m.cycles(max_period)
    graph = empirical_graph(m, finite, orbits) if len(finite) else None
    fixed = len(orbits.of_period(1))
    return ModelSummary(
        M=m.M,
        H=m.H,
        n_regions=m.n_regions,
        regions_visited=0 if graph is None else graph.number_of_nodes(),
        topological_entropy=float("nan") if graph is None else graph_entropy(graph),
        fixed_points=fixed,
        cycles=len(orbits) - fixed,
        max_period=max_period,
        diverged=len(finite) < len(states),
    )


# ---- tables --------------------------------------------------------------------------------


def write_table(path: Path, rows: Iterable[dict]) -> None:
    """Write rows as CSV (columns: the keys in order of first appearance), atomically."""
    rows = list(rows)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(Path(path), buffer.getvalue())


# ---- analyze-many --------------------------------------------------------------------------


def _entries(folder: Path) -> Iterator[tuple[Path, str | None]]:
    """Checkpoints under ``folder`` as ``(path, None)``, special files as ``(path, kind)``."""
    for root, subfolders, files in os.walk(folder):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        special = {name: _special(Path(root) / name) for name in sorted(files)}
        special = {name: kind for name, kind in special.items() if kind is not None}
        yield from ((Path(root) / name, kind) for name, kind in special.items())
        if RUN_CHECKPOINT in files and RUN_CHECKPOINT not in special:
            yield Path(root), None
            subfolders.clear()
            continue
        picked = (f for f in sorted(files) if f.endswith(_MODEL_SUFFIXES) and f not in special)
        yield from ((Path(root) / name, None) for name in picked)


def _special(path: Path) -> str | None:
    """``special_kind`` of ``path``; None also for a broken link (its reader says it is gone)."""
    try:
        return special_kind(path)
    except OSError:
        return None


def find_checkpoints(folder: str | Path) -> list[Path]:
    """Run folders (holding ``model.npz``) and ``.npz``/``.pt``/``.pth`` files under ``folder``.

    Hidden folders (such as a sweep's unfinished ``.tmp-*`` runs) are skipped, and so are the
    other files inside a run folder, and special files (named pipes, sockets, devices: reading
    a pipe waits for a writer), whatever their names.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}")
    return [path for path, kind in _entries(folder) if kind is None]


def report_name(path: Path, folder: Path) -> str:
    """The report folder's name: the checkpoint's path inside ``folder``, ``/`` → ``__``."""
    inside = path.relative_to(folder).as_posix()
    return shown(path.name if inside == "." else inside.replace("/", "__"))


def _analysis_row(analysis: Analysis) -> dict:
    fixed = len(analysis.cycles.of_period(1))
    return {
        "M": analysis.M,
        "P": analysis.P,
        "model_type": analysis.model,
        "regions": analysis.n_regions,
        "regions_visited": analysis.empirical.n_nodes,
        "attractor_regions": " ".join(analysis.empirical.attractor_regions),
        "fixed_points": fixed,
        "cycles": len(analysis.cycles) - fixed,
        "max_period": analysis.cycles.max_period,
        "entropy_empirical": analysis.empirical.graph_entropy,
        "entropy_exact": analysis.exact.graph_entropy,
        "lambda_max": float(analysis.lyapunov.exponents[0]),
    }


def analyze_checkpoint(
    path: Path, folder: Path, out: Path, P: int | None = None, max_period: int | None = None
) -> dict:
    """Run :func:`~pwl_analysis.app.analysis.analyze` on one checkpoint; its row, never an error.

    The report goes to ``out / report_name(path, folder)``; an error (unreadable file,
    diverging free run, …) is recorded in the row as one line.
    """
    started = time.perf_counter()
    report = out / report_name(path, folder)
    head = {"model": shown(path), "report": shown(report)}
    try:
        m = load_model(path, P=P if path.suffix in (".pt", ".pth") else None)
        analysis = analyze(m, report, name=report.name, max_period=max_period)
        row = head | {"status": "ok", "error": ""} | _analysis_row(analysis)
    except Exception as error:  # recorded in the row; the other models go on
        row = head | {"status": "failed", "error": error_line(error)}
    return row | {"wall_time_s": time.perf_counter() - started}


def _lost_checkpoint(path: Path, error: BaseException) -> dict:
    return {"model": shown(path), "status": "failed", "error": error_line(error)}


@dataclass(frozen=True)
class BatchAnalysis:
    """The rows of ``analyze-many`` (one per checkpoint, in file order) and their table.

    Attributes
    ----------
    table : Path
        The CSV table ``analysis.csv``, one row per checkpoint.
    rows : tuple of dict
        The same rows: the model's path, its report folder, ``status`` (``"ok"`` or
        ``"failed"``), ``error`` and, for an analysed model, its key numbers.
    skipped : tuple of str
        The special files found (named pipes, sockets, devices), each as ``"PATH (KIND)"``:
        never opened, since reading a pipe waits for a writer.

    See Also
    --------
    analyze_many : computes this record.

    Examples
    --------
    A file that is not a model is one failed row, with the reason, and the others go on
    (here on a cluster of threads in this process, see :func:`analyze_many`):

    >>> import tempfile
    >>> from pathlib import Path
    >>> from dask.distributed import LocalCluster
    >>> from pwl_analysis.app import analyze_many
    >>> with (
    ...     tempfile.TemporaryDirectory() as folder,
    ...     LocalCluster(processes=False, n_workers=1, dashboard_address=None) as cluster,
    ... ):
    ...     _ = Path(folder, "broken.pt").write_bytes(b"not a model")
    ...     batch = analyze_many(folder, P=1, scheduler=cluster.scheduler_address, progress=False)
    ...     table = batch.table.read_text()
    >>> batch.failed, batch.rows[0]["status"], batch.rows[0]["error"].split(":")[0]
    (1, 'failed', 'ModelError')
    >>> table.splitlines()[0]
    'model,report,status,error,wall_time_s'
    """

    table: Path
    rows: tuple
    skipped: tuple[str, ...] = ()

    @property
    def failed(self) -> int:
        """Number of rows whose status is not ``ok``."""
        return sum(row["status"] != "ok" for row in self.rows)

    def __repr__(self) -> str:
        text = (
            f"Analysed {len(self.rows)} models ({self.failed} failed); reports and table in "
            f"{self.table.parent}"
        )
        if self.skipped:
            text += (
                f"\nSkipped {len(self.skipped)} special file(s), not regular files and never "
                f"opened: {', '.join(self.skipped)}"
            )
        return text

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {"table": str(self.table), "rows": list(self.rows), "skipped": list(self.skipped)}


def _check_options(P, max_period) -> None:
    """Refuse, before any model is read, a ``P`` or ``max_period`` no model could take."""
    if P is not None and (isinstance(P, bool) or not isinstance(P, int) or P < 0):
        raise UserInputError(f"P must be a non-negative integer, got {P!r}")
    if max_period is not None:
        Exhaustive().check_budget(max_period)


def analyze_many(
    folder: str | Path,
    out: str | Path | None = None,
    P: int | None = None,
    max_period: int | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    progress: bool = True,
) -> BatchAnalysis:
    """Analyse every checkpoint in ``folder`` in parallel: a report each and one CSV table.

    Parameters
    ----------
    folder : str or Path
        Searched recursively by :func:`find_checkpoints`.
    out : str or Path, optional
        Receives ``<name>/`` (the :func:`~pwl_analysis.app.analysis.analyze` report of each
        model, see :func:`report_name`) and ``analysis.csv``; default ``folder/analysis``.
    P : int, optional
        Piecewise-linear units of the ``.pt`` files (which do not store it; the other formats
        do).
    max_period : int, optional
        Largest cycle period searched; by default a cheap one for each model
        (:func:`~pwl_analysis.app.analysis.default_max_period`).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default: a local cluster
        of ``workers`` processes (see :func:`dask_client`).
    workers : int
        Worker processes of the local cluster.
    progress : bool
        A tqdm bar over the models.

    Returns
    -------
    BatchAnalysis
        One row per checkpoint: M, P, regions visited, attractor regions, fixed points,
        cycles, graph entropies of the empirical and exact graphs, λ_max, or the error.

    Raises
    ------
    FileNotFoundError
        ``folder`` does not exist or holds no checkpoint.
    UserInputError
        ``P`` is negative, ``max_period`` is not a positive integer or over the exhaustive
        search's longest period, or ``out`` is a name the file system cannot hold, or cannot
        be written (before any work).
    FileSystemFault
        The file system refused to write the table (a full disk); the reports are kept.

    Examples
    --------
    The tent map u ↦ 2u + 1/2 − 4 max(0, u) saved as an ``.npz`` archive, analysed on a Dask
    cluster of threads in this process (a cluster elsewhere is given by its address the same
    way): two fixed points, one 2-cycle, λ_max = log 2 (|f'| = 2 everywhere):

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from dask.distributed import LocalCluster
    >>> with (
    ...     tempfile.TemporaryDirectory() as folder,
    ...     LocalCluster(processes=False, n_workers=1, dashboard_address=None) as cluster,
    ... ):
    ...     np.savez(Path(folder, "tent.npz"), A=[2.0], W=[[-4.0]], h=[0.5], P=1)
    ...     batch = analyze_many(
    ...         folder, max_period=2, scheduler=cluster.scheduler_address, progress=False
    ...     )
    ...     report = Path(batch.rows[0]["report"])
    ...     written = sorted(p.name for p in report.iterdir() if p.suffix == ".json")
    >>> (row,) = batch.rows
    >>> row["status"], row["fixed_points"], row["cycles"], round(row["lambda_max"], 9)
    ('ok', 2, 1, 0.693147181)
    >>> report.name, written
    ('tent.npz', ['analysis.json', 'graph_empirical.json', 'graph_exact.json'])
    """
    _check_options(P, max_period)
    folder = Path(folder)
    paths = find_checkpoints(folder)
    skipped = tuple(
        f"{shown(path)} ({kind})" for path, kind in _entries(folder) if kind is not None
    )
    if not paths:
        also = f" (skipped, not regular files: {', '.join(skipped)})" if skipped else ""
        raise FileNotFoundError(f"no run folders, .npz or .pt files in {folder}{also}")
    out = Path(out) if out is not None else folder / "analysis"
    ancestor = check_path_fits(out, "output folder")
    if ancestor.is_dir():
        check_writable(ancestor)
    with translated(out, "nothing was written"):
        out.mkdir(parents=True, exist_ok=True)
    task = partial(analyze_checkpoint, folder=folder, out=out, P=P, max_period=max_period)
    rows = {}
    with dask_client(scheduler, workers) as client:
        for path, row in map_tasks(client, task, paths, _lost_checkpoint, progress, "analyze"):
            rows[path] = row
    ordered = tuple(rows[path] for path in paths)
    with translated(out / "analysis.csv", f"the reports of the models are kept in {out}"):
        write_table(out / "analysis.csv", ordered)
    return BatchAnalysis(table=out / "analysis.csv", rows=ordered, skipped=skipped)
