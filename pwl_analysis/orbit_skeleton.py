"""The skeleton of a learned flow: its exact periodic orbits, one coarse word at a time.

A chaotic attractor is organised by its unstable periodic orbits, and a flow's orbits are
named by short words, one letter per loop (L/R for Lorenz-63: every binary Lyndon word of
length ≥ 2 names exactly one orbit, Viswanath 2003).  For every Lyndon word w over a coarse
coding's alphabet up to ``max_word_length`` letters, :func:`skeleton` looks for the exact
cycles of the map whose coarse word (:meth:`SectionCoding.name
<pwl_analysis.coarse.SectionCoding.name>`) is w or a power w^r, r ≤ ``max_loops`` — an orbit
of the map that closes only after r turns (a mode-locked orbit: the map's time step does not
divide the period of the flow's orbit).

The coarse word fixes the order of the loops; the dwell times and the region word inside
each loop are what the search finds:

1. **Loops of free runs.**  Free runs z_0, …, z_{N−1} from random initial states are cut at
   their upward crossings of the coding's section; loop i has one letter.  Every stretch of
   consecutive loops reads a word, its least rotation.
2. **Seeds.**  Near-returns ‖z_{t+n} − z_t‖ < r of each run (a KD-tree,
   :func:`~pwl_analysis.methods.seeded.near_returns`) whose stretch (t, t + n] crosses the
   section before loops reading w^r are seeds of w^r; the ``candidates`` closest ones over
   all runs (apart in time) are kept, with their region words (d_t, …, d_{t+n−1}).
3. **SCYFI refinement** (:func:`~pwl_analysis.methods.scyfi.refine`, Eisenmann et al.
   2023): the cycle equation of a seed word is solved in floats and the word replaced by the
   regions its solution visits, until it is self-consistent.
4. **Decision.**  A self-consistent word whose float cycle the coding names w^r is decided
   rigorously as in the seeded search (:func:`~pwl_analysis.methods.seeded.certify_cycle`
   in ball arithmetic for long words, exact Rationals for short ones and where the balls
   are inconclusive), and the cycle is named again by the coding around its decided points.
   A cycle is listed under the word it *is* named by, whichever word's seeds found it; after
   ``_ENOUGH`` cycles of a word, further candidates for it are not decided.
5. **Shadowing orbits** for the words still without a cycle (``shadows`` per word).  A free
   run leaves an unstable orbit after a turn or two, so it holds no stretch reading w^r
   for larger r.  From the start z_t of each of the word's ``shadows`` closest one-turn
   seeds, the orbits of z_t + x v, v the leading eigenvector of the Jacobian product along
   the stretch (the unstable direction), are iterated, and x is narrowed to where the
   orbit follows w's letters longest (the PIM-triple procedure of Nusse & Yorke 1989): an
   orbit that reads w^r for many turns, whose near-returns are seeded, refined and decided
   as in steps 2–4.

Nothing is accepted on floats; a word without a cycle is reported with its evidence, the
closest stretch of loops of the free run that reads it (distance and length), and the
statement that no cycle was found — which is not a proof that none exists.

Notes
-----
Measured on the official ``lorenz_m20_p2`` (``pwl-analysis skeleton MODEL --P 2 --coding
lorenz --max-word-length 6``, seed 0, 2 shared cores under a load of about 2.5): the
free-run seeds alone (``shadows=0``) give cycles for 15 of the 21 words of length 2–6 in
33 s; the shadowing orbits add LLR ((LLR)^2, 442 steps; (LLR)^3, 655), LLLR ((LLLR)^2, 612;
(LLLR)^3, 934) and LRRRRR (531, 533): 18 in 46 s (the command: 48 s).  LLLLLR, LLRRRR
and LR stay without a cycle of ≤ 3 turns; 8 shadowing orbits per word instead of 3 add
none (59 s).  With ``--max-loops 8``: 19, LR added as below, in 64 s.

LR.  The free run's LR stretches take 140.9 steps per turn (L 61.7, R 78.9; the flow's
period 1.5587 is 155.9 steps of Δt = 0.01).  An orbit held near the LR loop by a 1-D search
along the unstable direction as in step 5 (its section points within 0.003 of the loop's)
takes 140.94, 140.90, 140.87, 140.78 steps per turn — the turn time depends on the phase,
the loop grazing the switching plane of a ReLU unit (|s| ≤ 0.004) once per turn — and leaves
after 5–7 turns whatever the 1-D offset; the one-turn Jacobian products along it have the
multipliers 7.2–7.7, 0.86–1.21 (eigenvectors within 7° of the flow direction) and |λ| <
0.02.  So the rotation per step along the loop is ≈ 1/140.9, not 1/141: the words read off
the loop at 24 phases for r ≤ 8 turns and k = ⌊140.9 r⌋ − 1 … ⌈140.9 r⌉ + 1 steps reach no
self-consistent word in 16 SCYFI steps (the 141-step word's cycle equation puts its solution
0.2 from the loop: the along-loop multiplier near 1 amplifies the 0.1-step mismatch).  No
locked cycle of the LR loop was found for any r ≤ 8.  What the shadowing orbits do find with
``max_loops=8`` is (LR)^6 (896 steps, two cycles) and (LR)^7 (1037): certified saddles named
LR^r whose turns are not alike (two or three LR turns of 141 steps, then loops of 94–103
steps; 148–149 steps per turn), so the coarse word is a power of LR while the orbit is not r
windings of one LR loop.

References
----------
Viswanath, D. (2003). Symbolic dynamics and periodic orbits of the Lorenz attractor.
Nonlinearity 16, 1035–1056.
Eisenmann, L., Monfared, Z., Göring, N., Durstewitz, D. (2023). Bifurcations and loss jumps in
RNN training. NeurIPS 2023 (SCYFI).
Nusse, H. E., Yorke, J. A. (1989). A procedure for finding numerical trajectories on chaotic
saddles. Physica D 36, 137–156.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from tqdm.auto import tqdm

from pwl_analysis.coarse import CODINGS, _least_rotation
from pwl_analysis.cycle_equation import float_cycle_points
from pwl_analysis.errors import BudgetError, Remedy, UserInputError
from pwl_analysis.free_runs import free_run
from pwl_analysis.methods.scyfi import refine
from pwl_analysis.methods.seeded import _decide, near_returns
from pwl_analysis.orbits import PeriodicOrbit
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.words import lyndon_strings, primitive_period

#: Most Lyndon words one search takes (a bound Σ q^n / n on their count is checked first).
MAX_WORDS = 4096
#: Most turns r of the powers w^r searched, and most free-run steps in all.
MAX_LOOPS, MAX_STEPS = 64, 10**8
#: The statement of a word without a cycle.
NO_CYCLE = "no cycle found"


@dataclass(frozen=True)
class NearReturn:
    """The closest stretch of loops of the free run that reads a word: the evidence.

    Attributes
    ----------
    run : int
        The seed of the free run's initial state (see :func:`skeleton`).
    start : int
        Index t of the free run where the stretch starts (a section crossing).
    steps : int
        Its length n in map steps.
    loops : int
        Its number of loops (the word's length).
    distance : float
        ‖z_{t+n} − z_t‖, in the model's coordinates.

    Examples
    --------
    The Lozi map read by loops ``a``/``b`` (see :func:`skeleton`): no cycle is found for
    the word b, and the closest stretch of one loop reading it is the evidence:

    >>> import numpy as np
    >>> from pwl_analysis import PWLMap, SectionCoding, skeleton
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> coding = SectionCoding(np.zeros(1), np.ones(1), np.array([[0.5], [1.0]]), "ab",
    ...                        np.array([[0.0, 1.0]]))
    >>> result = skeleton(lozi, coding, max_word_length=3, max_loops=1, n_runs=1, n_steps=3000)
    >>> closest = result["b"].closest
    >>> result["b"].found, closest.loops, closest.distance > 0
    (False, 1, True)
    """

    run: int
    start: int
    steps: int
    loops: int
    distance: float

    def __repr__(self) -> str:
        return (
            f"NearReturn({self.loops} loops in {self.steps} steps from t = {self.start} of run "
            f"{self.run}, "
            f"distance {self.distance:.3g})"
        )

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {
            "run": self.run,
            "start": self.start,
            "steps": self.steps,
            "loops": self.loops,
            "distance": self.distance,
        }


@dataclass(frozen=True)
class WordCycle:
    """An exact (or ball-certified) cycle whose coarse word is w^r.

    Attributes
    ----------
    loops : int
        r: the cycle closes after r turns through the word.
    cycle : PeriodicOrbit
        The decided cycle (:class:`~pwl_analysis.orbits.Cycle` or
        :class:`~pwl_analysis.orbits.CertifiedCycle`).

    Examples
    --------
    The Lozi map's 2-cycle is one loop ``a`` (see :func:`skeleton`):

    >>> import numpy as np
    >>> from pwl_analysis import PWLMap, SectionCoding, skeleton
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> coding = SectionCoding(np.zeros(1), np.ones(1), np.array([[0.5], [1.0]]), "ab",
    ...                        np.array([[0.0, 1.0]]))
    >>> result = skeleton(lozi, coding, max_word_length=3, max_loops=1, n_runs=1, n_steps=3000)
    >>> first = result["a"].cycles[0]
    >>> first.period, first.loops, first.cycle.regions
    (2, 1, ('0', '1'))
    """

    loops: int
    cycle: PeriodicOrbit

    @property
    def period(self) -> int:
        """Period k in map steps."""
        return self.cycle.period

    @property
    def multipliers(self) -> np.ndarray:
        """Floquet multipliers of the k-step map, by decreasing modulus."""
        return self.cycle.multipliers

    def __repr__(self) -> str:
        lead = self.multipliers[0]
        lead = lead.real if lead.imag == 0 else lead
        turns = f", {self.loops} turns" if self.loops > 1 else ""
        return (
            f"WordCycle(period {self.period}{turns}: {self.cycle.stability}, "
            f"leading multiplier {lead:.4g})"
        )

    def to_dict(self) -> dict:
        """The cycle's dict with ``loops``; ``certificate`` says how it was decided."""
        record = self.cycle.to_dict()
        record.pop("exact_points", None)
        record["loops"] = self.loops
        record.setdefault("certificate", {"method": "exact rationals"})
        return record


@dataclass(frozen=True)
class WordSkeleton:
    """The cycles found for one Lyndon word w, or the evidence that none was.

    Attributes
    ----------
    word : str
        The Lyndon word w.
    cycles : tuple of WordCycle
        Cycles named w^r, r ≤ ``max_loops``, by loops and then period.
    closest : NearReturn or None
        The closest stretch of the free run reading w; None when no stretch reads it.

    Examples
    --------
    The Lozi map read by loops ``a``/``b`` (see :func:`skeleton`):

    >>> import numpy as np
    >>> from pwl_analysis import PWLMap, SectionCoding, skeleton
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> coding = SectionCoding(np.zeros(1), np.ones(1), np.array([[0.5], [1.0]]), "ab",
    ...                        np.array([[0.0, 1.0]]))
    >>> result = skeleton(lozi, coding, max_word_length=3, max_loops=1, n_runs=1, n_steps=3000)
    >>> result["ab"].found, result["b"].to_dict()["statement"]
    (True, 'no cycle found')
    """

    word: str
    cycles: tuple[WordCycle, ...]
    closest: NearReturn | None

    @property
    def found(self) -> bool:
        """Whether some cycle was found for the word."""
        return bool(self.cycles)

    def __repr__(self) -> str:
        if self.found:
            return f"WordSkeleton({self.word}: {len(self.cycles)} cycle(s), {self.cycles[0]!r})"
        return f"WordSkeleton({self.word}: {NO_CYCLE}; closest {self.closest!r})"

    def to_dict(self) -> dict:
        """``{"word", "cycles", "closest", "statement"}``, JSON-ready."""
        return {
            "word": self.word,
            "cycles": [cycle.to_dict() for cycle in self.cycles],
            "closest": None if self.closest is None else self.closest.to_dict(),
            "statement": f"{len(self.cycles)} cycle(s) found" if self.found else NO_CYCLE,
        }


@dataclass(frozen=True)
class Skeleton:
    """Every Lyndon word up to a length with its cycles or its evidence (:func:`skeleton`).

    Attributes
    ----------
    words : tuple of WordSkeleton
        One per Lyndon word, by length and then alphabetically.
    coding : str
        The coding's description.
    max_word_length, max_loops : int
        The search's bounds.
    time_step : float or None
        Δt of one map step in the flow's time units, where known.
    free_run_steps : int
        Total length of the free runs the seeds came from.

    Examples
    --------
    The Lozi map read by loops ``a``/``b`` (see :func:`skeleton`): cycles for three of the
    five Lyndon words up to length 3 (one turn each):

    >>> import numpy as np
    >>> from pwl_analysis import PWLMap, SectionCoding, skeleton
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> coding = SectionCoding(np.zeros(1), np.ones(1), np.array([[0.5], [1.0]]), "ab",
    ...                        np.array([[0.0, 1.0]]))
    >>> result = skeleton(lozi, coding, max_word_length=3, max_loops=1, n_runs=1, n_steps=3000)
    >>> result.coverage(), [entry.word for entry in result.words if not entry.found]
    ((3, 5), ['b', 'abb'])
    """

    words: tuple[WordSkeleton, ...]
    coding: str
    max_word_length: int
    max_loops: int
    time_step: float | None
    free_run_steps: int

    def __getitem__(self, word: str) -> WordSkeleton:
        for entry in self.words:
            if entry.word == word:
                return entry
        raise KeyError(word)

    def coverage(self, min_length: int = 1) -> tuple[int, int]:
        """(words with a cycle, words) among the words of at least ``min_length`` letters."""
        counted = [w for w in self.words if len(w.word) >= min_length]
        return sum(w.found for w in counted), len(counted)

    def __repr__(self) -> str:
        found, total = self.coverage()
        missing = [w.word for w in self.words if not w.found]
        return (
            f"Skeleton({found} of {total} words up to length {self.max_word_length} with a "
            f"cycle (≤ {self.max_loops} turns); none found for {' '.join(missing) or '-'})"
        )

    def to_dict(self) -> dict:
        """``{"words": [...], "time_step", "coverage", …}``, JSON-ready."""
        found, total = self.coverage()
        return {
            "words": [w.to_dict() for w in self.words],
            "time_step": self.time_step,
            "coverage": {"found": found, "words": total},
            "coding": self.coding,
            "max_word_length": self.max_word_length,
            "max_loops": self.max_loops,
            "free_run_steps": self.free_run_steps,
        }


def skeleton(
    m: PWLMap,
    coding,
    max_word_length: int = 6,
    max_loops: int = 3,
    *,
    n_runs: int = 16,
    n_steps: int = 150_000,
    transient: int = 1_000,
    radius: float = 0.03,
    neighbours: int = 48,
    candidates: int = 16,
    max_iter: int = 16,
    exact_max_period: int = 32,
    shadows: int = 3,
    time_step: float | None = None,
    seed: int = 0,
    progress: bool = False,
) -> Skeleton:
    """Exact cycles of every Lyndon word w (and its powers w^r) of a coarse coding.

    See the module docstring for the search.  The cycles listed are decided exactly or in
    ball arithmetic and named by the coding; a word without one carries its evidence.  Not
    a completeness guarantee: a cycle no free run comes near, or whose SCYFI iteration does
    not settle, is missed.

    Parameters
    ----------
    m : PWLMap
        The map.
    coding : SectionCoding, LoopRegionCoding, or str
        The coarse coding (an object with ``alphabet``, ``loops(points)``, ``word(points)``
        and ``name(cycle)``), or the name of one in :data:`~pwl_analysis.coarse.CODINGS`
        (``"lorenz"``, ``"rossler"``), built for ``m``.
    max_word_length : int
        Longest Lyndon word, in letters (loops).
    max_loops : int
        Largest r of the powers w^r searched.
    n_runs : int
        Free runs, from the random initial states of seeds ``seed``, ``seed + 1``, ….
    n_steps, transient : int
        Each free run's length and the steps dropped before it.
    radius : float
        Near-return radius, relative to a free run's bounding-box diagonal.
    neighbours : int
        Nearest neighbours queried per point of a free run.
    candidates : int
        Closest near-returns per w^r used as seeds.
    max_iter : int
        SCYFI steps per seed.
    exact_max_period : int
        Cycles up to this period are decided in exact Rationals, longer ones in balls.
    shadows : int
        One-turn seeds per word still without a cycle from which a shadowing orbit is
        sought (step 5 of the module docstring); 0 skips the step.
    time_step : float, optional
        Δt of a map step, recorded in the result.
    seed : int
        Seed of the first free run's random initial state.
    progress : bool
        Show a progress bar over the words.

    Returns
    -------
    Skeleton
        One :class:`WordSkeleton` per Lyndon word: its cycles, or its closest near-return.

    Raises
    ------
    UserInputError
        A bound below 1, ``shadows`` below 0, a ``time_step`` that is not positive, or an
        unknown coding name.
    BudgetError
        More Lyndon words than :data:`MAX_WORDS`, more turns than :data:`MAX_LOOPS` or more
        free-run steps than :data:`MAX_STEPS` (refused before any free run, naming the
        parameter to lower).

    References
    ----------
    Viswanath, D. (2003). Symbolic dynamics and periodic orbits of the Lorenz attractor.
    Nonlinearity 16, 1035–1056.

    Examples
    --------
    The Lozi map x' = 1 − 1.7|x| + y, y' = x/2 (on z = (y, x)) with a loop for each upward
    crossing of x = 0, named ``a`` or ``b`` by where it lands; its 2-cycle, through x < 0
    and x > 0, is one loop ``a``:

    >>> import numpy as np
    >>> from pwl_analysis import PWLMap, SectionCoding, skeleton
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> coding = SectionCoding(
    ...     origin=np.zeros(1),
    ...     normal=np.ones(1),
    ...     anchors=np.array([[0.5], [1.0]]),
    ...     letters="ab",
    ...     observation=np.array([[0.0, 1.0]]),
    ... )
    >>> result = skeleton(lozi, coding, max_word_length=2, max_loops=1, n_runs=1, n_steps=3000)
    >>> [entry.word for entry in result.words], result["a"].cycles[0]
    (['a', 'b', 'ab'], WordCycle(period 2: flip saddle (index 1), leading multiplier -1.747))
    """
    _check_bounds(
        max_word_length=max_word_length, max_loops=max_loops, n_runs=n_runs, n_steps=n_steps
    )
    if isinstance(shadows, bool) or not isinstance(shadows, (int, np.integer)) or shadows < 0:
        raise UserInputError(f"shadows must be an integer ≥ 0, got {shadows!r}")
    if time_step is not None and not (np.isfinite(time_step) and time_step > 0):
        raise UserInputError(f"time_step must be a positive number, got {time_step!r}")
    coding = _coding(m, coding)
    _check_word_budget(len(coding.alphabet), max_word_length, max_loops)
    if n_runs * n_steps > MAX_STEPS:
        raise BudgetError(
            f"{n_runs} free runs of {n_steps} steps exceed the budget of {MAX_STEPS:.0e} steps",
            (Remedy("n_steps", "lower", MAX_STEPS // n_runs), Remedy("n_runs", "lower")),
        )
    targets = _targets(coding.alphabet, max_word_length, max_loops)
    runs = []
    for first in range(0, n_runs, _RUNS_TOGETHER):
        seeds = range(seed + first, seed + min(first + _RUNS_TOGETHER, n_runs))
        starts = np.stack([np.random.default_rng(s).normal(0.0, 0.1, m.M) for s in seeds])
        orbits = free_run(m, n_steps, transient, starts)  # (n_steps, runs, M), iterated together
        runs += [
            _Loops.of_free_run(m, coding, orbits[:, i], s, targets, radius, neighbours)
            for i, s in enumerate(seeds)
        ]
    pool: dict[PeriodicOrbit, str] = {}
    order = list(dict.fromkeys(w for w, _ in targets.values()))
    search = (m, coding, targets, max_loops, candidates, max_iter, exact_max_period)
    for word in tqdm(order, desc="words", disable=not progress):
        _search_word(pool, runs, word, *search)
    for word in order:
        if shadows and not _count(pool, targets, word):
            orbits = [
                _shadowing_orbit(m, coding, runs[i], t, n, 2 * max_loops + 2)
                for _, i, t, n in _closest_seeds(runs, (word, 1), shadows)
            ]
            shadowing = [
                _Loops.of_free_run(m, coding, orbit, -1, targets, radius, neighbours)
                for orbit in orbits
                if len(orbit) > 1
            ]
            _search_word(pool, shadowing, word, *search)
    return Skeleton(
        words=tuple(_word_entry(w, pool, targets, _evidence(runs, w)) for w in order),
        coding=repr(coding),
        max_word_length=int(max_word_length),
        max_loops=int(max_loops),
        time_step=None if time_step is None else float(time_step),
        free_run_steps=int(n_runs * n_steps),
    )


@dataclass(frozen=True)
class _Loops:
    """A free run's region word and loops, near-return seeds and closest stretches.

    ``seeds`` maps (w, r) to near-returns (distance, t, n); ``states`` holds z_t where the
    one-turn seeds start, for :func:`_shadowing_orbit`.
    """

    regions: np.ndarray
    starts: np.ndarray
    letters: str
    seeds: dict
    states: dict
    closest: dict

    @classmethod
    def of_free_run(cls, m, coding, run, seed, targets, radius, neighbours):
        run = np.ascontiguousarray(run)
        starts, letters = coding.loops(run)
        longest = max(len(word) for word, _ in targets.values())
        seeds = _seeds(run, starts, letters, targets, radius, neighbours)
        turn = [t for (_, r), group in seeds.items() if r == 1 for _, t, _ in group]
        return cls(
            regions=m.region_of(run),
            starts=starts,
            letters=letters,
            seeds=seeds,
            states={t: run[t].copy() for t in turn},
            closest=_closest_stretches(run, starts, letters, longest, seed),
        )


def _search_word(
    pool, runs, word, m, coding, targets, max_loops, candidates, max_iter, exact_max_period
) -> None:
    """Seed w^r, r ≤ max_loops, from the runs' closest near-returns; refine; decide."""
    words = [
        runs[i].regions[t : t + n]
        for r in range(1, max_loops + 1)
        for _, i, t, n in _closest_seeds(runs, (word, r), candidates)
    ]
    consistent, _ = refine(m, words, max_iter + 1, False)
    _decide_into(pool, m, coding, consistent, targets, exact_max_period)


def _shadowing_orbit(m: PWLMap, coding, loops: _Loops, t: int, n: int, turns: int) -> np.ndarray:
    """An orbit of ``turns`` · n steps from near z_t that follows its stretch's letters longest.

    The stretch (t, t + n] of the run reads the letters p; the orbits of z_t + x v, v the
    leading eigenvector of J_{d_{t+n−1}} ⋯ J_{d_t}, are iterated for x on a grid, and the
    grid narrowed around the x whose orbit reads p p p … for the most steps (the PIM-triple
    procedure, Nusse & Yorke 1989), down to the float resolution of z_t.
    """
    z, regions = loops.states[t], loops.regions[t : t + n]
    first = int(np.searchsorted(loops.starts, t, side="right"))
    last = int(np.searchsorted(loops.starts, t + n, side="right"))
    pattern = loops.letters[first:last]
    product = np.eye(m.M)
    for jacobian in m.jacobians[regions]:
        product = jacobian @ product
        product /= np.abs(product).max()  # the direction is what counts, not the scale
    values, vectors = np.linalg.eig(product)
    direction = np.real(vectors[:, np.argmax(np.abs(values))])
    direction /= np.linalg.norm(direction)
    low, high = -_PIM_WIDTH, _PIM_WIDTH
    resolution = _PIM_RESOLUTION * (1.0 + np.abs(z).max())
    for _ in range(_PIM_REFINEMENTS):
        offsets = np.linspace(low, high, _PIM_GRID)
        orbits = free_run(m, n * turns, 0, z + offsets[:, None] * direction, bounded=False)
        followed = [_steps_following(coding, orbits[:, i], pattern) for i in range(_PIM_GRID)]
        best = int(np.argmax(followed))
        low, high = offsets[max(best - 1, 0)], offsets[min(best + 1, _PIM_GRID - 1)]
        if followed[best] == len(orbits) or high - low <= resolution:
            break
    return _finite_part(orbits[:, best])


def _steps_following(coding, orbit: np.ndarray, pattern: str) -> int:
    """Steps for which an open orbit's loops read the pattern p p p … (its first loop p_0)."""
    orbit = _finite_part(orbit)
    starts, letters = coding.loops(orbit)
    expected = (pattern * (len(letters) // max(len(pattern), 1) + 1))[: len(letters)]
    wrong = next((i for i, pair in enumerate(zip(letters, expected)) if len(set(pair)) > 1), None)
    return len(orbit) if wrong is None else int(starts[wrong])


def _finite_part(orbit: np.ndarray) -> np.ndarray:
    """The states of an orbit (T, M) before its first non-finite one."""
    finite = np.isfinite(orbit).all(axis=1)
    return orbit if finite.all() else orbit[: int(np.argmin(finite))]


#: Half-width of the first PIM interval, its grid, most refinements, and the resolution
#: (relative to 1 + ‖z_t‖_∞) where it stops.
_PIM_WIDTH, _PIM_GRID, _PIM_REFINEMENTS, _PIM_RESOLUTION = 1e-2, 9, 40, 1e-15


def _closest_seeds(runs: list[_Loops], target: tuple[str, int], candidates: int) -> list:
    """The ``candidates`` closest seeds (distance, run, t, n) of w^r over all runs."""
    seeds = [(d, i, t, n) for i, run in enumerate(runs) for d, t, n in run.seeds.get(target, [])]
    return sorted(seeds)[:candidates]


def _evidence(runs: list[_Loops], word: str) -> NearReturn | None:
    found = [run.closest[word] for run in runs if word in run.closest]
    return min(found, key=lambda stretch: stretch.distance, default=None)


def _check_bounds(**bounds) -> None:
    for name, value in bounds.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise UserInputError(f"{name} must be an integer ≥ 1, got {value!r}")


def _coding(m: PWLMap, coding):
    if isinstance(coding, str):
        if coding not in CODINGS:
            raise UserInputError(
                f"unknown coding {coding!r}: expected one of {', '.join(sorted(CODINGS))} "
                "or a coding object"
            )
        return CODINGS[coding](m)
    return coding


def _lyndon_bound(letters: int, length: int) -> float:
    """Σ_{n ≤ length} q^n / n: at least the number of Lyndon words of length ≤ ``length``."""
    return sum(float(letters) ** n / n for n in range(1, length + 1))


def _check_word_budget(letters: int, max_word_length: int, max_loops: int) -> None:
    """Refuse, before any free run, more Lyndon words than :data:`MAX_WORDS`, or powers."""
    if max_loops > MAX_LOOPS:
        raise BudgetError(
            f"{max_loops} turns per word is over the budget of {MAX_LOOPS}",
            (Remedy("max_loops", "lower", MAX_LOOPS),),
        )
    if _lyndon_bound(letters, max_word_length) <= MAX_WORDS:
        return
    fits = max(n for n in range(1, max_word_length) if _lyndon_bound(letters, n) <= MAX_WORDS)
    raise BudgetError(
        f"Lyndon words of up to {max_word_length} letters over {letters} would be up to "
        f"{_lyndon_bound(letters, max_word_length):.3g} words to search, over the budget of "
        f"{MAX_WORDS}",
        (Remedy("max_word_length", "lower", fits),),
    )


def _targets(alphabet: str, max_word_length: int, max_loops: int) -> dict[str, tuple[str, int]]:
    """Loop string w^r → (w, r) for every Lyndon word w up to the length, r ≤ max_loops.

    Lyndon words are taken in the alphabet's string order, the order of the least rotations
    the codings name cycles by.
    """
    return {
        word * r: (word, r)
        for word in lyndon_strings(alphabet, max_word_length)
        for r in range(1, max_loops + 1)
    }


def _seeds(run, starts, letters, targets, radius, neighbours) -> dict:
    """(w, r) → the closest near-returns (distance, t, n) reading w^r, apart in time.

    At most ``_SEEDS_PER_RUN`` per (w, r); two seeds are apart when their starts differ by
    more than a quarter of the return time.
    """
    loops = max(len(target) for target in targets)
    longest = int(np.diff(starts).max()) if len(starts) > 1 else len(run)
    t, n, distance = near_returns(
        run, 2, min(loops * longest, len(run) - 1), radius, neighbours, _STRIDE
    )
    before = np.searchsorted(starts, np.arange(len(run)), side="right")  # crossings ≤ t
    first, count = before[t], before[t + n] - before[t]
    usable = (count >= 1) & (count <= loops) & (first + count <= len(letters))
    seeds: dict[tuple[str, int], list] = {}
    names: dict[tuple[int, int], str] = {}
    order = np.argsort(distance, kind="stable")
    for i in order[usable[order]]:
        key = (int(first[i]), int(count[i]))
        if key not in names:
            names[key] = _name(letters[key[0] : key[0] + key[1]])
        target = targets.get(names[key])
        if target is None:
            continue
        group = seeds.setdefault(target, [])
        if len(group) < _SEEDS_PER_RUN and all(abs(t[i] - s) > n[i] // 4 for _, s, _ in group):
            group.append((float(distance[i]), int(t[i]), int(n[i])))
    return seeds


#: Free runs iterated together (their points are dropped once their loops are read).
_RUNS_TOGETHER = 4
#: Seeds kept per (w, r) and free run.
_SEEDS_PER_RUN = 32
#: Near-returns are looked for from every _STRIDE-th point of a free run (neighbouring
#: starts return almost alike; a quarter of the KD-tree queries).
_STRIDE = 4


@lru_cache(maxsize=65_536)
def _name(loops: str) -> str:
    """The least rotation of a string of loop letters (cached: few distinct strings)."""
    return _least_rotation(loops)


def _decide_into(pool: dict, m: PWLMap, coding, words, targets, exact_max_period) -> None:
    """Decide self-consistent words and add their cycles to ``pool`` with their names.

    A word is decided only when the coding names its float cycle by a target word w^r
    whose Lyndon word has fewer than ``_ENOUGH`` cycles in the pool (the name is then
    taken again from the decided cycle).
    """
    for word in words:
        word = np.asarray(word)
        word = word[: primitive_period(word.tolist())]
        points, ok = float_cycle_points(m, word[None])
        target = targets.get(coding.word(points[0])) if ok[0] else None
        if target is None or _count(pool, targets, target[0]) >= _ENOUGH:
            continue
        record = _decide(m, word, exact_max_period)
        if isinstance(record, PeriodicOrbit) and record not in pool:
            pool[record] = coding.name(record)


#: Cycles per word after which further candidates for it are not decided.
_ENOUGH = 3


def _count(pool: dict, targets: dict, word: str) -> int:
    """Cycles in the pool named by a power of ``word``."""
    return sum(targets.get(name, ("", 0))[0] == word for name in pool.values())


def _word_entry(word: str, pool: dict, targets: dict, closest) -> WordSkeleton:
    cycles = [
        WordCycle(targets[name][1], cycle)
        for cycle, name in pool.items()
        if targets.get(name, ("", 0))[0] == word
    ]
    cycles.sort(key=lambda c: (c.loops, c.period, c.cycle.regions))
    return WordSkeleton(word, tuple(cycles), closest)


def _closest_stretches(run, starts, letters, max_word_length, seed) -> dict[str, NearReturn]:
    """Lyndon word → the stretch of its length of loops reading it with the closest return."""
    closest: dict[str, NearReturn] = {}
    points = run[starts]
    for length in range(1, max_word_length + 1):
        if len(letters) < length:
            break
        distance = np.linalg.norm(points[length:] - points[:-length], axis=1)
        for i in np.argsort(distance, kind="stable"):
            word = _name(letters[i : i + length])
            if word not in closest:
                steps = int(starts[i + length] - starts[i])
                closest[word] = NearReturn(seed, int(starts[i]), steps, length, float(distance[i]))
    return closest


# ---- printing ------------------------------------------------------------------------------


def skeleton_table(result: Skeleton) -> str:
    """The skeleton as an aligned plain-text table: a row per cycle, or the word's evidence.

    Columns: the word, the cycle's period k (map steps), its turns r, k / r per turn (and
    × Δt where the time step is known), the leading multiplier and the stability; a word
    without a cycle shows "no cycle found" and its closest return (distance, steps).
    """
    step = result.time_step
    header = ["word", "k", "r", "k/r" if step is None else "k/r·Δt", "leading λ", "stability"]
    rows = []
    for entry in result.words:
        for found in entry.cycles:
            lead = found.multipliers[0]
            per_turn = found.period / found.loops * (1 if step is None else step)
            rows.append(
                [
                    entry.word,
                    str(found.period),
                    str(found.loops),
                    f"{per_turn:.5g}",
                    f"{lead.real:.4g}" if lead.imag == 0 else f"{lead:.3g}",
                    str(found.cycle.stability),
                ]
            )
        if not entry.found:
            closest = entry.closest
            evidence = (
                "no loops read it"
                if closest is None
                else f"closest return {closest.distance:.3g} after {closest.steps} steps"
            )
            rows.append([entry.word, "-", "-", "-", "-", f"{NO_CYCLE}; {evidence}"])
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
        for line in [header, *rows]
    )
