"""Bifurcations of the cycles along a segment between two AL-RNNs, located exactly.

On the affine path m(s) = (1 − s) m₀ + s m₁, s ∈ [0, 1], every region Jacobian
J_d(s) = A(s) + W(s) D_d and the bias h(s) are affine in s.  For a region word
w = (d₀, …, d_{k−1}) the cycle equation (I − Π_w(s)) z₀ = c_w(s), with
Π_w = J_{d_{k−1}} ⋯ J_{d₀} and c_w the accumulated bias, has polynomial entries of degree ≤ k,
so by Cramer's rule the cycle's points are rational functions of s,

    z_j(s) = N_j(s) / D(s),   D = det(I − Π_w),   N₀ = adj(I − Π_w) c_w,
    N_{j+1} = J_{d_j} N_j + h D   (deg D ≤ Mk, deg N_j ≤ Mk + j).

The polynomials are found exactly by evaluating at Mk + k rational points (exact rational
solves, python-flint) and interpolating.  An event of the word's cycle is a real root s* of

- a switching coordinate N_{j,i} (i among the last P units): *border collision*, the point
  z_j meets the border z_{j,i} = 0;
- D: the cycle passes *through infinity* (a multiplier 1; a piecewise-affine map has no
  smooth fold), or is *degenerate* (a continuum of cycles) where all of N₀ vanishes too;
- det(I + Π_w): a *flip*, a multiplier −1;
- for M = 2 only, det Π_w − 1 with |tr Π_w| < 2: a *Neimark–Sacker* point, a complex pair of
  multipliers crossing the unit circle (for M > 2 this needs the bialternate product, not done).

Each root is isolated exactly: rational roots exactly, the others in balls of Arb's root
isolation (Johansson 2017), with rational endpoints, refined until distinct roots have disjoint
intervals of width ≤ 1e-30.  Between two consecutive roots of the word's polynomials no sign
changes, so the cycle's admissibility (z_j ∈ Ω_{d_j}, boundary convention of
:meth:`PWLMap.region_of`) is decided exactly at a rational point of each gap; an event counts
only where the cycle is admissible on one side (border collision, infinity) or at s* (flip).

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
Johansson, F. (2017). Arb: efficient arbitrary-precision midpoint-radius interval arithmetic.
IEEE Trans. Computers 66, 1281–1292.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, field, replace
from fractions import Fraction

import flint
import numpy as np

from pwl_analysis.cycle_equation import exact_cycle
from pwl_analysis.errors import BudgetError, Remedy, UserInputError
from pwl_analysis.methods.exhaustive import word_counts
from pwl_analysis.orbits import Cycle
from pwl_analysis.pwl_map import ALRNNMap, PWLMap, require_alrnn
from pwl_analysis.words import lyndon_words, primitive_period

#: Width every root interval inside [0, 1] is refined to.
WIDTH = Fraction(1, 10**30)
#: First working precision (bits) of the root isolation; doubled until roots separate.
_PRECISION = 128
#: The roots of a word's polynomials are listed in this window around [0, 1], so that each
#: event in [0, 1] has a neighbour gap on either side.
_WINDOW = (Fraction(-1, 2), Fraction(3, 2))


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
class RootInterval:
    """A real algebraic number s* certified in [lower, upper] (rational; equal when s* is).

    Attributes
    ----------
    lower, upper : Fraction
        The interval's ends; lower = upper = s* exactly when s* is rational.
    polynomial : flint.fmpz_poly
        A square-free integer polynomial whose only root in [lower, upper] is s*.

    Examples
    --------
    √2 − 1, the positive root of s² + 2s − 1, located to 1e-30:

    >>> import flint
    >>> from pwl_analysis.bifurcation import WIDTH, _real_roots
    >>> root = _real_roots(flint.fmpz_poly([-1, 2, 1]), 128)[-1]
    >>> root.lower**2 + 2 * root.lower < 1 < root.upper**2 + 2 * root.upper, root.width <= WIDTH
    (True, True)
    """

    lower: Fraction
    upper: Fraction
    polynomial: flint.fmpz_poly = field(repr=False, compare=False)

    @property
    def width(self) -> Fraction:
        """upper − lower."""
        return self.upper - self.lower

    @property
    def exact(self) -> bool:
        """s* is rational and equals lower = upper."""
        return self.lower == self.upper

    def __float__(self) -> float:
        return float((self.lower + self.upper) / 2)

    def same_root(self, other: RootInterval) -> bool:
        """Whether both intervals hold the same number (decided with a gcd, exactly)."""
        lower, upper = max(self.lower, other.lower), min(self.upper, other.upper)
        if lower > upper:
            return False
        common = self.polynomial.gcd(other.polynomial)
        if common.degree() < 1:
            return False
        if lower == upper:
            return _sign(common, lower) == 0
        return _sign(common, lower) * _sign(common, upper) <= 0

    def to_dict(self) -> dict:
        """Endpoints as ``"p/q"`` strings."""
        return {"lower": str(self.lower), "upper": str(self.upper), "float": float(self)}


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
    path = _Path(m0, m1)
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


# ---- the path ------------------------------------------------------------------------------


def _fmpq_mat(matrix) -> flint.fmpq_mat:
    rows = matrix.to_list()
    entries = [flint.fmpq(int(x.numerator), int(x.denominator)) for row in rows for x in row]
    return flint.fmpq_mat(len(rows), len(rows[0]), entries)


class _Path:
    """m(s) = (1 − s) m₀ + s m₁ in exact rationals: region Jacobians and bias at rational s."""

    def __init__(self, m0: ALRNNMap, m1: ALRNNMap):
        self.m0, self.M, self.P, self.q = m0, m0.M, m0.P, m0.n_regions
        self.ends = [tuple(_fmpq_mat(x) for x in m.exact_weights) for m in (m0, m1)]
        self._steps: dict = {}
        #: reduced systems by (period, s)
        self.reduced: dict = {}

    def weights(self, s: flint.fmpq) -> tuple:
        (A0, W0, h0), (A1, W1, h1) = self.ends
        return A0 + (A1 - A0) * s, W0 + (W1 - W0) * s, h0 + (h1 - h0) * s

    def steps(self, s: flint.fmpq) -> tuple[list, flint.fmpq_mat]:
        """([J_d(s) for every region d], h(s)), cached per s."""
        if s not in self._steps:
            A, W, h = self.weights(s)
            jacobians = []
            for bits in self.m0.region_bits:
                mask = [1] * (self.M - self.P) + [int(b) for b in bits]
                D = flint.fmpq_mat(self.M, self.M, [0] * self.M**2)
                for i, x in enumerate(mask):
                    D[i, i] = x
                jacobians.append(A + W * D)
            self._steps[s] = (jacobians, h)
        return self._steps[s]

    def map_at(self, s: Fraction) -> ALRNNMap:
        """The AL-RNN m(s) with exact rational weights."""
        A, W, h = self.weights(flint.fmpq(s.numerator, s.denominator))

        def rows(matrix):
            return [[Fraction(int(x.p), int(x.q)) for x in row] for row in matrix.tolist()]

        return PWLMap.from_rationals(rows(A), rows(W), [r[0] for r in rows(h)], self.P)


# ---- one word: its polynomials -------------------------------------------------------------


@dataclass
class _WordPolynomials:
    """D = det(I − Π), E = det(I + Π) and the switching coordinates N_{j,i} of one word."""

    D: flint.fmpq_poly
    E: flint.fmpq_poly
    N: list  # N[j][i], i over the P switching units


def _interpolation(n: int, r: int) -> tuple[list, flint.fmpq_mat]:
    """The points (t + r/(n+1))/n, t < n, in [0, 1) and the inverse of their Vandermonde matrix.

    The sets for r = 1…n are disjoint, so a polynomial D ≢ 0 of degree < n vanishes at a point
    of fewer than n of them.
    """
    key = (n, r)
    if key not in _INTERPOLATION:
        points = [flint.fmpq(t * (n + 1) + r, n * (n + 1)) for t in range(n)]
        vandermonde = flint.fmpq_mat(n, n, [p**e for p in points for e in range(n)])
        _INTERPOLATION[key] = (points, vandermonde.inv())
    return _INTERPOLATION[key]


_INTERPOLATION: dict = {}


def _interpolated(path: _Path, word: tuple[int, ...], values) -> list | None:
    """Polynomials of degree < n = Mk + k from their exact values at n points.

    ``values(path, word, s)`` gives the values at s, or None where D(s) = 0.  None when D ≡ 0
    (it vanishes at every point of a set of n).
    """
    n = path.M * len(word) + len(word)
    for r in range(1, n + 1):
        points, inverse = _interpolation(n, r)
        table = [values(path, word, s) for s in points]
        if all(v is None for v in table):
            return None
        if all(v is not None for v in table):
            break
    matrix = flint.fmpq_mat(n, len(table[0]), [x for row in table for x in row])
    return [flint.fmpq_poly(row) for row in (inverse * matrix).transpose().tolist()]


def _word_polynomials(path: _Path, word: tuple[int, ...]) -> _WordPolynomials | None:
    """D, E and N_{j,i} of a word; None when D ≡ 0 (singular for every s)."""
    polys = _interpolated(path, word, _reduced_values)
    if polys is None:
        return None
    P = path.P
    switching = polys[2:]
    N = [switching[j * P : (j + 1) * P] for j in range(len(word))]
    return _WordPolynomials(polys[0], polys[1], N)


def _numerator_gcd(path: _Path, word: tuple[int, ...]) -> flint.fmpq_poly:
    """gcd(D, N₀): its roots are the s where det(I − Π) = 0 and the cycle stays finite."""
    polys = _interpolated(path, word, _full_values)
    G = polys[0]
    for p in polys[1:]:
        G = G.gcd(p)
    return G


def _full_values(path: _Path, word, s) -> list | None:
    """[D, N₀ (M entries)] at s from the full M×M cycle equation, or None where D(s) = 0."""
    solved = _direct(path, word, s)
    if solved is None:
        return None
    D, _, points = solved
    return [D] + [D * x for x in points[0]]


def _direct(path: _Path, word, s) -> tuple | None:
    """(D, E, the cycle's points as lists) at s from (I − Π) z₀ = c; None where D(s) = 0."""
    jacobians, h = path.steps(s)
    M = path.M
    identity = _identity(M)
    product, offset = identity, flint.fmpq_mat(M, 1, [0] * M)
    for d in word:
        product = jacobians[d] * product
        offset = jacobians[d] * offset + h
    D = (identity - product).det()
    if D == 0:
        return None
    z = (identity - product).solve(offset)
    points = []
    for d in word:
        points.append([z[i, 0] for i in range(M)])
        z = jacobians[d] * z + h
    return D, (identity + product).det(), points


def _identity(n: int) -> flint.fmpq_mat:
    return flint.fmpq_mat(n, n, [int(i == j) for i in range(n) for j in range(n)])


# ---- the reduced cycle equation ------------------------------------------------------------


@dataclass(frozen=True)
class _Reduced:
    """T^±, c of the reduced k-cycle equation at one s, around the region with all units off.

    With L = J_0(s), U = W_{:, M−P:}(s), S z = z_{M−P:} and G_σ = (I − σ L^k)^{-1} (σ = ±1),

        T^σ_ij = σ S L^i G_σ L^{k−1−j} U + [j < i] S L^{i−1−j} U,
        c_i = S L^i G_+ Σ_j L^{k−1−j} h + Σ_{j<i} S L^{i−1−j} h,

    the switching coordinates y = (S z_0, …, S z_{k−1}) of the cycle of word w solve
    y = T^+ u + c, u = E_w y, E_w the diagonal of the word's bits (as in
    :mod:`pwl_analysis.cycle_equation`).  The cycle equation written for all k points at once
    is block-cyclic, I − C_L − 𝒰 E_w 𝒮, with det(I − C_L) = det(I − L^k); the matrix
    determinant lemma gives det(I − σ Π_w) = det(I − σ L^k) · det(I − T^σ_aa), a the
    positions of the bits equal to 1 (σ = −1: the corner block of C negated).
    """

    T: tuple  # (T^+, T^-), each a (Pk, Pk) fmpq_mat
    c: list  # Pk entries
    scale: tuple  # (det(I − L^k), det(I + L^k))


def _reduced(path: _Path, k: int, s) -> _Reduced | None:
    """The reduced system at s (cached per path), or None where I ∓ L^k is singular."""
    key = (k, s)
    if key not in path.reduced:
        path.reduced[key] = _build_reduced(path, k, s)
    return path.reduced[key]


def _build_reduced(path: _Path, k: int, s) -> _Reduced | None:
    jacobians, h = path.steps(s)
    M, P = path.M, path.P
    L = jacobians[0]
    U = flint.fmpq_mat([row[M - P :] for row in (jacobians[-1] - L).tolist()])
    powers = [_identity(M)]
    for _ in range(k):
        powers.append(L * powers[-1])
    rows = [flint.fmpq_mat(powers[i].tolist()[M - P :]) for i in range(k)]  # S L^i
    stacked = flint.fmpq_mat([r for block in rows for r in block.tolist()]).transpose()
    V = [powers[n] * U for n in range(k)]  # L^n U
    partial = [flint.fmpq_mat(M, 1, [0] * M)]  # Σ_{n<i} L^n h
    for n in range(k):
        partial.append(partial[-1] + powers[n] * h)
    T, scale, R_plus = [], [], None
    for sigma in (1, -1):
        lhs = _identity(M) - powers[k] * sigma
        determinant = lhs.det()
        if determinant == 0:
            return None
        RT = lhs.transpose().solve(stacked)  # (S L^i G_σ)ᵀ for all i, side by side
        R = [
            flint.fmpq_mat([list(c) for c in zip(*RT.tolist())][i * P : (i + 1) * P])
            for i in range(k)
        ]
        R_plus = R_plus or R
        entries = []
        for i in range(k):
            blocks = [R[i] * V[k - 1 - j] * sigma for j in range(k)]
            for j in range(i):
                blocks[j] = blocks[j] + rows[0] * V[i - 1 - j]
            entries += [blocks[j][a, b] for a in range(P) for j in range(k) for b in range(P)]
        T.append(flint.fmpq_mat(P * k, P * k, entries))
        scale.append(determinant)
    c = []
    for i in range(k):
        ci = R_plus[i] * partial[k] + rows[0] * partial[i]
        c += [ci[a, 0] for a in range(P)]
    return _Reduced(tuple(T), c, tuple(scale))


def _reduced_values(path: _Path, word, s) -> list | None:
    """[D, E, N_{j,i} (Pk entries)] at s, or None where D(s) = 0.

    From the reduced system (size the number of active units along the word, ≤ Pk) where
    I ∓ L^k is invertible at s, else from the full cycle equation.
    """
    k, P = len(word), path.P
    system = _reduced(path, k, s)
    if system is None:
        solved = _direct(path, word, s)
        if solved is None:
            return None
        D, E, points = solved
        return [D, E] + [D * x for z in points for x in z[path.M - P :]]
    bits = path.m0.region_bits
    active = [j * P + i for j, d in enumerate(word) for i in range(P) if bits[d][i]]
    (T_plus, T_minus), c = system.T, system.c
    if not active:
        D, E, y = system.scale[0], system.scale[1], c
    else:
        lhs_plus = _identity(len(active)) - _submatrix(T_plus, active, active)
        D = system.scale[0] * lhs_plus.det()
        if D == 0:
            return None
        E = system.scale[1] * (_identity(len(active)) - _submatrix(T_minus, active, active)).det()
        u = lhs_plus.solve(flint.fmpq_mat(len(active), 1, [c[a] for a in active]))
        Tu = _submatrix(T_plus, range(P * k), active) * u
        y = [Tu[r, 0] + c[r] for r in range(P * k)]
    return [D, E] + [D * x for x in y]


def _submatrix(matrix: flint.fmpq_mat, rows, columns) -> flint.fmpq_mat:
    rows, columns = list(rows), list(columns)
    return flint.fmpq_mat(len(rows), len(columns), [matrix[r, c] for r in rows for c in columns])


# ---- real roots, exactly -------------------------------------------------------------------


def _integer(p: flint.fmpq_poly) -> flint.fmpz_poly:
    """The square-free primitive integer polynomial with the roots of p."""
    q = flint.fmpz_poly(p.numer())
    q = flint.fmpz_poly([c // q.content() for c in q.coeffs()])
    return flint.fmpz_poly([c for c in (q // q.gcd(q.derivative())).coeffs()])


def _sign(p, s: Fraction) -> int:
    value = p(flint.fmpq(s.numerator, s.denominator))
    return (value > 0) - (value < 0)


def _fraction(x) -> Fraction:
    mantissa, exponent = x.man_exp()
    return Fraction(int(mantissa)) * Fraction(2) ** int(exponent)


def _real_roots(p: flint.fmpz_poly, precision: int) -> list[RootInterval]:
    """Isolating intervals of the real roots of a square-free p: rational ones exact."""
    intervals, rest = [], p
    for root, _ in flint.fmpq_poly(p).roots():
        r = Fraction(int(root.p), int(root.q))
        intervals.append(RootInterval(r, r, p))
        rest = rest // flint.fmpz_poly([-int(root.p), int(root.q)])
    if rest.degree() >= 1:
        old = flint.ctx.prec
        flint.ctx.prec = precision
        try:
            roots = rest.complex_roots()
        finally:
            flint.ctx.prec = old
        for ball, _ in roots:
            if ball.imag != 0:  # Arb returns the real roots with imaginary part exactly 0
                continue
            mid, rad = _fraction(ball.real.mid()), _fraction(ball.real.rad())
            intervals.append(RootInterval(mid - rad, mid + rad, p))
    return intervals


def _no_roots_in_window(p: flint.fmpz_poly) -> bool:
    """Descartes' rule of signs proves p ≠ 0 on the closed window [−1/2, 3/2].

    s = −1/2 + 2/(1 + x) maps x ∈ (0, ∞) onto the open window, and (1 + x)^n p(s) is the
    reversal of p(−1/2 + 2y) shifted by y = x + 1; no sign variation in its coefficients
    means no positive root x (Collins & Akritas 1976).
    """
    lo, hi = _WINDOW
    if _sign(p, lo) == 0 or _sign(p, hi) == 0:
        return False
    scaled = flint.fmpq_poly(p)(flint.fmpq_poly([flint.fmpq(lo.numerator, lo.denominator), 2]))
    reversed_ = flint.fmpq_poly(scaled.coeffs()[::-1])
    signs = [c > 0 for c in reversed_(flint.fmpq_poly([1, 1])).coeffs() if c != 0]
    return all(x == signs[0] for x in signs)


def _distinct_roots(squarefree: dict) -> list[tuple[RootInterval, set]]:
    """The distinct real roots in the window of square-free polynomials, and who vanishes.

    Each root comes with the names of the polynomials vanishing there.  Intervals are
    disjoint, sorted, and of width ≤ :data:`WIDTH` where they meet [0, 1].
    """
    lo, hi = _WINDOW
    precision = _PRECISION
    while True:
        found = sorted(
            (
                (r, name)
                for name, p in squarefree.items()
                for r in _real_roots(p, precision)
                if r.upper >= lo and r.lower <= hi
            ),
            key=lambda item: item[0].lower,
        )
        roots, ok = [], True
        for interval, name in found:
            if roots and roots[-1][0].upper >= interval.lower:
                last, names = roots[-1]
                if not last.same_root(interval):
                    ok = False
                    break
                lower, upper = max(last.lower, interval.lower), min(last.upper, interval.upper)
                roots[-1] = (RootInterval(lower, upper, last.polynomial), names | {name})
            else:
                roots.append((interval, {name}))
        wide = any(r.width > WIDTH and r.upper >= 0 and r.lower <= 1 for r, _ in roots)
        if ok and not wide:
            return roots
        precision *= 2


# ---- one word: its events ------------------------------------------------------------------


def _word_events(path: _Path, word: tuple[int, ...]) -> list[BifurcationEvent] | None:
    """The events of one word's cycle on [0, 1]; None where D ≡ 0 (singular for every s)."""
    polys = _word_polynomials(path, word)
    if polys is None:
        return None
    named = {"D": polys.D, "E": polys.E}
    named.update({(j, i): p for j, row in enumerate(polys.N) for i, p in enumerate(row)})
    if path.M == 2:
        determinant, trace = _interpolated(path, word, _monodromy_values)
        named.update({"S": determinant - 1, "T-": trace - 2, "T+": trace + 2})
    squarefree = {name: _integer(p) for name, p in named.items() if p.degree() >= 1}
    vanishing = {name: p for name, p in squarefree.items() if not _no_roots_in_window(p)}
    bits = path.m0.region_bits
    if _never_admissible(polys, word, bits, vanishing):
        return []
    roots = _distinct_roots(vanishing)
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


def _monodromy_values(path: _Path, word, s) -> list:
    """[det Π_w, tr Π_w] at s (for the Neimark–Sacker test of 2-D maps)."""
    jacobians, _ = path.steps(s)
    product = _identity(path.M)
    for d in word:
        product = jacobians[d] * product
    return [product.det(), sum(product[i, i] for i in range(path.M))]


def _complex_pair(named: dict, names: set, near: Fraction) -> bool:
    """At a root of det Π − 1 (M = 2): |tr Π| < 2, so the multipliers are e^{±iθ}, θ ∉ πℤ.

    tr Π ∓ 2 keep their signs from ``near`` unless they vanish at the root too (a double
    multiplier ±1, not a Neimark–Sacker point).
    """
    if names & {"T-", "T+"}:
        return False
    return _sign(named["T-"], near) < 0 < _sign(named["T+"], near)


def _never_admissible(polys: _WordPolynomials, word, bits, vanishing: dict) -> bool:
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


def _finite_at(path: _Path, word, root: RootInterval) -> bool:
    """Whether all of N₀ vanishes with D at s*: gcd(D, N₀)(s*) = 0, so the cycle stays finite."""
    G = _numerator_gcd(path, word)
    return G.degree() >= 1 and root.same_root(RootInterval(root.lower, root.upper, _integer(G)))


def _gap_points(roots: list) -> list[Fraction]:
    """A rational point in each gap between consecutive roots (and before / after all)."""
    lo, hi = _WINDOW
    if not roots:
        return [Fraction(0)]
    points = [(min(lo, roots[0][0].lower - 1) + roots[0][0].lower) / 2]
    for (left, _), (right, _) in itertools.pairwise(roots):
        points.append((left.upper + right.lower) / 2)
    points.append((max(hi, roots[-1][0].upper + 1) + roots[-1][0].upper) / 2)
    return points


def _sign_of_coordinate(polys: _WordPolynomials, j: int, i: int, s: Fraction) -> int:
    return _sign(polys.N[j][i], s) * _sign(polys.D, s)


def _admissible(polys: _WordPolynomials, word, bits: np.ndarray, s: Fraction) -> bool:
    """Every z_j(s) in its region Ω_{d_j}: unit i > 0 when d_{j,i} = 1, ≤ 0 when 0."""
    if _sign(polys.D, s) == 0:
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


def _cycle_at(path: _Path, word, s: Fraction) -> Cycle | None:
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
