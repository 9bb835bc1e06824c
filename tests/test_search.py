"""Fixed points and cycles against closed forms, brute force and exact self-maps."""

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from pwl_analysis import Exhaustive, PWLMap, Scyfi, SearchTooLargeError
from pwl_analysis.cycle_equation import exact_cycle
from pwl_analysis.orbits import Cycle
from pwl_analysis.stability import StabilityKind
from pwl_analysis.words import lyndon_words

from systems import RICH_MAPS, lozi_map, random_map, tent_map

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


def _maps_to_itself_exactly(m: PWLMap, cycle: Cycle) -> bool:
    point = DomainMatrix.from_Matrix(cycle.exact_points.row(0).T).convert_to(QQ)
    image = point
    for j in range(cycle.period):
        assert image.to_Matrix().T == cycle.exact_points.row(j)
        image = m.exact_step(image)
    return image.to_Matrix() == point.to_Matrix()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), M=st.integers(1, 4), P=st.integers(1, 2))
def test_every_orbit_maps_to_itself_exactly(seed, M, P):
    m = random_map(seed, M, min(P, M), scale=1.5)
    for cycle in m.cycles(4):
        assert _maps_to_itself_exactly(m, cycle)
        assert (m.region_of(cycle.points) == [m.region_index(r) for r in cycle.regions]).all()


@pytest.mark.parametrize("name", RICH_MAPS)
def test_fast_search_equals_brute_force(name):
    m = RICH_MAPS[name]()
    fast = m.cycles(5)
    assert len(fast) >= 2  # every map here has orbits: the comparison is not vacuous
    brute = [exact_cycle(m, w) for k in range(1, 6) for w in lyndon_words(m.n_regions, k)]
    brute = sorted((c for c in brute if isinstance(c, Cycle)), key=lambda c: (c.period, c.regions))
    assert [c.regions for c in fast] == [c.regions for c in brute]
    for c, d in zip(fast, brute):
        assert c.exact_points == d.exact_points


def test_pruning_and_box_do_not_lose_orbits():
    m = lozi_map()
    pruned = m.cycles(8, Exhaustive(prune=True))
    unpruned = m.cycles(8, Exhaustive(prune=False))
    assert [c.regions for c in pruned] == [c.regions for c in unpruned]
    boxed = m.cycles(8, Exhaustive(box=([-3, -3], [3, 3])))
    inside = [c.regions for c in unpruned if np.abs(c.points).max() <= 3]
    assert [c.regions for c in boxed] == inside


def test_cycles_invariant_under_permuting_units():
    m = random_map(11, M=4, P=2, scale=1.6)
    # swap the two linear units and the two piecewise-linear units
    perm = np.array([1, 0, 3, 2])
    permuted = PWLMap.from_alrnn(m.A[np.ix_(perm, perm)], m.W[np.ix_(perm, perm)], m.h[perm], 2)
    original, swapped = m.cycles(5), permuted.cycles(5)
    assert len(original) == len(swapped)
    flip = {"00": "00", "01": "10", "10": "01", "11": "11"}
    as_sets = {frozenset(map(tuple, c.exact_points.tolist())) for c in original}
    swapped_sets = {
        frozenset(tuple(row[i] for i in perm) for row in c.exact_points.tolist()) for c in swapped
    }
    assert as_sets == swapped_sets
    assert sorted(tuple(sorted(flip[r] for r in c.regions)) for c in original) == sorted(
        tuple(sorted(c.regions)) for c in swapped
    )


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
    monkeypatch.setattr("pwl_analysis.search.reduced_systems", lambda m, k: [])
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
