"""Fixed points and cycles against closed forms, brute force and exact self-maps."""

from itertools import product

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwl_analysis import Exhaustive, PWLMap, Scyfi, SearchTooLargeError
from pwl_analysis.stability import StabilityKind

from systems import lozi_map, random_map, tent_map

# Primitive binary necklaces of length k (OEIS A001037): the tent map's number of cycles of
# minimal period k, since it has 2^k points of period dividing k.
NECKLACES = [2, 1, 2, 3, 6, 9, 18, 30, 56, 99]


def test_tent_map_cycle_counts_are_necklace_numbers():
    result = tent_map().cycles(10)
    counts = [len(result.of_period(k)) for k in range(1, 11)]
    assert counts == NECKLACES
    assert result.complete and not result.degenerate


def test_tent_map_fixed_points_closed_form():
    points = sorted(c.exact_points[0, 0] for c in tent_map().fixed_points())
    # u = 2u + 1/2 for u ≤ 0 and u = −2u + 1/2 for u > 0
    assert points == [sympy.Rational(-1, 2), sympy.Rational(1, 6)]


def test_lozi_fixed_points_closed_form():
    a, b = sympy.Rational(1.7), sympy.Rational(0.5)
    # x = 1 − a|x| + b x: x = 1/(1 + a − b) for x > 0, x = 1/(1 − a − b) for x < 0
    expected = {1 / (1 + a - b), 1 / (1 - a - b)}
    found = lozi_map().fixed_points()
    assert {c.exact_points[0, 1] for c in found} == expected
    for c in found:
        assert c.exact_points[0, 0] == b * c.exact_points[0, 1]  # y = b x
        # multipliers (±1.7 ± √4.89)/2: 1.956 in x < 0 (Ω_0), −1.956 in x > 0 (Ω_1)
        expected = {"0": StabilityKind.SADDLE, "1": StabilityKind.FLIP_SADDLE}
        assert c.stability.kind == expected[c.regions[0]] and c.stability.index == 1


# ---- an independent brute force: every word by itertools.product, decided with sympy alone --
#
# Nothing below calls the code under test except ``PWLMap.from_rationals`` (to build the map the
# search gets) and ``m.cycles`` (the search itself).  The map is the AL-RNN equation
# f(z) = A z + W φ(z) + h, φ the ReLU on the last P units, with a point in the region with bits
# d_i = 1 where (z)_{M−P+i} > 0 and d_i = 0 where it is ≤ 0 (the package's convention, the
# only thing shared); f is continuous, so the convention only names boundary points.


def _sympy_weights(A, W, h):
    A = sympy.Matrix(A) if np.ndim(A) == 2 else sympy.diag(*A)
    return A, sympy.Matrix(W), sympy.Matrix(h)


def _f(z: sympy.Matrix, A, W, h, P: int) -> sympy.Matrix:
    M = z.shape[0]
    phi = sympy.Matrix([z[i] if i < M - P else sympy.Max(0, z[i]) for i in range(M)])
    return A * z + W * phi + h


def _bits(z, P: int) -> tuple[int, ...]:
    M = len(z)
    return tuple(1 if z[i] > 0 else 0 for i in range(M - P, M))


def _brute_force_orbits(A, W, h, P: int, K: int) -> set[frozenset]:
    """Every orbit of minimal period ≤ K with a unique solution, as a set of exact points.

    All words over the 2^P regions by itertools.product; powers of shorter words dropped; the
    cycle equation (I − Π) z_0 = c solved with sympy; the word kept when every point's sign
    pattern is the word's.  A singular I − Π has no isolated orbit (its solutions form an
    empty or affine set) and is skipped.
    """
    A, W, h = _sympy_weights(A, W, h)
    M = h.shape[0]
    regions = list(product((0, 1), repeat=P))
    J = {d: A + W * sympy.diag(*([1] * (M - P) + list(d))) for d in regions}
    orbits = set()
    for k in range(1, K + 1):
        for word in product(regions, repeat=k):
            if any(k % p == 0 and word == word[:p] * (k // p) for p in range(1, k)):
                continue
            Pi, c = sympy.eye(M), sympy.zeros(M, 1)
            for d in word:
                Pi, c = J[d] * Pi, J[d] * c + h
            if (sympy.eye(M) - Pi).det() == 0:
                continue
            z, points = (sympy.eye(M) - Pi).LUsolve(c), []
            for d in word:
                if _bits(z, P) != d:
                    break
                points.append(tuple(z))
                z = J[d] * z + h
            else:
                orbits.add(frozenset(points))
    return orbits


def _as_point_sets(cycles) -> set[frozenset]:
    return {frozenset(tuple(row) for row in c.exact_points.tolist()) for c in cycles}


R = sympy.Rational
#: Rational maps with orbits at several periods (the tent map, the Lozi map with a = 17/10,
#: b = 1/2 on z = (y, x), and a 3-unit map with 1, 1, 2, 6 orbits of period 1 … 4).
BRUTE_FORCE_MAPS = {
    "tent": ([2], [[-4]], [R(1, 2)], 1),
    "lozi": ([[0, R(1, 2)], [1, R(17, 10)]], [[0, 0], [0, R(-17, 5)]], [0, 1], 1),
    "3-units": (
        [R(1, 4), R(-3, 4), R(-5, 4)],
        [[R(1, 2), -1, R(3, 2)], [R(-1, 2), R(-5, 4), 0], [-2, 0, R(3, 4)]],
        [0, -1, R(1, 2)],
        2,
    ),
}


@pytest.mark.parametrize("name", BRUTE_FORCE_MAPS)
def test_search_equals_independent_brute_force(name):
    A, W, h, P = BRUTE_FORCE_MAPS[name]
    found = PWLMap.from_rationals(A, W, h, P).cycles(4)
    brute = _brute_force_orbits(A, W, h, P, 4)
    assert len(brute) >= 4  # every map here has orbits: the comparison is not vacuous
    assert _as_point_sets(found) == brute
    assert sorted(c.period for c in found) == sorted(len(orbit) for orbit in brute)


quarters = st.integers(-8, 8).map(lambda n: R(n, 4))


@st.composite
def small_alrnns(draw):
    """An AL-RNN with M ≤ 3, P ≤ 2 and weights in quarters: A diagonal, W, h."""
    M = draw(st.integers(1, 3))
    P = draw(st.integers(1, min(2, M)))
    A = draw(st.lists(quarters, min_size=M, max_size=M))
    W = draw(st.lists(st.lists(quarters, min_size=M, max_size=M), min_size=M, max_size=M))
    h = draw(st.lists(quarters, min_size=M, max_size=M))
    return A, W, h, P


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_alrnns())
def test_search_equals_brute_force_on_random_small_maps(weights):
    A, W, h, P = weights
    found = PWLMap.from_rationals(A, W, h, P).cycles(4)
    assert _as_point_sets(found) == _brute_force_orbits(A, W, h, P, 4)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_alrnns())
def test_every_orbit_maps_to_itself_exactly(weights):
    # f^k(z_0) = z_0 with f evaluated in sympy, each point in its region, k minimal
    A, W, h, P = weights
    exact = _sympy_weights(A, W, h)
    for cycle in PWLMap.from_rationals(A, W, h, P).cycles(4):
        z = start = cycle.exact_points.row(0).T
        for j in range(cycle.period):
            assert z.T == cycle.exact_points.row(j)
            assert "".join(map(str, _bits(z, P))) == cycle.regions[j]
            assert j == 0 or z != start
            z = _f(z, *exact, P)
        assert z == start


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_alrnns(), st.randoms(use_true_random=False))
def test_cycles_do_not_change_when_units_are_permuted(weights, random):
    # σ permutes the linear units among themselves and the ReLU units among themselves (a
    # relabelling of the regions): the orbits are the permuted orbits
    A, W, h, P = weights
    M = len(h)
    linear, relu = list(range(M - P)), list(range(M - P, M))
    random.shuffle(linear)
    random.shuffle(relu)
    sigma = linear + relu
    permuted = PWLMap.from_rationals(
        [A[i] for i in sigma], [[W[i][j] for j in sigma] for i in sigma], [h[i] for i in sigma], P
    )
    original = PWLMap.from_rationals(A, W, h, P).cycles(4)
    relabelled = {
        frozenset(tuple(p[i] for i in sigma) for p in o) for o in _as_point_sets(original)
    }
    assert _as_point_sets(permuted.cycles(4)) == relabelled


def test_pruning_and_box_do_not_lose_orbits():
    m = lozi_map()
    pruned = m.cycles(8, Exhaustive(prune=True))
    unpruned = m.cycles(8, Exhaustive(prune=False))
    assert [c.regions for c in pruned] == [c.regions for c in unpruned]
    boxed = m.cycles(8, Exhaustive(box=([-3, -3], [3, 3])))
    inside = [c.regions for c in unpruned if np.abs(c.points).max() <= 3]
    assert [c.regions for c in boxed] == inside


def test_degenerate_line_of_fixed_points_is_reported():
    # z' = z on the inactive side: J = I there, h = 0, so every z ≤ 0 is fixed
    m = PWLMap.from_alrnn([1.0], [[-0.5]], [0.0], P=1)
    result = m.fixed_points()
    assert len(result.degenerate) == 1
    degenerate = result.degenerate[0]
    assert degenerate.regions == ("0",) and degenerate.nonempty and degenerate.meets_regions
    assert degenerate.directions.shape == (1, 1)


def test_degenerate_without_solution():
    m = PWLMap.from_alrnn([1.0], [[-0.5]], [1.0], P=1)  # u' = u + 1 for u ≤ 0: no fixed point
    degenerate = m.fixed_points().degenerate
    assert len(degenerate) == 1 and not degenerate[0].nonempty


def test_boundary_orbit_reported_once():
    # u' = −u + 1 for u ≤ 0 ... the fixed point 0 of u' = 2u − 3 max(0,u) sits on the boundary
    m = PWLMap.from_alrnn([2.0], [[-3.0]], [0.0], P=1)
    fixed = m.fixed_points()
    assert len(fixed) == 1
    assert fixed[0].on_boundary and fixed[0].regions == ("0",)


def test_marginal_stability_decided_exactly():
    # rotation by 90° in the region where the piecewise unit is inactive, fixed point at 0
    m = PWLMap.from_alrnn(np.array([[0.0, -1.0], [1.0, 0.0]]), np.zeros((2, 2)), [0.0, 0.0], 1)
    fixed = m.fixed_points()
    assert fixed[0].stability.kind == StabilityKind.MARGINAL
    assert str(fixed[0].stability) == "marginal"


def test_virtual_fixed_points_only_on_request():
    m = tent_map()
    assert m.fixed_points().virtual == ()
    m2 = PWLMap.from_alrnn([0.5], [[0.25]], [1.0], P=1)  # u ↦ u/2 + 1 (u ≤ 0): z* = 2 > 0
    virtual = m2.fixed_points(include_virtual=True).virtual
    assert [v.region for v in virtual] == ["0"]
    assert virtual[0].exact_point[0] == 2


def test_scyfi_finds_subset_of_exhaustive_and_says_so():
    m = lozi_map()
    exhaustive = m.cycles(6)
    heuristic = m.cycles(6, Scyfi(n_starts=100, seed=1))
    assert not heuristic.complete and "not a completeness guarantee" in repr(heuristic)
    assert {c.regions for c in heuristic} <= {c.regions for c in exhaustive}
    assert len(heuristic.of_period(1)) == 2


def test_search_budget_error():
    m = random_map(0, M=12, P=10)
    with pytest.raises(SearchTooLargeError, match="Scyfi"):
        m.cycles(3, Exhaustive(max_words=1000))


def test_bad_arguments():
    with pytest.raises(ValueError, match="max_period"):
        tent_map().cycles(0)
    with pytest.raises(TypeError, match="method"):
        tent_map().cycles(2, method="exhaustive")
    with pytest.raises(ValueError, match="power of a shorter word"):
        tent_map().cycle_of_word(["1", "1"])


def test_direct_path_equals_reduced_path(monkeypatch):
    # Without a well-conditioned base region every word goes to the exact decision; the
    # verified screen must not have lost any of those orbits.
    m = random_map(12, M=3, P=2, scale=1.8)
    reduced = m.cycles(5)
    monkeypatch.setattr("pwl_analysis.methods.exhaustive.reduced_systems", lambda m, k: [])
    direct = m.cycles(5)
    assert [c.regions for c in direct] == [c.regions for c in reduced]
    assert len(reduced) == 6  # the comparison is not vacuous


@pytest.mark.parametrize("h", [0.5, 5e19, 5e20, 5e100])
def test_transition_pruning_survives_huge_offsets(h):
    # the tent map scaled by h (u = h v): the same 2 + 1 + 2 orbits of period ≤ 3 for every h;
    # HiGHS reads |b| ≥ 1e20 as infinite, which once dropped real transitions (1 orbit left)
    result = PWLMap.from_alrnn([2.0], [[-4.0]], [h], P=1).cycles(3)
    assert [len(result.of_period(k)) for k in (1, 2, 3)] == NECKLACES[:3]
    assert result.complete


@pytest.mark.parametrize("P", [0, 1])
def test_power_word_yields_family_of_two_cycles(P):
    # z ↦ −z + 1: every z ≠ 1/2 lies on the 2-cycle {z, 1 − z}; along the power word "00"
    # (P = 0) or "11" (P = 1, both points positive) the cycle equation is 0 · z = 0
    result = PWLMap.from_alrnn([-1.0], [[0.0]], [1.0], P=P).cycles(2)
    assert [c.exact_points[0, 0] for c in result] == [sympy.Rational(1, 2)]
    families = [d for d in result.degenerate if d.period == 2 and d.meets_regions]
    assert families and all(d.directions.shape[1] == 1 for d in families)
    if P == 1:
        assert ("1", "1") in {d.regions for d in families}


def test_rotation_family_reported_at_its_minimal_period_only():
    # z ↦ R z + (1, 0) with R the rotation by π/2: R^4 = I, so every point has period 4 (the
    # fixed point aside); I − R^2 = 2I is invertible (no 2-cycles), and the period-8 set
    # equals the period-4 set, so it is not reported again
    rotation = [[0.0, -1.0], [1.0, 0.0]]
    result = PWLMap.from_alrnn(rotation, np.zeros((2, 2)), [1.0, 0.0], P=0).cycles(8)
    assert len(result) == 1
    assert [(d.period, d.directions.shape[1]) for d in result.degenerate] == [(4, 2)]
