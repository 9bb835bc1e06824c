"""Homoclinic and heteroclinic points of planar piecewise-affine maps: W^u ∩ W^s, exactly.

A point q ≠ p on both the unstable and the stable manifold of a saddle p (or of a cycle
through p) is *homoclinic*: f^n(q) → p as n → ±∞; a point of W^u(a) ∩ W^s(b) for two
different saddles a and b is *heteroclinic*, f^{−n}(q) → a and f^n(q) → b.  It is
*transversal* when the two manifolds cross there at a non-zero angle.  For a
diffeomorphism a transversal homoclinic point implies a horseshoe in some power of f and so
positive topological entropy (Smale 1965); for a homeomorphism of the plane, such as an
invertible piecewise-affine map, a topologically transverse crossing suffices (Burns &
Weiss 1995).  This module finds and decides the crossings; it does not yet build the
horseshoe or bound the entropy.

In a planar piecewise-affine map both 1-D manifolds are polylines
(:func:`~pwl_analysis.manifold.unstable_manifold`,
:func:`~pwl_analysis.manifold.stable_manifold`), straight between their vertices.  Two
segments [a, b] ⊂ W^u and [c, d] ⊂ W^s cross *properly* (in the relative interior of both)
exactly when the orientations

    o(a, b, c) = det(b − a, c − a),  o(a, b, d),  o(c, d, a),  o(c, d, b)

satisfy o(a, b, c) o(a, b, d) < 0 and o(c, d, a) o(c, d, b) < 0; then the directions are not
parallel, det(b − a, d − c) ≠ 0, and the crossing is transversal.  Floats screen the pairs;
the decision is taken in exact rational arithmetic on the float vertices (every float is
the dyadic rational it is), so it cannot be fooled by rounding *of the test*.  The vertices
themselves carry the rounding of their computation (see :mod:`pwl_analysis.manifold`): the
decision is exact for the computed polylines, and each point records |sin| of its angle so
the reader sees how far from a tangency it is.  A tangency of two polylines can only occur
at a vertex; contacts at a vertex are counted in ``touching`` and not classified.

With ``exact_pieces`` the same test runs on the first fundamental domains of both
manifolds computed exactly in Q(√D) (:func:`~pwl_analysis.manifold.unstable_manifold`):
those pieces *are* pieces of the true manifolds (their local segment is checked exactly to
lie where f^k is affine), so a proper crossing found there is a proven transversal
homoclinic point (``certified``).  For the Lozi map (1.7, 0.5) three pieces suffice.

References
----------
Smale, S. (1965). Diffeomorphisms with many periodic points. In Differential and
Combinatorial Topology, Princeton University Press, 63–80.
Misiurewicz, M. (1980). Strange attractors for the Lozi mappings. Ann. N. Y. Acad. Sci.
357, 348–358.
Burns, K., Weiss, H. (1995). A geometric criterion for positive topological entropy.
Comm. Math. Phys. 172, 95–118.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pwl_analysis._quadratic import to_sympy
from pwl_analysis.errors import UserInputError
from pwl_analysis.manifold import Manifold, _exact_vertices, stable_manifold, unstable_manifold
from pwl_analysis.orbits import PeriodicOrbit
from pwl_analysis.pwl_map import PWLMap

#: Pairs of segments screened at once: 4096 × (W^s segments) orientation values in memory.
_CHUNK = 4096


@dataclass(frozen=True)
class ConnectingPoint:
    """One proper crossing of W^u(source) and W^s(target): a homoclinic or heteroclinic point.

    Attributes
    ----------
    point : ndarray, shape (2,)
        The crossing, nearest floats of ``exact_point``.
    exact_point : tuple of sympy.Rational
        The crossing of the two computed segments, exactly.
    transversal : bool
        det(b − a, d − c) ≠ 0 for the W^u segment [a, b] and the W^s segment [c, d],
        decided in exact rationals (always True for a proper crossing, see the module).
    orientation : int
        The sign of that determinant: +1 when W^s crosses W^u from right to left.
    sine : float
        |sin| of the angle between the two segments.
    unstable : tuple of int
        (branch, segment) of W^u the point lies on.
    stable : tuple of int
        (branch, segment) of W^s.
    certified : bool
        True when the crossing was decided on exactly computed pieces of the manifolds
        (``exact_pieces``): a proven transversal homoclinic (heteroclinic) point, its
        ``exact_point`` in Q(√D) and the segment labels those of the exact pieces.  False when
        decided on the float polylines (exact only for them, see the module docstring).

    Examples
    --------
    The first homoclinic point on W^u of the Lozi map's fixed point in x > 0, as a rational
    and as floats:

    >>> from pwl_analysis import PWLMap, homoclinic_points
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> q = homoclinic_points(lozi, lozi.fixed_points()[1], length=3.0)[0]
    >>> q
    ConnectingPoint((-0.422807, 0.122137), transversal, |sin| = 0.692)
    >>> q.unstable, q.stable, type(q.exact_point[0]).__name__
    ((0, 5), (1, 2), 'Rational')
    """

    point: np.ndarray
    exact_point: tuple
    transversal: bool
    orientation: int
    sine: float
    unstable: tuple[int, int]
    stable: tuple[int, int]
    certified: bool = False

    def __repr__(self) -> str:
        kind = "transversal" if self.transversal else "tangential"
        kind += ", certified" if self.certified else ""
        x, y = self.point
        return f"ConnectingPoint(({x:.6g}, {y:.6g}), {kind}, |sin| = {self.sine:.3g})"

    def to_dict(self) -> dict:
        """JSON-ready dict: the point as floats and as exact ``"p/q"`` strings."""
        return {
            "point": self.point.tolist(),
            "exact_point": [str(x) for x in self.exact_point],
            "transversal": self.transversal,
            "orientation": self.orientation,
            "sine": self.sine,
            "unstable": list(self.unstable),
            "stable": list(self.stable),
            "certified": self.certified,
        }


@dataclass(frozen=True, eq=False)
class Connections:
    """The crossings found on given pieces of W^u(source) and W^s(target).

    Attributes
    ----------
    unstable, stable : Manifold
        The pieces searched (their ``length`` bounds the search: points farther along either
        manifold are not found).
    points : tuple of ConnectingPoint
        Every proper crossing, by W^u branch, then segment, then position along it.
    touching : int
        Contacts of the two polylines at a vertex of one of them (for a homoclinic search the
        saddle p itself excluded), which are not classified.

    Examples
    --------
    >>> from pwl_analysis import PWLMap, homoclinic_points
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> homoclinic_points(lozi, lozi.fixed_points()[1], length=3.0)
    Connections(4 points, 4 transversal, on W^u and W^s of length 3 and 3)
    """

    unstable: Manifold
    stable: Manifold
    points: tuple[ConnectingPoint, ...]
    touching: int

    @property
    def source(self) -> PeriodicOrbit:
        """The orbit whose unstable manifold was searched."""
        return self.unstable.orbit

    @property
    def target(self) -> PeriodicOrbit:
        """The orbit whose stable manifold was searched."""
        return self.stable.orbit

    @property
    def homoclinic(self) -> bool:
        """Whether source and target are the same orbit (the points are homoclinic)."""
        return self.source == self.target

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self):
        return iter(self.points)

    def __getitem__(self, i: int) -> ConnectingPoint:
        return self.points[i]

    def __repr__(self) -> str:
        transversal = sum(q.transversal for q in self.points)
        return (
            f"Connections({len(self.points)} points, {transversal} transversal, on W^u and W^s "
            f"of length {self.unstable.length:g} and {self.stable.length:g})"
        )

    def to_dict(self) -> dict:
        """JSON-ready dict: the points and the lengths searched."""
        return {
            "source": self.source.to_dict(),
            "target": self.target.to_dict(),
            "unstable_length": self.unstable.length,
            "stable_length": self.stable.length,
            "points": [q.to_dict() for q in self.points],
            "touching": self.touching,
        }


def homoclinic_points(
    m: PWLMap,
    orbit: PeriodicOrbit,
    length: float = 5.0,
    stable_length: float | None = None,
    max_segments: int = 10**5,
    exact_pieces: int = 0,
) -> Connections:
    """Crossings of W^u(p) and W^s(p) for a saddle p of an invertible planar map.

    Grows both branches of W^u to arclength ``length`` and of W^s to ``stable_length``, and
    decides every crossing of the two polylines exactly (see the module docstring).

    Parameters
    ----------
    m : PWLMap
        A map with M = 2, invertible (W^s is grown by preimages).
    orbit : PeriodicOrbit
        An index-1 saddle fixed point or cycle off the switching lines.
    length : float, default 5.0
        Arclength of each branch of W^u searched.
    stable_length : float, optional
        Arclength of each branch of W^s searched; ``length`` when not given.
    max_segments : int, default 100_000
        Most segments of each manifold.
    exact_pieces : int, default 0
        When positive, decide the crossings on the first ``exact_pieces`` fundamental
        domains of both manifolds computed exactly in Q(√D) (see
        :func:`~pwl_analysis.manifold.unstable_manifold`) instead of on the float
        polylines: every point found is then ``certified``, a proof.  The saddles'
        multipliers must lie in one quadratic field.

    Returns
    -------
    Connections
        The proper crossings, each decided transversal or not in exact rationals.

    Raises
    ------
    UserInputError
        M ≠ 2, or what :func:`~pwl_analysis.manifold.stable_manifold` refuses.
    BudgetError
        A manifold needs more than ``max_segments`` segments.

    See Also
    --------
    heteroclinic_points : W^u of one saddle against W^s of another.

    Examples
    --------
    The Lozi map (a, b) = (1.7, 0.5): W^u and W^s of its fixed point in x > 0 cross
    transversally near it:

    >>> from pwl_analysis import PWLMap, homoclinic_points
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> found = homoclinic_points(lozi, lozi.fixed_points()[1], length=3.0)
    >>> len(found) > 0, all(q.transversal for q in found), found.homoclinic
    (True, True, True)
    """
    return heteroclinic_points(m, orbit, orbit, length, stable_length, max_segments, exact_pieces)


def heteroclinic_points(
    m: PWLMap,
    source: PeriodicOrbit,
    target: PeriodicOrbit,
    length: float = 5.0,
    stable_length: float | None = None,
    max_segments: int = 10**5,
    exact_pieces: int = 0,
) -> Connections:
    """Crossings of W^u(source) and W^s(target) of an invertible planar map.

    As :func:`homoclinic_points`, for two saddles: a point found tends to ``source`` under
    f^{−n} and to ``target`` under f^n.

    Parameters
    ----------
    m : PWLMap
        A map with M = 2, invertible (W^s is grown by preimages).
    source : PeriodicOrbit
        The saddle whose unstable manifold is searched.
    target : PeriodicOrbit
        The saddle whose stable manifold is searched (``source`` itself: homoclinic).
    length : float, default 5.0
        Arclength of each branch of W^u(source) searched.
    stable_length : float, optional
        Arclength of each branch of W^s(target) searched; ``length`` when not given.
    max_segments : int, default 100_000
        Most segments of each manifold.
    exact_pieces : int, default 0
        When positive, decide the crossings on the first ``exact_pieces`` fundamental
        domains of both manifolds computed exactly in Q(√D) (see
        :func:`~pwl_analysis.manifold.unstable_manifold`) instead of on the float
        polylines: every point found is then ``certified``, a proof.  The saddles'
        multipliers must lie in one quadratic field.

    Returns
    -------
    Connections
        The proper crossings, each decided transversal or not in exact rationals.

    Raises
    ------
    UserInputError
        M ≠ 2, or what the manifolds refuse.
    BudgetError
        A manifold needs more than ``max_segments`` segments.

    Examples
    --------
    W^u of the Lozi map's fixed point in x < 0 crosses W^s of the one in x > 0:

    >>> from pwl_analysis import PWLMap, heteroclinic_points
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> left, right = lozi.fixed_points()
    >>> found = heteroclinic_points(lozi, left, right, length=5.0)
    >>> len(found) > 0, found.homoclinic
    (True, False)
    """
    if m.M != 2:
        raise UserInputError(
            f"homoclinic and heteroclinic points are computed for planar maps, M = 2; got M = {m.M}"
        )
    w_u = unstable_manifold(m, source, length=length, max_segments=max_segments)
    w_s = stable_manifold(
        m,
        target,
        length=length if stable_length is None else stable_length,
        max_segments=max_segments,
    )
    same = source == target
    if exact_pieces:
        try:
            points, touching = _crossings(
                _exact_vertices(m, source, False, exact_pieces),
                _exact_vertices(m, target, True, exact_pieces),
                same,
                certified=True,
            )
        except ValueError as error:  # two quadratic fields
            raise UserInputError(f"exact_pieces={exact_pieces}: {error}") from error
    else:
        points, touching = _crossings(w_u.branches, w_s.branches, same, certified=False)
    return Connections(unstable=w_u, stable=w_s, points=tuple(points), touching=touching)


def _orientation(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """det(b − a, c − a), broadcast over leading axes (float screen)."""
    u, w = b - a, c - a
    return u[..., 0] * w[..., 1] - u[..., 1] * w[..., 0]


def _crossings(
    u_branches, s_branches, same_orbit: bool, certified: bool
) -> tuple[list[ConnectingPoint], int]:
    """Every proper crossing of two families of polylines, and the vertex contacts.

    Float vertices are screened in floats first; exact (object) vertices are all decided.
    """
    u_ab, u_id = _segments(u_branches)
    s_cd, s_id = _segments(s_branches)
    found, touching = [], 0
    for start in range(0, len(u_ab), _CHUNK):
        block = u_ab[start : start + _CHUNK]
        if u_ab.dtype == object:
            near = np.ones((len(block), len(s_cd)), dtype=bool)
        else:
            a, b = block[:, None, 0], block[:, None, 1]
            c, d = s_cd[None, :, 0], s_cd[None, :, 1]
            # float screen: a pair is dropped only when both ends of one segment lie on one
            # side of the other's line by more than 1e-12 S², far above the rounding of a
            # 2×2 determinant of coordinates bounded by S (a few ulp of S²)
            tolerance = 1e-12 * (1.0 + max(np.abs(a).max(), np.abs(c).max())) ** 2
            near = _straddles(_orientation(a, b, c), _orientation(a, b, d), tolerance)
            near &= _straddles(_orientation(c, d, a), _orientation(c, d, b), tolerance)
        for i, j in zip(*np.nonzero(near)):
            decided = _decide(block[i], s_cd[j])
            if decided is None:
                continue
            label = u_id[start + i]
            if decided == "touching":
                touching += 0 if same_orbit and label[1] == 0 and s_id[j][1] == 0 else 1
                continue
            point = _point(decided, block[i], s_cd[j], label, s_id[j], certified)
            found.append((label, decided[0], point))
    found.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in found], touching


def _straddles(first: np.ndarray, second: np.ndarray, tolerance: float) -> np.ndarray:
    """Not both beyond ``tolerance`` on one side: the pairs the exact test must look at."""
    apart = ((first > tolerance) & (second > tolerance)) | (
        (first < -tolerance) & (second < -tolerance)
    )
    return ~apart


def _segments(branches) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """All segments (n, 2, 2) of the branches and their (branch, segment) labels."""
    ends = [np.stack([b[:-1], b[1:]], axis=1) for b in branches]
    labels = [(k, i) for k, e in enumerate(ends) for i in range(len(e))]
    return np.concatenate(ends), labels


def _exact(point: np.ndarray) -> tuple:
    """An exact vertex as it is; a float one as the dyadic rationals it is."""
    if point.dtype == object:
        return point[0], point[1]
    return Fraction(float(point[0])), Fraction(float(point[1]))


def _det(u, w) -> Fraction:
    return u[0] * w[1] - u[1] * w[0]


def _sub(x, y) -> tuple[Fraction, Fraction]:
    return x[0] - y[0], x[1] - y[1]


def _decide(ab: np.ndarray, cd: np.ndarray):
    """Exactly: None (apart), ``"touching"`` (a contact at an end), or (t, det) of a crossing.

    t ∈ (0, 1) is the position along [a, b]; det = det(b − a, d − c) ≠ 0.
    """
    a, b = _exact(ab[0]), _exact(ab[1])
    c, d = _exact(cd[0]), _exact(cd[1])
    o1, o2 = _det(_sub(b, a), _sub(c, a)), _det(_sub(b, a), _sub(d, a))
    o3, o4 = _det(_sub(d, c), _sub(a, c)), _det(_sub(d, c), _sub(b, c))
    if o1 * o2 > 0 or o3 * o4 > 0:
        return None
    if o1 * o2 < 0 and o3 * o4 < 0:
        cross = _det(_sub(b, a), _sub(d, c))
        return _det(_sub(c, a), _sub(d, c)) / cross, cross
    if o1 == o2 == 0:  # collinear: a contact only where the segments overlap
        along = [(x[0] - a[0]) * (b[0] - a[0]) + (x[1] - a[1]) * (b[1] - a[1]) for x in (c, d)]
        norm = (b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2
        return "touching" if max(along) >= 0 and min(along) <= norm else None
    return "touching"


def _point(decided, ab, cd, u_label, s_label, certified: bool) -> ConnectingPoint:
    """The record of a proper crossing at parameter t along [a, b]."""
    t, cross = decided
    a, b = _exact(ab[0]), _exact(ab[1])
    exact = tuple(to_sympy(a[k] + t * (b[k] - a[k])) for k in range(2))
    ab, cd = ab.astype(float), cd.astype(float)
    u, w = ab[1] - ab[0], cd[1] - cd[0]
    sine = abs(float(cross)) / float(np.linalg.norm(u) * np.linalg.norm(w))
    return ConnectingPoint(
        point=np.array([float(x) for x in exact]),
        exact_point=exact,
        transversal=cross != 0,
        orientation=1 if cross > 0 else -1,
        sine=sine,
        unstable=u_label,
        stable=s_label,
        certified=certified,
    )
