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

1. **Loops of a free run.**  A free run z_0, …, z_{N−1} is cut at its upward crossings of the
   coding's section; loop i has one letter.  Every stretch of i ≤ j consecutive loops reads a
   word, its least rotation.
2. **Seeds.**  Near-returns ‖z_{t+n} − z_t‖ < r of the free run (a KD-tree,
   :func:`~pwl_analysis.methods.seeded.near_returns`) whose stretch (t, t + n] crosses the
   section before loops reading w^r are seeds of w^r; the ``candidates`` closest ones (apart
   in time) are kept, their region words (d_t, …, d_{t+n−1}) and those one step shorter and
   longer (the dwell in the last region is what closes the orbit).
3. **SCYFI refinement** (:func:`~pwl_analysis.methods.scyfi.refine`, Eisenmann et al.
   2023): the cycle equation of a seed word is solved in floats and the word replaced by the
   regions its solution visits, until it is self-consistent.
4. **PL homotopy**, for the words SCYFI leaves without a cycle.  A seed stretch is an exact
   orbit segment but for its closing jump e = f(z_{n−1}) − z_0.  The equations
   f(z_j) − z_{j+1} = (1 − s) e_j (e_j the stretch's jumps, j cyclic) have the stretch as
   solution at s = 0 and a cycle at s = 1.  With the region word fixed, their solution is
   affine in s, Z(s) = A + s B, so the path is followed exactly piece by piece: to the first
   s where a switching coordinate of some z_j reaches 0, then in the neighbouring region's
   piece, in the direction that carries that coordinate into its new region (a piecewise-
   linear path following, as for piecewise-linear equations, Eaves 1976).  Reaching s = 1
   gives a self-consistent word.
5. **Decision.**  Every self-consistent word is decided rigorously as in the seeded search
   (:func:`~pwl_analysis.methods.seeded.certify_cycle` in ball arithmetic for long words,
   exact Rationals for short ones and where the balls are inconclusive), and the cycle is
   named by the coding around its exact (or certified) points.  A cycle is listed under the
   word it *is* named by, whichever word's seeds found it.

Nothing is accepted on floats; a word without a cycle is reported with its evidence, the
closest stretch of loops of the free run that reads it (distance and length), and the
statement that no cycle was found — which is not a proof that none exists.

References
----------
Viswanath, D. (2003). Symbolic dynamics and periodic orbits of the Lorenz attractor.
Nonlinearity 16, 1035–1056.
Eisenmann, L., Monfared, Z., Göring, N., Durstewitz, D. (2023). Bifurcations and loss jumps in
RNN training. NeurIPS 2023 (SCYFI).
Eaves, B. C. (1976). A short course in solving equations with PL homotopies. SIAM-AMS
Proceedings 9, 73–143.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from pwl_analysis.coarse import CODINGS, _least_rotation
from pwl_analysis.errors import UserInputError
from pwl_analysis.free_runs import free_run
from pwl_analysis.methods.scyfi import refine
from pwl_analysis.methods.seeded import _decide, near_returns
from pwl_analysis.orbits import PeriodicOrbit
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.words import lyndon_words, primitive_period

#: The statement of a word without a cycle.
NO_CYCLE = "no cycle found"


@dataclass(frozen=True)
class NearReturn:
    """The closest stretch of loops of the free run that reads a word: the evidence.

    Attributes
    ----------
    start : int
        Index t of the free run where the stretch starts (a section crossing).
    steps : int
        Its length n in map steps.
    loops : int
        Its number of loops (the word's length).
    distance : float
        ‖z_{t+n} − z_t‖, in the model's coordinates.
    """

    start: int
    steps: int
    loops: int
    distance: float

    def __repr__(self) -> str:
        return (
            f"NearReturn({self.loops} loops in {self.steps} steps from t = {self.start}, "
            f"distance {self.distance:.3g})"
        )

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {
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
        Length of the free run the seeds came from.
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
    n_steps: int = 60_000,
    transient: int = 1_000,
    radius: float = 0.03,
    neighbours: int = 48,
    candidates: int = 8,
    max_iter: int = 16,
    homotopy_candidates: int = 3,
    max_pivots: int = 400,
    exact_max_period: int = 32,
    time_step: float | None = None,
    seed: int = 0,
    progress: bool = False,
) -> Skeleton:
    """Exact cycles of every Lyndon word w (and its powers w^r) of a coarse coding.

    See the module docstring for the search.  The cycles listed are decided exactly or in
    ball arithmetic and named by the coding; a word without one carries its evidence.

    Parameters
    ----------
    m : PWLMap
        The map.
    coding : SectionCoding, LoopRegionCoding, or str
        The coarse coding (an object with ``alphabet``, ``loops(points)`` and
        ``name(cycle)``), or the name of one in :data:`~pwl_analysis.coarse.CODINGS`
        (``"lorenz"``, ``"rossler"``), built for ``m``.
    max_word_length : int
        Longest Lyndon word, in letters (loops).
    max_loops : int
        Largest r of the powers w^r searched.
    n_steps, transient : int
        The free run's length and the steps dropped before it.
    radius : float
        Near-return radius, relative to the free run's bounding-box diagonal.
    neighbours : int
        Nearest neighbours queried per point of the free run.
    candidates : int
        Closest near-returns per w^r used as seeds.
    max_iter : int
        SCYFI steps per seed.
    homotopy_candidates : int
        Seeds per w^r followed by the PL homotopy when SCYFI found no cycle for w.
    max_pivots : int
        Pieces of one homotopy path before it is given up.
    exact_max_period : int
        Cycles up to this period are decided in exact Rationals, longer ones in balls.
    time_step : float, optional
        Δt of a map step, recorded in the result.
    seed : int
        Seed of the free run's random initial state.
    progress : bool
        Show a progress bar over the words.

    Returns
    -------
    Skeleton

    Raises
    ------
    UserInputError
        A bound below 1, or an unknown coding name.

    References
    ----------
    Viswanath, D. (2003). Symbolic dynamics and periodic orbits of the Lorenz attractor.
    Nonlinearity 16, 1035–1056.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| read through the section u = 1/6 (its fixed point), a
    loop marked 1 when it enters u ≤ 0: the 2-cycle −1/10 ↦ 3/10 is one loop through
    u ≤ 0, so it is the word 1:

    >>> from pwl_analysis import PWLMap, skeleton
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> result = skeleton(tent, "rossler", max_word_length=2, max_loops=1, n_steps=2000)
    >>> [w.word for w in result.words], result["1"].found
    (['0', '1', '01'], True)
    """
    _check_bounds(max_word_length=max_word_length, max_loops=max_loops, n_steps=n_steps)
    coding = _coding(m, coding)
    run = free_run(m, n_steps, transient, np.random.default_rng(seed).normal(0.0, 0.1, m.M))
    starts, letters = coding.loops(run)
    targets = _targets(coding.alphabet, max_word_length, max_loops)
    seeds = _seeds(run, starts, letters, targets, radius, neighbours, candidates)
    regions = m.region_of(run)
    pool: dict[PeriodicOrbit, str] = {}
    order = list(dict.fromkeys(w for w, _ in targets.values()))
    for word in tqdm(order, desc="words", disable=not progress):
        stretches = [seeds.get((word, r), []) for r in range(1, max_loops + 1)]
        words = [
            regions[t : t + n + dn] for group in stretches for t, n in group for dn in (0, -1, 1)
        ]
        consistent, _ = refine(m, words, max_iter + 1, False)
        _decide_into(pool, m, coding, consistent, exact_max_period)
        if not any(name == word * r for name in pool.values() for r in range(1, max_loops + 1)):
            paths = [run[t : t + n] for group in stretches for t, n in group[:homotopy_candidates]]
            found = [_follow_homotopy(m, segment, max_pivots) for segment in paths]
            _decide_into(pool, m, coding, [w for w in found if w is not None], exact_max_period)
    evidence = _closest_stretches(run, starts, letters, max_word_length)
    return Skeleton(
        words=tuple(_word_entry(w, pool, targets, evidence.get(w)) for w in order),
        coding=repr(coding),
        max_word_length=int(max_word_length),
        max_loops=int(max_loops),
        time_step=None if time_step is None else float(time_step),
        free_run_steps=int(n_steps),
    )


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


def _targets(alphabet: str, max_word_length: int, max_loops: int) -> dict[str, tuple[str, int]]:
    """Loop string w^r → (w, r) for every Lyndon word w up to the length, r ≤ max_loops.

    Lyndon words are taken in the alphabet's string order, the order of the least rotations
    the codings name cycles by.
    """
    letters = "".join(sorted(alphabet))
    targets = {}
    for length in range(1, max_word_length + 1):
        for row in lyndon_words(len(letters), length):
            word = "".join(letters[i] for i in row)
            for r in range(1, max_loops + 1):
                targets[word * r] = (word, r)
    return targets


def _seeds(run, starts, letters, targets, radius, neighbours, candidates) -> dict:
    """(w, r) → the closest near-return stretches (t, n) reading w^r, apart in time."""
    loops = max(len(target) for target in targets)
    longest = int(np.diff(starts).max()) if len(starts) > 1 else len(run)
    t, n, distance = near_returns(run, 2, min(loops * longest, len(run) - 1), radius, neighbours)
    before = np.searchsorted(starts, np.arange(len(run)), side="right")  # crossings ≤ t
    first, count = before[t], before[t + n] - before[t]
    usable = (count >= 1) & (count <= loops) & (first + count <= len(letters))
    seeds: dict[tuple[str, int], list] = {}
    order = np.argsort(distance, kind="stable")
    for i in order[usable[order]]:
        target = targets.get(_least_rotation(letters[first[i] : first[i] + count[i]]))
        if target is None:
            continue
        group = seeds.setdefault(target, [])
        if len(group) < candidates and all(abs(t[i] - s) > n[i] // 4 for s, _ in group):
            group.append((int(t[i]), int(n[i])))
    return seeds


def _decide_into(pool: dict, m: PWLMap, coding, words, exact_max_period: int) -> None:
    """Decide self-consistent words and add their cycles to ``pool`` with their names."""
    for word in words:
        word = np.asarray(word)
        record = _decide(m, word[: primitive_period(word.tolist())], exact_max_period)
        if isinstance(record, PeriodicOrbit) and record not in pool:
            pool[record] = coding.name(record)


def _word_entry(word: str, pool: dict, targets: dict, closest) -> WordSkeleton:
    cycles = [
        WordCycle(targets[name][1], cycle)
        for cycle, name in pool.items()
        if targets.get(name, ("", 0))[0] == word
    ]
    cycles.sort(key=lambda c: (c.loops, c.period, c.cycle.regions))
    return WordSkeleton(word, tuple(cycles), closest)


def _closest_stretches(run, starts, letters, max_word_length) -> dict[str, NearReturn]:
    """Lyndon word → the stretch of its length of loops reading it with the closest return."""
    closest: dict[str, NearReturn] = {}
    points = run[starts]
    for length in range(1, max_word_length + 1):
        if len(letters) < length:
            break
        distance = np.linalg.norm(points[length:] - points[:-length], axis=1)
        for i in np.argsort(distance, kind="stable"):
            word = _least_rotation(letters[i : i + length])
            if word not in closest:
                steps = int(starts[i + length] - starts[i])
                closest[word] = NearReturn(int(starts[i]), steps, length, float(distance[i]))
    return closest


# ---- the PL homotopy -----------------------------------------------------------------------


def _follow_homotopy(m: PWLMap, segment: np.ndarray, max_pivots: int) -> np.ndarray | None:
    """The self-consistent region word at s = 1 of the homotopy from ``segment`` (n, M).

    See the module docstring (step 4); None when the path leaves s ∈ [−``_S_MIN``, 1],
    meets a singular piece or an empty cell, or takes more than ``max_pivots`` pieces.
    """
    _, W2, h2 = m.relu_layer
    cells = {tuple(bits): i for i, bits in enumerate(m.region_bits.tolist())}
    jumps = m(segment) - np.roll(segment, -1, axis=0)
    word = m.region_of(segment).copy()
    signs = m.region_bits[word].astype(bool)
    s, flipped = 0.0, None
    for _ in range(max_pivots):
        path = _affine_path(m, word, jumps)
        if path is None:
            return None
        y0, y1 = path[0] @ W2.T + h2, path[1] @ W2.T + h2  # switching values y(s) = y0 + s y1
        direction = 1.0
        if flipped is not None:
            direction = np.sign(y1[flipped]) * (1.0 if signs[flipped] else -1.0)
            if direction == 0:
                return None
        with np.errstate(divide="ignore", invalid="ignore"):
            ahead = (-y0 / y1 - s) * direction
        ahead[~np.isfinite(ahead) | (ahead <= _S_TOLERANCE)] = np.inf
        if flipped is not None:
            ahead[flipped] = np.inf
        j, i = np.unravel_index(np.argmin(ahead), ahead.shape)
        end = 1.0 if direction > 0 else -_S_MIN
        if ahead[j, i] >= (end - s) * direction:
            return word if direction > 0 else None
        s += direction * ahead[j, i]
        signs[j, i] = not signs[j, i]
        cell = cells.get(tuple(int(b) for b in signs[j]))
        if cell is None:
            return None
        word[j], flipped = cell, (j, i)
    return None


#: The homotopy parameter may go down to −_S_MIN before a path is given up.
_S_MIN = 5.0
#: Crossings closer than this in s to the current point are the one just made.
_S_TOLERANCE = 1e-12


def _affine_path(m: PWLMap, word: np.ndarray, jumps: np.ndarray):
    """(A, B), each (k, M): the solution Z(s) = A + s B of z_{j+1} = J z_j + c − (1 − s) e_j.

    The loop's product Π and its offsets (for s = 0 and the s-slope) give z_0 from
    (I − Π) z_0 = c(s); the other points are its images.  None when I − Π is singular.
    """
    J, c = m.jacobians, np.asarray(m.offsets)
    k, M = len(word), m.M
    product, offset = np.eye(M), np.zeros((M, 2))
    for j, region in enumerate(word):
        product = J[region] @ product
        offset = J[region] @ offset
        offset[:, 0] += c[region] - jumps[j]
        offset[:, 1] += jumps[j]
    try:
        z = np.linalg.solve(np.eye(M) - product, offset)
    except np.linalg.LinAlgError:
        return None
    points = np.empty((k, M, 2))
    points[0] = z
    for j in range(1, k):
        region = word[j - 1]
        points[j] = J[region] @ points[j - 1]
        points[j, :, 0] += c[region] - jumps[j - 1]
        points[j, :, 1] += jumps[j - 1]
    if not np.isfinite(points).all():
        return None
    return points[..., 0], points[..., 1]


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
