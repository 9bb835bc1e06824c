"""Bifurcations of the cycles along a segment between two AL-RNNs, located exactly.

On the affine path m(s) = (1 − s) m₀ + s m₁, s ∈ [0, 1], every region Jacobian
J_d(s) = A(s) + W(s) D_d and the bias h(s) are affine in s.  For a region word
w = (d₀, …, d_{k−1}) the cycle equation (I − Π_w(s)) z₀ = c_w(s), with
Π_w = J_{d_{k−1}} ⋯ J_{d₀} and c_w the accumulated bias, has polynomial entries of degree ≤ k,
so by Cramer's rule the cycle's points are rational functions of s,

    z_j(s) = N_j(s) / D(s),   D = det(I − Π_w),   N₀ = adj(I − Π_w) c_w,
    N_{j+1} = J_{d_j} N_j + h D   (deg D ≤ Mk, deg N_j ≤ Mk + j).

The polynomials are found exactly by evaluating at Mk + k rational points and interpolating
(:mod:`pwl_analysis.cycle_polynomials`).  An event of the word's cycle is a real root s* of

- a switching coordinate N_{j,i} (i among the last P units): *border collision*, the point
  z_j meets the border z_{j,i} = 0;
- D: the cycle passes *through infinity* (a multiplier 1; a piecewise-affine map has no
  smooth fold), or is *degenerate* (a continuum of cycles) where all of N₀ vanishes too;
- det(I + Π_w): a *flip*, a multiplier −1;
- for M = 2 only, det Π_w − 1 with |tr Π_w| < 2: a *Neimark–Sacker* point, a complex pair of
  multipliers crossing the unit circle (for M > 2 this needs the bialternate product, not done).

Each root is isolated exactly (:mod:`pwl_analysis.real_roots`): rational roots exactly, the
others in intervals with rational ends, refined until distinct roots have disjoint intervals
of width ≤ 1e-30.  Between two consecutive roots of the word's polynomials no sign changes, so
the cycle's admissibility (z_j ∈ Ω_{d_j}, boundary convention of :meth:`PWLMap.region_of`) is
decided exactly at a rational point of each gap; an event counts only where the cycle is
admissible on one side (border collision, infinity) or at s* (flip, Neimark–Sacker).  A word
whose cycle provably keeps a coordinate on the wrong side over all of [−1/16, 17/16] (no root of
that coordinate or of D there, by Descartes' rule) is dropped before any root is isolated.

Border collisions are classified by what happens to the cycle of the *partner* word w′ (the
letter d_j with unit i switched), whose cycle meets the same border point at s*: it exists on
the other side (*persistence*), on the same side (*nonsmooth fold*, the pair is born or dies
together), or w′ is a power of a shorter word (the cycle branches off a cycle of lower period).
For a fixed point of the 1-D skew tent map this is Feigin's rule: persistence when
(1 − a_l)(1 − a_r) > 0, nonsmooth fold when < 0.

References
----------
di Bernardo, M., Feigin, M. I., Hogan, S. J. & Homer, M. E. (1999). Local analysis of
C-bifurcations in n-dimensional piecewise smooth dynamical systems. Chaos, Solitons & Fractals
10, 1881–1908.
Nusse, H. E. & Yorke, J. A. (1992). Border-collision bifurcations including "period two to
period three" for piecewise smooth systems. Physica D 57, 39–57.
Simpson, D. J. W. (2016). Border-collision bifurcations in R^N. SIAM Review 58, 177–226.
Eisenmann, L., Monfared, Z., Göring, N. & Durstewitz, D. (2023). Bifurcations and loss jumps
in RNN training. NeurIPS 2023, arXiv:2310.17561.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np

from pwl_analysis.cycle_equation import exact_cycle
from pwl_analysis.cycle_polynomials import (
    AffinePath,
    WordPolynomials,
    interpolated,
    monodromy_values,
    numerator_gcd,
    word_polynomials,
)
from pwl_analysis.errors import BudgetError, Remedy, UserInputError
from pwl_analysis.methods.exhaustive import word_counts
from pwl_analysis.orbits import Cycle
from pwl_analysis.pwl_map import ALRNNMap, PWLMap, require_alrnn
from pwl_analysis.real_roots import (
    RootInterval,
    distinct_roots,
    root_free,
    sign_at,
    squarefree_integer,
)
from pwl_analysis.words import lyndon_words, primitive_period

#: The roots of a word's polynomials are listed in this window around [0, 1], so that each
#: event in [0, 1] has a neighbour gap on either side.
_WINDOW = (Fraction(-1, 16), Fraction(17, 16))


class EventKind(enum.Enum):
    """What happens to a cycle at a bifurcation; the value is its name in words.

    The border collisions are told apart by the partner word's cycle (module docstring); a
    ``BORDER_COLLISION`` is one whose partner has no event at the same s (not classified).

    Examples
    --------
    >>> EventKind.NONSMOOTH_FOLD.value
    'border collision, nonsmooth fold'
    """

    PERSISTENCE = "border collision, persistence"
    NONSMOOTH_FOLD = "border collision, nonsmooth fold"
    PERIOD_CHANGE = "border collision, branch of a lower period"
    BORDER_COLLISION = "border collision"
    FLIP = "flip"
    NEIMARK_SACKER = "Neimark–Sacker"
    THROUGH_INFINITY = "through infinity"
    DEGENERATE = "degenerate"


@dataclass(frozen=True)
class BifurcationEvent:
    """One event of the cycle of one region word at one parameter value s* on the path.

    Attributes
    ----------
    s : RootInterval
        Where: s* ∈ [s.lower, s.upper].
    kind : EventKind
    word : tuple of str
        The region labels of the cycle (its Lyndon rotation).
    period : int
    point, unit : int or None
        For a border collision, the point z_j and the switching unit i (0…P−1) meeting the
        border z_{j, M−P+i} = 0.
    before, after : Cycle or None
        The cycle at a rational s just below and just above s* (no other event of this word in
        between), None where it is not admissible there or D vanishes identically.

    Examples
    --------
    The skew tent map's fixed point μ/(1 − a_r) (a_l = 1/2, μ = 1) flips at a_r = −1, here
    s = 1/4 on the path a_r = −2 + 4 s: unstable before, stable after:

    >>> from pwl_analysis import PWLMap, bifurcations
    >>> ends = [PWLMap.from_rationals(["1/2"], [[w]], [1], P=1) for w in ("-5/2", "3/2")]
    >>> flip = bifurcations(*ends, max_period=1).events[0]
    >>> flip, flip.s.lower
    (BifurcationEvent(flip of the 1-cycle 1 at s ≈ 0.25), Fraction(1, 4))
    >>> flip.before.stability.kind.value, flip.after.stability.kind.value
    ('repelling node', 'attracting node')
    """

    s: RootInterval
    kind: EventKind
    word: tuple[str, ...]
    period: int
    point: int | None = None
    unit: int | None = None
    before: Cycle | None = field(default=None, repr=False)
    after: Cycle | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        where = f"s ≈ {float(self.s):.12g}"
        word = " → ".join(self.word)
        return f"BifurcationEvent({self.kind.value} of the {self.period}-cycle {word} at {where})"

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {
            "s": self.s.to_dict(),
            "kind": self.kind.value,
            "word": list(self.word),
            "period": self.period,
            "point": self.point,
            "unit": self.unit,
            "before": None if self.before is None else self.before.to_dict(),
            "after": None if self.after is None else self.after.to_dict(),
        }


@dataclass(frozen=True)
class Bifurcations:
    """Every event of every cycle of period ≤ ``max_period`` along m(s), s ∈ [0, 1].

    Attributes
    ----------
    events : tuple of BifurcationEvent
        Sorted by s.
    max_period : int
    words : int
        Region words decided (Lyndon words of length ≤ max_period).
    singular_words : tuple of tuple of str
        Words whose cycle equation is singular for every s (det(I − Π_w(s)) ≡ 0): their
        solution sets are not followed along the path.

    Examples
    --------
    The skew tent map x ↦ x/2 + μ (x ≤ 0), 2x + μ (x > 0) as μ goes from −1 to 1: both fixed
    points μ/(1 − a) meet the border x = 0 at μ = 0 and die together, a nonsmooth fold
    ((1 − a_l)(1 − a_r) < 0, Feigin's rule):

    >>> from pwl_analysis import PWLMap, bifurcations
    >>> ends = [PWLMap.from_rationals(["1/2"], [["3/2"]], [mu], P=1) for mu in (-1, 1)]
    >>> bifurcations(*ends, max_period=1)
    Bifurcations(2 events, periods ≤ 1
      BifurcationEvent(border collision, nonsmooth fold of the 1-cycle 0 at s ≈ 0.5)
      BifurcationEvent(border collision, nonsmooth fold of the 1-cycle 1 at s ≈ 0.5))
    """

    events: tuple[BifurcationEvent, ...]
    max_period: int
    words: int
    singular_words: tuple[tuple[str, ...], ...] = ()

    def of_kind(self, kind: EventKind) -> tuple[BifurcationEvent, ...]:
        """The events of one kind, in order of s."""
        return tuple(e for e in self.events if e.kind is kind)

    def __len__(self) -> int:
        return len(self.events)

    def __repr__(self) -> str:
        singular = f", {len(self.singular_words)} singular words" if self.singular_words else ""
        head = f"Bifurcations({len(self.events)} events, periods ≤ {self.max_period}{singular}"
        lines = [head]
        lines += [f"  {e!r}" for e in self.events]
        return "\n".join(lines) + ")"

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {
            "max_period": self.max_period,
            "words": self.words,
            "singular_words": [list(w) for w in self.singular_words],
            "events": [e.to_dict() for e in self.events],
        }


def bifurcations(m0: PWLMap, m1: PWLMap, max_period: int, max_words: int = 100_000) -> Bifurcations:
    """Every bifurcation of the cycles of period ≤ K on the segment from ``m0`` to ``m1``.

    Parameters
    ----------
    m0, m1 : ALRNNMap
        The path's ends, AL-RNNs with the same M and P; m(s) = (1 − s) m₀ + s m₁.
    max_period : int
        K ≥ 1: every Lyndon region word of length ≤ K is decided.
    max_words : int
        Budget of region words, checked before any is solved.

    Returns
    -------
    Bifurcations
        Events with certified locations (width ≤ 1e-30), sorted by s.

    Raises
    ------
    UserInputError
        Maps that are not AL-RNNs or differ in M or P; max_period < 1.
    BudgetError
        More region words than ``max_words``.

    Notes
    -----
    Cost: every word's polynomials are interpolated from Mk + k exact rational solves, whose
    entries grow to thousands of bits.  Measured for M = 20, P = 2 (the official Lorenz model
    to perturbed copies, ``benchmarks/bench_bifurcation.py``, 2 shared cores): 0.2–1.3 s for
    K = 1, 1–3 s for K = 2, 5–15 s for K = 3; one word of period 8 alone takes about 30 s,
    so K = 8 (11,464 words) is far out of reach of this exact path without a verified float
    screen of the words first.

    Examples
    --------
    The skew tent map x ↦ x/2 + 1 (x ≤ 0), a_r x + 1 (x > 0): as a_r goes from −3 to 0 the
    fixed point 1/(1 − a_r) flips at a_r = −1, i.e. s = 2/3:

    >>> from pwl_analysis import PWLMap, bifurcations
    >>> m0 = PWLMap.from_rationals(["1/2"], [["-7/2"]], [1], P=1)
    >>> m1 = PWLMap.from_rationals(["1/2"], [["-1/2"]], [1], P=1)
    >>> [(e.kind.value, e.s.lower) for e in bifurcations(m0, m1, 1).events]
    [('flip', Fraction(2, 3))]
    """
    m0, m1 = (require_alrnn(m, "bifurcations") for m in (m0, m1))
    if (m0.M, m0.P) != (m1.M, m1.P):
        raise UserInputError(
            f"the path's ends must have the same M and P, got M = {m0.M}, P = {m0.P} and "
            f"M = {m1.M}, P = {m1.P}"
        )
    if int(max_period) != max_period or max_period < 1:
        raise UserInputError(f"max_period= must be a positive integer, got {max_period!r}")
    _check_budget(m0, max_period, max_words)
    path = AffinePath(m0, m1)
    events, words, singular = [], 0, []
    for k in range(1, max_period + 1):
        for word in lyndon_words(m0.n_regions, k, max_words=max_words):
            words += 1
            found = _word_events(path, tuple(int(d) for d in word))
            if found is None:
                singular.append(tuple(m0.region_label(d) for d in word))
            else:
                events.extend(found)
    events = _classify(events)
    events.sort(key=lambda e: (e.s.lower, e.period, e.word))
    return Bifurcations(tuple(events), int(max_period), words, tuple(singular))


def _check_budget(m: ALRNNMap, max_period: int, max_words: int) -> None:
    everything = np.ones((m.n_regions, m.n_regions), dtype=bool)
    counts = word_counts(everything, max_period, max_words, lyndon_only=True)
    if len(counts) == max_period and counts[-1] <= max_words:
        return
    fits = int(np.sum(counts <= max_words))
    raise BudgetError(
        f"{int(counts[-1])} region words of period ≤ {len(counts)} exceed the budget of "
        f"{max_words}",
        (Remedy("max_period", "lower", fits), Remedy("max_words", "raise")),
    )


# ---- one word: its events ------------------------------------------------------------------


def _word_events(path: AffinePath, word: tuple[int, ...]) -> list[BifurcationEvent] | None:
    """The events of one word's cycle on [0, 1]; None where D ≡ 0 (singular for every s)."""
    polys = word_polynomials(path, word)
    if polys is None:
        return None
    named = {"D": polys.D, "E": polys.E}
    named.update({(j, i): p for j, row in enumerate(polys.N) for i, p in enumerate(row)})
    if path.M == 2:
        determinant, trace = interpolated(path, word, monodromy_values)
        named.update({"S": determinant - 1, "T-": trace - 2, "T+": trace + 2})
    squarefree = {name: squarefree_integer(p) for name, p in named.items() if p.degree() >= 1}
    vanishing = {name: p for name, p in squarefree.items() if not root_free(p, _WINDOW)}
    bits = path.m0.region_bits
    if _never_admissible(polys, word, bits, vanishing):
        return []
    roots = distinct_roots(vanishing, _WINDOW)
    samples = _gap_points(roots)
    events = []
    for index, (root, names) in enumerate(roots):
        if root.upper < 0 or root.lower > 1:
            continue
        below, above = samples[index], samples[index + 1]
        before, after = (_admissible(polys, word, bits, s) for s in (below, above))
        if "D" in names:
            if before or after:
                finite = _finite_at(path, word, root)
                kind = EventKind.DEGENERATE if finite else EventKind.THROUGH_INFINITY
                events.append(_event(path, word, root, kind, below, above, before, after))
            continue
        collisions = sorted(n for n in names if isinstance(n, tuple))
        if collisions and (before or after):
            j, i = collisions[0]
            event = _event(path, word, root, EventKind.BORDER_COLLISION, below, above)
            events.append(replace(event, point=j, unit=i))
        elif "E" in names and _admissible_at_root(polys, word, bits, below, names):
            events.append(_event(path, word, root, EventKind.FLIP, below, above))
        elif (
            "S" in names
            and _complex_pair(named, names, below)
            and _admissible_at_root(polys, word, bits, below, names)
        ):
            events.append(_event(path, word, root, EventKind.NEIMARK_SACKER, below, above))
    return events


def _complex_pair(named: dict, names: set, near: Fraction) -> bool:
    """At a root of det Π − 1 (M = 2): |tr Π| < 2, so the multipliers are e^{±iθ}, θ ∉ πℤ.

    tr Π ∓ 2 keep their signs from ``near`` unless they vanish at the root too (a double
    multiplier ±1, not a Neimark–Sacker point).
    """
    if names & {"T-", "T+"}:
        return False
    return sign_at(named["T-"], near) < 0 < sign_at(named["T+"], near)


def _never_admissible(polys: WordPolynomials, word, bits, vanishing: dict) -> bool:
    """Some switching coordinate N_{j,i}/D keeps the wrong sign on the whole window.

    Decided where neither N_{j,i} nor D has a root in the window (``vanishing`` names those
    that may), from their signs at s = 1/2.
    """
    if "D" in vanishing:
        return False
    half = Fraction(1, 2)
    for j, d in enumerate(word):
        for i, bit in enumerate(bits[d]):
            if (j, i) not in vanishing and (_sign_of_coordinate(polys, j, i, half) > 0) != bool(
                bit
            ):
                return True
    return False


def _finite_at(path: AffinePath, word, root: RootInterval) -> bool:
    """Whether all of N₀ vanishes with D at s*: gcd(D, N₀)(s*) = 0, so the cycle stays finite."""
    G = numerator_gcd(path, word)
    return G.degree() >= 1 and root.same_root(
        RootInterval(root.lower, root.upper, squarefree_integer(G))
    )


def _gap_points(roots: list) -> list[Fraction]:
    """A rational point in each gap between consecutive roots, and at either end.

    The end points lie between the window's ends and the first and last root (the roots
    outside the window are not known).
    """
    lo, hi = _WINDOW
    if not roots:
        return [Fraction(0)]
    first, last = roots[0][0], roots[-1][0]
    points = [(lo + first.lower) / 2 if first.lower > lo else first.lower - 1]
    for (left, _), (right, _) in itertools.pairwise(roots):
        points.append((left.upper + right.lower) / 2)
    points.append((last.upper + hi) / 2 if last.upper < hi else last.upper + 1)
    return points


def _sign_of_coordinate(polys: WordPolynomials, j: int, i: int, s: Fraction) -> int:
    return sign_at(polys.N[j][i], s) * sign_at(polys.D, s)


def _admissible(polys: WordPolynomials, word, bits: np.ndarray, s: Fraction) -> bool:
    """Every z_j(s) in its region Ω_{d_j}: unit i > 0 when d_{j,i} = 1, ≤ 0 when 0."""
    if sign_at(polys.D, s) == 0:
        return False
    for j, d in enumerate(word):
        for i, bit in enumerate(bits[d]):
            if (_sign_of_coordinate(polys, j, i, s) > 0) != bool(bit):
                return False
    return True


def _admissible_at_root(polys, word, bits, near: Fraction, names: set) -> bool:
    """Admissibility at s* itself: a vanishing coordinate is 0, the others keep their signs."""
    for j, d in enumerate(word):
        for i, bit in enumerate(bits[d]):
            positive = (j, i) not in names and _sign_of_coordinate(polys, j, i, near) > 0
            if positive != bool(bit):
                return False
    return True


def _event(path, word, root, kind, below, above, before=True, after=True) -> BifurcationEvent:
    labels = tuple(path.m0.region_label(d) for d in word)
    cycles = [
        _cycle_at(path, word, s) if exists else None
        for s, exists in ((below, before), (above, after))
    ]
    return BifurcationEvent(root, kind, labels, len(word), before=cycles[0], after=cycles[1])


def _cycle_at(path: AffinePath, word, s: Fraction) -> Cycle | None:
    record = exact_cycle(path.map_at(s), word)
    return record if isinstance(record, Cycle) else None


# ---- border collisions: Feigin's classification --------------------------------------------


def _classify(events: list) -> list:
    """Name each border collision by its partner word's cycle (see the module docstring)."""
    collisions = {}
    for e in events:
        if e.kind is EventKind.BORDER_COLLISION:
            collisions.setdefault(e.word, []).append(e)
    return [
        _classified(e, collisions) if e.kind is EventKind.BORDER_COLLISION else e for e in events
    ]


def _classified(event: BifurcationEvent, collisions: dict) -> BifurcationEvent:
    word = list(event.word)
    label = list(word[event.point])
    label[event.unit] = "1" if label[event.unit] == "0" else "0"
    word[event.point] = "".join(label)
    root = word[: primitive_period(word)]
    partner = _least_rotation_labels(root)
    if len(root) < len(word):
        kind = EventKind.PERIOD_CHANGE
    else:
        matches = [e for e in collisions.get(partner, []) if e.s.same_root(event.s)]
        if not matches:
            return event
        other = matches[0]
        same_side = (event.before is None) == (other.before is None)
        kind = EventKind.NONSMOOTH_FOLD if same_side else EventKind.PERSISTENCE
    return replace(event, kind=kind)


def _least_rotation_labels(word: list[str]) -> tuple[str, ...]:
    """The least rotation of a word of region labels (bit strings of one length)."""
    shifts = [tuple(word[i:] + word[:i]) for i in range(len(word))]
    return min(shifts)
