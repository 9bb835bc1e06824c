"""Orbit records are values: equality and hashing on the orbit, monodromy, one interface."""

import json
from dataclasses import replace

import numpy as np
import pytest
import sympy

from pwl_analysis import (
    CertifiedCycle,
    Cycle,
    CycleSet,
    DegenerateCycle,
    PeriodicOrbit,
    PWLMap,
    VirtualFixedPoint,
)
from pwl_analysis.methods.seeded import certify_cycle

from systems import lozi_map, tent_map


def _started_at(cycle, j: int):
    """The same orbit, recorded from its point z_j (regions and points rotated)."""
    rows = list(range(j, cycle.period)) + list(range(j))
    fields = {"regions": tuple(cycle.regions[i] for i in rows), "points": cycle.points[rows]}
    if isinstance(cycle, Cycle):
        fields["exact_points"] = sympy.ImmutableMatrix(
            [list(cycle.exact_points.row(i)) for i in rows]
        )
    return replace(cycle, **fields)


def test_records_of_one_orbit_are_equal_whatever_their_start():
    for cycle in lozi_map().cycles(6):
        for j in range(cycle.period):
            moved = _started_at(cycle, j)
            assert moved == cycle and hash(moved) == hash(cycle)


def test_two_searches_give_equal_records_and_sets():
    m = lozi_map()
    first, second = m.cycles(6), m.cycles(6)
    assert first == second  # the CycleSet too: its records compare by value
    assert set(first) == set(second) and len(set(first)) == len(first)
    assert first[0] != first[1]  # two fixed points of one map


def test_equal_words_of_different_maps_are_different_orbits():
    tent, steeper = tent_map(), PWLMap.from_alrnn([3.0], [[-6.0]], [0.5], P=1)
    pairs = [(a, b) for a in tent.cycles(3) for b in steeper.cycles(3) if a.regions == b.regions]
    assert pairs and all(a != b for a, b in pairs)


def test_monodromy_is_the_product_along_the_orbit_from_its_first_point():
    m = lozi_map()
    for cycle in m.cycles(6):
        product = np.eye(m.M)
        for label in cycle.regions:
            product = m.jacobians[m.region_index(label)] @ product
        np.testing.assert_allclose(cycle.monodromy, product, rtol=1e-12, atol=1e-12)
        # the multipliers are its eigenvalues, by decreasing modulus
        eigenvalues = np.linalg.eigvals(cycle.monodromy)
        np.testing.assert_allclose(
            np.sort(np.abs(cycle.multipliers))[::-1], np.sort(np.abs(eigenvalues))[::-1]
        )


def test_a_word_given_from_any_rotation_is_recorded_from_its_lyndon_rotation():
    m = lozi_map()
    cycle = next(c for c in m.cycles(4) if c.period == 4)
    word = [m.region_index(label) for label in cycle.regions]
    for j in range(1, 4):
        rotated = m.cycle_of_word(word[j:] + word[:j])
        assert rotated.regions == cycle.regions
        assert rotated.exact_points == cycle.exact_points
        np.testing.assert_array_equal(rotated.monodromy, cycle.monodromy)


def _certified(m: PWLMap, cycle: Cycle) -> CertifiedCycle:
    return certify_cycle(m, [m.region_index(label) for label in cycle.regions])


def test_certified_cycle_is_its_own_record_behind_the_same_interface():
    m = lozi_map()
    exact = next(c for c in m.cycles(4) if c.period == 4)
    certified = _certified(m, exact)
    assert isinstance(certified, PeriodicOrbit) and not isinstance(certified, Cycle)
    assert not hasattr(certified, "exact_points")
    assert certified == _certified(m, exact) and certified == _started_at(certified, 2)
    assert certified != exact  # a proof in floats is not the exact record of the word
    assert certified.regions == exact.regions and certified.stability == exact.stability
    assert all(isinstance(x, float) for x in certified.first_point)
    assert exact.first_point == tuple(exact.exact_points.row(0))
    record = json.loads(json.dumps(certified.to_dict()))
    assert record["exact_points"] is None and record["certificate"]["method"] == "ball arithmetic"
    assert set(record) - {"certificate"} == set(exact.to_dict())


def test_cycle_set_holds_exact_and_certified_records_alike():
    m = lozi_map()
    exact = m.cycles(4)
    certified = _certified(m, exact.of_period(4)[0])
    both = CycleSet.of_found([*exact, certified], 4, "test", False, 0)
    assert len(both) == len(exact) + 1 and certified in both.cycles
    assert [c.period for c in both] == sorted(c.period for c in both)
    json.dumps(both.to_dict())
    assert "certified" in sympy.latex(certified) and "\\Omega_{0}" in sympy.latex(exact[0])


def test_degenerate_and_virtual_records_compare_and_hash():
    line = PWLMap.from_alrnn([1.0], [[-0.5]], [0.0], P=1)  # z' = z on z ≤ 0: a line
    first, second = line.fixed_points().degenerate[0], line.fixed_points().degenerate[0]
    assert isinstance(first, DegenerateCycle) and first == second and len({first, second}) == 1
    m = PWLMap.from_alrnn([0.5], [[0.25]], [1.0], P=1)  # u ↦ u/2 + 1 (u ≤ 0): z* = 2 > 0
    (virtual,) = m.fixed_points(include_virtual=True).virtual
    (again,) = m.fixed_points(include_virtual=True).virtual
    assert isinstance(virtual, VirtualFixedPoint) and virtual == again
    assert hash(virtual) == hash(again)


def test_exact_points_cannot_be_changed_in_place():
    cycle = tent_map().cycles(1)[0]
    with pytest.raises(TypeError):
        cycle.exact_points[0, 0] = 1
