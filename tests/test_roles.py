"""Region roles: each region's fixed point as a value, and what the region carries."""

import json

from pwl_analysis import PWLMap, Stability, region_roles
from pwl_analysis.stability import StabilityKind


def test_attracting_real_fixed_point_is_named_by_its_stability_value():
    # u ↦ u/2 − 1 on Ω_0 (u ≤ 0): the real fixed point −2, attracting.  On Ω_1 (u > 0)
    # u ↦ −u/2 − 1 has its fixed point −2/3 outside Ω_1: virtual, attracting too, but the
    # region does not hold it.
    m = PWLMap.from_alrnn([0.5], [[-1.0]], [-1.0], P=1)
    orbit = m.trajectory([3.0], 40)
    roles = {role.label: role for role in region_roles(m, orbit, m.fixed_points())}
    assert roles["0"].fixed_point == "real" and roles["1"].fixed_point == "virtual"
    for role in roles.values():
        assert isinstance(role.stability, Stability)
        assert role.stability.kind == StabilityKind.ATTRACTING_NODE
    assert roles["0"].role == "holds the attracting fixed point"
    assert roles["1"].role == "visited by the free run"
    assert roles["1"].occupation == 1 / len(orbit)  # only the starting point u = 3
    # JSON keeps the readable name
    record = json.loads(json.dumps(roles["0"].to_dict()))
    assert record["stability"] == "attracting node" and record["fixed_point"] == "real"


def test_singular_region_has_no_fixed_point_and_no_stability():
    # u ↦ u on Ω_0: I − J_0 = 0, so "none"; u ↦ −u/2 on Ω_1 has its fixed point 0 ∉ Ω_1
    m = PWLMap.from_alrnn([1.0], [[-1.5]], [0.0], P=1)
    roles = {
        role.label: role for role in region_roles(m, m.trajectory([-1.0], 5), m.fixed_points())
    }
    assert roles["0"].fixed_point == "none" and roles["0"].stability is None
    assert roles["0"].to_dict()["stability"] == ""
    assert roles["1"].role == "not visited by the free run"
