"""The certified transition graph: all successors at once against one LP per pair."""

import numpy as np
import pytest

from pwl_analysis import PWLMap
from pwl_analysis.transitions import successors, transition_matrix, transition_possible


def _maps():
    rng = np.random.default_rng(7)
    M = 3
    yield from (
        PWLMap.from_alrnn(rng.normal(size=M) * 0.5, rng.normal(size=(M, M)), rng.normal(size=M), P)
        for P in (1, 2, 3)
    )
    W2 = rng.normal(size=(4, 2))
    yield PWLMap.from_shplrnn([0.5, -0.3], rng.normal(size=(2, 4)), W2, [0.1, 0.2], [0, 1, -1, 0])
    yield PWLMap.from_clipped_shplrnn([0.5, 0.5], rng.normal(size=(2, 2)), W2[:2], [0, 0], [1, 0])


@pytest.mark.parametrize("boxed", [False, True])
def test_successors_equal_pairwise_decisions(boxed):
    for m in _maps():
        box = (-np.ones(m.M), np.ones(m.M)) if boxed else None
        pairwise = np.array(
            [[transition_possible(m, a, b, box) for b in range(m.n_regions)]
             for a in range(m.n_regions)]
        )  # fmt: skip
        assert np.array_equal(transition_matrix(m, box), pairwise), m


def test_sampled_transitions_are_in_the_graph():
    # every transition a float orbit makes from a random point must survive the pruning
    rng = np.random.default_rng(8)
    for m in _maps():
        z = rng.uniform(-3, 3, size=(4000, m.M))
        allowed = transition_matrix(m)
        assert allowed[m.region_of(z), m.region_of(m(z))].all(), m


def test_tent_map_box_transitions():
    # u ↦ 1/2 − 2|u| maps each half of [−1/2, 1/2] onto the whole interval (the full 2-shift)
    tent = PWLMap.from_plrnn([2.0], [[-4.0]], [0.5])
    assert successors(tent, 0, box=([-0.5], [0.5])) == [0, 1]
    assert successors(tent, 1, box=([0.26], [0.5])) == [0]  # f((0.26, 0.5]) = [−1/2, −0.02)
