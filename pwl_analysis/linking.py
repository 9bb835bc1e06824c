"""Linking numbers of closed polygonal curves: the topological fingerprint of periodic orbits.

Two disjoint closed curves a, b in R³ have the *linking number*, Gauss's double integral

    lk(a, b) = (1/4π) ∮_a ∮_b (r_a − r_b) · (dr_a × dr_b) / |r_a − r_b|³,

an integer: the degree of the Gauss map (s, t) ↦ (r_a(s) − r_b(t)) / |r_a(s) − r_b(t)| from
the torus a × b to the sphere.  It is symmetric, changes sign when either curve is reversed or
the pair is mirrored, and does not change under any deformation in which the curves never
meet.  Periodic orbits of a flow in R³ (or of a map, joined point to point) are such curves,
and their pairwise linking numbers are the invariants by which a template is recognised
(Birman & Williams 1983) and by which a model's orbits are compared with the original
system's.

This module computes lk two independent ways and answers only when both agree.

**Gauss integral, exactly per pair of segments.**  For segments a_i → a_i + A and
b_j → b_j + B the integrand is the pull-back of the area form of the sphere by the map
(s, t) ↦ d(s, t) = a_i − b_j + sA − tB, (s, t) ∈ [0, 1]², whose image is the flat
parallelogram with corners d₀₀, d₁₀, d₁₁, d₀₁.  Since ∂_s d × ∂_t d = −A × B, the pair's
integral is minus the signed solid angle Ω that this parallelogram subtends at the origin
(Banchoff 1976; Klenin & Langowski 2000 write Ω with four arcsines of the normals of its
faces).  Ω is evaluated here as the sum of two flat triangles, each with the formula of
Van Oosterom & Strackee (1983),

    tan(Ω_abc / 2) = a·(b × c) / (|a||b||c| + (a·b)|c| + (a·c)|b| + (b·c)|a|),

through ``atan2``, which stays accurate where the arcsines lose half their digits (coplanar
segments, as for two curves in one plane).  Then lk = −(1/4π) Σ_ij (Ω_{d₀₀d₁₀d₁₁} +
Ω_{d₀₀d₁₁d₀₁}), a finite sum with no quadrature error.

**Signed crossings of a projection.**  Projected along a generic direction v, the curves
cross finitely often; at a crossing of a-segment A with b-segment B, r_a − r_b = h v, and
the crossing counts ε = sign(h · v·(A × B)): the sign of the Gauss integrand there, so the
crossings are the preimages of ±v under the Gauss map and lk = ½ Σ ε (Rolfsen 1976, §5.D).
A direction is *generic* when no vertex lies on (within rounding of) the projection of a
segment it could cross (segments collinear in R³ count as apart when their projections are),
and the heights h at the crossings are clear of zero; otherwise the
next direction of a fixed pseudo-random sequence is tried.  The total Σ ε must be even.

**Decision.**  :func:`linking_number` returns an integer only if the curves keep a distance
of at least ``tol`` times the diagonal of the box bounding both, a generic projection was
found, and the Gauss sum is within 10⁻⁶ of the crossings' integer; otherwise the record says
undecided and why.  Everything is vectorised over blocks of segment pairs: two curves of
500 points each take about a tenth of a second.

**Orbits of a map.**  A cycle z₀ … z_{k−1} of a map is read as the closed polygon through
its points in order (in the read-out coordinates, three of them).  It stands for the flow's
orbit only as long as the polygons of two orbits can be deformed into the orbits without
passing through each other: coarse steps can make chords of two orbits cross where the orbits
do not.  The polygons' linking numbers are computed exactly; what they say about the flow is
that caveat's.

References
----------
Banchoff, T. (1976). Self linking numbers of space polygons. Indiana Univ. Math. J. 25,
1171–1188.
Birman, J. S., Williams, R. F. (1983). Knotted periodic orbits in dynamical systems I:
Lorenz's equations. Topology 22, 47–82.
Klenin, K., Langowski, J. (2000). Computation of writhe in modeling of supercoiled DNA.
Biopolymers 54, 307–317.
Rolfsen, D. (1976). Knots and Links. Publish or Perish (§5.D: the linking number).
Van Oosterom, A., Strackee, J. (1983). The solid angle of a plane triangle. IEEE Trans.
Biomed. Eng. 30, 125–126.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from pwl_analysis.errors import UserInputError

#: The Gauss sum and the crossings' integer must agree to this.  The sum's rounding error is
#: about (pairs) · ε_mach · (size / distance) for the nearest pairs, far below 10⁻⁶ for curves
#: kept ``tol`` apart; a larger gap means a miscounted crossing or curves too close to tell.
AGREEMENT = 1e-6
#: Projection directions tried before the crossings are given up as undecided.
_DIRECTIONS = 16
#: A vertex closer to a segment's projected line than this, in units of (coordinate size)
#: × (segment lengths), is "on" it: about 4500 ε_mach, far above the rounding of the 2×2
#: determinant that decides the side.
_SIDE_MARGIN = 1e-12
#: A crossing whose two heights differ by less than this times the diagonal is not generic.
_HEIGHT_MARGIN = 1e-9
#: Segment pairs per vectorised block (bounds the memory to a few tens of MB).
_BLOCK_PAIRS = 1 << 18


@dataclass(frozen=True)
class Linking:
    """The linking number of two closed curves, decided only where two methods agree.

    Attributes
    ----------
    number : int or None
        lk(a, b); None exactly when undecided (see ``reason``).
    gauss : float
        The Gauss integral, summed in closed form over the pairs of segments.
    crossings : int or None
        Half the signed crossing count of the projection along ``direction``; None where no
        generic projection was found (or the curves were too close to project).
    direction : tuple of float or None
        The unit vector v the curves were projected along.
    distance : float
        The least distance between the two polygons.
    reason : str
        Why the number is undecided, in one sentence; empty when decided.

    See Also
    --------
    linking_number : computes this record.

    Examples
    --------
    Two squares, one threading the other (a Hopf link), and one put beside it.  The square b
    passes up (+z) through a, which runs anticlockwise seen from above: lk = +1 by the
    right-hand rule.

    >>> from pwl_analysis import linking_number
    >>> a = [[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]]
    >>> b = [[0, 0, 1], [2, 0, 1], [2, 0, -1], [0, 0, -1]]
    >>> lk = linking_number(a, b)
    >>> lk.number, lk.crossings, round(lk.gauss, 12), lk.decided
    (1, 1, 1.0, True)
    >>> linking_number(a, [[x + 3, y, z] for x, y, z in b]).number
    0
    """

    number: int | None
    gauss: float
    crossings: int | None
    direction: tuple[float, float, float] | None
    distance: float
    reason: str

    @property
    def decided(self) -> bool:
        """Whether the two methods agree on an integer (``number`` is set)."""
        return self.number is not None

    def __repr__(self) -> str:
        if self.decided:
            return (
                f"Linking(lk = {self.number}; Gauss {self.gauss:.9f}, crossings "
                f"{self.crossings}, distance {self.distance:.3g})"
            )
        return f"Linking(undecided: {self.reason})"

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "number": self.number,
            "decided": self.decided,
            "gauss": self.gauss,
            "crossings": self.crossings,
            "direction": None if self.direction is None else list(self.direction),
            "distance": self.distance,
            "reason": self.reason,
        }


def _curve(points, name: str) -> np.ndarray:
    """The vertices of a closed polygon, (n, 3) floats, consecutive repeats dropped."""
    array = np.asarray(points, dtype=float)
    if array.ndim != 2 or array.shape[1] != 3 or array.shape[0] < 2:
        raise UserInputError(
            f"{name} has shape {array.shape}; expected (n, 3) points of a closed curve, n ≥ 2"
        )
    if not np.all(np.isfinite(array)):
        raise UserInputError(f"{name} has a NaN or infinite coordinate; expected finite points")
    distinct = np.any(array != np.roll(array, -1, axis=0), axis=1)
    if np.count_nonzero(distinct) < 2:
        raise UserInputError(f"{name} has fewer than 2 distinct points; a closed curve needs 2")
    return array[distinct]


def _blocks(n: int, m: int):
    """Row ranges [start, stop) of at most _BLOCK_PAIRS pairs with m columns."""
    rows = max(1, _BLOCK_PAIRS // m)
    return ((start, min(n, start + rows)) for start in range(0, n, rows))


def _closed(curve: np.ndarray) -> np.ndarray:
    """The vertices with the first repeated at the end: segment i runs from row i to i + 1."""
    return np.vstack([curve, curve[:1]])


def _dot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """u · v over the first axis (vectors stored as (3, ...) component arrays)."""
    return u[0] * v[0] + u[1] * v[1] + u[2] * v[2]


def _triple(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a · (b × c) over the first axis."""
    return (
        a[0] * (b[1] * c[2] - b[2] * c[1])
        + a[1] * (b[2] * c[0] - b[0] * c[2])
        + a[2] * (b[0] * c[1] - b[1] * c[0])
    )


def _triangle_solid_angle(a, b, c, na, nb, nc) -> np.ndarray:
    """Signed solid angle of the flat triangle abc at the origin (Van Oosterom & Strackee)."""
    denominator = na * nb * nc + _dot(a, b) * nc + _dot(a, c) * nb + _dot(b, c) * na
    return 2.0 * np.arctan2(_triple(a, b, c), denominator)


def _pair_gauss(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The Gauss integral over each pair of segments, (n, m), of closed vertex lists a, b.

    ``a`` and ``b`` are (n + 1, 3) and (m + 1, 3); segment i of a runs from a[i] to a[i + 1].
    """
    d = a.T[:, :, None] - b.T[:, None, :]
    norm = np.sqrt(_dot(d, d))
    d00, d10, d11, d01 = d[:, :-1, :-1], d[:, 1:, :-1], d[:, 1:, 1:], d[:, :-1, 1:]
    n00, n10, n11, n01 = norm[:-1, :-1], norm[1:, :-1], norm[1:, 1:], norm[:-1, 1:]
    omega = _triangle_solid_angle(d00, d10, d11, n00, n10, n11) + _triangle_solid_angle(
        d00, d11, d01, n00, n11, n01
    )
    return -omega / (4.0 * np.pi)


def _gauss(a: np.ndarray, b: np.ndarray) -> float:
    """lk(a, b) as the Gauss integral summed in closed form over all pairs of segments."""
    ca, cb = _closed(a), _closed(b)
    return float(
        sum(_pair_gauss(ca[start : stop + 1], cb).sum() for start, stop in _blocks(len(a), len(b)))
    )


def _pair_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Least distance between each pair of segments, (n, m) (Ericson 2005, §5.1.9)."""
    da = (a[1:] - a[:-1]).T[:, :, None]
    db = (b[1:] - b[:-1]).T[:, None, :]
    r = a[:-1].T[:, :, None] - b[:-1].T[:, None, :]
    aa, ee = _dot(da, da), _dot(db, db)
    bb, cc, ff = _dot(da, db), _dot(da, r), _dot(db, r)
    denominator = aa * ee - bb * bb
    parallel = denominator <= 1e-12 * aa * ee
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(parallel, 0.0, np.clip((bb * ff - cc * ee) / denominator, 0.0, 1.0))
        t = (bb * s + ff) / ee
        s = np.where(t < 0, np.clip(-cc / aa, 0.0, 1.0), s)
        s = np.where(t > 1, np.clip((bb - cc) / aa, 0.0, 1.0), s)
    t = np.clip(t, 0.0, 1.0)
    gap = r + s * da - t * db
    return np.sqrt(_dot(gap, gap))


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    """The least distance between the closed polygons a and b."""
    ca, cb = _closed(a), _closed(b)
    return float(
        min(
            _pair_distance(ca[start : stop + 1], cb).min()
            for start, stop in _blocks(len(a), len(b))
        )
    )


def _directions() -> np.ndarray:
    """The fixed pseudo-random unit vectors tried as projection directions."""
    v = np.random.default_rng(20_000_605).standard_normal((_DIRECTIONS, 3))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _basis(v: np.ndarray) -> np.ndarray:
    """A (3, 3) matrix with rows e1, e2, v, right-handed (e1 × e2 = v)."""
    helper = np.eye(3)[np.argmin(np.abs(v))]
    e1 = np.cross(helper, v)
    e1 /= np.linalg.norm(e1)
    return np.array([e1, np.cross(v, e1), v])


def _cross2(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    return u[..., 0] * w[..., 1] - u[..., 1] * w[..., 0]


def _block_crossings(a: np.ndarray, b: np.ndarray, size: float) -> tuple[int, bool]:
    """(Σ ε, generic) over the segment pairs of closed vertex lists in projected coordinates.

    ``a``, ``b``: (n + 1, 3), (m + 1, 3) with columns (x, y, height).
    """
    a0, a1 = a[:-1, None, :], a[1:, None, :]
    b0, b1 = b[None, :-1, :], b[None, 1:, :]
    da, db = a1[..., :2] - a0[..., :2], b1[..., :2] - b0[..., :2]
    length_a = np.linalg.norm(da, axis=-1)
    length_b = np.linalg.norm(db, axis=-1)
    margin = _SIDE_MARGIN * size * (length_a + length_b)
    # the sides of a's ends from b's line, and of b's ends from a's line
    side_a0, side_a1 = (
        _cross2(db, a0[..., :2] - b0[..., :2]),
        _cross2(db, a1[..., :2] - b0[..., :2]),
    )
    side_b0, side_b1 = (
        _cross2(da, b0[..., :2] - a0[..., :2]),
        _cross2(da, b1[..., :2] - a0[..., :2]),
    )
    clear = (
        (np.abs(side_a0) > margin)
        & (np.abs(side_a1) > margin)
        & (np.abs(side_b0) > margin)
        & (np.abs(side_b1) > margin)
    )
    apart = (np.abs(side_a0) > margin) & (np.abs(side_a1) > margin) & (side_a0 * side_a1 > 0)
    apart |= (np.abs(side_b0) > margin) & (np.abs(side_b1) > margin) & (side_b0 * side_b1 > 0)
    # segments on one line (collinear in R³ stay so in every projection) are apart when
    # their bounding boxes are
    gap = _SIDE_MARGIN * size
    low_a, high_a = np.minimum(a0[..., :2], a1[..., :2]), np.maximum(a0[..., :2], a1[..., :2])
    low_b, high_b = np.minimum(b0[..., :2], b1[..., :2]), np.maximum(b0[..., :2], b1[..., :2])
    apart |= np.any((low_a > high_b + gap) | (low_b > high_a + gap), axis=-1)
    if np.any(~clear & ~apart):
        return 0, False
    crossing = clear & ~apart
    i, j = np.nonzero(crossing)
    sa0, sa1, sb0, sb1 = side_a0[i, j], side_a1[i, j], side_b0[i, j], side_b1[i, j]
    s, t = sa0 / (sa0 - sa1), sb0 / (sb0 - sb1)
    height_a = a[i, 2] + s * (a[i + 1, 2] - a[i, 2])
    height_b = b[j, 2] + t * (b[j + 1, 2] - b[j, 2])
    height = height_a - height_b
    if np.any(np.abs(height) <= _HEIGHT_MARGIN * size):
        return 0, False
    # v · (A × B) = cross2(A, B) in a right-handed (e1, e2, v) frame, = side_a0 − side_a1
    return int(np.sum(np.sign(height) * np.sign(sa0 - sa1))), True


def _crossings(a: np.ndarray, b: np.ndarray, size: float) -> tuple[int, np.ndarray] | None:
    """(½ Σ ε, v) for the first generic projection direction v, or None if none is."""
    ca, cb = _closed(a), _closed(b)
    for v in _directions():
        frame = _basis(v)
        pa, pb = ca @ frame.T, cb @ frame.T
        total, generic = 0, True
        for start, stop in _blocks(len(a), len(b)):
            count, generic = _block_crossings(pa[start : stop + 1], pb, size)
            if not generic:
                break
            total += count
        if generic and total % 2 == 0:
            return total // 2, v
    return None


def linking_number(curve_a, curve_b, tol: float = 1e-9) -> Linking:
    """The linking number lk(a, b) of two closed polygons in R³, by two methods that must agree.

    lk(a, b) = (1/4π) ∮_a ∮_b (r_a − r_b) · (dr_a × dr_b) / |r_a − r_b|³ is summed in closed
    form over the pairs of segments (the solid angle of a parallelogram, see the module
    docstring) and checked against ½ Σ ε over the crossings of a generic projection.

    Parameters
    ----------
    curve_a, curve_b : array_like, shape (n, 3) and (m, 3)
        The vertices of each closed curve in order; the last is joined to the first (a
        repeated first point at the end is dropped, as are consecutive repeats).
    tol : float
        The curves must keep a distance of at least ``tol`` times the diagonal of the box
        bounding both; closer (or intersecting) curves are undecided.

    Returns
    -------
    Linking
        The number, or undecided with the reason; the Gauss sum, the crossings, the
        projection direction and the least distance as evidence.

    Raises
    ------
    UserInputError
        A curve that is not (n, 3) with two distinct points, or has a NaN; a negative ``tol``.

    Examples
    --------
    Two round circles, each through the other's disk, form a Hopf link; 12-gons already link
    like the circles, and reversing one curve flips the sign:

    >>> import numpy as np
    >>> from pwl_analysis import linking_number
    >>> t = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    >>> a = np.c_[np.cos(t), np.sin(t), 0 * t]
    >>> b = np.c_[1 + np.cos(t), 0 * t, np.sin(t)]
    >>> linking_number(a, b)
    Linking(lk = -1; Gauss -1.000000000, crossings -1, distance 0.935)
    >>> linking_number(a, b[::-1]).number
    1
    """
    if not (np.isfinite(tol) and tol >= 0):
        raise UserInputError(f"tol={tol!r} must be a finite number ≥ 0")
    a, b = _curve(curve_a, "curve_a"), _curve(curve_b, "curve_b")
    centre = np.vstack([a, b]).mean(axis=0)
    a, b = a - centre, b - centre
    points = np.vstack([a, b])
    size = float(np.linalg.norm(points.max(axis=0) - points.min(axis=0)))
    gauss = _gauss(a, b)
    distance = _distance(a, b)
    if distance <= tol * size:
        reason = (
            f"the curves come within {distance:.3g} of each other (tol × diameter {tol * size:.3g})"
        )
        return Linking(None, gauss, None, None, distance, reason)
    found = _crossings(a, b, size)
    if found is None:
        reason = f"no generic projection among {_DIRECTIONS} directions"
        return Linking(None, gauss, None, None, distance, reason)
    crossings, v = found
    direction = tuple(float(x) for x in v)
    if not abs(gauss - crossings) <= AGREEMENT:
        reason = f"the Gauss integral {gauss:.9g} and the crossings {crossings} disagree"
        return Linking(None, gauss, crossings, direction, distance, reason)
    return Linking(crossings, gauss, crossings, direction, distance, "")


@dataclass(frozen=True)
class LinkingMatrix:
    """The linking numbers of every pair of named closed curves (periodic orbits by word).

    Attributes
    ----------
    names : tuple of str
        The curves' names (words), in the order given.
    links : Mapping
        (name_i, name_j) ↦ :class:`Linking` for i < j in ``names``' order.

    See Also
    --------
    linking_matrix : computes this record.
    compare_linking : two matrices side by side.

    Examples
    --------
    A circle A, a circle B through A's centre in a perpendicular plane and a wide circle C
    around both: A and B link once, C links neither:

    >>> import numpy as np
    >>> from pwl_analysis import linking_matrix
    >>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    >>> circle = np.c_[np.cos(t), np.sin(t), 0 * t]
    >>> m = linking_matrix({"A": circle, "B": circle[::-1, [2, 0, 1]] + [0, 1, 0],
    ...                     "C": 4 * circle})
    >>> m.number("A", "B"), m.number("B", "A"), m.number("A", "C")
    (1, 1, 0)
    >>> print(m)
       A  B  C
    A  ·  1  0
    B  1  ·  0
    C  0  0  ·
    """

    names: tuple[str, ...]
    links: Mapping[tuple[str, str], Linking]

    def linking(self, a: str, b: str) -> Linking:
        """The record of the pair (a, b), in either order."""
        if a == b or a not in self.names or b not in self.names:
            raise UserInputError(
                f"no pair ({a!r}, {b!r}); expected two different names of {list(self.names)}"
            )
        return self.links[(a, b)] if (a, b) in self.links else self.links[(b, a)]

    def number(self, a: str, b: str) -> int | None:
        """lk of the pair (a, b), or None where undecided."""
        return self.linking(a, b).number

    def cell(self, a: str, b: str) -> str:
        """The text of one entry: the number, "·" on the diagonal, "?" where undecided."""
        if a == b:
            return "·"
        number = self.number(a, b)
        return "?" if number is None else str(number)

    def __str__(self) -> str:
        return _table(self.names, self.cell)

    def __repr__(self) -> str:
        undecided = sum(not link.decided for link in self.links.values())
        return f"LinkingMatrix({len(self.names)} curves, {undecided} pairs undecided)"

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict: the matrix and every pair's evidence.

        The matrix holds null on the diagonal and where a pair is undecided.
        """
        return {
            "names": list(self.names),
            "numbers": [
                [None if a == b else self.number(a, b) for b in self.names] for a in self.names
            ],
            "pairs": [{"a": a, "b": b, **link.to_dict()} for (a, b), link in self.links.items()],
        }


def _table(names, cell) -> str:
    """A square text table with ``cell(row, column)`` entries, right-aligned."""
    rows = [["", *names]] + [[a, *(cell(a, b) for b in names)] for a in names]
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            [row[0].ljust(widths[0]), *(x.rjust(w) for x, w in zip(row[1:], widths[1:]))]
        ).rstrip()
        for row in rows
    )


def linking_matrix(curves: Mapping[str, object], tol: float = 1e-9) -> LinkingMatrix:
    """The linking number of every pair of named closed curves.

    Parameters
    ----------
    curves : Mapping
        Name (a symbolic word) ↦ the (n, 3) vertices of a closed curve, as for
        :func:`linking_number`.
    tol : float
        Passed to :func:`linking_number`.

    Returns
    -------
    LinkingMatrix
        One :class:`Linking` per unordered pair; self-linking is not computed.

    Raises
    ------
    UserInputError
        A curve that :func:`linking_number` rejects (the message names it).

    Examples
    --------
    A round circle and its copy pushed along its axis do not link:

    >>> import numpy as np
    >>> from pwl_analysis import linking_matrix
    >>> t = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    >>> circle = np.c_[np.cos(t), np.sin(t), 0 * t]
    >>> linking_matrix({"LR": circle, "LLR": circle + [0, 0, 1]}).number("LR", "LLR")
    0
    """
    names = tuple(curves)
    checked = {name: _curve(curves[name], f"curve {name!r}") for name in names}
    links = {
        (a, b): linking_number(checked[a], checked[b], tol=tol)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    }
    return LinkingMatrix(names, links)


@dataclass(frozen=True)
class LinkingComparison:
    """Two linking matrices (a model's and the true system's) on the names they share.

    Attributes
    ----------
    names : tuple of str
        The names in both matrices, in the model's order.
    model, flow : LinkingMatrix
        The two matrices compared.
    disagreements : tuple of (str, str)
        The pairs decided in both with different numbers.
    undecided : tuple of (str, str)
        The pairs undecided in either.

    See Also
    --------
    compare_linking : computes this record.

    Examples
    --------
    >>> import numpy as np
    >>> from pwl_analysis import compare_linking, linking_matrix
    >>> t = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    >>> circle = np.c_[np.cos(t), np.sin(t), 0 * t]
    >>> threaded = circle[::-1, [2, 0, 1]] + [0, 1, 0]
    >>> flow = linking_matrix({"LR": circle, "LLR": threaded})
    >>> model = linking_matrix({"LR": circle, "LLR": threaded + [0, 0, 3]})
    >>> c = compare_linking(model, flow)
    >>> c.disagreements
    (('LR', 'LLR'),)
    >>> print(c)
          LR  LLR
    LR     ·  0≠1
    LLR  0≠1    ·
    """

    names: tuple[str, ...]
    model: LinkingMatrix
    flow: LinkingMatrix
    disagreements: tuple[tuple[str, str], ...]
    undecided: tuple[tuple[str, str], ...]

    @property
    def agreements(self) -> int:
        """The number of pairs decided in both with equal numbers."""
        pairs = len(self.names) * (len(self.names) - 1) // 2
        return pairs - len(self.disagreements) - len(self.undecided)

    def cell(self, a: str, b: str) -> str:
        """One entry: the common number, "m≠f" where they differ, "m/f" with a "?" if undecided."""
        if a == b:
            return "·"
        model, flow = self.model.cell(a, b), self.flow.cell(a, b)
        if model == flow and model != "?":
            return model
        return f"{model}≠{flow}" if "?" not in (model, flow) else f"{model}/{flow}"

    def __str__(self) -> str:
        return _table(self.names, self.cell)

    def __repr__(self) -> str:
        return (
            f"LinkingComparison({len(self.names)} words: {self.agreements} pairs agree, "
            f"{len(self.disagreements)} disagree, {len(self.undecided)} undecided)"
        )

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict: per shared pair both numbers and whether they agree."""
        pairs = []
        for i, a in enumerate(self.names):
            for b in self.names[i + 1 :]:
                model, flow = self.model.number(a, b), self.flow.number(a, b)
                agree = None if model is None or flow is None else model == flow
                pairs.append({"a": a, "b": b, "model": model, "flow": flow, "agree": agree})
        return {
            "names": list(self.names),
            "pairs": pairs,
            "disagreements": [list(pair) for pair in self.disagreements],
            "undecided": [list(pair) for pair in self.undecided],
        }


def compare_linking(model: LinkingMatrix, flow: LinkingMatrix) -> LinkingComparison:
    """The pairs of words present in both matrices, with the disagreements marked.

    Parameters
    ----------
    model : LinkingMatrix
        The model's orbits' linking numbers.
    flow : LinkingMatrix
        The true system's (or the data's) for the same words.

    Returns
    -------
    LinkingComparison
        The shared words, the pairs whose numbers differ and the pairs undecided in either.

    Examples
    --------
    >>> import numpy as np
    >>> from pwl_analysis import compare_linking, linking_matrix
    >>> t = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    >>> circle = np.c_[np.cos(t), np.sin(t), 0 * t]
    >>> m = linking_matrix({"LR": circle, "LLR": circle + [0, 0, 1]})
    >>> compare_linking(m, m)
    LinkingComparison(2 words: 1 pairs agree, 0 disagree, 0 undecided)
    """
    names = tuple(name for name in model.names if name in flow.names)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    undecided = tuple(
        (a, b) for a, b in pairs if model.number(a, b) is None or flow.number(a, b) is None
    )
    disagreements = tuple(
        (a, b)
        for a, b in pairs
        if (a, b) not in undecided and model.number(a, b) != flow.number(a, b)
    )
    return LinkingComparison(names, model, flow, disagreements, undecided)
