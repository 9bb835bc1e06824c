"""Coarse symbolic names against the Lorenz-63 flow and loops of known order."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from pwl_analysis import PWLMap, SectionCoding, load_model, lorenz_coding
from pwl_analysis.coarse import LoopRegionCoding, wing_fixed_points

from systems import reference_file

# Lorenz-63 (σ, ρ, β) = (10, 28, 8/3): wing equilibria C± = (±√(β(ρ−1)), ±√(β(ρ−1)), ρ − 1).
RHO, BETA, SIGMA = 28.0, 8.0 / 3.0, 10.0
WING = np.sqrt(BETA * (RHO - 1))
FLOW_CODING = SectionCoding(
    origin=np.array([0.0, 0.0, RHO - 1]),
    normal=np.array([0.0, 0.0, 1.0]),
    anchors=np.array([[-WING, -WING, RHO - 1], [WING, WING, RHO - 1]]),
    letters="LR",
    observation=np.eye(3),
)


def _lorenz(_t, u):
    x, y, z = u
    return [SIGMA * (y - x), x * (RHO - z) - y, x * y - BETA * z]


def test_viswanath_lr_orbit_is_named_lr():
    # The shortest Lorenz-63 periodic orbit, "AB" in Viswanath (2003), Table 1: it starts on
    # the section z = 27 at (x, y) below and has period T.
    start = [-13.7636106821342, -19.5787519424518, 27.0]
    period = 1.5586522107162
    orbit = solve_ivp(_lorenz, (0, period), start, rtol=1e-12, atol=1e-12, dense_output=True)
    assert np.linalg.norm(orbit.y[:, -1] - start) < 1e-6  # it closes: the published values
    points = orbit.sol(np.linspace(0, period, 400, endpoint=False)).T
    assert FLOW_CODING.word(points) == "LR"
    assert len(FLOW_CODING.returns(points)) == 2


def _loops(letters: str, steps: int = 40) -> np.ndarray:
    """A cyclic orbit that winds once around C− or C+ (in the x–z plane) per letter."""
    theta = 2 * np.pi * (np.arange(steps) + 0.5) / steps
    loop = 5.0 * np.stack([np.cos(theta), np.zeros(steps), np.sin(theta)], axis=1)
    centre = {"L": FLOW_CODING.anchors[0], "R": FLOW_CODING.anchors[1]}
    return np.vstack([centre[a] + loop for a in letters])


@pytest.mark.parametrize(
    ("loops", "name"),
    [("LR", "LR"), ("RLL", "LLR"), ("LRR", "LRR"), ("RRRL", "LRRR"), ("RLRL", "LRLR")],
)
def test_one_letter_per_loop_read_as_least_rotation(loops, name):
    points = _loops(loops)
    assert FLOW_CODING.word(points) == name
    for shift in (1, 17, 55):
        assert FLOW_CODING.word(np.roll(points, shift, axis=0)) == name


def test_orbit_without_returns_has_the_empty_word():
    assert FLOW_CODING.word(np.array([[WING, WING, RHO - 1]])) == ""


def test_anchor_shapes_are_checked():
    with pytest.raises(ValueError, match="one row per letter"):
        SectionCoding(np.zeros(3), np.ones(3), np.zeros((3, 3)), "LR", np.eye(3))
    with pytest.raises(ValueError, match="observation"):
        SectionCoding(np.zeros(2), np.ones(3), np.zeros((2, 3)), "LR", np.eye(3))
    with pytest.raises(ValueError, match="observation"):
        SectionCoding(np.zeros(3), np.ones(3), np.zeros((2, 3)), "LR", np.eye(3)[0])


def test_official_model_wings_are_its_spiral_fixed_points():
    m = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    left, right = wing_fixed_points(m)
    assert (left.regions, right.regions) == (("10",), ("01",))
    assert left.points[0][0] < 0 < right.points[0][0]
    coding = lorenz_coding(m)
    # each wing fixed point is its own anchor: the nearest letter at a wing is that wing
    assert coding.letters == "LR"
    np.testing.assert_array_equal(coding.anchors[0], left.points[0][:3])


def _turns(marks: str, steps: int = 30) -> np.ndarray:
    """Turns around the origin in the x–y plane (counter-clockwise, as Rössler's); during
    a ``1`` turn the fourth (ReLU) unit is positive for the steps with x > 0.5."""
    theta = 2 * np.pi * (np.arange(steps) + 0.5) / steps + np.pi  # each turn starts at x < 0
    turn = np.stack([np.cos(theta), np.sin(theta), np.zeros(steps)], axis=1)
    spikes = [np.where((turn[:, 0] > 0.5) & (mark == "1"), 1.0, -1.0) for mark in marks]
    return np.vstack([np.column_stack([turn, spike]) for spike in spikes])


@pytest.mark.parametrize(("marks", "name"), [("1", "1"), ("10", "01"), ("110", "011")])
def test_loops_are_named_by_the_marked_region_they_visit(marks, name):
    m = PWLMap.from_alrnn(np.zeros(4), np.zeros((4, 4)), np.zeros(4), P=1)
    coding = LoopRegionCoding(
        origin=np.zeros(3),
        normal=np.array([1.0, 0.0, 0.0]),
        observation=np.eye(3, 4),
        marked=frozenset({1}),
        pwl_map=m,
    )
    points = _turns(marks)
    assert len(coding.returns(points)) == len(marks)
    for shift in (0, 7, 31):
        assert coding.word(np.roll(points, shift, axis=0)) == name


def test_coding_does_not_depend_on_the_order_of_linear_units():
    # Relabel the M − P linear units: the same map in other coordinates, observed through
    # the correspondingly permuted B, has the same wing anchors.
    m = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    perm = np.r_[np.random.default_rng(0).permutation(m.M - m.P), m.M - m.P : m.M]
    relabelled = PWLMap.from_alrnn(m.A[perm][:, perm], m.W[perm][:, perm], m.h[perm], m.P)
    B = np.eye(m.M)[:3][:, perm]
    np.testing.assert_allclose(
        lorenz_coding(relabelled, B).anchors, lorenz_coding(m).anchors, rtol=1e-9
    )
