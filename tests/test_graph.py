"""Empirical and exact symbolic graphs."""

import json

import networkx as nx
import numpy as np
import pytest

from pwl_analysis import PWLMap, load_model
from pwl_analysis.graph import (
    empirical_graph,
    exact_graph,
    graph_to_json,
    region_attributes,
    write_graph,
)

from systems import lozi_map, reference_file, tent_map

TENT_INTERVAL = ([-0.5], [0.5])


def test_tent_map_exact_graph_is_the_full_2_shift():
    # Each half of [−1/2, 1/2] is mapped onto the whole interval.
    graph = exact_graph(tent_map(), box=TENT_INTERVAL)
    assert set(graph.edges) == {("0", "0"), ("0", "1"), ("1", "0"), ("1", "1")}


def test_tent_map_exact_graph_on_a_subinterval():
    # u ∈ [0.3, 0.5] ⊂ Ω_1 maps to 1/2 − 2u ∈ [−1/2, −0.1] ⊂ Ω_0: only the edge 1 → 0.
    graph = exact_graph(tent_map(), box=([0.3], [0.5]))
    assert list(graph.nodes) == ["1"]
    assert list(graph.edges) == []
    graph = exact_graph(tent_map(), box=([-0.5], [0.5]), regions=["1"])
    assert list(graph.edges) == [("1", "1")]


def test_empirical_graph_counts_the_observed_transitions():
    m = lozi_map()
    orbit = m.trajectory([0.0, 0.1], 5000)[500:]
    graph = empirical_graph(m, orbit)
    assert sum(c for _, _, c in graph.edges(data="count")) == len(orbit) - 1
    assert sum(w for _, _, w in graph.edges(data="weight")) == pytest.approx(1.0)
    for node in graph:
        leaving = sum(p for _, _, p in graph.out_edges(node, data="probability"))
        assert leaving == pytest.approx(1.0)
    assert sum(o for _, o in graph.nodes(data="occupation")) == pytest.approx(1.0)


def test_exact_graph_contains_the_empirical_graph():
    m = lozi_map()
    orbit = m.trajectory([0.0, 0.1], 5000)[500:]
    exact = exact_graph(m, box=(orbit.min(axis=0), orbit.max(axis=0)))
    assert set(empirical_graph(m, orbit).edges) <= set(exact.edges)


def test_official_model_graph_nodes_are_the_visited_regions():
    m = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    orbit = m.trajectory(np.zeros(m.M), 6000)[1000:]
    graph = empirical_graph(m, orbit)
    assert set(graph.nodes) == {m.region_label(r) for r in m.region_of(orbit)}
    steps = set(zip(m.region_of(orbit[:-1]), m.region_of(orbit[1:])))
    assert set(graph.edges) == {(m.region_label(a), m.region_label(b)) for a, b in steps}


def test_nodes_carry_affine_maps_and_fixed_points():
    # u ↦ u/2 + 1 − max(0, u): Ω_0 has the fixed point u = 2 > 0 outside it (virtual),
    # Ω_1 the real fixed point u = 2/3 of u ↦ −u/2 + 1.
    m = PWLMap.from_alrnn([0.5], [[-1.0]], [1.0], P=1)
    graph = exact_graph(m)
    assert graph.nodes["0"]["fixed_point_kind"] == "virtual"
    assert graph.nodes["0"]["fixed_point"] == pytest.approx([2.0])
    assert graph.nodes["1"]["fixed_point_kind"] == "real"
    assert graph.nodes["1"]["fixed_point"] == pytest.approx([2 / 3])
    assert graph.nodes["1"]["fixed_point_stability"] == "attracting node"
    assert graph.nodes["1"]["jacobian"] == [[-0.5]]


def test_fixed_points_of_the_nodes_are_decided_exactly():
    # I − J = [[1, 1], [1, 1 + ε]], ε = 2^−44, has condition number ≈ 4/ε ≈ 7·10^13 but is
    # invertible: z* = (1 + 1/ε, −1/ε) solves (I − J) z = (1, 0).  Both regions share J (W = 0)
    # and z*_2 < 0, so Ω_0 holds z* (real) and Ω_1 has it as a virtual fixed point, not
    # "none" (as a float cut at condition number 10^12 once said).
    eps = 2.0**-44
    m = PWLMap.from_alrnn([[0.0, -1.0], [-1.0, -eps]], np.zeros((2, 2)), [1.0, 0.0], P=1)
    nodes = region_attributes(m, [0, 1])
    assert [nodes[r]["fixed_point_kind"] for r in ("0", "1")] == ["real", "virtual"]
    assert nodes["1"]["fixed_point"] == [1 + 2.0**44, -(2.0**44)]  # exact, and floats hold it
    # λ² + ελ − 1 = 0: λ ≈ 1 − ε/2 just inside the unit circle, λ ≈ −1 − ε/2 just outside
    assert nodes["1"]["fixed_point_stability"] == "flip saddle (index 1)"
    # a singular I − J_d is "none": z ↦ z on Ω_0
    line = PWLMap.from_alrnn([1.0], [[-0.5]], [0.0], P=1)
    assert region_attributes(line, [0])["0"]["fixed_point_kind"] == "none"


def test_graph_files_round_trip(tmp_path):
    m = lozi_map()
    graph = empirical_graph(m, m.trajectory([0.0, 0.1], 300))
    write_graph(graph, tmp_path / "g.graphml")
    write_graph(graph, tmp_path / "g.json")
    back = nx.read_graphml(tmp_path / "g.graphml")
    assert set(back.edges) == set(graph.edges)
    assert json.loads(back.nodes["1"]["jacobian"]) == graph.nodes["1"]["jacobian"]
    linked = nx.node_link_graph(json.loads((tmp_path / "g.json").read_text()), edges="edges")
    assert dict(linked.edges) == dict(graph.edges)
    assert graph_to_json(graph)["graph"]["kind"] == "empirical"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_bad_input_is_rejected(tmp_path):
    m = tent_map()
    with pytest.raises(ValueError, match="lower bound exceeds upper bound"):
        exact_graph(m, box=([0.5], [-0.5]))
    with pytest.raises(ValueError, match="empty"):
        exact_graph(m, regions=[])
    with pytest.raises(ValueError, match="NaN"):
        empirical_graph(m, [[0.1], [np.nan]])
    with pytest.raises(ValueError, match="shape"):
        empirical_graph(m, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"\.graphml or \.json"):
        write_graph(exact_graph(m), tmp_path / "g.txt")
