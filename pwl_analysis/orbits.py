"""Periodic orbits of a piecewise-linear map: the result records.

A k-cycle with region word (d_0, …, d_{k-1}) satisfies z_{j+1} = J_{d_j} z_j + h (indices mod
k), so its first point solves the linear *cycle equation*

    (I − Π) z_0 = c,   Π = J_{d_{k-1}} ⋯ J_{d_0},   c = Σ_{j=0}^{k-1} J_{d_{k-1}} ⋯ J_{d_{j+1}} h,

and the word is *consistent* when every z_j lies in its region Ω_{d_j}.  These records hold the
float and the exact (Rational) views of one solution; both come from the same exact solve.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from itertools import groupby

import numpy as np
import sympy

from pwl_analysis import _exact
from pwl_analysis.orbit_table import html_orbit_table, orbit_rows
from pwl_analysis.stability import Stability


def _complex_pairs(values: np.ndarray) -> list[list[float]]:
    return [[float(v.real), float(v.imag)] for v in values]


def _from_least_point(rows: list[tuple]) -> tuple[tuple, ...]:
    """The rows of a cyclic orbit rotated to start at its lexicographically least point.

    The points of an orbit of minimal period k are distinct, so this start is unique and two
    records of one orbit, whatever point each starts from, give the same tuple.
    """
    start = min(range(len(rows)), key=rows.__getitem__, default=0)
    return tuple(rows[start:] + rows[:start])


@dataclass(frozen=True, eq=False)
class PeriodicOrbit(abc.ABC):
    """A periodic orbit of minimal period k (k = 1: a fixed point), however it was proven.

    The records of one search share this interface, so a :class:`CycleSet`, its tables
    (:mod:`pwl_analysis.orbit_table`), LaTeX and JSON treat them alike: an exact
    :class:`Cycle` and a ball-arithmetic :class:`CertifiedCycle`.  Two records are equal
    when they are of one kind and describe the same orbit (see ``_identity``), whatever
    point each starts from; they hash alike then.

    Attributes
    ----------
    period : int
        Minimal period k.
    regions : tuple of str
        Region labels d_0, …, d_{k-1} along the orbit, rotated to the lexicographically least
        (Lyndon) word, so each orbit has one representation.
    points : ndarray, shape (k, M)
        z_0, …, z_{k-1} in float64.
    monodromy : ndarray, shape (M, M)
        Monodromy matrix Π = J_{d_{k-1}} ⋯ J_{d_0} of the orbit started at z_0.
    multipliers : ndarray of complex, shape (M,)
        Eigenvalues of Π (Floquet multipliers), sorted by decreasing modulus.
    stability : Stability
        Kind (attracting/repelling node or focus, saddle, flip saddle, saddle-focus,
        marginal), index and multiplier moduli (see :mod:`pwl_analysis.stability`).
    on_boundary : bool
        True when some point has a piecewise-linear coordinate exactly 0 (it lies on a
        switching boundary; the map is continuous there, the orbit is reported once).

    See Also
    --------
    PWLMap.cycles : finds every cycle up to a period.
    PWLMap.cycle_of_word : solves one region word.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| has one 2-cycle, −1/10 ↦ 3/10 ↦ −1/10, through Ω_0 (slope 2)
    and Ω_1 (slope −2): its monodromy is 2 · (−2) = −4, its Lyapunov exponent log 4 / 2:

    >>> import numpy as np
    >>> from pwl_analysis import PeriodicOrbit, PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> cycle = tent.cycle_of_word(["0", "1"])
    >>> isinstance(cycle, PeriodicOrbit), cycle.monodromy.tolist(), cycle.stability.kind.value
    (True, [[-4.0]], 'repelling node')
    >>> bool(np.isclose(cycle.lyapunov_exponent, np.log(2))), cycle.runs
    (True, [('0', 1), ('1', 1)])
    """

    period: int
    regions: tuple[str, ...]
    points: np.ndarray
    monodromy: np.ndarray
    multipliers: np.ndarray
    stability: Stability
    on_boundary: bool

    @abc.abstractmethod
    def _identity(self) -> tuple:
        """What identifies the orbit: equal for two records of it, whatever their start."""

    @property
    @abc.abstractmethod
    def first_point(self) -> tuple:
        """z_0 as exactly as the record knows it: Rationals, or floats where none exist."""

    @abc.abstractmethod
    def _latex(self, printer=None) -> str:
        """The orbit for :func:`sympy.latex`."""

    def __eq__(self, other) -> bool:
        if not isinstance(other, PeriodicOrbit):
            return NotImplemented
        return type(self) is type(other) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._identity()))

    @property
    def stable(self) -> bool:
        """All multipliers strictly inside the unit circle."""
        return self.stability.stable

    @property
    def spectral_radius(self) -> float:
        """max |λ| over the multipliers."""
        return float(np.max(np.abs(self.multipliers)))

    @property
    def lyapunov_exponent(self) -> float:
        """Largest Lyapunov exponent of the orbit, log(max |λ|) / k (per map step)."""
        return float(np.log(self.spectral_radius) / self.period)

    @property
    def runs(self) -> list[tuple[str, int]]:
        """The region word run-length encoded: [(label, repetitions), …]."""
        return [(label, len(list(group))) for label, group in groupby(self.regions)]

    def _repr_latex_(self) -> str:
        return f"${self._latex()}$"

    def to_dict(self) -> dict:
        """JSON-ready dict: points as floats, the stability with its readable name."""
        return {
            "period": self.period,
            "regions": list(self.regions),
            "points": self.points.tolist(),
            "multipliers": _complex_pairs(self.multipliers),
            "stability": self.stability.to_dict(),
            "stable": self.stable,
            "on_boundary": self.on_boundary,
        }


@dataclass(frozen=True, eq=False)
class Cycle(PeriodicOrbit):
    """A periodic orbit decided in exact rationals (see :class:`PeriodicOrbit`).

    Two cycles are equal when they have the same period and the same exact points up to
    cyclic rotation (compared from their lexicographically least point).

    Attributes
    ----------
    exact_points : sympy.ImmutableMatrix, shape (k, M)
        The exact Rational solution of the cycle equation and its images; ``points`` are the
        nearest floats.

    Examples
    --------
    The tent map's 2-cycle −1/10 ↦ 3/10, solved from either rotation of its word, is one
    orbit: one record, equal and hashed alike, started at its least point:

    >>> from pwl_analysis import PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> cycle = tent.cycle_of_word(["1", "0"])
    >>> cycle
    Cycle(2-cycle in 0 → 1: repelling node (index 1), max|λ| = 4)
    >>> cycle.exact_points.T, cycle.first_point
    (Matrix([[-1/10, 3/10]]), (-1/10,))
    >>> cycle == tent.cycles(2)[2], len({cycle, tent.cycles(2)[2]})
    (True, 1)
    >>> cycle.to_dict()["exact_points"]
    [['-1/10'], ['3/10']]
    """

    exact_points: sympy.ImmutableMatrix

    def _identity(self) -> tuple:
        rows = [tuple(self.exact_points.row(j)) for j in range(self.period)]
        return (self.period, _from_least_point(rows))

    @property
    def first_point(self) -> tuple:
        """z_0 in exact Rationals."""
        return tuple(self.exact_points.row(0))

    def __repr__(self) -> str:
        word = " → ".join(self.regions)
        kind = "fixed point" if self.period == 1 else f"{self.period}-cycle"
        where = ", on boundary" if self.on_boundary else ""
        return (
            f"Cycle({kind} in {word}: {self.stability}, max|λ| = {self.spectral_radius:.4g}{where})"
        )

    def _latex(self, printer=None) -> str:
        points = r",\; ".join(
            sympy.latex(self.exact_points[j, :].T.evalf(6)) for j in range(self.period)
        )
        word = r"\to ".join(rf"\Omega_{{{r}}}" for r in self.regions)
        return rf"{word}:\; {points}"

    def to_dict(self) -> dict:
        """JSON-ready dict: points as floats, exact points as ``"p/q"`` strings."""
        return {
            **super().to_dict(),
            "exact_points": [
                [str(x) for x in self.exact_points.row(j)] for j in range(self.period)
            ],
        }


@dataclass(frozen=True, eq=False)
class CertifiedCycle(PeriodicOrbit):
    """A periodic orbit proven by ball arithmetic, without its exact Rational points.

    The exact cycle is the unique solution of the cycle equation of ``regions`` (get it with
    ``m.cycle_of_word(cycle.regions)``, slow for long words), and ``points`` are floats within
    ``radius`` of it in every coordinate
    (:func:`pwl_analysis.methods.seeded.certify_cycle`).  With no
    exact points, two certified cycles are equal when their period and float points agree up to
    cyclic rotation; a certified cycle never equals the exact :class:`Cycle` of its word.

    Attributes
    ----------
    radius : float
        Largest ball radius over all coordinates of all points (an upper bound on
        |float − exact| before the final rounding of ``points`` to float64).
    precision : int
        Working precision of the ball arithmetic, in bits.

    See Also
    --------
    TrajectorySeeded : the search that certifies cycles longer than ``exact_max_period``.

    Examples
    --------
    Lozi's cycles of period 6 decided by ball arithmetic (``exact_max_period=4``); the exact
    solution of the same region word lies within the ball radius of the float points:

    >>> import numpy as np
    >>> from pwl_analysis import CertifiedCycle, PWLMap, TrajectorySeeded
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> method = TrajectorySeeded(n_steps=5000, exact_max_period=4)
    >>> certified = [c for c in lozi.cycles(6, method=method) if c.period == 6]
    >>> all(isinstance(c, CertifiedCycle) for c in certified), len(certified)
    (True, 4)
    >>> exact = lozi.cycle_of_word(certified[0].regions)
    >>> bool(np.abs(np.array(exact.points) - certified[0].points).max() <= certified[0].radius)
    True
    """

    radius: float
    precision: int

    def _identity(self) -> tuple:
        rows = [tuple(float(x) for x in row) for row in self.points]
        return (self.period, _from_least_point(rows))

    @property
    def first_point(self) -> tuple:
        """z_0 in floats (within ``radius`` of the exact point)."""
        return tuple(float(x) for x in self.points[0])

    def __repr__(self) -> str:
        word = " ".join(f"{label}^{n}" if n > 1 else label for label, n in self.runs)
        return (
            f"CertifiedCycle({self.period}-cycle in {word}: {self.stability}, "
            f"max|λ| = {self.spectral_radius:.4g}, ball radius {self.radius:.1e})"
        )

    def _latex(self, printer=None) -> str:
        word = r"\,".join(
            rf"\Omega_{{{label}}}^{{{n}}}" if n > 1 else rf"\Omega_{{{label}}}"
            for label, n in self.runs
        )
        return rf"{word}:\; \text{{{self.period}-cycle, certified}}"

    def to_dict(self) -> dict:
        """JSON-ready dict; ``exact_points`` is None and ``certificate`` says why."""
        return {
            **super().to_dict(),
            "exact_points": None,
            "certificate": {
                "method": "ball arithmetic",
                "radius": self.radius,
                "precision": self.precision,
            },
        }


@dataclass(frozen=True, eq=False)
class VirtualFixedPoint:
    """The solution z* = (I − J_d)^{-1} h of a region's affine map lying outside Ω_d.

    It is not an orbit of the map, but shapes the flow inside Ω_d (a "virtual" fixed point).
    Two records are equal when they have the same region and exact point.

    Attributes
    ----------
    region : str
        The label d of the region whose affine map it solves.
    point : ndarray, shape (M,)
        z* in float64.
    exact_point : sympy.Matrix, shape (M, 1)
        z* in exact Rationals.
    multipliers : ndarray of complex, shape (M,)
        Eigenvalues of J_d, by decreasing modulus.
    stability : Stability
        What kind of fixed point z* would be, from the multipliers.

    See Also
    --------
    PWLMap.fixed_points : lists them with ``include_virtual=True``.

    Examples
    --------
    The map u ↦ u/2 + 1/2 − max(0, u) is u/2 + 1/2 on Ω_0 = {u ≤ 0}, whose fixed point
    u = 1 lies outside Ω_0; every orbit starting there is pushed towards it, across 0:

    >>> from pwl_analysis import PWLMap
    >>> m = PWLMap.from_alrnn([0.5], [[-1.0]], [0.5], P=1)
    >>> (virtual,) = m.fixed_points(include_virtual=True).virtual
    >>> virtual, virtual.exact_point
    (VirtualFixedPoint(of Ω_0: attracting node), Matrix([[1]]))
    """

    region: str
    point: np.ndarray
    exact_point: sympy.Matrix
    multipliers: np.ndarray
    stability: Stability

    def _identity(self) -> tuple:
        return (self.region, tuple(self.exact_point))

    def __eq__(self, other) -> bool:
        if not isinstance(other, VirtualFixedPoint):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return f"VirtualFixedPoint(of Ω_{self.region}: {self.stability})"

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "region": self.region,
            "point": self.point.tolist(),
            "exact_point": [str(x) for x in self.exact_point],
            "multipliers": _complex_pairs(self.multipliers),
            "stability": self.stability.to_dict(),
        }


@dataclass(frozen=True, eq=False)
class DegenerateCycle:
    """A region word whose cycle equation (I − Π) z_0 = c is singular.

    The solutions form the affine set {z_p + N t} (``particular`` + span of ``directions``) —
    a line or plane of periodic points, or a centre — or are empty (``nonempty`` False).
    ``meets_regions`` says whether some point of that set has all its iterates in the word's
    closed regions: False only when an exact Farkas certificate proves it impossible
    (:mod:`pwl_analysis.feasibility`), so True may also mean "only on a switching boundary";
    it is None for an empty set.  Two records are equal when they have the same word and the
    same solution set as computed (particular point and directions).

    Attributes
    ----------
    period : int
        Length k of the region word.
    regions : tuple of str
        The region word d_0, …, d_{k-1}.
    nonempty : bool
        Whether the singular cycle equation has solutions.
    particular : sympy.Matrix, shape (M, 1), or None
        One solution z_p (None when there is none).
    directions : sympy.Matrix, shape (M, r), or None
        A basis N of the null space of I − Π (None when there is no solution).
    meets_regions : bool or None
        Whether the solution set meets the word's closed regions (see above).

    Examples
    --------
    The map u ↦ u − 2 max(0, u) = −|u| fixes every u ≤ 0: its fixed-point equation on Ω_0
    is 0 · u = 0, whose solutions u = 0 + t form a line that meets Ω_0.  With the offset
    1/2 the equation on Ω_0 becomes 0 · u = 1/2, which has no solution:

    >>> from pwl_analysis import PWLMap
    >>> (line,) = PWLMap.from_alrnn([1.0], [[-2.0]], [0.0], P=1).fixed_points().degenerate
    >>> line, line.particular, line.directions
    (DegenerateCycle(0: 1-dimensional set, meets regions: True), Matrix([[0]]), Matrix([[1]]))
    >>> PWLMap.from_alrnn([1.0], [[-2.0]], [0.5], P=1).fixed_points().degenerate
    (DegenerateCycle(0: singular, no solution),)
    """

    period: int
    regions: tuple[str, ...]
    nonempty: bool
    particular: sympy.Matrix | None
    directions: sympy.Matrix | None
    meets_regions: bool | None

    def _identity(self) -> tuple:
        def entries(matrix):
            return None if matrix is None else (matrix.shape, tuple(matrix))

        return (
            self.period,
            self.regions,
            self.nonempty,
            entries(self.particular),
            entries(self.directions),
            self.meets_regions,
        )

    def __eq__(self, other) -> bool:
        if not isinstance(other, DegenerateCycle):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        word = " → ".join(self.regions)
        if not self.nonempty:
            return f"DegenerateCycle({word}: singular, no solution)"
        dim = self.directions.shape[1]
        return (
            f"DegenerateCycle({word}: {dim}-dimensional set, meets regions: {self.meets_regions})"
        )

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "period": self.period,
            "regions": list(self.regions),
            "nonempty": self.nonempty,
            "particular": None if self.particular is None else [str(x) for x in self.particular],
            "directions": None
            if self.directions is None
            else [
                [str(x) for x in self.directions.col(j)] for j in range(self.directions.shape[1])
            ],
            "meets_regions": self.meets_regions,
        }


@dataclass(frozen=True)
class CycleSet:
    """All orbits a search found, iterable over its :class:`PeriodicOrbit` records.

    Attributes
    ----------
    cycles : tuple of PeriodicOrbit
        Exact :class:`Cycle` records, and :class:`CertifiedCycle` records of a search that
        proves long cycles by ball arithmetic; sorted by period, then region word.
    degenerate : tuple of DegenerateCycle
        Region words with a singular cycle equation.
    virtual : tuple of VirtualFixedPoint
        Filled only by ``fixed_points(include_virtual=True)``.
    max_period : int
        The largest period searched.
    method : str
        The search method's description.
    complete : bool
        True when the method guarantees that every orbit of period ≤ ``max_period`` is listed.
    words_tried : int
        Number of region words whose cycle equation was solved.

    See Also
    --------
    PWLMap.cycles : the search that returns it.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| has 2, 1 and 2 orbits of minimal period 1, 2 and 3 (the
    primitive binary necklaces), all found by the complete search:

    >>> from pwl_analysis import PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> found = tent.cycles(3)
    >>> found
    CycleSet(5 orbits by period {1: 2, 2: 1, 3: 2}, 0 degenerate, exhaustive (LP-pruned), complete)
    >>> [c.regions for c in found.of_period(3)]
    [('0', '0', '1'), ('0', '1', '1')]
    >>> found.to_dict()["cycles"][0]["exact_points"]
    [['-1/2']]
    """

    cycles: tuple[PeriodicOrbit, ...]
    degenerate: tuple[DegenerateCycle, ...]
    max_period: int
    method: str
    complete: bool
    words_tried: int
    virtual: tuple[VirtualFixedPoint, ...] = field(default=())

    @classmethod
    def of_found(
        cls, found, max_period: int, method: str, complete: bool, words_tried: int
    ) -> CycleSet:
        """A search's result from its decided words.

        ``found`` holds :class:`PeriodicOrbit` records (sorted here by period, then word)
        and :class:`DegenerateCycle` records.
        """
        cycles = sorted(
            (c for c in found if isinstance(c, PeriodicOrbit)), key=lambda c: (c.period, c.regions)
        )
        return cls(
            cycles=tuple(cycles),
            degenerate=tuple(c for c in found if isinstance(c, DegenerateCycle)),
            max_period=int(max_period),
            method=method,
            complete=complete,
            words_tried=words_tried,
        )

    def __iter__(self):
        return iter(self.cycles)

    def __len__(self) -> int:
        return len(self.cycles)

    def __getitem__(self, i: int) -> PeriodicOrbit:
        return self.cycles[i]

    def of_period(self, k: int) -> tuple[PeriodicOrbit, ...]:
        """The cycles of minimal period k."""
        return tuple(c for c in self.cycles if c.period == k)

    def __repr__(self) -> str:
        counts = {k: len(self.of_period(k)) for k in range(1, self.max_period + 1)}
        shown = ", ".join(f"{k}: {n}" for k, n in counts.items() if n)
        guarantee = "complete" if self.complete else "not a completeness guarantee"
        return (
            f"CycleSet({len(self.cycles)} orbits by period {{{shown}}}, "
            f"{len(self.degenerate)} degenerate, {self.method}, {guarantee})"
        )

    def _repr_html_(self) -> str:
        """The orbits as a table (:mod:`pwl_analysis.orbit_table`), for Jupyter."""
        guarantee = "complete" if self.complete else "not a completeness guarantee"
        caption = (
            f"{len(self.cycles)} orbits of period ≤ {self.max_period} ({self.method}; "
            f"{guarantee}); {len(self.degenerate)} degenerate"
        )
        return html_orbit_table(caption, orbit_rows(self.cycles))

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "max_period": self.max_period,
            "method": self.method,
            "complete": self.complete,
            "words_tried": self.words_tried,
            "cycles": [c.to_dict() for c in self.cycles],
            "degenerate": [d.to_dict() for d in self.degenerate],
            "virtual": [v.to_dict() for v in self.virtual],
        }


def exact_points_matrix(points: list) -> sympy.ImmutableMatrix:
    """Stack exact column ``DomainMatrix`` points into a k×M ``sympy.ImmutableMatrix``."""
    return sympy.ImmutableMatrix([list(_exact.to_sympy(p).T) for p in points])
