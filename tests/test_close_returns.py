"""Close returns of a series: closed curves, and a Lorenz-63 orbit against the flow's orbits."""

import numpy as np
import pytest

from pwl_analysis import SectionCoding, close_returns
from pwl_analysis.errors import UserInputError
from training.data import simulate
from training.flow_orbits import flow_section_coding
from training.truth import flow_fixed_points, flow_periodic_orbits


def _figure_eight(turns: int, samples: int) -> tuple[np.ndarray, SectionCoding]:
    """(cos t, sin 2t, sin t), a closed curve without self-intersection: it crosses y = 0
    upward at t = 0 (x = 1, letter b) and at t = π (x = −1, letter a)."""
    t = 2 * np.pi * np.arange(turns * samples) / samples
    anchors = np.array([[-1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    coding = SectionCoding(np.zeros(3), np.array([0.0, 1.0, 0.0]), anchors, "ab", np.eye(3))
    return np.column_stack([np.cos(t), np.sin(2 * t), np.sin(t)]), coding


def test_a_closed_curve_returns_at_its_period_with_its_word():
    curve, coding = _figure_eight(turns=6, samples=80)
    (found,) = close_returns(curve, 0.5, coding, max_period=100)
    # one loop of the figure eight reads ab; half a turn (x = −1 against x = 1) never returns
    assert (found.word, found.period_steps, found.period) == ("ab", 80, 40.0)
    assert found.distance < 1e-12 and found.count == 1


def test_noise_keeps_the_word_and_the_period():
    curve, coding = _figure_eight(turns=20, samples=80)
    noisy = curve + 0.002 * np.random.default_rng(0).standard_normal(curve.shape)
    (found,) = close_returns(noisy, 1.0, coding, epsilon=0.02)
    assert found.word == "ab" and found.period_steps == 80 and found.count >= 1


@pytest.fixture(scope="module")
def lorenz_returns():
    x = simulate("lorenz63", 30_000, dt=0.01)
    mean, std = x.mean(axis=0), x.std(axis=0)
    coding = flow_section_coding("lorenz63", mean, std)
    return close_returns((x - mean) / std, 0.01, coding, max_period=320)


def test_lorenz_data_skeleton_matches_the_flow(lorenz_returns):
    # LR has period 1.5586522 (Viswanath 2003); the data sampled at Δt = 0.01 find it to a
    # sample (0.6 %) plus the shadowing error: within 2 %
    by_word = {r.word: r for r in lorenz_returns}
    assert abs(by_word["LR"].period - 1.5586522) / 1.5586522 < 0.02
    # every word of two loops or more is one of the flow's orbits, at the flow's period
    flow = flow_periodic_orbits("lorenz63", max_word_length=4)
    longer = [r for r in lorenz_returns if len(r.word) >= 2]
    assert {"LR", "LLR", "LRR"} <= {r.word for r in longer}
    for found in longer:
        assert abs(found.period - flow[found.word].period) / flow[found.word].period < 0.02


def test_lorenz_one_loop_returns_are_the_wing_foci(lorenz_returns):
    # L and R: the slow spiral around C± (multipliers 1.06 a turn), one turn 2π/ω with
    # ω = Im λ(C±) ≈ 10.19; the close return's period is within 5 % of it
    wing = flow_fixed_points("lorenz63", np.zeros(3), np.ones(3))[1]
    turn = 2 * np.pi / abs(wing.eigenvalues[0].imag)
    for found in lorenz_returns:
        if len(found.word) == 1:
            assert abs(found.period - turn) / turn < 0.05


def test_bad_input():
    curve, coding = _figure_eight(turns=2, samples=20)
    with pytest.raises(UserInputError, match="shape"):
        close_returns(curve[:, 0], 0.1, coding)
    with pytest.raises(UserInputError, match="dt"):
        close_returns(curve, 0.0, coding)
    with pytest.raises(UserInputError, match="epsilon"):
        close_returns(curve, 0.1, coding, epsilon=-1.0)
    with pytest.raises(UserInputError, match="max_period"):
        close_returns(curve, 0.1, coding, max_period=len(curve))
