"""Lyapunov spectra against closed forms and published values."""

import numpy as np
import pytest

from pwl_analysis.lyapunov import LyapunovSpectrum, cycle_lyapunov_spectrum, lyapunov_spectrum

from systems import lozi_map, random_map, tent_map

# Sprott, J. C. (2003). Chaos and Time-Series Analysis, Oxford University Press, Appendix A
# (Lozi map, a = 1.7, b = 0.5): λ_1 = 0.4703, λ_2 = −1.1634.
LOZI_PUBLISHED = (0.4703, -1.1634)


def test_tent_map_exponent_is_log_2():
    # |f'| = 2 on both branches, so every orbit has λ = log 2 up to float rounding.
    spectrum = lyapunov_spectrum(tent_map(), [0.1234], steps=5000, transient=10)
    assert spectrum.maximal == pytest.approx(np.log(2), abs=1e-12)


def test_lozi_exponents_match_published_values():
    spectrum = lyapunov_spectrum(lozi_map(), [0.0, 0.1], steps=100_000, transient=1000)
    # Finite-time estimates fluctuate by O(T^{-1/2}); at T = 1e5 different starts spread by
    # about 1e-3, and Sprott's values are quoted to 4 digits.
    assert spectrum.exponents == pytest.approx(LOZI_PUBLISHED, abs=3e-3)


def test_lozi_exponents_sum_to_log_abs_determinant():
    # det J = −b in both regions, so λ_1 + λ_2 = log b along every orbit.
    spectrum = lyapunov_spectrum(lozi_map(), [0.05, 0.3], steps=20_000)
    assert spectrum.sum == pytest.approx(np.log(0.5), abs=1e-9)


def test_block_length_does_not_change_the_spectrum():
    m = random_map(2, M=6, P=3, scale=0.95)  # a bounded orbit visiting all of its 4 regions
    z0 = np.full(6, 0.1)
    one = lyapunov_spectrum(m, z0, steps=3000, transient=100, block=1)
    eight = lyapunov_spectrum(m, z0, steps=3000, transient=100, block=8)
    # Same orbit and tangent products, only regrouped: agreement to rounding of the QR steps.
    np.testing.assert_allclose(one.exponents, eight.exponents, rtol=1e-8, atol=1e-10)


def test_spectrum_sum_equals_mean_log_determinant():
    m = random_map(2, M=6, P=3, scale=0.95)
    z0 = np.full(6, 0.1)
    steps, transient = 2000, 50
    spectrum = lyapunov_spectrum(m, z0, steps=steps, transient=transient)
    orbit = m.trajectory(z0, transient + steps)[transient:]
    log_det = np.mean(np.log(np.abs(np.linalg.det(m.jacobian(orbit)))))
    assert spectrum.sum == pytest.approx(log_det, abs=1e-9)


def test_cycle_spectrum_is_log_multipliers_over_period():
    m = lozi_map()
    for cycle in m.cycles(4):
        spectrum = cycle_lyapunov_spectrum(cycle)
        assert spectrum.maximal == pytest.approx(cycle.lyapunov_exponent, abs=1e-12)
        # det of the monodromy matrix is (−b)^k, so the exponents sum to log b.
        assert spectrum.sum == pytest.approx(np.log(0.5), abs=1e-9)


def test_orbit_attracted_to_a_stable_node_has_its_spectrum():
    m = random_map(1, M=4, P=2)
    node = next(c for c in m.fixed_points() if c.stable)
    spectrum = lyapunov_spectrum(m, np.zeros(4), steps=20_000, transient=1000)
    # The orbit converges to the node; the finite-time QR estimate carries an O(1/T) bias
    # from the initial frame (log of the eigenvector condition number over T = 2e4 steps).
    np.testing.assert_allclose(
        spectrum.exponents, cycle_lyapunov_spectrum(node).exponents, atol=1e-3
    )


def test_result_is_serialisable():
    spectrum = lyapunov_spectrum(tent_map(), [0.3], steps=10, transient=0)
    assert isinstance(spectrum, LyapunovSpectrum)
    assert spectrum.to_dict()["steps"] == 10
    assert "LyapunovSpectrum" in repr(spectrum)


@pytest.mark.parametrize(
    ("z0", "kwargs", "message"),
    [
        ([0.0], {}, "shape"),
        ([np.nan, 0.0], {}, "NaN"),
        ([0.0, 0.0], {"steps": 0}, "steps"),
        ([0.0, 0.0], {"transient": -1}, "transient"),
        ([0.0, 0.0], {"block": 0}, "block"),
        ([50.0, 50.0], {}, "diverged"),
    ],
)
def test_bad_input_is_rejected(z0, kwargs, message):
    arguments = {"steps": 100, **kwargs}
    with pytest.raises(ValueError, match=message):
        lyapunov_spectrum(lozi_map(), z0, **arguments)
