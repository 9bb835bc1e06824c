"""Topology of symbolic graphs against closed forms."""

import networkx as nx
import numpy as np
import pytest

from pwl_analysis import load_model
from pwl_analysis.graph import empirical_graph, exact_graph
from pwl_analysis.topology import graph_entropy, graph_topology

from systems import lozi_map, reference_file, tent_map

# Sprott (2003), Chaos and Time-Series Analysis, Appendix A: λ_1 = 0.4703 for Lozi (1.7, 0.5).
LOZI_LAMBDA_1 = 0.4703


def test_tent_map_entropy_and_periodic_points_are_those_of_the_2_shift():
    m = tent_map()
    cycles = m.cycles(8)
    result = graph_topology(exact_graph(m, box=([-0.5], [0.5])), cycles)
    assert result.graph_entropy == pytest.approx(np.log(2), abs=1e-12)
    # The tent map of slope ±2 has exactly 2^k points of period dividing k, one per word.
    assert [(g, n) for _, g, n in result.periodic_points] == [(2**k, 2**k) for k in range(1, 9)]
    assert result.periodic_entropy == pytest.approx(np.log(2), abs=1e-12)
    assert all(s.realised for s in result.symbolic_cycles)
    assert result.unmatched_cycles == ()


def test_golden_mean_shift():
    # Forbidding the word 11: A = [[1, 1], [1, 0]], ρ = golden ratio, tr A^k = Lucas numbers.
    graph = nx.DiGraph([("0", "0"), ("0", "1"), ("1", "0")])
    result = graph_topology(graph, max_length=6)
    assert result.graph_entropy == pytest.approx(np.log((1 + 5**0.5) / 2), abs=1e-12)
    assert [g for _, g, _ in result.periodic_points] == [1, 3, 4, 7, 11, 18]
    # Primitive orbits of period k: (1/k) Σ_{d | k} μ(k/d) tr A^d = 1, 1, 1, 1, 2, 2
    # (0; 01; 001; 0001; 00001, 00101; 000001, 000101).
    lengths = [len(s.regions) for s in result.symbolic_cycles]
    assert [lengths.count(k) for k in range(1, 7)] == [1, 1, 1, 1, 2, 2]


def test_components_separate_transient_and_attracting_parts():
    # a → b ↔ c, c → d ⟲, e isolated: {b, c} recurrent but leaks to the attracting {d}.
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "b"), ("c", "d"), ("d", "d")])
    graph.add_node("e")
    result = graph_topology(graph, max_length=3)
    assert result.recurrent_components == (("b", "c"), ("d",))
    assert result.attracting_components == (("d",),)
    assert result.attractor_regions == ("d",)


def test_graph_without_cycles_has_zero_entropy():
    assert graph_entropy(nx.DiGraph([("a", "b")])) == 0.0


def test_lozi_periodic_entropy_is_consistent_with_known_bounds():
    m = lozi_map()
    cycles = m.cycles(14)
    orbit = m.trajectory([0.0, 0.1], 5000)[500:]
    exact = exact_graph(m, box=(orbit.min(axis=0), orbit.max(axis=0)), cycles=cycles)
    result = graph_topology(exact, cycles)
    # No published h_top for (a, b) = (1.7, 0.5) was available to us; we check bounds instead.
    # Every real cycle is a closed walk of the certified graph, so N_k ≤ tr A^k and the
    # estimate cannot exceed the graph entropy, which two symbols cap at log 2.
    assert result.unmatched_cycles == ()
    assert all(n <= g for _, g, n in result.periodic_points)
    assert result.periodic_entropy <= result.graph_entropy <= np.log(2) + 1e-12
    # Below: h_top ≥ h_SRB = λ_1 (Young 1985's SRB measure of the Lozi map satisfies Pesin's
    # formula; variational principle).  (1/K) log N_K approaches h_top from either side; at
    # K = 14 it has stayed within [0.498, 0.508] since K = 12.
    assert result.periodic_entropy >= LOZI_LAMBDA_1


def test_official_model_attractor_lies_in_the_visited_regions():
    m = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    orbit = m.trajectory(np.zeros(m.M), 6000)[1000:]
    result = graph_topology(empirical_graph(m, orbit), m.fixed_points())
    visited = {m.region_label(r) for r in m.region_of(orbit)}
    assert result.attractor_regions
    assert set(result.attractor_regions) <= visited
    assert "attracting components" in repr(result)
    assert result.to_dict()["n_nodes"] == len(visited)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="empty"):
        graph_topology(nx.DiGraph())
    with pytest.raises(ValueError, match="max_length"):
        graph_topology(nx.DiGraph([("a", "a")]), max_length=0)
