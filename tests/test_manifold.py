"""Unstable manifolds against mathematics nobody here wrote: Lozi, tent, linear saddles."""

import numpy as np
import pytest
import sympy
from scipy.spatial import cKDTree

from pwl_analysis import Manifold, PWLMap, free_run, load_model, stable_manifold, unstable_manifold
from pwl_analysis.errors import BudgetError, UserInputError

from systems import lozi_map, lozi_plrnn, reference_file, tent_map


def _lozi_saddle():
    """The Lozi map (a, b) = (1.7, 0.5) and its fixed point in x > 0 (region "1")."""
    m = lozi_map()
    (orbit,) = [c for c in m.fixed_points() if c.regions == ("1",)]
    return m, orbit


def _resample(vertices: np.ndarray, spacing: float) -> np.ndarray:
    """Points on the polyline, consecutive ones at most ``spacing`` apart, vertices included."""
    steps = np.linalg.norm(np.diff(vertices, axis=0), axis=1)
    counts = np.maximum(1, np.ceil(steps / spacing)).astype(int)
    segment = np.repeat(np.arange(len(steps)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    t = offset / np.repeat(counts, counts)
    inner = vertices[segment] + t[:, None] * (vertices[segment + 1] - vertices[segment])
    return np.concatenate([inner, vertices[-1:]])


def _distance_to_polylines(points: np.ndarray, branches) -> np.ndarray:
    """Exact Euclidean distance of each point to the nearest segment of the branches."""
    a = np.concatenate([b[:-1] for b in branches])
    d = np.concatenate([np.diff(b, axis=0) for b in branches])
    norm = np.maximum((d * d).sum(-1), 1e-300)
    out = []
    for chunk in np.array_split(points, max(1, len(points) * len(a) * a.shape[1] // 10**6)):
        rel = chunk[:, None, :] - a[None, :, :]
        t = np.clip((rel * d).sum(-1) / norm, 0.0, 1.0)
        out.append(np.linalg.norm(rel - t[..., None] * d, axis=-1).min(axis=1))
    return np.concatenate(out)


def test_lozi_attractor_lies_within_1e_3_of_the_unstable_manifold():
    # Misiurewicz (1980), "Strange attractors for the Lozi mappings", Ann. N. Y. Acad. Sci.
    # 357: for a = 1.7, b = 0.5 the attractor is the closure of W^u of the fixed point in
    # x > 0.  So a long free run comes arbitrarily close to a long enough piece of W^u.
    m, orbit = _lozi_saddle()
    w = unstable_manifold(m, orbit, length=100.0)
    assert w.ends == ("length", "length")
    run = free_run(m, 100_000, transient=1000, z0=[0.0, 0.1])
    # Points every 2e-4 along the polyline: the nearest of them is at most 1e-4 farther than
    # the polyline itself, so a KD-tree distance < 1e-3 bounds the true distance from above.
    tree = cKDTree(np.concatenate([_resample(b, 2e-4) for b in w.branches]))
    distance, _ = tree.query(run)
    assert distance.max() < 1e-3
    # A short piece is not yet dense in the attractor: the bound above is not vacuous.
    short = unstable_manifold(m, orbit, length=10.0)
    far, _ = cKDTree(np.concatenate([_resample(b, 2e-4) for b in short.branches])).query(run)
    assert far.max() > 1e-3


@pytest.mark.parametrize("word", [("1",), ("0",), ("0", "1"), ("0", "1", "1", "1")])
def test_lozi_manifolds_are_invariant(word):
    # f^k maps W^u(z_0) into itself (k the period), so the image of every vertex lies on the
    # computed branches, as long as it stays within their arclength L: the image of the
    # branch's first s of arclength has arclength ≤ Lip(f)^k s, so the vertices within
    # 0.95 L / Lip^k of p qualify.  Rounding errors across the manifold stay O(1e-16 × |z|)
    # per step (f contracts them across it, |det J| = 1/2), so 1e-12 leaves a wide margin
    # and still sees any wrong bend or missed split (those are O(1e-2) here).
    m = lozi_map()
    orbit = m.cycle_of_word(word)
    k = orbit.period
    lipschitz = np.linalg.norm(m.jacobians, ord=2, axis=(1, 2)).max() ** k
    w = unstable_manifold(m, orbit, length=20.0 * lipschitz)
    inside = []
    for branch in w.branches:
        steps = np.linalg.norm(np.diff(branch, axis=0), axis=1)
        arclength = np.concatenate([[0.0], np.cumsum(steps)])
        inside.append(branch[arclength < 0.95 * w.length / lipschitz])
    image = m.trajectory(np.concatenate(inside), k + 1)[k]
    assert len(image) > 20
    assert _distance_to_polylines(image, w.branches).max() < 1e-12


def test_segments_lie_in_one_region_each():
    m, orbit = _lozi_saddle()
    w = unstable_manifold(m, orbit, length=50.0)
    for branch, regions in zip(w.branches, w.regions):
        # x = z_2 is the switching unit: both ends of a segment on the side of its region,
        # up to the rounding of a crossing vertex a + t (b − a), a few ulp of |z| ≤ 3
        x = branch[:, 1]
        positive = regions == 1
        assert np.all(np.minimum(x[:-1], x[1:])[positive] >= -1e-14)
        assert np.all(np.maximum(x[:-1], x[1:])[~positive] <= 1e-14)
        # consecutive segments are joined and the branch has the requested arclength
        assert np.linalg.norm(np.diff(branch, axis=0), axis=1).sum() == pytest.approx(50.0)
        np.testing.assert_array_equal(branch[0], orbit.points[0])


def test_linear_saddle_manifold_is_the_eigenline():
    # z ↦ diag(2, 1/2) z + (1, −2) with the switching unit z_2 never reaching 0: the
    # fixed point (−1, −4), λ = 2 with v = e_1, so W^u is the line z_2 = −4 exactly (every
    # vertex's z_2 is 0.5 · (−4) − 2 = −4 in floats too) and each branch is straight.
    m = PWLMap.from_alrnn([2.0, 0.5], [[0.0, 3.0], [0.0, 0.0]], [1.0, -2.0], P=1)
    (orbit,) = m.fixed_points()
    w = unstable_manifold(m, orbit, length=7.0)
    assert w.multiplier == 2.0
    for branch, regions, sign in zip(w.branches, w.regions, (1, -1)):
        assert np.all(branch[:, 1] == -4.0)
        assert np.all(regions == 0)
        assert np.all(sign * np.diff(branch[:, 0] * np.sign(w.direction[0])) > 0)
        assert abs(branch[-1, 0] - branch[0, 0]) == pytest.approx(7.0, rel=1e-12)


def test_rotated_linear_saddle_is_straight():
    # P = 0: z ↦ A z + h with A = R diag(3, 1/3) R⁻¹, R = [[1, 1], [1, 2]]: W^u is the line
    # through the fixed point along (1, 1); collinearity to rounding (1e-12 relative to a
    # branch of length 5 whose vertices carry errors of a few ulp).
    R = np.array([[1.0, 1.0], [1.0, 2.0]])
    A = R @ np.diag([3.0, 1.0 / 3.0]) @ np.linalg.inv(R)
    m = PWLMap.from_alrnn(A, np.zeros((2, 2)), [0.5, -1.0], P=0)
    (orbit,) = m.fixed_points()
    w = unstable_manifold(m, orbit, length=5.0)
    assert w.multiplier == pytest.approx(3.0, rel=1e-12)
    for branch in w.branches:
        offset = branch - orbit.points[0]
        assert np.abs(offset[:, 0] - offset[:, 1]).max() < 1e-12
        assert np.linalg.norm(offset[-1]) == pytest.approx(5.0, rel=1e-12)


def test_tent_map_manifold_fills_the_invariant_interval():
    # u ↦ 1/2 − 2|u|: the fixed point 1/6 has multiplier −2 (index 1) and [−1/2, 1/2] is
    # invariant; W^u(1/6) is dense in it and reaches both ends: 1/6 → 1/2 at the first fold
    # (f(0) = 1/2) and f(1/2) = −1/2.  Dyadic and thirds arithmetic: the ends are exact up
    # to a few ulp.
    m = tent_map()
    (orbit,) = [c for c in m.fixed_points() if c.regions == ("1",)]
    w = unstable_manifold(m, orbit, length=30.0)
    assert w.multiplier == -2.0
    for branch in w.branches:
        assert branch.min() == pytest.approx(-0.5, abs=1e-12)
        assert branch.max() == pytest.approx(0.5, abs=1e-12)
        # a connected polyline from 1/6 with these extremes covers [−1/2, 1/2]; it folds at
        # ±1/2 and crosses 0 again and again (W^u is dense there, the map being transitive)
        assert np.sum(branch[:-1, 0] * branch[1:, 0] < 0) + np.sum(branch[:, 0] == 0) > 10


def test_tent_map_outer_fixed_point_has_a_straight_escaping_branch():
    # −1/2 has multiplier 2: one branch runs into (−1/2, 1/2] and folds there, the other
    # leaves to −∞ along the line (f(u) = 2u + 1/2 for u < 0).
    m = tent_map()
    (orbit,) = [c for c in m.fixed_points() if c.regions == ("0",)]
    w = unstable_manifold(m, orbit, length=3.0)
    inward, outward = sorted(w.branches, key=lambda b: -b[1, 0])
    assert inward.min() >= -0.5 and inward.max() == pytest.approx(0.5, abs=1e-12)
    np.testing.assert_allclose(outward[-1], [-3.5], rtol=1e-12)
    assert np.all(np.diff(outward[:, 0]) < 0)


def test_refuses_orbits_that_are_not_index_1():
    attracting = PWLMap.from_alrnn([0.5, 0.25], np.zeros((2, 2)), [1.0, 1.0], P=0)
    with pytest.raises(UserInputError, match="not an index-1 orbit: it has 0"):
        unstable_manifold(attracting, attracting.fixed_points()[0])
    repelling = PWLMap.from_alrnn([2.0, 3.0], np.zeros((2, 2)), [1.0, 1.0], P=0)
    with pytest.raises(UserInputError, match="it has 2 multipliers"):
        unstable_manifold(repelling, repelling.fixed_points()[0])


def test_refuses_an_orbit_of_another_map():
    m, orbit = _lozi_saddle()
    with pytest.raises(UserInputError, match="is not an orbit of this map"):
        unstable_manifold(lozi_map(1.4, 0.3), orbit)
    with pytest.raises(UserInputError, match="length must be a positive"):
        unstable_manifold(m, orbit, length=-1.0)


def test_budget_names_max_segments():
    m, orbit = _lozi_saddle()
    with pytest.raises(BudgetError, match="max_segments=") as error:
        unstable_manifold(m, orbit, length=1000.0, max_segments=500)
    assert error.value.remedies[0].parameter == "max_segments"


def test_to_dict_round_trips_the_vertices():
    m, orbit = _lozi_saddle()
    w = unstable_manifold(m, orbit, length=5.0)
    assert isinstance(w, Manifold)
    record = w.to_dict()
    assert len(record["branches"]) == 2
    for branch, data in zip(w.branches, record["branches"]):
        np.testing.assert_array_equal(np.array(data["vertices"]), branch)
        assert len(data["regions"]) == len(branch) - 1
    assert "2 branches" in repr(w) and "λ = -1.956" in repr(w)


def test_lozi_stable_manifold_is_invariant_and_converges():
    # The Lozi map is invertible (det J = −b ≠ 0 on both pieces).  Every point of W^s(p)
    # tends to p under f: the first vertices (within arclength 2) reach p to 1e-6 in 30
    # steps (|μ|^30 = 0.2557^30 ≈ 2e-18 times their distance, while rounding grows only as
    # 1.956^30 ≈ 5e8 times 1e-16 along W^u), and f maps them back onto W^s to rounding.
    m, orbit = _lozi_saddle()
    ws = stable_manifold(m, orbit, length=20.0)
    assert ws.stable and 0 < ws.multiplier < 1
    near = np.concatenate(
        [
            b[np.cumsum(np.r_[0, np.linalg.norm(np.diff(b, axis=0), axis=1)]) < 2]
            for b in ws.branches
        ]
    )
    assert len(near) > 5
    np.testing.assert_allclose(
        m.trajectory(near, 31)[30], np.broadcast_to(orbit.points[0], near.shape), atol=1e-6
    )
    # contraction by f: f of the first 2 units of arclength stays within 20 (Lip f < 3)
    assert _distance_to_polylines(m(near), ws.branches).max() < 1e-12


def test_stable_manifold_refuses_a_non_invertible_map():
    # x' = 1 − 1.7|x| + y, y' = |x|/2 on z = (y, x): folds along x = 0 (det J = 1/2 for
    # x < 0, −1/2 for x > 0), yet its fixed point in x > 0 is Lozi's flip saddle.
    m = PWLMap.from_alrnn([[0.0, -0.5], [1.0, 1.7]], [[0.0, 1.0], [0.0, -3.4]], [0.0, 1.0], P=1)
    (orbit,) = [c for c in m.fixed_points() if c.regions == ("1",)]
    assert unstable_manifold(m, orbit, length=5.0).n_segments > 2
    with pytest.raises(UserInputError, match="not invertible"):
        stable_manifold(m, orbit)
    tent = tent_map()
    with pytest.raises(UserInputError, match="0 multipliers of modulus < 1"):
        stable_manifold(tent, tent.fixed_points()[1])


def test_a_plrnn_of_the_same_map_has_the_same_manifolds():
    # lozi_plrnn is the Lozi map as a shallow PLRNN on z = (x, y), split also at y = 0
    # (where no affine map changes): another model class, another region structure, the
    # same W^u and W^s as sets.  Vertices of one lie on the other's polyline to rounding
    # (1e-12: both are float images of the same exact lines, a few ulp apart per step).
    alrnn, orbit = _lozi_saddle()
    plrnn = lozi_plrnn()
    (twin,) = [c for c in plrnn.fixed_points() if c.points[0, 0] > 0]
    for grow in (unstable_manifold, stable_manifold):
        ours = grow(alrnn, orbit, length=8.0)
        theirs = grow(plrnn, twin, length=8.0)
        swapped = tuple(b[:, ::-1] for b in theirs.branches)
        assert ours.multiplier == pytest.approx(theirs.multiplier, rel=1e-12)
        # more switching lines, never fewer vertices (W^u gains none: y' = x/2 vanishes
        # where the preimage crossed x = 0, already a vertex; W^s gains some)
        assert theirs.n_segments >= ours.n_segments
        inner = [
            b[np.cumsum(np.r_[0, np.linalg.norm(np.diff(b, axis=0), axis=1)]) < 7.9]
            for b in ours.branches
        ]
        assert _distance_to_polylines(np.concatenate(inner), swapped).max() < 1e-12


def test_official_lorenz_model_manifold_is_invariant():
    # The official AL-RNN of Lorenz-63 (M = 20, P = 2) has one index-1 fixed point (in
    # region 11); its W^u, grown in 20 dimensions, is mapped into itself by f.  The images
    # of the vertices lie on it to rounding (measured 1e-15 with |z| < 2); 1e-10 leaves room
    # for another BLAS's summation order, and a vertex map without the splits (the chord of
    # a bent image) would be off by the bend's sagitta, O(segment length).
    m = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    (orbit,) = [c for c in m.fixed_points() if c.stability.index == 1]
    w = unstable_manifold(m, orbit, length=20.0)
    assert w.multiplier > 1 and w.n_segments > 100
    lipschitz = np.linalg.norm(m.jacobians, ord=2, axis=(1, 2)).max()
    inside = []
    for branch in w.branches:
        steps = np.linalg.norm(np.diff(branch, axis=0), axis=1)
        arclength = np.concatenate([[0.0], np.cumsum(steps)])
        inside.append(branch[arclength < 0.95 * w.length / lipschitz])
    image = m(np.concatenate(inside))
    assert len(image) > 20
    assert _distance_to_polylines(image, w.branches).max() < 1e-10


def _exact_step(m, z: sympy.Matrix) -> sympy.Matrix:
    """f(z) for an exact column over Q(√D): the region from the sign of x, decided by sympy."""
    region = m.region("1" if z[1].is_positive else "0")
    return sympy.expand(region.exact_jacobian * z + region.exact_offset)


@pytest.mark.parametrize("word", [("1",), ("0", "1")])
def test_exact_pieces_are_mapped_onto_their_own_vertices(word):
    # In exact arithmetic the construction is closed: g = f^{2k} (the multipliers are
    # negative) maps each vertex of a fundamental domain onto a vertex of the next one,
    # exactly.  The vertex is found by its float value, then equality is decided in Q(√D)
    # (a + b√D expands to a canonical form, so the difference expands to 0 exactly).
    m = lozi_map()
    orbit = m.cycle_of_word(word)
    w = unstable_manifold(m, orbit, length=30.0, exact_pieces=4)
    matched = 0
    for exact in w.exact_branches:
        rows = [exact.row(i).T for i in range(exact.rows)]
        floats = np.array([[float(x) for x in row] for row in rows])
        for row in rows[:-1]:
            image = row
            for _ in range(2 * orbit.period):
                image = _exact_step(m, image)
            nearest = np.abs(floats - np.array([float(x) for x in image])).max(axis=1)
            if nearest.min() < 1e-9:
                assert sympy.expand(image - rows[int(nearest.argmin())]) == sympy.zeros(2, 1)
                matched += 1
    assert matched >= 10
    # the float branches run through the exact vertices, to rounding (1e-12, as above)
    for exact in w.exact_branches:
        floats = np.array(exact.evalf(20).tolist(), dtype=float)
        assert _distance_to_polylines(floats, w.branches).max() < 1e-12


def test_exact_tent_manifold_is_rational():
    # λ = −2 is rational: the exact vertices are Rationals, and the first fold reaches the
    # ends ±1/2 of the invariant interval exactly.
    m = tent_map()
    (orbit,) = [c for c in m.fixed_points() if c.regions == ("1",)]
    w = unstable_manifold(m, orbit, length=10.0, exact_pieces=4)
    for exact in w.exact_branches:
        assert all(isinstance(x, sympy.Rational) for x in exact)
        assert {sympy.Rational(1, 2), sympy.Rational(-1, 2)} <= set(exact)
    three = PWLMap.from_alrnn([2.0, 0.5, 0.25], np.zeros((3, 3)), [1.0, 1.0, 1.0], P=0)
    with pytest.raises(UserInputError, match="needs M ≤ 2"):
        unstable_manifold(three, three.fixed_points()[0], exact_pieces=2)
