"""DSR metrics against closed forms and independent direct computations."""

import warnings

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from pwl_analysis import PWLMap
from training.evaluation import robust_evaluation
from training.metrics import (
    maximal_lyapunov_exponent,
    observed_free_run,
    power_spectrum_distance,
    prediction_error,
    state_space_divergence,
)

from systems import tent_map


@pytest.fixture(scope="module")
def lorenz():
    """30,000 samples of Lorenz-63 at dt = 0.01 after a transient, z-scored."""

    def field(_t, u):
        return [10 * (u[1] - u[0]), u[0] * (28 - u[2]) - u[1], u[0] * u[1] - 8 / 3 * u[2]]

    times = 20 + 0.01 * np.arange(30_000)
    x = solve_ivp(field, (0, times[-1]), [1, 1, 1], "DOP853", times, rtol=1e-8, atol=1e-8).y.T
    return (x - x.mean(0)) / x.std(0)


def test_identical_series_have_zero_distances(lorenz):
    x = lorenz[:10_000]
    assert state_space_divergence(x, x).value == pytest.approx(0.0, abs=1e-12)
    assert power_spectrum_distance(x, x).value == pytest.approx(0.0, abs=1e-6)


def test_white_noise_is_far_from_lorenz(lorenz):
    x = lorenz[:10_000]
    noise = np.random.default_rng(0).standard_normal(x.shape)
    other = lorenz[15_000:25_000]
    # Two stretches of the same attractor set the finite-sample floor; noise must be far above.
    assert state_space_divergence(x, noise).value > 5 * state_space_divergence(x, other).value
    assert power_spectrum_distance(x, noise).value > 10 * power_spectrum_distance(x, other).value
    assert power_spectrum_distance(x, noise).value > 0.5


def test_binned_divergence_equals_dense_histogram_kl():
    # Independent computation: dense histogramdd over the same box, Laplace smoothing, KL sum.
    rng = np.random.default_rng(1)
    x_true = rng.normal(size=(3000, 2))
    x_gen = rng.normal(0.5, 1.2, size=(2000, 2))
    n_bins, alpha = 12, 1e-3
    s = x_true.std(0)
    edges = [
        np.linspace(x_true[:, i].min() - 0.1 * s[i], x_true[:, i].max() + 0.1 * s[i], n_bins + 1)
        for i in range(2)
    ]
    hist_true = np.histogramdd(x_true, bins=edges)[0]
    hist_gen = np.histogramdd(x_gen, bins=edges)[0]
    p = (hist_true + alpha) / (hist_true.sum() + alpha * n_bins**2)
    q = (hist_gen + alpha) / (hist_gen.sum() + alpha * n_bins**2)
    expected = np.sum(p * np.log(p / q))
    # rtol: histogramdd puts a point on the upper edge into the last bin, we drop it (measure 0).
    assert state_space_divergence(x_true, x_gen, n_bins, alpha).value == pytest.approx(
        expected, rel=1e-9
    )


def test_gaussian_mixture_divergence_for_many_dimensions():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(500, 12))
    same = state_space_divergence(x, x)
    shifted = state_space_divergence(x, x + 3.0)
    assert same.settings["method"] == "gmm"
    assert same.value == pytest.approx(0.0, abs=1e-12)
    assert shifted.value > 10


def test_spectra_see_frequency_not_phase():
    t = np.arange(8192)
    slow = np.sin(2 * np.pi * t / 100)[:, None]
    shifted = np.sin(2 * np.pi * t / 100 + 1.0)[:, None]
    fast = np.sin(2 * np.pi * t / 10)[:, None]
    assert power_spectrum_distance(slow, shifted, sigma=2).value < 0.02
    assert power_spectrum_distance(slow, fast, sigma=2).value > 0.99


def test_prediction_error_of_the_generating_map_is_zero():
    m = PWLMap.from_alrnn([0.5, 0.8], [[0.0, 0.3], [-0.4, 0.0]], [1.0, -0.5], P=1)
    x = m.trajectory([0.2, 0.1], 200)
    assert prediction_error(m, x, n_steps=10).value == pytest.approx(0.0, abs=1e-20)


def test_lyapunov_exponent_closed_forms():
    # Tent map: |f'| = 2 everywhere, so λ = log 2 on every orbit.
    assert maximal_lyapunov_exponent(tent_map(), [0.1], steps=500, transient=0).value == (
        pytest.approx(np.log(2), rel=1e-12)
    )
    # Linear contraction diag(0.5, 0.9): λ_max = log 0.9.
    linear = PWLMap.from_alrnn([0.5, 0.9], np.zeros((2, 2)), [0.0, 0.0], P=0)
    value = maximal_lyapunov_exponent(linear, [1.0, 1.0], steps=2000, transient=0).value
    assert value == pytest.approx(np.log(0.9), abs=1e-3)  # 1/n decay of the initial direction


def test_held_out_metrics_carry_settings_and_ranges():
    m = PWLMap.from_alrnn([0.5, 0.8, 0.1], np.eye(3) * 0.1, [0.1, 0.0, 0.2], P=1)
    x = np.random.default_rng(3).normal(size=(600, 2))
    stored = robust_evaluation(m, x, n_runs=3, steps=500, window=250, n_bins=10, sigma=3.0)
    metrics = stored.to_metrics()
    assert metrics["D_stsp"]["settings"]["n_bins"] == 10
    assert metrics["D_H"]["settings"]["sigma"] == 3.0 and metrics["D_H"]["settings"]["n_runs"] == 3
    low, high = metrics["D_stsp"]["settings"]["min"], metrics["D_stsp"]["settings"]["max"]
    assert low <= metrics["D_stsp"]["value"] <= high
    assert metrics["prediction_error"]["settings"]["n_steps"] == 20
    np.testing.assert_array_equal(observed_free_run(m, x[0], 5)[0], x[0])


def test_unequal_dimensions_rejected():
    with pytest.raises(ValueError, match="dimensions"):
        state_space_divergence(np.zeros((10, 2)), np.zeros((10, 3)))


def test_diverging_run_is_scored_without_overflow(lorenz):
    x = lorenz[:2000]
    diverging = x.copy()
    diverging[1000:] *= np.geomspace(1.0, 1e300, 1000)[:, None]  # grows past every bin
    diverging[-1] = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail the test
        d_stsp = state_space_divergence(x, diverging)
        d_h = power_spectrum_distance(x, diverging)
    # Only the first half stays in the data's box: the divergence is that of half the
    # points, finite and above the same series against itself (0).
    assert 0 < d_stsp.value < np.inf
    assert np.isnan(d_h.value)
