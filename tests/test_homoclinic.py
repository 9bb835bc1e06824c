"""Homoclinic points of the Lozi map, checked by an independent orbit computation."""

import numpy as np
import pytest
import sympy

from pwl_analysis import Connections, PWLMap, heteroclinic_points, homoclinic_points
from pwl_analysis.errors import UserInputError

from systems import lozi_map, random_map

A, B = 1.7, 0.5


def _lozi_inverse(z: np.ndarray) -> np.ndarray:
    """f^{-1} of the Lozi map on z = (y, x), in closed form: x = y'/b, y = x' − 1 + a|x|."""
    y1, x1 = z[..., 0], z[..., 1]
    x = y1 / B
    return np.stack([x1 - 1 + A * np.abs(x), x], axis=-1)


def _lozi_saddle():
    m = lozi_map(A, B)
    (orbit,) = [c for c in m.fixed_points() if c.regions == ("1",)]
    return m, orbit


def test_lozi_has_transversal_homoclinic_points():
    # A computed result, checked a second, independent way: each point found on W^u ∩ W^s of
    # the fixed point p in x > 0 must tend to p under f (it is on W^s) and under the closed-
    # form inverse (it is on W^u).  Forward, |f^n(q) − p| ≈ 0.256^n |q − p| until rounding,
    # amplified by 1.956^n along W^u, takes over: 20 steps give ~3e-11.  Backward, the roles
    # swap (1.956^{-n} against 3.91^n · 1e-16): 18 steps give ~2e-5.  A point of W^u or W^s
    # alone, at distance ≥ 0.5 from p, stays O(1) away one way or the other.
    m, orbit = _lozi_saddle()
    p = orbit.points[0]
    found = homoclinic_points(m, orbit, length=3.0)
    assert isinstance(found, Connections) and len(found) >= 1
    assert all(q.transversal for q in found)
    points = np.array([q.point for q in found])
    assert np.linalg.norm(points - p, axis=1).min() > 0.5
    forward = m.trajectory(points, 21)[20]
    assert np.linalg.norm(forward - p, axis=1).max() < 1e-8
    backward = points
    for _ in range(18):
        backward = _lozi_inverse(backward)
    assert np.linalg.norm(backward - p, axis=1).max() < 1e-3


def test_a_point_of_w_u_alone_does_not_come_back():
    # The control for the test above: vertices of W^u that are not on W^s leave p forward.
    m, orbit = _lozi_saddle()
    found = homoclinic_points(m, orbit, length=3.0)
    vertices = np.concatenate(found.unstable.branches)
    far = vertices[np.linalg.norm(vertices - orbit.points[0], axis=1) > 0.5]
    forward = m.trajectory(far, 21)[20]
    assert len(far) > 5
    assert np.linalg.norm(forward - orbit.points[0], axis=1).min() > 1e-2


def test_exact_point_lies_on_both_segments():
    # The exact crossing is a rational point on the W^u segment and the W^s segment it
    # names: both orientations vanish exactly.
    m, orbit = _lozi_saddle()
    found = homoclinic_points(m, orbit, length=3.0)
    for q in found:
        x = sympy.Matrix(q.exact_point)
        for manifold, (k, i) in ((found.unstable, q.unstable), (found.stable, q.stable)):
            a, b = (
                sympy.Matrix([sympy.Rational(float(v)) for v in row])
                for row in manifold.branches[k][i : i + 2]
            )
            assert sympy.Matrix.hstack(b - a, x - a).det() == 0
        assert q.orientation in (1, -1) and 0 < q.sine <= 1
        assert q.to_dict()["exact_point"] == [str(v) for v in q.exact_point]


def test_more_manifold_finds_more_points():
    # W^u and W^s grown longer contain the shorter pieces, so every crossing is kept.
    m, orbit = _lozi_saddle()
    short = homoclinic_points(m, orbit, length=3.0)
    long = homoclinic_points(m, orbit, length=6.0)
    assert len(long) > len(short)
    kept = np.array([q.point for q in long])
    for q in short:
        assert np.abs(kept - q.point).max(axis=1).min() < 1e-12


def test_lozi_heteroclinic_points_join_its_two_fixed_points():
    # W^u of the fixed point a in x < 0 crosses W^s of the one in x > 0, b: each point tends
    # to b under f and to a under the closed-form inverse.  Backward, the rate is
    # 1.956^{-n} (a's unstable multiplier 1.956, its W^u is straight near a) against the
    # growth 3.91^n · 1e-16 of rounding; 18 steps leave well under 1e-3 of a.  And no
    # point joins b to a in the same pieces: a lies on the basin boundary of the attractor.
    m = lozi_map(A, B)
    a, b = sorted(m.fixed_points(), key=lambda c: c.regions)
    found = heteroclinic_points(m, a, b, length=5.0)
    assert len(found) >= 1 and not found.homoclinic
    assert all(q.transversal for q in found)
    points = np.array([q.point for q in found])
    forward = m.trajectory(points, 21)[20]
    assert np.linalg.norm(forward - b.points[0], axis=1).max() < 1e-8
    backward = points
    for _ in range(18):
        backward = _lozi_inverse(backward)
    assert np.linalg.norm(backward - a.points[0], axis=1).max() < 1e-3
    assert len(heteroclinic_points(m, b, a, length=5.0)) == 0


def test_a_linear_saddle_has_none():
    # z ↦ diag(2, 1/2) z + (1, 1): W^u and W^s are the two axes through p; they meet at p only.
    m = PWLMap.from_alrnn([2.0, 0.5], np.zeros((2, 2)), [1.0, 1.0], P=0)
    found = homoclinic_points(m, m.fixed_points()[0], length=4.0)
    assert len(found) == 0 and found.touching == 0


def test_refuses_maps_that_are_not_planar():
    m = random_map(0, M=3, P=1)
    with pytest.raises(UserInputError, match="M = 2; got M = 3"):
        homoclinic_points(m, None)


def test_certified_transversal_homoclinic_points_of_lozi():
    # Decided on exact pieces of W^u and W^s in Q(√4.89): a proof that the fixed point in
    # x > 0 has transversal homoclinic points (for this invertible piecewise-affine map, a
    # horseshoe: Burns & Weiss 1995).  Checked twice more: the float search finds each of
    # them (to rounding, 1e-12), and each tends to p both ways (as in the test above).
    m, orbit = _lozi_saddle()
    p = orbit.points[0]
    certified = homoclinic_points(m, orbit, length=3.0, exact_pieces=3)
    assert len(certified) >= 1
    assert all(q.certified and q.transversal for q in certified)
    floats = np.array([q.point for q in homoclinic_points(m, orbit, length=10.0)])
    points = np.array([q.point for q in certified])
    assert np.abs(points[:, None, :] - floats[None, :, :]).max(axis=2).min(axis=1).max() < 1e-12
    assert np.linalg.norm(m.trajectory(points, 21)[20] - p, axis=1).max() < 1e-8
    backward = points
    for _ in range(18):
        backward = _lozi_inverse(backward)
    assert np.linalg.norm(backward - p, axis=1).max() < 1e-3
    assert "sqrt" in str(certified[0].exact_point[0])


def test_certified_heteroclinic_points_of_lozi():
    # Both fixed points have multipliers (±1.7 ± √4.89)/2: one field, so W^u(a) ∩ W^s(b)
    # is decided exactly too.
    m = lozi_map(A, B)
    a, b = sorted(m.fixed_points(), key=lambda c: c.regions)
    found = heteroclinic_points(m, a, b, length=3.0, exact_pieces=3)
    assert len(found) >= 1 and all(q.certified and q.transversal for q in found)
    points = np.array([q.point for q in found])
    assert np.linalg.norm(m.trajectory(points, 21)[20] - b.points[0], axis=1).max() < 1e-8
