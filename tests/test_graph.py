"""Empirical and exact symbolic graphs."""

import itertools
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
from pwl_analysis.transitions import transition_matrix

from systems import (
    SCYFI_CYCLES,
    lozi_map,
    lozi_plrnn,
    lozi_shplrnn,
    random_map,
    reference_file,
    tent_map,
)

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


# ---- every model class ---------------------------------------------------------------------


@pytest.mark.parametrize("make", [lozi_plrnn, lozi_shplrnn], ids=["plrnn", "shplrnn"])
def test_general_map_graphs_hold_every_transition_of_a_long_free_run(make):
    m = make()
    orbit = m.trajectory(np.zeros(2), 20_000)[1000:]
    symbols = m.region_of(orbit)
    observed = {(m.region_label(a), m.region_label(b)) for a, b in itertools.pairwise(symbols)}
    empirical = empirical_graph(m, orbit)
    assert set(empirical.edges) == observed
    assert empirical.nodes[m.region_label(symbols[0])]["offset"] == m.offsets[symbols[0]].tolist()
    exact = exact_graph(m, box=(orbit.min(axis=0), orbit.max(axis=0)))
    assert observed <= set(exact.edges)
    # the LP graph without a box is the successor relation, decided a second way
    allowed = transition_matrix(m)
    unboxed = exact_graph(m)
    assert set(unboxed.edges) == {
        (m.region_label(a), m.region_label(b)) for a, b in zip(*np.nonzero(allowed))
    }


def test_scyfi_shplrnn_graph_holds_every_sampled_transition():
    # SCYFI's shPLRNN (tests/systems.py) has no bounded attractor (its cycles are all
    # unstable), so its transitions are sampled: one step from each of 4000 points of a box.
    m = PWLMap.from_shplrnn(**SCYFI_CYCLES)
    z = np.random.default_rng(1).uniform(-1.5, 1.5, size=(4000, 2))
    sources, targets = m.region_of(z), m.region_of(m(z))
    regions = sorted(set(sources) | set(targets))
    observed = {(m.region_label(a), m.region_label(b)) for a, b in zip(sources, targets)}
    graph = exact_graph(m, regions=regions)
    assert observed <= set(graph.edges)
    assert set(graph.nodes) == {m.region_label(r) for r in regions}
    for node, data in graph.nodes(data=True):
        index = m.region_index(node)
        assert data["offset"] == m.offsets[index].tolist()  # c_d of its own region
    assert graph.graph["H"] == 10


def _as_shplrnn(m):
    """The AL-RNN m in the shallow form: A + W's first M − P columns as the linear part,
    W₁ = W's last P columns, W₂ = (0 | I_P), h₂ = 0."""
    linear = m.A + np.hstack([m.W[:, : m.M - m.P], np.zeros((m.M, m.P))])
    select = np.eye(m.M)[m.M - m.P :]
    return PWLMap.from_shplrnn(linear, m.W[:, m.M - m.P :], select, m.h, np.zeros(m.P))


@pytest.mark.parametrize("make", [lozi_map, lambda: random_map(12, M=3, P=2, scale=1.8)])
def test_an_alrnn_as_a_shplrnn_has_the_same_graphs(make):
    alrnn = make()
    shallow = _as_shplrnn(alrnn)
    # the same labels: the shallow form's sign vectors are the AL-RNN's last P units
    assert [shallow.region_label(i) for i in range(shallow.n_regions)] == [
        alrnn.region_label(i) for i in range(alrnn.n_regions)
    ]
    orbit = alrnn.trajectory(np.full(alrnn.M, 0.1), 3000)[300:]
    box = (orbit.min(axis=0) - 0.5, orbit.max(axis=0) + 0.5)
    for graph_of in (lambda m: empirical_graph(m, orbit), lambda m: exact_graph(m, box=box)):
        a, b = graph_of(alrnn), graph_of(shallow)
        assert set(a.nodes) == set(b.nodes) and set(a.edges) == set(b.edges)
        for node in a:
            assert a.nodes[node]["fixed_point_kind"] == b.nodes[node]["fixed_point_kind"]
            assert a.nodes[node]["jacobian"] == b.nodes[node]["jacobian"]
