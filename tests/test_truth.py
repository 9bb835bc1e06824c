"""The true flows' invariants, against closed forms and published values."""

import numpy as np
import pytest

from training.data import SYSTEMS
from training.truth import FLOWS, LORENZ, flow_fixed_points, flow_lyapunov_max


@pytest.mark.parametrize("system", sorted(FLOWS))
def test_fixed_points_are_zeros_of_the_vector_field(system):
    field = SYSTEMS[system][0]
    for point in flow_fixed_points(system, np.zeros(3), np.ones(3)):
        assert np.allclose(field(0.0, point.point), 0.0, atol=1e-12)


def test_lorenz_eigenvalues_closed_form():
    s, r, b = LORENZ["sigma"], LORENZ["rho"], LORENZ["beta"]
    origin, plus, minus = flow_fixed_points("lorenz63", np.zeros(3), np.ones(3))
    # origin: −β and (−(σ+1) ± √((σ+1)² + 4σ(ρ−1)))/2 (Sparrow 1982, §2.1)
    root = np.sqrt((s + 1) ** 2 + 4 * s * (r - 1))
    expected = sorted([-b, (-(s + 1) + root) / 2, (-(s + 1) - root) / 2])
    assert np.allclose(sorted(origin.eigenvalues.real), expected)
    assert origin.unstable_dimension == 1
    # C±: roots of λ³ + (σ+β+1)λ² + β(σ+ρ)λ + 2σβ(ρ−1) (Sparrow 1982, §2.2)
    cubic = np.roots([1.0, s + b + 1, b * (s + r), 2 * s * b * (r - 1)])
    for point in (plus, minus):
        assert np.allclose(np.sort_complex(point.eigenvalues), np.sort_complex(cubic))
        assert point.unstable_dimension == 2


def test_data_coordinates_are_z_scored():
    mean, std = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 8.0])
    for point in flow_fixed_points("rossler", mean, std):
        assert np.allclose(point.data_point * std + mean, point.point)


def test_lorenz_lyapunov_exponent_published_value():
    # λ_max = 0.9056 per time unit (Sprott 2003, Chaos and Time-Series Analysis, appendix A;
    # Viswanath 1998); a 1,000-time-unit average is within about 1 %
    assert flow_lyapunov_max("lorenz63") == pytest.approx(0.9056, rel=0.02)
