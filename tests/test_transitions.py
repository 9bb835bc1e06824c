"""Region-to-region transitions by linear programming: closed forms, sampled witnesses, and
all successors at once against one LP per pair."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pwl_analysis import PWLMap
from pwl_analysis.errors import UserInputError
from pwl_analysis.transitions import (
    check_box,
    successors,
    transition_matrix,
    transition_possible,
)

from systems import random_map, tent_map


def _half_line_map() -> PWLMap:
    """u ↦ u/2 + 1 for u ≤ 0 and u ↦ u/4 + 1 for u > 0 (u' = u/2 − max(0, u)/4 + 1)."""
    return PWLMap.from_alrnn([0.5], [[-0.25]], [1.0], P=1)


def test_half_line_map_closed_form():
    # Ω_1 (u > 0) maps into u' > 1: never back to Ω_0.  Ω_0 reaches u' ≤ 0 exactly for u ≤ −2.
    assert transition_matrix(_half_line_map()).tolist() == [[True, True], [False, True]]


def test_box_removes_transitions_that_need_points_outside_it():
    # in [−1, 1], Ω_0 ∩ box = [−1, 0] maps onto [1/2, 1] ⊂ Ω_1: the self-loop 0 → 0 needs u ≤ −2
    m = _half_line_map()
    assert transition_matrix(m, box=([-1.0], [1.0])).tolist() == [[False, True], [False, True]]
    assert transition_possible(m, 0, 0, box=([-2.0], [1.0]))  # u = −2 maps to 0 ∈ cl Ω_0


def test_closed_regions_err_towards_a_transition():
    # u ↦ −u for u > 0 never stays in Ω_1, but the closed regions share u = 0 ↦ 0: the graph
    # over-approximates, so 1 → 1 is kept rather than dropped without proof
    m = PWLMap.from_alrnn([1.0], [[-2.0]], [0.0], P=1)
    assert transition_possible(m, 1, 1)
    # with an offset the boundary point is gone and 1 → 1 is proven impossible
    shifted = PWLMap.from_alrnn([1.0], [[-2.0]], [-0.5], P=1)
    assert not transition_possible(shifted, 1, 1)


def test_tent_map_is_the_full_2_shift_on_its_interval():
    assert transition_matrix(tent_map(), box=([-0.5], [0.5])).all()


def test_rational_weights_closed_form():
    # u ↦ u − 1/3 on Ω_0 (u ≤ 0) stays below 0: 0 → 1 is impossible.  On Ω_1 (u > 0)
    # u ↦ u/10 − 1/3 is ≤ 0 for u ≤ 10/3 and > 0 beyond: both 1 → 0 and 1 → 1.
    m = PWLMap.from_rationals([1], [[Fraction(-9, 10)]], [Fraction(-1, 3)], P=1)
    assert transition_matrix(m).tolist() == [[True, False], [True, True]]
    assert not transition_possible(m, 1, 1, box=([-1.0], [3.0]))  # 1 → 1 needs u ≥ 10/3
    assert transition_possible(m, 1, 1, box=([-1.0], [4.0]))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), M=st.integers(1, 3), P=st.integers(1, 2))
def test_every_sampled_step_is_an_allowed_transition(seed, M, P):
    # the LP graph over-approximates: a point of Ω_a mapped into Ω_b proves the edge a → b
    m = random_map(seed, M, min(P, M), scale=1.5)
    allowed = transition_matrix(m)
    z = np.random.default_rng(seed).normal(0, 3, size=(4000, m.M))
    seen = np.zeros_like(allowed)
    seen[m.region_of(z), m.region_of(m(z))] = True
    assert not (seen & ~allowed).any()


def test_bad_box_is_refused():
    with pytest.raises(UserInputError, match="lower bound exceeds upper bound in coordinate 0"):
        check_box(tent_map(), ([1.0], [0.0]))
    assert check_box(tent_map(), None) is None
    lower, upper = check_box(random_map(0, 3, 1), (-1.0, 2.0))  # scalars: every coordinate
    assert lower.tolist() == [-1.0] * 3 and upper.tolist() == [2.0] * 3


# ---- every model class: the successors of each region at once -----------------------------


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


def test_sampled_transitions_of_every_model_class_are_in_the_graph():
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
