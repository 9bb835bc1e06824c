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
    method : str
        The search method's description.
    complete : bool
        True when the method guarantees that every orbit of period ≤ ``max_period`` is listed.
    words_tried : int
        Number of region words whose cycle equation was solved.
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
