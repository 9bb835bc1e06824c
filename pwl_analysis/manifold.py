"""One-dimensional invariant manifolds of saddle orbits, grown as polylines, interpolation-free.

Let p be a point of a k-periodic orbit of a continuous piecewise-affine map f, off every
switching hyperplane, with exactly one multiplier of modulus > 1, λ (real: a non-real one
would come with its conjugate).  Near p the map g = f^k (g = f^{2k} when λ < 0, so that each
branch is invariant) is affine, with the eigenvector v of λ; the segment

    D_0 = [p + ε v, g(p + ε v)] = [p + ε v, p + λ_g ε v],   λ_g = λ or λ²,

lies on the local unstable manifold when ε is small enough that p + t v, 0 ≤ t ≤ |λ_g| ε,
and its images under f, f², …, f^{K−1} (K = k or 2k) stay inside the regions of the orbit.
It is a *fundamental domain*: every point of the branch p + t v, t > 0, of W^u(p) lies in
exactly one g^n(D_0), and the branch is the polyline p, D_0, g(D_0), g²(D_0), … .

The image of a segment under a piecewise-affine map is a polyline that bends exactly where the
segment crosses a switching hyperplane s_i(z) = (W₂ z + h₂)_i = 0: the segment [a, b] crosses
it at a + t (b − a), t = s_i(a) / (s_i(a) − s_i(b)), where s_i(a) and s_i(b) have strictly
opposite signs.  Each step splits every segment at those points and maps the vertices by f,
which is affine on each piece; no point of the result is interpolated.  Krauskopf & Osinga
(1998) grow a 1-D manifold of a smooth map by interpolating between computed points and
controlling the error of doing so; a piecewise-affine map needs no interpolation, so the
polyline is the manifold itself, up to floating-point rounding.  For the Lozi map the
attractor is the closure of W^u of its saddle (Misiurewicz 1980), which the tests check.

A 1-D stable manifold (one multiplier of modulus < 1) of an invertible map is the same
construction for f^{-1}: :func:`stable_manifold` finds each segment's preimage piece by
piece, from the regions' inverse affine maps.

What is exact and what is not: the vertices are float64 images of float64 points (the
eigenvector v of a rational matrix is in general irrational, so the manifold's vertices are
not rational).  The only error is rounding, of order 1e-16 relative per step, which the
hyperbolic map (its inverse, for W^s) contracts across the manifold and moves along it; it
is not bounded rigorously here, so nothing in ``branches`` is called exact.  For M ≤ 2 the
first pieces can also be grown in exact arithmetic (``exact_pieces``): λ and v lie in the
field Q(√D), D the discriminant of the exact monodromy, and so does every vertex, since the
splits and affine maps have rational coefficients; signs there are decided exactly
(:mod:`pwl_analysis._quadratic`), and that the local segment D_0 lies where f^K is affine
is checked exactly too, so those pieces are pieces of the true manifold.

References
----------
Krauskopf, B., Osinga, H. M. (1998). Growing 1D and quasi-2D unstable manifolds of maps.
J. Comput. Phys. 146, 404–419.
Misiurewicz, M. (1980). Strange attractors for the Lozi mappings. Ann. N. Y. Acad. Sci.
357, 348–358.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import partial

import numpy as np
import sympy

from pwl_analysis._quadratic import square_root, to_sympy
from pwl_analysis.errors import BudgetError, Remedy, UserInputError
from pwl_analysis.orbits import PeriodicOrbit
from pwl_analysis.pwl_map import PWLMap

#: A fundamental domain shorter than this (relative to 1 + |p|) has converged to a point in
#: float64: its further images differ from it by rounding only, so its branch ends there.
_CONVERGED = 1e-13

#: The orbit handed in must map to itself under the map to this relative accuracy; its float
#: points are the nearest floats of an exact solution, so they satisfy it to ~1e-15.
_ORBIT_TOLERANCE = 1e-9

#: The preimage pieces of a segment must cover its parameter interval [0, 1] once, up to this:
#: each piece's ends are float solutions of one linear inequality, good to ~1e-15 unless the
#: segment runs almost along a boundary; a second preimage covers a whole extra piece.
_TILING = 1e-9


@dataclass(frozen=True, eq=False)
class Manifold:
    """A 1-D invariant manifold (W^u or W^s) of an orbit, as two polylines (its branches).

    Attributes
    ----------
    orbit : PeriodicOrbit
        The orbit; the branches start at its first point p = ``orbit.points[0]``.
    multiplier : float
        The multiplier of the manifold's direction (of f^k, k the period): the unstable λ,
        |λ| > 1, or the stable μ, |μ| < 1.
    direction : ndarray, shape (M,)
        Unit eigenvector v of that multiplier; branch 0 leaves p along +v, branch 1 along −v.
    branches : tuple of ndarray, shape (n_b, M)
        The vertices of each branch in order, starting at p.  Each segment lies in the
        closure of one region (up to the rounding of its end where it was split at a
        hyperplane, a few ulp), so f maps it to a segment.
    regions : tuple of ndarray of int, shape (n_b − 1,)
        The region index of every segment of each branch.
    ends : tuple of str
        Why each branch stops: ``"length"`` (it reached the requested arclength) or
        ``"converged"`` (its images shrank to a point, e.g. it ends on an attractor).
    length : float
        The arclength requested per branch.
    stable : bool
        False for W^u (grown by images; ``multiplier`` |λ| > 1), True for W^s (grown by
        preimages; ``multiplier`` |μ| < 1).
    exact_branches : tuple of sympy.ImmutableMatrix, shape (n_b', M)
        The first vertices of each branch (p and the first ``exact_pieces`` fundamental
        domains, split at the hyperplanes) in exact arithmetic, entries a + b√D; empty unless
        asked for.  As floats they lie on ``branches`` up to rounding (a vertex that rounding
        puts on a hyperplane, or just off it, can add or drop one split vertex).

    Notes
    -----
    The manifold of the orbit's other points z_j is f^j of this one.  The vertices are
    float64 images (see the module docstring): no interpolation error, rounding only.

    Examples
    --------
    >>> from pwl_analysis import PWLMap, unstable_manifold
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> w = unstable_manifold(lozi, lozi.fixed_points()[1], length=5.0)
    >>> w  # doctest: +ELLIPSIS
    Manifold(W^u of fixed point in 1: λ = -1.956, 2 branches, ... segments, length 5 each)
    >>> [round(float(b[0, 1]), 6) for b in w.branches]
    [0.454545, 0.454545]
    """

    orbit: PeriodicOrbit
    multiplier: float
    direction: np.ndarray
    branches: tuple[np.ndarray, ...]
    regions: tuple[np.ndarray, ...]
    ends: tuple[str, ...]
    length: float
    stable: bool = False
    exact_branches: tuple = ()

    @property
    def n_segments(self) -> int:
        """Number of segments over both branches."""
        return sum(len(r) for r in self.regions)

    def __repr__(self) -> str:
        kind = "fixed point" if self.orbit.period == 1 else f"{self.orbit.period}-cycle"
        word = " → ".join(self.orbit.regions)
        return (
            f"Manifold(W^{'s' if self.stable else 'u'} of {kind} in {word}: "
            f"{'μ' if self.stable else 'λ'} = {self.multiplier:.4g}, "
            f"{len(self.branches)} branches, {self.n_segments} segments, "
            f"length {self.length:g} each)"
        )

    def to_dict(self) -> dict:
        """JSON-ready dict: the orbit, λ, v and every branch's vertices and regions."""
        return {
            "orbit": self.orbit.to_dict(),
            "multiplier": self.multiplier,
            "direction": self.direction.tolist(),
            "length": self.length,
            "stable": self.stable,
            "exact_branches": [
                [[str(x) for x in row] for row in b.tolist()] for b in self.exact_branches
            ],
            "branches": [
                {"vertices": b.tolist(), "regions": r.tolist(), "end": e}
                for b, r, e in zip(self.branches, self.regions, self.ends)
            ],
        }


def unstable_manifold(
    m: PWLMap,
    orbit: PeriodicOrbit,
    length: float = 10.0,
    max_segments: int = 10**6,
    exact_pieces: int = 0,
) -> Manifold:
    """Both branches of W^u of an index-1 orbit, to arclength ``length`` each.

    W^u(p) = ∪_n g^n(D_0) ∪ {p}, with g = f^k (f^{2k} for a negative multiplier) and D_0 the
    fundamental domain [p + ε v, g(p + ε v)] on the unstable eigenline (module docstring);
    each g^n(D_0) is computed from g^{n−1}(D_0) by splitting its segments where they cross a
    switching hyperplane and mapping the vertices, so the polyline has no interpolation
    error.

    Parameters
    ----------
    m : PWLMap
        The map, of any model class (its switching hyperplanes W₂ z + h₂ = 0 split segments).
    orbit : PeriodicOrbit
        A fixed point or cycle of ``m`` with exactly one multiplier of modulus > 1, none of
        modulus 1, and no point on a switching hyperplane (e.g. from ``m.cycles(K)``).
    length : float, default 10.0
        Arclength of each branch: growth stops there (the last segment is cut to it).
    max_segments : int, default 1_000_000
        Most segments held in both branches together.
    exact_pieces : int, default 0
        For M ≤ 2 and an exact orbit (a :class:`~pwl_analysis.orbits.Cycle`): the number of
        fundamental domains D_0, g(D_0), … of each branch also computed exactly, in the
        field Q(√D) of the unstable multiplier (D the discriminant of the exact monodromy;
        Q itself when λ is rational).  Their numbers grow with every step, so keep it small.

    Returns
    -------
    Manifold
        The two branches as polylines, with the region of every segment, and the first
        ``exact_pieces`` pieces of each exactly (``exact_branches``).

    Raises
    ------
    UserInputError
        ``orbit`` is not an orbit of ``m``, not of index 1, marginal, or on a switching
        hyperplane; ``length`` is not positive and finite.
    BudgetError
        The branches need more than ``max_segments`` segments to reach ``length``.

    See Also
    --------
    stable_manifold : the same by preimages, for one stable multiplier.

    References
    ----------
    Krauskopf, B., Osinga, H. M. (1998). Growing 1D and quasi-2D unstable manifolds of maps.
    J. Comput. Phys. 146, 404–419.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| has the fixed point 1/6 with multiplier −2; its unstable
    manifold folds over the invariant interval [−1/2, 1/2]:

    >>> from pwl_analysis import PWLMap, unstable_manifold
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> w = unstable_manifold(tent, tent.fixed_points()[1], length=4.0)
    >>> w.multiplier, w.ends
    (-2.0, ('length', 'length'))
    >>> [(float(b.min()), float(b.max())) for b in w.branches]
    [(-0.5, 0.5), (-0.5, 0.5)]
    """
    return _manifold(m, orbit, False, length, max_segments, exact_pieces)


def stable_manifold(
    m: PWLMap,
    orbit: PeriodicOrbit,
    length: float = 10.0,
    max_segments: int = 10**6,
    exact_pieces: int = 0,
) -> Manifold:
    """Both branches of the 1-D stable manifold W^s of an orbit of an invertible map.

    W^s(p) = ∪_n g^{−n}(D_0) ∪ {p}, D_0 = [p + ε w, g^{−1}(p + ε w)] on the eigenline of the
    one multiplier μ with |μ| < 1 (g = f^k, or f^{2k} when μ < 0).  The preimage of a
    segment [a, b] is found piece by piece: for each region d, the part of
    J_d^{-1}([a, b] − c_d) that lies in cl Ω_d, a parameter interval of [a, b] cut out by
    Ω_d's inequalities.  f is required to be invertible: every J_d non-singular with
    determinants of one sign (coherently oriented), and the pieces must tile each segment
    once; the preimage is then unique and, like the images of :func:`unstable_manifold`,
    has no interpolation error.  For a 2-D map this is the manifold of an index-1 saddle.

    Parameters
    ----------
    m : PWLMap
        An invertible map, of any model class.
    orbit : PeriodicOrbit
        A fixed point or cycle of ``m`` with exactly one multiplier of modulus < 1, none of
        modulus 1, and no point on a switching hyperplane.
    length : float, default 10.0
        Arclength of each branch.
    max_segments : int, default 1_000_000
        Most segments held in both branches together.
    exact_pieces : int, default 0
        As for :func:`unstable_manifold`: the first pieces also in exact arithmetic.

    Returns
    -------
    Manifold
        With ``stable`` True and ``multiplier`` μ.

    Raises
    ------
    UserInputError
        As :func:`unstable_manifold`, with one stable multiplier in place of one unstable;
        or the map is not invertible (a singular or orientation-reversing piece, or a
        segment with no or two preimages).
    BudgetError
        The branches need more than ``max_segments`` segments to reach ``length``.

    Examples
    --------
    The Lozi map is invertible (det J = −b = −1/2 on both pieces); W^s of its fixed point in
    x > 0 leaves it along the eigenvector of μ = (−1.7 + √4.89)/2 = 0.2557:

    >>> from pwl_analysis import PWLMap, stable_manifold
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> ws = stable_manifold(lozi, lozi.fixed_points()[1], length=3.0)
    >>> round(ws.multiplier, 4), ws.stable, ws.ends
    (0.2557, True, ('length', 'length'))
    """
    return _manifold(m, orbit, True, length, max_segments, exact_pieces)


def _manifold(
    m: PWLMap,
    orbit: PeriodicOrbit,
    stable: bool,
    length: float,
    max_segments: int,
    exact_pieces: int,
) -> Manifold:
    """W^u (``stable`` False, by images) or W^s (True, by preimages) of a checked orbit."""
    if not isinstance(orbit, PeriodicOrbit):
        raise UserInputError(f"orbit must be a PeriodicOrbit of the map, got {orbit!r}")
    if not (isinstance(length, (int, float)) and np.isfinite(length) and length > 0):
        raise UserInputError(f"length must be a positive finite number, got {length!r}")
    if isinstance(max_segments, bool) or not isinstance(max_segments, (int, np.integer)):
        raise UserInputError(f"max_segments must be an integer, got {max_segments!r}")
    _check_orbit(m, orbit, stable)
    if isinstance(exact_pieces, bool) or not isinstance(exact_pieces, (int, np.integer)):
        raise UserInputError(f"exact_pieces must be an integer, got {exact_pieces!r}")
    if exact_pieces and (m.M > 2 or not hasattr(orbit, "exact_points")):
        raise UserInputError(
            f"exact_pieces={exact_pieces} needs M ≤ 2 and an exact Cycle; got M = {m.M} and "
            f"{type(orbit).__name__}"
        )
    multiplier, direction = _eigendirection(orbit, stable)
    period = orbit.period * (2 if multiplier < 0 else 1)
    gain = multiplier ** (period // orbit.period)
    if stable:
        inverses = _inverses(m)
        gain, step = 1.0 / gain, partial(_preimage, m, inverses, steps=period)
    else:
        step = partial(_image, m, steps=period)
    p = orbit.points[0]
    epsilon = _local_radius(m, orbit, direction, period) / gain
    grown = [
        _grow(m, p, sign * epsilon * direction, gain, step, length, max_segments)
        for sign in (1, -1)
    ]
    total = sum(len(b) - 1 for b, _ in grown)
    if total > max_segments:
        raise BudgetError(
            f"the two branches to length {length:g} need {total} segments, over "
            f"max_segments={max_segments}",
            (Remedy("max_segments", "raise", total), Remedy("length", "lower")),
        )
    return Manifold(
        orbit=orbit,
        multiplier=float(multiplier),
        direction=direction,
        branches=tuple(b for b, _ in grown),
        regions=tuple(m.region_of(0.5 * (b[1:] + b[:-1])) for b, _ in grown),
        ends=tuple(end for _, end in grown),
        length=float(length),
        stable=stable,
        exact_branches=tuple(
            sympy.ImmutableMatrix([[to_sympy(x) for x in z] for z in b])
            for b in (_exact_vertices(m, orbit, stable, exact_pieces) if exact_pieces else ())
        ),
    )


def _check_orbit(m: PWLMap, orbit: PeriodicOrbit, stable: bool) -> None:
    """Refuse, in one sentence, an orbit without exactly one multiplier on the grown side."""
    points = np.asarray(orbit.points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != m.M:
        raise UserInputError(f"orbit has points of shape {points.shape}, the map has M = {m.M}")
    images = m(points)
    scale = 1.0 + np.abs(points).max()
    if np.abs(images - np.roll(points, -1, axis=0)).max() > _ORBIT_TOLERANCE * scale:
        raise UserInputError(f"{orbit!r} is not an orbit of this map")
    stability = orbit.stability
    if stability.kind.value == "marginal":
        raise UserInputError(f"{orbit!r} has a multiplier of modulus 1: it has no 1-D manifold")
    if stable and int(np.sum(np.asarray(stability.moduli) < 1)) != 1:
        count = int(np.sum(np.asarray(stability.moduli) < 1))
        raise UserInputError(
            f"{orbit!r} has {count} multipliers of modulus < 1, and a stable manifold is "
            "grown for exactly one"
        )
    if not stable and stability.index != 1:
        raise UserInputError(
            f"{orbit!r} is not an index-1 orbit: it has {stability.index} multipliers of "
            "modulus > 1, and an unstable manifold is grown for exactly one"
        )
    if orbit.on_boundary:
        raise UserInputError(f"{orbit!r} lies on a switching hyperplane, where f is not affine")


def _eigendirection(orbit: PeriodicOrbit, stable: bool) -> tuple[float, np.ndarray]:
    """The one unstable (or stable) multiplier, real, and its unit eigenvector."""
    values, vectors = np.linalg.eig(orbit.monodromy)
    moduli = np.abs(values)
    i = int(np.argmin(moduli) if stable else np.argmax(moduli))
    vector = np.real(vectors[:, i])
    return float(np.real(values[i])), vector / np.linalg.norm(vector)


def _local_radius(m: PWLMap, orbit: PeriodicOrbit, v: np.ndarray, period: int) -> float:
    """Largest t (halved) with p + s v in the orbit's linear pieces for 0 ≤ s ≤ t, K steps on.

    Along the orbit p_j + s u_j, u_j = J_{d_{j−1}} ⋯ J_{d_0} v: the switching function s_i
    changes by s · (W₂ u_j)_i, so it keeps its sign while s < |s_i(p_j)| / |(W₂ u_j)_i|.
    """
    _, W2, h2 = m.relu_layer
    radius = np.inf
    u = v
    for j in range(period):
        point = orbit.points[j % orbit.period]
        rate = np.abs(W2 @ u)
        margin = np.abs(W2 @ point + h2)
        with np.errstate(divide="ignore"):
            radius = min(radius, float(np.min(margin / rate, initial=np.inf)))
        u = m.jacobian(point) @ u
    return 0.5 * min(radius, 1.0 + float(np.abs(orbit.points[0]).max()))


def _split(m: PWLMap, vertices: np.ndarray, layer=None) -> np.ndarray:
    """The polyline with a vertex added wherever a segment crosses a switching hyperplane.

    Segment [a, b] crosses s_i = 0 where s_i(a) s_i(b) < 0, at t = s_i(a) / (s_i(a) − s_i(b));
    the new vertices are sorted along each segment, so every segment of the result lies in
    the closure of one region.  ``layer`` is (W₂, h₂): the map's floats by default, or exact
    object arrays for exact vertices (the same code then runs in exact arithmetic).
    """
    _, W2, h2 = m.relu_layer if layer is None else (None, *layer)
    s = vertices.dot(W2.T) + h2
    segment, unit = np.nonzero(s[:-1] * s[1:] < 0)
    if segment.size == 0:
        return vertices
    a, b = s[segment, unit], s[segment + 1, unit]
    t = a / (a - b)
    crossings = vertices[segment] + t[:, None] * (vertices[segment + 1] - vertices[segment])
    keys = np.concatenate([np.arange(len(vertices)), segment + t])
    order = np.argsort(keys, kind="stable")
    return np.concatenate([vertices, crossings])[order]


def _image(m: PWLMap, vertices: np.ndarray, steps: int) -> np.ndarray:
    """f^steps of a polyline, exactly as a polyline: split at crossings, map the vertices."""
    for _ in range(steps):
        vertices = m(_split(m, vertices))
    return vertices


def _fractions(matrix) -> np.ndarray:
    """A ``DomainMatrix`` over QQ as an object array of ``Fraction``."""
    rows = [
        [Fraction(int(x.numerator), int(x.denominator)) for x in row] for row in matrix.to_list()
    ]
    return np.array(rows, dtype=object).reshape(matrix.shape)


class _ExactMap:
    """f in exact arithmetic on object arrays of vertices (``Fraction`` or ``Quadratic``)."""

    def __init__(self, m: PWLMap):
        _, W2, h2 = m.exact_relu_layer
        self.layer = (_fractions(W2), _fractions(h2)[:, 0])
        self.jacobians = [_fractions(m.exact_region_jacobian(r)) for r in range(m.n_regions)]
        self.offsets = [_fractions(m.exact_region_offset(r))[:, 0] for r in range(m.n_regions)]
        self.index = {tuple(int(b) for b in bits): r for r, bits in enumerate(m.region_bits)}
        self.m = m

    def __call__(self, vertices: np.ndarray) -> np.ndarray:
        W2, h2 = self.layer
        out = np.empty_like(vertices)
        for i, z in enumerate(vertices):
            r = self.index[tuple(int(x > 0) for x in W2.dot(z) + h2)]
            out[i] = self.jacobians[r].dot(z) + self.offsets[r]
        return out

    def region(self, z: np.ndarray) -> int | None:
        """The region index of an exact point, None when it lies on a switching hyperplane."""
        W2, h2 = self.layer
        s = W2.dot(z) + h2
        if any(x == 0 for x in s):
            return None
        return self.index[tuple(int(x > 0) for x in s)]

    def image(self, vertices: np.ndarray, steps: int) -> np.ndarray:
        """f^steps of a polyline, as :func:`_image`, in exact arithmetic."""
        for _ in range(steps):
            vertices = self(_split(self.m, vertices, self.layer))
        return vertices

    def preimage(self, vertices: np.ndarray, steps: int) -> np.ndarray:
        """f^{−steps} of a polyline, as :func:`_preimage`, in exact arithmetic (M ≤ 2)."""
        pieces = []
        for r, J in enumerate(self.jacobians):
            G, g = self.m.exact_region_constraints(r)
            pieces.append((_inverse(J), self.offsets[r], _fractions(G), _fractions(g)[:, 0]))
        for _ in range(steps):
            vertices = _preimage_once(pieces, vertices)
        return vertices


def _inverse(J: np.ndarray) -> np.ndarray:
    """The inverse of a non-singular 1×1 or 2×2 object matrix of Fractions."""
    if J.shape == (1, 1):
        return np.array([[1 / J[0, 0]]], dtype=object)
    (p, q), (r, t) = J
    det = p * t - q * r
    return np.array([[t / det, -q / det], [-r / det, p / det]], dtype=object)


def _exact_eigenvector(f: _ExactMap, orbit: PeriodicOrbit, direction: np.ndarray, stable: bool):
    """λ and an eigenvector v over Q(√D), D the discriminant of the exact monodromy (M ≤ 2).

    λ is the multiplier of largest modulus (smallest when ``stable``); v points the way of
    the float ``direction``.
    """
    monodromy = np.identity(orbit.monodromy.shape[0], dtype=object) * Fraction(1)
    for label in orbit.regions:
        monodromy = f.jacobians[f.m.region_index(label)].dot(monodromy)
    if monodromy.shape == (1, 1):
        return monodromy[0, 0], np.array([Fraction(1)], dtype=object) * int(np.sign(direction[0]))
    (p, q), (r, t) = monodromy
    root = square_root((p - t) ** 2 + 4 * q * r)
    pick = min if stable else max
    lam = pick(((p + t) + root) / 2, ((p + t) - root) / 2, key=lambda x: abs(float(x)))
    if q != 0:
        v = np.array([q, lam - p], dtype=object)
    elif r != 0:
        v = np.array([lam - t, r], dtype=object)
    else:
        v = np.array([Fraction(int(lam == p)), Fraction(int(lam != p))], dtype=object)
    sign = 1 if float(np.dot([float(x) for x in v], direction)) > 0 else -1
    return lam, v * sign


def _exact_vertices(m: PWLMap, orbit: PeriodicOrbit, stable: bool, pieces: int) -> tuple:
    """Both branches' first ``pieces`` fundamental domains as exact object arrays.

    The same construction as the float growth: D_0 = [p + ε v, p + λ_g ε v] (λ_g replaced
    by 1/μ_g for W^s) with ε a rational near the float one; that D_0 lies where f^j is
    affine along the orbit is checked exactly (its far end stays in the orbit's regions,
    off their boundaries, for K steps; the regions are convex and p is inside them).
    """
    multiplier, direction = _eigendirection(orbit, stable)
    period = orbit.period * (2 if multiplier < 0 else 1)
    f = _ExactMap(m)
    lam, v = _exact_eigenvector(f, orbit, direction, stable)
    gain = lam * lam if period > orbit.period else lam
    gain = 1 / gain if stable else gain
    radius = _local_radius(m, orbit, direction, period)
    scale = Fraction(radius / float(gain) / float(np.linalg.norm([float(x) for x in v])))
    p = np.array(_row(orbit), dtype=object)
    branches = []
    for sign in (1, -1):
        piece = np.stack([p + sign * scale * v, p + sign * gain * scale * v])
        _check_affine_along(f, orbit, piece[1], period)
        grown = [p[None, :], piece]
        for _ in range(pieces - 1):
            piece = f.preimage(piece, period) if stable else f.image(piece, period)
            grown.append(piece[1:])
        branches.append(_split(m, np.concatenate(grown), f.layer))
    return tuple(branches)


def _check_affine_along(f: _ExactMap, orbit: PeriodicOrbit, q: np.ndarray, period: int) -> None:
    """That q and its images stay strictly in the orbit's regions for ``period`` steps."""
    for j in range(period):
        region = f.m.region_index(orbit.regions[j % orbit.period])
        if f.region(q) != region:
            raise ArithmeticError(
                "the local eigen-segment left the orbit's regions in exact arithmetic; "
                "the float radius around the orbit was not safe"
            )
        q = f.jacobians[region].dot(q) + f.offsets[region]


def _row(orbit: PeriodicOrbit) -> list[Fraction]:
    """z_0 of an exact cycle as Fractions."""
    return [Fraction(int(x.p), int(x.q)) for x in orbit.exact_points.row(0)]


def _inverses(m: PWLMap) -> np.ndarray:
    """J_d^{-1} of every region, after checking that f is coherently oriented."""
    determinants = np.linalg.det(m.jacobians)
    if np.any(determinants == 0) or np.ptp(np.sign(determinants)) != 0:
        raise UserInputError(
            f"the map is not invertible (region determinants {np.round(determinants, 6)} are "
            "not all non-zero of one sign), so a stable manifold has no unique preimages"
        )
    return np.linalg.inv(m.jacobians)


def _preimage(m: PWLMap, inverses: np.ndarray, vertices: np.ndarray, steps: int) -> np.ndarray:
    """f^{−steps} of a polyline of an invertible map, piece by piece (see stable_manifold)."""
    pieces = [(inverses[r], m.offsets[r], *m.region_constraints(r)) for r in range(m.n_regions)]
    for _ in range(steps):
        vertices = _preimage_once(pieces, vertices)
    return vertices


def _preimage_once(pieces, vertices: np.ndarray) -> np.ndarray:
    """f^{−1} of a polyline: each segment's parameter interval cut into regions' pieces.

    On segment [a, b] the preimage under region d is a' + t (b' − a'), a' = J_d^{-1}(a − c_d);
    it is valid where G_d (a' + t (b' − a')) ≤ g_d, an interval [lo, hi] of t.  The pieces of
    all regions must tile [0, 1] once; the polyline runs through each piece's start.
    ``pieces`` holds (J_d^{-1}, c_d, G_d, g_d) of every region, floats or exact object
    arrays (the same code then runs in exact arithmetic).
    """
    a, b = vertices[:-1], vertices[1:]
    found = []  # (segment, lo, hi, start, end)
    for inverse, offset, G, g in pieces:
        pa, pb = (a - offset).dot(inverse.T), (b - offset).dot(inverse.T)
        at0 = pa.dot(G.T) - g
        slope = (pb.dot(G.T) - g) - at0
        rising, falling = (slope > 0).astype(bool), (slope < 0).astype(bool)
        bound = np.zeros(slope.shape, dtype=slope.dtype)
        moving = rising | falling
        bound[moving] = -at0[moving] / slope[moving]
        never = np.any(~moving & (at0 > 0).astype(bool), axis=1)
        for i in np.nonzero(~never)[0]:
            lo = max([bound[i, k] for k in np.nonzero(falling[i])[0]], default=0)
            hi = min([bound[i, k] for k in np.nonzero(rising[i])[0]], default=1)
            lo, hi = max(lo, 0), min(hi, 1)
            if hi > lo:
                step = pb[i] - pa[i]
                found.append((i, lo, hi, pa[i] + lo * step, pa[i] + hi * step))
    covered = np.zeros(len(a))
    for i, lo, hi, _, _ in found:
        covered[i] += float(hi - lo)
    if np.abs(covered - 1.0).max(initial=0.0) > _TILING:
        worst = int(np.argmax(np.abs(covered - 1.0)))
        raise UserInputError(
            f"a segment has preimage pieces covering {covered[worst]:.6g} of it instead of "
            "once: the map is not invertible there"
        )
    found.sort(key=lambda piece: (piece[0], piece[1]))
    return np.array([piece[3] for piece in found] + [found[-1][4]], dtype=vertices.dtype)


def _grow(
    m: PWLMap,
    p: np.ndarray,
    offset: np.ndarray,
    gain: float,
    step,
    length: float,
    max_segments: int,
) -> tuple[np.ndarray, str]:
    """One branch p, D_0, step(D_0), … to arclength ``length``, split at every crossing.

    D_0 = [p + offset, p + gain · offset], the fundamental domain on the eigenline.
    """
    piece = np.stack([p + offset, p + gain * offset])
    pieces, reached, count = [p[None, :]], float(np.linalg.norm(offset)), 1
    scale = 1.0 + float(np.abs(p).max())
    while True:
        steps = np.linalg.norm(np.diff(piece, axis=0), axis=1)
        total = float(steps.sum())
        if reached + total >= length:
            pieces.append(_cut(piece, steps, length - reached))
            end = "length"
            break
        if total < _CONVERGED * scale:
            end = "converged"
            break
        pieces.append(piece)
        reached, count = reached + total, count + len(steps)
        if count > max_segments:
            raise BudgetError(
                f"a branch needs over max_segments={max_segments} segments before reaching "
                f"length {length:g} (it has length {reached:.4g})",
                (Remedy("max_segments", "raise"), Remedy("length", "lower")),
            )
        piece = step(piece)
    vertices = np.concatenate([pieces[0]] + [q[1:] if i else q for i, q in enumerate(pieces[1:])])
    return _split(m, vertices), end


def _cut(piece: np.ndarray, steps: np.ndarray, remaining: float) -> np.ndarray:
    """The initial part of a polyline with arclength ``remaining``."""
    cumulative = np.cumsum(steps)
    j = int(np.searchsorted(cumulative, remaining))
    before = cumulative[j] - steps[j]
    t = (remaining - before) / steps[j] if steps[j] > 0 else 0.0
    end = piece[j] + t * (piece[j + 1] - piece[j])
    return np.concatenate([piece[: j + 1], end[None, :]])
