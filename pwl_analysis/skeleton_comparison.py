"""A model's skeleton beside the system's: periodic orbits compared word by word.

A faithful reconstruction has the system's periodic orbits and no others.  Given the exact
cycles of a map by coarse word (a :class:`~pwl_analysis.skeleton.Skeleton`) and the orbits
of a reference — the true flow's, from its equations, or a recording's close returns —
:func:`compare_skeletons` puts them side by side:

- per Lyndon word w, the reference's period T_w and leading multiplier Λ_w beside the model's
  period per loop k Δt / r (for a cycle of k steps whose coarse word is w^r, r turns through
  w), the relative error |k Δt / r − T_w| / T_w of the model cycle nearest the reference, and
  the model's leading multiplier (with its sign: a negative one is a half-twist of the
  unstable direction per turn, another template);
- the **spurious** words — a cycle in the model, none in the reference (for Lorenz-63 the
  one-wing words L and R) — listed first, and the **missing** ones;
- coverage: words with a cycle in the model among the reference's words;
- **linking numbers** (:mod:`pwl_analysis.linking`) of every pair of words up to a length,
  for the model's cycles (closed polygons in the read-out coordinates) and the reference's
  orbits, with the disagreements marked.  A linking number does not change under an
  orientation-preserving affine change of coordinates, so the flow's orbits may be given in
  the system's own coordinates or in the z-scored ones of the data.

Δt is the time of one map step in the reference's time units.  Where it is not known it is
estimated from the reference itself — the median of T_w r / k over the words both have — and
the comparison says so: the period errors then measure how the periods scale with one
another, not their absolute size.

The reference is any iterable of records with ``word``, ``period`` (time units) and
optionally ``leading_multiplier`` and a closed ``curve`` (n, 3): :class:`ReferenceOrbit`,
built by :func:`training.truth.flow_reference` for a built-in flow and by
:func:`close_return_reference` for a recording.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from pwl_analysis.errors import UserInputError
from pwl_analysis.linking import LinkingComparison, compare_linking, linking_matrix


@dataclass(frozen=True)
class ReferenceOrbit:
    """One periodic orbit of the reference system, named by its coarse word.

    Attributes
    ----------
    word : str
        Its Lyndon word.
    period : float
        T, in the reference's time units.
    leading_multiplier : complex or None
        Λ, the Floquet multiplier of largest modulus other than the flow's trivial 1; None
        where the reference does not give one (close returns of a recording).
    curve : ndarray of shape (n, 3) or None
        The orbit as a closed curve in read-out coordinates (for linking numbers).

    Examples
    --------
    Lorenz-63's shortest periodic orbit (Viswanath 2003):

    >>> ReferenceOrbit("LR", 1.5586522).period
    1.5586522
    """

    word: str
    period: float
    leading_multiplier: complex | None = None
    curve: np.ndarray | None = None


@dataclass(frozen=True)
class Reference:
    """The reference's orbits, which words it lacks, and what it is.

    Attributes
    ----------
    name : str
        What the reference is ("the Lorenz-63 flow", "close returns of the data").
    orbits : tuple of ReferenceOrbit
        One per word the reference has.
    absent : frozenset of str
        Words the reference was searched for and lacks.  For a flow from its equations,
        words with no orbit; for a recording, words with no close return (weaker: not seen).

    Examples
    --------
    >>> flow = Reference("Lorenz-63", (ReferenceOrbit("LR", 1.5586522),), frozenset("LR"))
    >>> flow.words, flow["LR"].period, sorted(flow.absent)
    (('LR',), 1.5586522, ['L', 'R'])
    """

    name: str
    orbits: tuple[ReferenceOrbit, ...]
    absent: frozenset[str]

    def __getitem__(self, word: str) -> ReferenceOrbit:
        for orbit in self.orbits:
            if orbit.word == word:
                return orbit
        raise KeyError(word)

    @property
    def words(self) -> tuple[str, ...]:
        """The words with an orbit."""
        return tuple(orbit.word for orbit in self.orbits)


def close_return_reference(
    returns: Iterable, name: str = "close returns of the data", searched: Iterable[str] = ()
) -> Reference:
    """A :class:`Reference` from close returns of a recording (no multipliers, no curves).

    For a word seen at several periods the one with the most returns is kept.  The words of
    ``searched`` that no close return reads are the reference's absent words: not seen in
    the recording, which is weaker than "the system has no such orbit".

    Parameters
    ----------
    returns : iterable of CloseReturn
        Close returns of the recording (:func:`~pwl_analysis.close_return.close_returns`).
    name : str
        What the reference is called in the comparison.
    searched : iterable of str
        The words looked for.

    Returns
    -------
    Reference
        One orbit per word seen, with its period in time units.

    Examples
    --------
    A circle sampled 100 times a turn, one loop ``a`` per turn, period 100 × 0.01:

    >>> import numpy as np
    >>> from pwl_analysis import SectionCoding, close_returns
    >>> t = 2 * np.pi * np.arange(1000) / 100
    >>> circle = np.column_stack([np.cos(t), np.sin(t)])
    >>> coding = SectionCoding(np.zeros(2), np.array([0.0, 1.0]), np.array([[1.0, 0.0]]),
    ...                        "a", np.eye(2))
    >>> reference = close_return_reference(close_returns(circle, 0.01, coding), searched="ab")
    >>> reference["a"].period, sorted(reference.absent)
    (1.0, ['b'])
    """
    best: dict[str, object] = {}
    for record in returns:
        kept = best.get(record.word)
        if kept is None or record.count > kept.count:
            best[record.word] = record
    orbits = tuple(ReferenceOrbit(word, float(r.period)) for word, r in best.items())
    return Reference(name, orbits, frozenset(searched) - set(best))


@dataclass(frozen=True)
class WordComparison:
    """One word: the reference's orbit beside the model's cycles.

    Attributes
    ----------
    word : str
        The Lyndon word.
    reference_period : float or None
        T_w; None where the reference has no orbit for the word.
    reference_multiplier : complex or None
        Λ_w of the reference.
    absent_in_reference : bool
        The reference was searched for the word and lacks it.
    model_periods : tuple of float
        k Δt / r for each of the model's cycles of the word (period per loop, time units).
    model_loops : tuple of int
        r of each cycle.
    model_multipliers : tuple of complex
        The leading multiplier of each cycle's k-step map (the map's Floquet multiplier over
        the whole cycle, r turns).

    Examples
    --------
    The Lozi map's cycles named by loops ``a``/``b`` beside a made-up reference whose ``ab``
    has period 1.2 (Δt = 0.2): its cycles of 7, 7 and 9 steps take 1.4 and 1.8 per loop:

    >>> import numpy as np
    >>> from pwl_analysis import PWLMap, SectionCoding, skeleton
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> coding = SectionCoding(np.zeros(1), np.ones(1), np.array([[0.5], [1.0]]), "ab",
    ...                        np.array([[0.0, 1.0]]))
    >>> found = skeleton(lozi, coding, max_word_length=2, max_loops=1, n_runs=1, n_steps=3000)
    >>> reference = Reference("a made-up flow", (ReferenceOrbit("ab", 1.2),), frozenset({"a"}))
    >>> result = compare_skeletons(found, reference, time_step=0.2)
    >>> row = result["ab"]
    >>> row.model_periods, round(row.period_error, 4), row.spurious
    ((1.4000000000000001, 1.4000000000000001, 1.8), 0.1667, False)
    """

    word: str
    reference_period: float | None
    reference_multiplier: complex | None
    absent_in_reference: bool
    model_periods: tuple[float, ...]
    model_loops: tuple[int, ...]
    model_multipliers: tuple[complex, ...]

    @property
    def in_model(self) -> bool:
        """The model has a cycle of the word."""
        return bool(self.model_periods)

    @property
    def spurious(self) -> bool:
        """A cycle in the model for a word the reference lacks."""
        return self.in_model and self.absent_in_reference

    @property
    def missing(self) -> bool:
        """An orbit in the reference and no cycle found in the model."""
        return self.reference_period is not None and not self.in_model

    @property
    def period_error(self) -> float | None:
        """Relative error of the model period per loop nearest T_w (None if either lacks it)."""
        if self.reference_period is None or not self.in_model:
            return None
        errors = np.abs(np.array(self.model_periods) - self.reference_period)
        return float(errors.min() / self.reference_period)

    @property
    def single_loop_multiplier(self) -> complex | None:
        """The leading multiplier of the model's first one-turn cycle (r = 1), if any."""
        for loops, multiplier in zip(self.model_loops, self.model_multipliers):
            if loops == 1:
                return multiplier
        return None

    def to_dict(self) -> dict:
        """JSON-ready record (complex numbers as [re, im])."""
        return {
            "word": self.word,
            "reference_period": self.reference_period,
            "reference_multiplier": _pair(self.reference_multiplier),
            "absent_in_reference": self.absent_in_reference,
            "model_periods_per_loop": list(self.model_periods),
            "model_loops": list(self.model_loops),
            "model_multipliers": [_pair(value) for value in self.model_multipliers],
            "period_error": self.period_error,
            "spurious": self.spurious,
            "missing": self.missing,
        }


@dataclass(frozen=True)
class SkeletonComparison:
    """The model's periodic orbits beside the reference's, word by word.

    Attributes
    ----------
    reference : str
        What the model is compared with.
    words : tuple of WordComparison
        The spurious words first, then the others by length and alphabetically.
    time_step : float
        Δt used to turn steps into time.
    time_step_source : str
        "given" or how it was estimated.
    linking : LinkingComparison or None
        Linking numbers of the model's and the reference's orbits, where both have curves.

    Examples
    --------
    The Lozi map's 2-cycle is named ``a``, a word the made-up reference lacks: spurious.

    >>> import numpy as np
    >>> from pwl_analysis import PWLMap, SectionCoding, skeleton
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> coding = SectionCoding(np.zeros(1), np.ones(1), np.array([[0.5], [1.0]]), "ab",
    ...                        np.array([[0.0, 1.0]]))
    >>> found = skeleton(lozi, coding, max_word_length=2, max_loops=1, n_runs=1, n_steps=3000)
    >>> reference = Reference("a made-up flow", (ReferenceOrbit("ab", 1.2),), frozenset({"a"}))
    >>> result = compare_skeletons(found, reference, time_step=0.2)
    >>> result.spurious, result.missing, result.coverage()
    (('a',), (), (1, 1))
    """

    reference: str
    words: tuple[WordComparison, ...]
    time_step: float | None
    time_step_source: str
    linking: LinkingComparison | None

    def __getitem__(self, word: str) -> WordComparison:
        for row in self.words:
            if row.word == word:
                return row
        raise KeyError(word)

    @property
    def spurious(self) -> tuple[str, ...]:
        """Words with a cycle in the model and no orbit in the reference."""
        return tuple(row.word for row in self.words if row.spurious)

    @property
    def missing(self) -> tuple[str, ...]:
        """Words with an orbit in the reference and no cycle found in the model."""
        return tuple(row.word for row in self.words if row.missing)

    def coverage(self) -> tuple[int, int]:
        """(reference words with a model cycle, reference words)."""
        reference = [row for row in self.words if row.reference_period is not None]
        return sum(row.in_model for row in reference), len(reference)

    def __str__(self) -> str:
        found, total = self.coverage()
        step = "Δt unknown" if self.time_step is None else f"Δt = {self.time_step:.6g}"
        lines = [
            f"Skeleton against {self.reference} ({step}, {self.time_step_source}): "
            f"{found} of {total} words with a cycle; spurious: "
            f"{' '.join(self.spurious) or 'none'}; missing: {' '.join(self.missing) or 'none'}",
            f"{'word':>8} {'T ref':>9} {'Λ ref':>9} {'T model/loop':>19} {'err':>7} "
            f"{'Λ model (r=1)':>14}  note",
        ]
        lines += [_row_text(row) for row in self.words]
        if self.linking is not None:
            lines += [
                f"linking numbers, model/reference ({self.linking.agreements} pairs agree, "
                f"{len(self.linking.disagreements)} disagree):",
                str(self.linking),
            ]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-ready record."""
        found, total = self.coverage()
        return {
            "reference": self.reference,
            "time_step": self.time_step,
            "time_step_source": self.time_step_source,
            "coverage": {"found": found, "words": total},
            "spurious": list(self.spurious),
            "missing": list(self.missing),
            "words": [row.to_dict() for row in self.words],
            "linking": None if self.linking is None else self.linking.to_dict(),
        }


def compare_skeletons(
    model,
    reference: Reference,
    *,
    time_step: float | None = None,
    observation=None,
    linking_max_length: int = 4,
) -> SkeletonComparison:
    """The model's skeleton beside the reference's, word by word (see the module docstring).

    Parameters
    ----------
    model : Skeleton
        The map's cycles by word (:func:`~pwl_analysis.skeleton.skeleton`).
    reference : Reference
        The reference's orbits and the words it lacks.
    time_step : float, optional
        Δt of one map step in the reference's time units; default the skeleton's own, else
        estimated as the median of T_w r / k over the words both have.
    observation : array_like of shape (3, M), optional
        The read-out B (latent state → x, y, z) in which the model's cycles are drawn as
        closed curves for linking numbers; without it, or without reference curves, no
        linking numbers are computed.
    linking_max_length : int
        Longest word whose orbit enters the linking matrices.

    Returns
    -------
    SkeletonComparison
        The words side by side, spurious words first, and the linking numbers.

    Raises
    ------
    UserInputError
        ``time_step`` is not a positive finite number, or ``linking_max_length`` < 1.

    Examples
    --------
    >>> import numpy as np
    >>> from pwl_analysis import PWLMap, SectionCoding, skeleton
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> coding = SectionCoding(np.zeros(1), np.ones(1), np.array([[0.5], [1.0]]), "ab",
    ...                        np.array([[0.0, 1.0]]))
    >>> found = skeleton(lozi, coding, max_word_length=2, max_loops=1, n_runs=1, n_steps=3000)
    >>> reference = Reference("a made-up flow", (ReferenceOrbit("ab", 1.2),), frozenset({"a"}))
    >>> result = compare_skeletons(found, reference, time_step=0.2)
    >>> print(str(result).splitlines()[0].split(": ", 1)[1])
    1 of 1 words with a cycle; spurious: a; missing: none
    """
    if time_step is None:
        time_step = model.time_step
    if time_step is not None and not (np.isfinite(time_step) and time_step > 0):
        raise UserInputError(f"time_step must be a positive number, got {time_step}")
    if linking_max_length < 1:
        raise UserInputError(f"linking_max_length must be ≥ 1, got {linking_max_length}")
    source = "given"
    if time_step is None:
        time_step, source = _estimated_time_step(model, reference)
    rows = [_compare_word(entry, reference, time_step) for entry in model.words]
    known = {entry.word for entry in model.words}
    rows += [
        _compare_word(_Unsearched(orbit.word), reference, time_step)
        for orbit in reference.orbits
        if orbit.word not in known and len(orbit.word) <= model.max_word_length
    ]
    rows.sort(key=lambda row: (not row.spurious, len(row.word), row.word))
    linking = _linking(model, reference, observation, linking_max_length)
    return SkeletonComparison(reference.name, tuple(rows), time_step, source, linking)


@dataclass(frozen=True)
class _Unsearched:
    """A reference word the model's skeleton did not list (no cycles)."""

    word: str
    cycles: tuple = ()


def _compare_word(entry, reference: Reference, time_step: float | None) -> WordComparison:
    try:
        orbit = reference[entry.word]
    except KeyError:
        orbit = None
    step = np.nan if time_step is None else time_step
    return WordComparison(
        word=entry.word,
        reference_period=None if orbit is None else float(orbit.period),
        reference_multiplier=None if orbit is None else orbit.leading_multiplier,
        absent_in_reference=orbit is None and entry.word in reference.absent,
        model_periods=tuple(float(c.period * step / c.loops) for c in entry.cycles),
        model_loops=tuple(int(c.loops) for c in entry.cycles),
        model_multipliers=tuple(complex(c.multipliers[0]) for c in entry.cycles),
    )


def _estimated_time_step(model, reference: Reference) -> tuple[float | None, str]:
    ratios = []
    for entry in model.words:
        if entry.word in reference.words:
            period = reference[entry.word].period
            ratios += [period * c.loops / c.period for c in entry.cycles]
    if not ratios:
        return None, "unknown: no word with an orbit in both"
    return float(np.median(ratios)), f"estimated: median of T r / k over {len(ratios)} cycles"


def _linking(model, reference: Reference, observation, max_length: int):
    if observation is None:
        return None
    observation = np.asarray(observation, dtype=np.float64)
    model_curves, reference_curves = {}, {}
    for entry in model.words:
        if len(entry.word) > max_length or not entry.cycles or entry.word not in reference.words:
            continue
        curve = reference[entry.word].curve
        if curve is None:
            continue
        first = min(entry.cycles, key=lambda c: (c.loops, c.period))
        model_curves[entry.word] = np.asarray(first.cycle.points, dtype=np.float64) @ observation.T
        reference_curves[entry.word] = curve
    if len(model_curves) < 2:
        return None
    return compare_linking(linking_matrix(model_curves), linking_matrix(reference_curves))


def _pair(value) -> list[float] | None:
    if value is None:
        return None
    value = complex(value)
    return [value.real, value.imag]


def _number(value, width: int) -> str:
    if value is None:
        return f"{'—':>{width}}"
    value = complex(value)
    text = f"{value.real:.4g}" if abs(value.imag) < 1e-12 else f"{value:.3g}"
    return f"{text:>{width}}"


def _row_text(row: WordComparison) -> str:
    if row.model_periods:
        low, high = min(row.model_periods), max(row.model_periods)
        periods = f"{low:.4g}" if np.isclose(low, high) else f"{low:.4g}–{high:.4g}"
    else:
        periods = "no cycle found"
    error = "—" if row.period_error is None else f"{100 * row.period_error:.1f}%"
    note = "SPURIOUS" if row.spurious else ("missing" if row.missing else "")
    if row.reference_period is None and not row.absent_in_reference:
        note = note or "not in reference"
    return (
        f"{row.word:>8} {_number(row.reference_period, 9)} "
        f"{_number(row.reference_multiplier, 9)} {periods:>19} {error:>7} "
        f"{_number(row.single_loop_multiplier, 14)}  {note}"
    )
