"""Return maps: the Rössler period-1 multiplier (ChaosBook) and exact piecewise-linear slopes."""

import numpy as np
import pytest

from pwl_analysis.return_map import return_map_fixed_point, section_crossings
from training.data import simulate

#: Rössler (a = b = 0.2, c = 5.7) period-1 orbit: Floquet multiplier Λ = −2.403 (ChaosBook,
#: "Rössler flow" cycle table); its 1-cycle crosses x = 0 at y ≈ −8.38.
ROSSLER_PERIOD_ONE = -2.403


def test_rossler_flow_period_one_multiplier_matches_chaosbook():
    crossings = section_crossings(simulate("rossler", 60_000), coordinate=0, level=0.0)
    fixed = return_map_fixed_point(crossings[:, 1])
    # 819 returns, ~50 inside the fit window: the local quadratic fit measured −2.413 here and
    # −2.401 with 100,000 samples; 2 % allows for the finite sample, not for a wrong method.
    assert fixed.multiplier == pytest.approx(ROSSLER_PERIOD_ONE, rel=0.02)
    assert fixed.position == pytest.approx(-8.38, abs=0.02)


def test_piecewise_linear_return_map_has_its_exact_slope():
    # The skew tent map u ↦ 1/2 − 1.9|u|: fixed point 1/5.8 on the branch of slope −1.9.
    u = [0.0123]
    for _ in range(5000):
        u.append(0.5 - 1.9 * abs(u[-1]))
    fixed = return_map_fixed_point(u, window=0.05)
    assert fixed.position == pytest.approx(1 / 5.8, abs=1e-12)
    assert fixed.multiplier == pytest.approx(-1.9, abs=1e-9)
    assert fixed.n_returns > 0 and "Λ = -1.9" in repr(fixed)


def test_crossings_are_upward_and_interpolated_on_the_chord():
    t = np.linspace(0.0, 6 * np.pi, 3001)
    circle = np.column_stack([np.cos(t), np.sin(t)])
    crossings = section_crossings(circle, coordinate=0, level=0.5)
    # x = cos t increases through 1/2 at t = 5π/3 (mod 2π), where y = −√3/2.
    assert crossings.shape == (3, 2)
    np.testing.assert_allclose(crossings[:, 0], 0.5, atol=1e-12)
    np.testing.assert_allclose(crossings[:, 1], -np.sqrt(3) / 2, atol=1e-5)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="coordinate"):
        section_crossings(np.zeros((10, 2)), coordinate=2)
    with pytest.raises(ValueError, match="NaN"):
        section_crossings(np.full((10, 2), np.nan))
    with pytest.raises(ValueError, match="at least"):
        return_map_fixed_point(np.arange(10.0))
    with pytest.raises(ValueError, match="from above"):
        return_map_fixed_point(np.arange(1000.0))
