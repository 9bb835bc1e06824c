"""The ``analyze`` pipeline: one model in, a folder of mathematics out.

For a map f it computes, in this order,

1. a free run z_t = f^t(z_0) from z_0 = 0, of which the first ``transient`` states are dropped;
2. every fixed point and cycle up to a period K cheap for the model (``default_max_period``),
   exactly and completely (:class:`~pwl_analysis.methods.exhaustive.Exhaustive`);
3. the empirical symbolic graph of the run and the LP-certified exact graph inside the run's
   bounding box (on all regions when the map has at most 32, else on the visited ones);
4. their topology (:func:`~pwl_analysis.topology.graph_topology`) and the Lyapunov spectrum
   along the run (:func:`~pwl_analysis.lyapunov.lyapunov_spectrum`);
5. bounds on the topological entropy from the admissible region words in the box of a free
   run (:func:`~pwl_analysis.entropy.entropy_bounds`), at a length cheap for the model
   (``entropy_length``; skipped, with the reason, for maps with too many regions, and for
   maps other than AL-RNNs, whose admissible words are not written yet);
6. when step 2 finds fixed points alone (a flow sampled at a small time step), the long
   cycles of a seeded search (:class:`~pwl_analysis.methods.seeded.TrajectorySeeded`, a few
   seconds), named by a coarse coding (:mod:`pwl_analysis.coarse`, chosen by the model's
   name: ``lorenz…`` or ``rossler…``), and the role of each region on the attractor
   (:func:`~pwl_analysis.roles.region_roles`);

and writes ``analysis.json``, ``equations.tex`` (and ``equations.pdf`` when ``pdflatex`` is
installed), ``graph_empirical.graphml/.json``, ``graph_exact.graphml/.json``,
``attractor.png`` and ``graph.png``.  Everything is produced in a hidden temporary folder
inside the output folder first (on the same file system, even when the output folder is a
mount point) and then moved in file by file with :func:`os.replace`, so a failure leaves the
output folder as it was, and files there that the pipeline does not write are kept.  A name
the file system cannot hold, or a folder that cannot be written, is refused before any work;
a fault while writing (a full disk) is one sentence saying what was kept.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import networkx as nx
import numpy as np

from pwl_analysis._atomic import write_atomically, write_json
from pwl_analysis._filesystem import (
    FileSystemFault,
    as_fault,
    check_path_fits,
    check_writable,
)
from pwl_analysis.app._folders import output_lock
from pwl_analysis.coarse import CODINGS
from pwl_analysis.entropy import EntropyBounds, entropy_bounds
from pwl_analysis.errors import UserInputError
from pwl_analysis.free_runs import free_run
from pwl_analysis.graph import empirical_graph, exact_graph, write_graph
from pwl_analysis.latex import compile_pdf, map_to_latex
from pwl_analysis.lyapunov import LyapunovSpectrum, lyapunov_spectrum
from pwl_analysis.methods import Exhaustive, TrajectorySeeded
from pwl_analysis.orbits import CycleSet, PeriodicOrbit
from pwl_analysis.pwl_map import AlrnnOnlyError, PWLMap
from pwl_analysis.rational import Rationalization
from pwl_analysis.rational import rationalize as to_rationals
from pwl_analysis.roles import RegionRole, region_roles
from pwl_analysis.symbolic import symbolic_sequence
from pwl_analysis.topology import Topology, graph_topology
from pwl_analysis.words import SearchTooLargeError

#: The default period K keeps the exhaustive search at about this many region words: n^K.
_WORD_BUDGET = 4096
#: ... and never beyond this period.
_MAX_DEFAULT_PERIOD = 12
#: The exact graph covers all regions up to this many, else only the visited ones.
_EXACT_ALL_REGIONS_MAX = 32
#: The seeded search for long cycles: free-run length and candidate words (a few seconds on
#: lorenz_m20_p2), and the longest period, a few loops of a flow sampled at Δt = 0.01.
_LONG_STEPS, _LONG_SEEDS, _LONG_MAX_PERIOD = 30_000, 150, 450
#: Entropy bounds: words decided by LP in M > 2 (about q^n ≤ 256 per length, a few seconds on
#: lorenz_m20_p2), and for M ≤ 2 (polygons, no LP) a fixed length with a budget per length
#: (Lozi: 1142 words of length 12 in 0.7 s).
_ENTROPY_LP_WORDS, _ENTROPY_PLANAR_LENGTH, _ENTROPY_PLANAR_WORDS = 256, 12, 20_000


def entropy_length(m: PWLMap) -> tuple[int | None, str]:
    """The word length n of ``analyze``'s entropy bounds, or None with the reason.

    M ≤ 2: n = 12 (admissibility by cutting polygons, no LP).  Otherwise the largest n with
    q^n ≤ 256 for the map's q regions, so the LPs take a few seconds; None when q^2 > 256.

    >>> from pwl_analysis import PWLMap
    >>> entropy_length(PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1))
    (12, '')
    """
    if m.M <= 2:
        return _ENTROPY_PLANAR_LENGTH, ""
    q = m.n_regions
    n = int(math.log(_ENTROPY_LP_WORDS) / math.log(q)) if q > 1 else _ENTROPY_PLANAR_LENGTH
    if n < 2:
        return None, (
            f"not computed: {q} regions give up to {q}^2 = {q * q} words of length 2, each an "
            f"LP in {m.M} dimensions (more than {_ENTROPY_LP_WORDS} words)"
        )
    return min(n, _ENTROPY_PLANAR_LENGTH), ""


def _entropy(m: PWLMap, progress: bool) -> tuple[EntropyBounds | None, str]:
    """``entropy_bounds`` in the free run's box at :func:`entropy_length`, or the reason not."""
    length, reason = entropy_length(m)
    if length is None:
        return None, reason
    budget = _ENTROPY_PLANAR_WORDS if m.M <= 2 else _ENTROPY_LP_WORDS
    try:
        return entropy_bounds(m, length, max_words=budget, progress=progress), ""
    except AlrnnOnlyError as error:
        return None, f"not computed: {error}"
    except SearchTooLargeError:
        return None, f"not computed: more than {budget} admissible words of some length ≤ {length}"


def default_max_period(m: PWLMap) -> int:
    """Largest K with q^K ≤ 4096 for q regions (at most 12, at least 1): a second or so.

    >>> from pwl_analysis import PWLMap
    >>> default_max_period(PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1))
    12
    """
    if m.n_regions == 1:
        return 1
    return max(1, min(_MAX_DEFAULT_PERIOD, int(math.log(_WORD_BUDGET) / math.log(m.n_regions))))


def attractor_exact_graph(
    m: PWLMap, orbit: np.ndarray, cycles: CycleSet | None = None, progress: bool = False
) -> nx.DiGraph:
    """The exact graph inside the run's bounding box; on the visited regions beyond 32."""
    regions = None if m.n_regions <= _EXACT_ALL_REGIONS_MAX else symbolic_sequence(m, orbit).visited
    return exact_graph(
        m,
        box=(orbit.min(axis=0), orbit.max(axis=0)),
        regions=regions,
        cycles=cycles,
        sequence=symbolic_sequence(m, orbit),
        progress=progress,
    )


@dataclass(frozen=True)
class Analysis:
    """What ``analyze`` computed and where it wrote it.

    Attributes
    ----------
    name : str
        The model's name in the report.
    M : int
        Latent units.
    model : str
        The model class (``"AL-RNN"``, ``"shPLRNN"``, …).
    H, n_regions : int
        Switching functions (an AL-RNN's P piecewise-linear units) and linear regions.
    switching : tuple of str
        Each switching function s_i(z) = (W₂ z + h₂)_i, 4 significant digits; Ω_d is where
        s_i > 0 exactly for d_i = 1.
    steps, transient : int
        Length of the free run from z_0 = 0 and of its discarded transient.
    cycles : CycleSet
        Every orbit up to the period searched, exact and complete.
    lyapunov : LyapunovSpectrum
        Along the free run.
    empirical, exact : Topology
        Of the free run's symbolic graph and of the LP-certified graph in its box.
    folder : Path
        Where the files were written.
    files : tuple of str
        The files written, by name.
    rationalization : Rationalization or None
        With ``rationalize=True``: how the weights were made rational.
    long_cycles : CycleSet or None
        Cycles of the seeded search, when it ran.
    coding : str or None
        The coarse coding that named them (``"lorenz"``, ``"rossler"``).
    coarse_words : tuple of str
        The coarse word of each long cycle.
    roles : tuple of RegionRole
        What each region carries on the attractor.
    dt : float or None
        Time step of the data, for exponents per time unit.
    entropy : EntropyBounds or None
        Bounds from the admissible words in the free run's box.
    entropy_skipped : str
        Why the entropy bounds were skipped, if they were.

    See Also
    --------
    analyze : computes this record and writes its files.

    Examples
    --------
    The map u ↦ u/2 + 1/2 − max(0, u) has one fixed point, u = 1/3, attracting with
    multiplier −1/2, and no other orbit: no entropy, the free run in Ω_1 alone:

    >>> import tempfile
    >>> from pwl_analysis import PWLMap
    >>> from pwl_analysis.app import analyze
    >>> m = PWLMap.from_alrnn([0.5], [[-1.0]], [0.5], P=1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     analysis = analyze(m, folder, name="contraction", max_period=4, long_cycles=False)
    >>> analysis.only_fixed_points, analysis.empirical.attractor_regions
    (True, ('1',))
    >>> analysis.entropy.upper == 0.0, analysis.summary()["Lyapunov spectrum"]
    (True, '-0.6931 per step')
    """

    name: str
    M: int
    model: str
    H: int
    n_regions: int
    switching: tuple[str, ...]
    steps: int
    transient: int
    cycles: CycleSet
    lyapunov: LyapunovSpectrum
    empirical: Topology
    exact: Topology
    folder: Path
    files: tuple[str, ...]
    rationalization: Rationalization | None = None
    long_cycles: CycleSet | None = None
    coding: str | None = None
    coarse_words: tuple[str, ...] = ()
    roles: tuple[RegionRole, ...] = ()
    dt: float | None = None
    entropy: EntropyBounds | None = None
    entropy_skipped: str = ""

    @property
    def P(self) -> int | None:
        """An AL-RNN's piecewise-linear units (H); None for the other model classes."""
        return self.H if self.model == "AL-RNN" else None

    @property
    def only_fixed_points(self) -> bool:
        """The complete search up to K found no orbit of period > 1."""
        return all(c.period == 1 for c in self.cycles)

    def long_cycle_rows(self) -> list[tuple[str, PeriodicOrbit]]:
        """(coarse word, cycle) of the seeded cycles longer than the complete search's K."""
        if self.long_cycles is None:
            return []
        words = self.coarse_words or ("",) * len(self.long_cycles)
        K = self.cycles.max_period
        return [(w, c) for w, c in zip(words, self.long_cycles) if c.period > K]

    def summary(self) -> dict[str, str]:
        """Key numbers as text, for the report's summary table."""
        K = self.cycles.max_period
        rows = {
            "model": f"{self.name} ({self._size()})",
            "free run": f"{self.steps} steps after a transient of {self.transient}, from z_0 = 0",
            "orbits": f"{len(self.cycles)} of period <= {K} (complete)",
        }
        if self.long_cycles is not None:
            long = self.long_cycle_rows()
            periods = f", periods {long[0][1].period}-{long[-1][1].period}" if long else ""
            rows["long cycles"] = (
                f"{len(long)} of period {K + 1}-{self.long_cycles.max_period} found by the "
                f"seeded search{periods} (not a completeness guarantee)"
            )
        rows["Lyapunov spectrum"] = _exponents(self.lyapunov.exponents) + " per step"
        if self.dt is not None:
            rows["Lyapunov spectrum"] += (
                f"; {_exponents(self.lyapunov.exponents / self.dt)} per time unit "
                f"(dt = {self.dt:g})"
            )
        rows |= {
            "attractor regions": " ".join(self.empirical.attractor_regions),
            "entropy, empirical graph": f"{self.empirical.graph_entropy:.4f}",
            "entropy, exact graph": f"{self.exact.graph_entropy:.4f}",
            "entropy, periodic orbits": self._periodic_entropy_text(),
            "entropy, admissible words": self._admissible_entropy_text(),
        }
        return rows

    def _size(self) -> str:
        units = f"P = {self.P}" if self.P is not None else f"{self.model}, H = {self.H}"
        return f"M = {self.M}, {units}, {self.n_regions} regions"

    def _admissible_entropy_text(self) -> str:
        bounds = self.entropy
        if bounds is None:
            return self.entropy_skipped
        kind = "proven bound" if bounds.lower_is_bound else "estimate"
        return (
            f"{bounds.lower:.4f} ({kind}) <= h_top <= {bounds.upper:.4f} (proven bound), "
            f"words of length <= {len(bounds.word_counts)} in the free run's box"
        )

    def _periodic_entropy_text(self) -> str:
        K = self.cycles.max_period
        if self.only_fixed_points:
            return (
                f"not estimated: the only orbits of period <= {K} are fixed points, and "
                f"(1/K) log N_K would count only them"
            )
        if self.exact.periodic_entropy is None:
            return "n/a"
        return f"{self.exact.periodic_entropy:.4f} (K = {K})"

    def __repr__(self) -> str:
        lines = [f"Analysis of {self.name} → {self.folder}"]
        lines += [f"  {key}: {value}" for key, value in self.summary().items()]
        lines.append(f"  files: {', '.join(self.files)}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "name": self.name,
            "M": self.M,
            "P": self.P,
            "model_type": self.model,
            "H": self.H,
            "regions": self.n_regions,
            "switching": list(self.switching),
            "steps": self.steps,
            "transient": self.transient,
            "cycles": self.cycles.to_dict(),
            "lyapunov": self.lyapunov.to_dict(),
            "topology_empirical": self.empirical.to_dict(),
            "topology_exact": self.exact.to_dict(),
            "files": list(self.files),
            "long_cycles": None if self.long_cycles is None else self.long_cycles.to_dict(),
            "coding": self.coding,
            "coarse_words": list(self.coarse_words),
            "roles": [r.to_dict() for r in self.roles],
            "dt": self.dt,
            "entropy_bounds": None if self.entropy is None else self.entropy.to_dict(),
            "entropy_bounds_skipped": self.entropy_skipped or None,
            "rationalization": None
            if self.rationalization is None
            else self.rationalization.to_dict(),
        }


def _exponents(values: np.ndarray) -> str:
    return ", ".join(f"{x:.4f}" for x in values[:5]) + (", ..." if values.size > 5 else "")


def _coding(m: PWLMap, name: str, coding: str | None):
    """The coarse coding named ``coding``, or the one whose key starts ``name``; (key, coding).

    A model that does not fit its coding (a "lorenz" model without two wing fixed points)
    gets none: (None, None).
    """
    key = coding or next((k for k in CODINGS if name.lower().startswith(k)), None)
    if key is None or key == "none":
        return None, None
    if key not in CODINGS:
        raise ValueError(f"unknown coding {key!r}; expected one of {sorted(CODINGS)} or 'none'")
    try:
        return key, CODINGS[key](m)
    except ValueError:
        return None, None


def _long_cycles(m: PWLMap, cycles: CycleSet, long_cycles: bool | None, progress: bool):
    """The seeded search beyond K, when asked, or by default when only fixed points exist."""
    run = all(c.period == 1 for c in cycles) if long_cycles is None else long_cycles
    if not run:
        return None
    method = TrajectorySeeded(
        n_steps=_LONG_STEPS, max_seeds=_LONG_SEEDS, min_period=cycles.max_period + 1
    )
    try:
        return m.cycles(_LONG_MAX_PERIOD, method=method, progress=progress)
    except ValueError:  # the seeded free run diverges
        return None


def _write_report(analysis: Analysis, m: PWLMap, graphs, orbit, folder: Path) -> list[str]:
    # matplotlib only when a report is written: ``import pwl_analysis`` stays light
    from pwl_analysis.app.figures import attractor_figure, graph_figure, save_figure

    empirical, exact = graphs
    files = []
    for kind, graph in (("empirical", empirical), ("exact", exact)):
        for suffix in (".graphml", ".json"):
            files.append(write_graph(graph, folder / f"graph_{kind}{suffix}").name)
    units = tuple(range(min(3, m.M)))
    files.append(
        save_figure(
            attractor_figure(m, orbit, analysis.cycles, units), folder / "attractor.png"
        ).name
    )
    files.append(save_figure(graph_figure(empirical), folder / "graph.png").name)
    tex = map_to_latex(
        m,
        name=f"{analysis.name}: exact analysis",
        cycles=analysis.cycles,
        graph=empirical,
        figure="graph.png",
        summary=analysis.summary(),
        exact=analysis.rationalization is not None,
        rationalization=analysis.rationalization,
        long_cycles=analysis.long_cycles,
        coarse_words=analysis.coarse_words,
        roles=analysis.roles,
    )
    files.append(write_atomically(folder / "equations.tex", tex).name)
    if shutil.which("pdflatex"):
        files.append(compile_pdf(folder / "equations.tex").name)
    return files


def analyze(
    m: PWLMap,
    out: str | Path,
    *,
    name: str = "model",
    max_period: int | None = None,
    steps: int = 10_000,
    transient: int = 1_000,
    progress: bool = False,
    rationalize: bool = False,
    long_cycles: bool | None = None,
    coding: str | None = None,
    dt: float | None = None,
) -> Analysis:
    """Analyse a model and write the report into the folder ``out`` (created if needed).

    Parameters
    ----------
    m : PWLMap
        The map to analyse.
    out : path
        Output folder; files of the same names are replaced, others are kept.
    name : str
        The model's name in the report.
    max_period : int, optional
        Largest cycle period searched; :func:`default_max_period` when omitted.
    steps, transient : int
        Length of the free run (from z_0 = 0) and of the discarded transient.
    progress : bool
        Show progress bars.
    rationalize : bool
        Analyse the map whose weights are the simplest rationals within the float weights'
        rounding (:func:`pwl_analysis.rational.rationalize`) instead: the floats, and so
        the free run, are the same; the exact cycles are those of the rational map.
    long_cycles : bool, optional
        Run the seeded search (:class:`~pwl_analysis.methods.seeded.TrajectorySeeded`, a few
        seconds) for cycles of period K+1 … 450; by default only when the complete search
        finds fixed points alone, as for a model of a flow sampled at a small time step.
    coding : str, optional
        ``"lorenz"``, ``"rossler"`` or ``"none"``: the coarse coding naming long cycles and
        region roles (:mod:`pwl_analysis.coarse`, :mod:`pwl_analysis.roles`); by default the
        one whose name starts ``name`` (``lorenz63``, ``lorenz_m20_p2``), if it fits.
    dt : float, optional
        Time step of the data, for Lyapunov exponents per time unit.

    Returns
    -------
    Analysis
        Everything computed, with the folder and the files written.

    Raises
    ------
    UserInputError
        Bad lengths, a diverging free run, ``out`` that is an existing file, a name the file
        system cannot hold, or ``out`` being written by another process at the same time (a
        lock).
    FileSystemFault
        ``out`` cannot be written (read-only, permissions: before any work), or the file system
        refused a write (a full disk): the message says which files, if any, were replaced.

    Examples
    --------
    The map u ↦ u/2 + 1/2 − max(0, u) has one fixed point, u = 1/3, attracting with
    multiplier −1/2; the files hold it in exact rationals:

    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from pwl_analysis import PWLMap
    >>> m = PWLMap.from_alrnn([0.5], [[-1.0]], [0.5], P=1)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     analysis = analyze(m, folder, name="contraction", max_period=4, long_cycles=False)
    ...     written = json.loads(Path(folder, "analysis.json").read_text())
    >>> written["cycles"]["cycles"][0]["exact_points"]
    [['1/3']]
    >>> sorted(name for name in analysis.files if name.endswith(".json"))
    ['analysis.json', 'graph_empirical.json', 'graph_exact.json']
    """
    out = Path(out)
    ancestor = check_path_fits(out, "output folder")
    if out.exists() and not out.is_dir():
        raise UserInputError(f"output folder {out} exists and is not a folder")
    if ancestor.is_dir():
        check_writable(ancestor)
    rational = to_rationals(m) if rationalize else None
    m = m if rational is None else rational.map
    with output_lock(out):
        return _analyze(
            m, out, name, max_period, steps, transient, progress, rational, long_cycles, coding, dt
        )


def _analyze(
    m, out: Path, name, max_period, steps, transient, progress, rational, long_cycles, coding, dt
) -> Analysis:
    K = default_max_period(m) if max_period is None else max_period
    orbit = free_run(m, steps, transient)
    cycles = m.cycles(K, method=Exhaustive(), progress=progress)
    coding_key, coarse = _coding(m, name, coding)
    long = _long_cycles(m, cycles, long_cycles, progress)
    words = () if long is None or coarse is None else tuple(coarse.name(c) for c in long)
    empirical = empirical_graph(m, orbit, cycles)
    exact = attractor_exact_graph(m, orbit, cycles, progress)
    spectrum = lyapunov_spectrum(m, orbit[0], steps=steps, transient=0, progress=progress)
    entropy, entropy_skipped = _entropy(m, progress)
    draft = Analysis(
        name=name,
        M=m.M,
        model=m.model,
        H=m.H,
        n_regions=m.n_regions,
        switching=tuple(str(f) for f in m.switching_functions().evalf(4)),
        steps=steps,
        transient=transient,
        cycles=cycles,
        lyapunov=spectrum,
        empirical=graph_topology(empirical, cycles),
        exact=graph_topology(exact, cycles),
        folder=out,
        files=(),
        rationalization=rational,
        long_cycles=long,
        coding=coding_key,
        coarse_words=words,
        roles=region_roles(m, orbit, cycles, coarse),
        dt=dt,
        entropy=entropy,
        entropy_skipped=entropy_skipped,
    )
    return _write_into(out, draft, m, (empirical, exact), orbit)


def _write_into(out: Path, draft: Analysis, m: PWLMap, graphs, orbit) -> Analysis:
    """Write the report in a hidden folder inside ``out``, then move it in file by file.

    A file-system fault is raised as a :class:`FileSystemFault` saying which files of ``out``
    were already replaced (none, unless a rename in ``out`` itself failed); a folder ``out``
    made here and left empty is removed again.
    """
    created = not out.exists()
    moved: list[str] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out, prefix=".analysis-in-progress.") as staging:
            staging = Path(staging)
            files = _write_report(draft, m, graphs, orbit, staging)
            files.append("analysis.json")
            result = replace(draft, files=tuple(files))
            write_json(staging / "analysis.json", result.to_dict())
            for file in files:
                os.replace(staging / file, out / file)
                moved.append(file)
    except (OSError, FileSystemFault) as error:
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        kept = _kept(out, created, moved)
        fault = as_fault(error, out, kept)
        if fault is None:
            raise
        raise fault from error
    return result


def _kept(out: Path, created: bool, moved: list[str]) -> str:
    """What a fault while writing the analysis left in ``out``."""
    if moved:
        return (
            f"{len(moved)} file(s) of the new analysis had replaced those in {out} "
            f"({', '.join(moved)}), the other files there are as they were"
        )
    return "nothing was written" if created else f"{out} is as it was"
