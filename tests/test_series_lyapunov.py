"""Rosenstein's λ_max from a series, against closed-form and published exponents."""

from pathlib import Path

import numpy as np
import pytest

from pwl_analysis.errors import UserInputError
from training.data import simulate
from training.ecg import delay_embedding
from training.series_lyapunov import (
    LOCAL_JACOBIANS,
    ROSENSTEIN,
    local_jacobian_lyapunov,
    lyapunov_record,
    mean_period,
    rosenstein_lyapunov,
)

LORENZ = Path(__file__).resolve().parents[2] / "shared/reference/alrnn-dsr/lorenz63.npy"


def _logistic(n: int) -> np.ndarray:
    x = np.empty(n)
    x[0] = 0.3
    for t in range(1, n):
        x[t] = 4.0 * x[t - 1] * (1.0 - x[t - 1])
    return x[100:]


def _henon(n: int) -> np.ndarray:
    x = np.empty((n, 2))
    x[0] = 0.1, 0.1
    for t in range(1, n):
        x[t] = 1.0 - 1.4 * x[t - 1, 0] ** 2 + x[t - 1, 1], 0.3 * x[t - 1, 0]
    return x[100:]


def test_logistic_map_gives_ln2():
    # λ = ln 2 per step exactly for x ↦ 4x(1 − x) (conjugate to the tent map).
    estimate = rosenstein_lyapunov(delay_embedding(_logistic(20_000), 2, 1))
    assert estimate.per_step.median == pytest.approx(np.log(2), rel=0.02)  # measured +0.9 %
    assert estimate.per_time is None


def test_henon_map_gives_the_published_exponent():
    # Hénon map a = 1.4, b = 0.3: λ_max = 0.41922 (Sprott, Chaos and Time-Series Analysis,
    # 2003, Table A.1).
    estimate = rosenstein_lyapunov(_henon(20_000))
    assert estimate.per_step.median == pytest.approx(0.41922, rel=0.03)  # measured +1.1 %


def test_a_short_recording_is_delay_embedded_and_says_so():
    # 1,500 Hénon samples (fewer than SHORT_RECORDING): each column becomes (x_t, x_{t+1},
    # x_{t+2}) before the estimate, and the record names the embedding; 20,000 are used as
    # they are.  Both land near the published 0.41922 (measured +2.1 % on the short one).
    short, long = lyapunov_record(_henon(1600)), lyapunov_record(_henon(20_100))
    assert short["delay_embedding"] == {"dimension": 3, "lag": 1}
    assert "delay_embedding" not in long
    for record in (short, long):
        assert record["per_step"]["median"] == pytest.approx(0.41922, rel=0.05)
    assert "error" in lyapunov_record(_henon(150))  # too short even embedded: a reason, no raise


@pytest.mark.skipif(not LORENZ.exists(), reason="shared Lorenz-63 data absent")
def test_lorenz_flow_is_close_and_low():
    # λ_max = 0.9056 per time unit (Viswanath 2003); Rosenstein's estimate is biased low on
    # flows (neighbours separated along the flow never diverge): measured −6.4 %.
    estimate = rosenstein_lyapunov(np.load(LORENZ), dt=0.01)
    assert 0.9056 * 0.9 < estimate.per_time.median < 0.9056
    assert estimate.per_time.low <= estimate.per_time.median <= estimate.per_time.high


def test_rossler_flow_is_biased_low_as_documented():
    # λ_max = 0.0714 per time unit for a = b = 0.2, c = 5.7 (Sprott 2003); measured −17 %,
    # as the module docstring says.
    estimate = rosenstein_lyapunov(simulate("rossler", 100_000), dt=0.08)
    assert 0.0714 * 0.75 < estimate.per_time.median < 0.0714


def test_local_jacobians_give_ln2_on_the_logistic_map():
    # x ↦ 4x(1 − x): λ = ln 2 per step exactly; the 1-D series is its own state space.
    estimate = local_jacobian_lyapunov(_logistic(20_000))
    assert estimate.per_step.median == pytest.approx(np.log(2), rel=0.02)
    assert estimate.method == LOCAL_JACOBIANS


def test_local_jacobians_give_the_henon_exponent():
    # Hénon map a = 1.4, b = 0.3: λ_max = 0.41922 (Sprott 2003, Table A.1).
    estimate = local_jacobian_lyapunov(_henon(20_000))
    assert estimate.per_step.median == pytest.approx(0.41922, rel=0.02)


@pytest.mark.skipif(not LORENZ.exists(), reason="shared Lorenz-63 data absent")
def test_local_jacobians_on_the_lorenz_flow_are_not_biased_like_rosenstein():
    # λ_max = 0.9056 per time unit (Viswanath 2003).  Rosenstein's estimate on the same
    # samples is 6.4 % low (test above); local Jacobians: measured −0.6 %.
    x = np.load(LORENZ)
    estimate = local_jacobian_lyapunov(x, dt=0.01)
    assert estimate.per_time.median == pytest.approx(0.9056, rel=0.03)
    assert estimate.per_time.low <= estimate.per_time.median <= estimate.per_time.high
    assert abs(estimate.per_time.median - 0.9056) < abs(
        rosenstein_lyapunov(x, dt=0.01).per_time.median - 0.9056
    )


def test_local_jacobians_on_the_rossler_flow():
    # λ_max = 0.0714 per time unit (Sprott 2003); Rosenstein: −17 %; local Jacobians −3.9 %.
    estimate = local_jacobian_lyapunov(simulate("rossler", 100_000), dt=0.08)
    assert estimate.per_time.median == pytest.approx(0.0714, rel=0.05)


def test_long_recordings_are_read_by_local_jacobians_short_ones_by_rosenstein():
    long, short = lyapunov_record(_henon(20_100)), lyapunov_record(_henon(1600))
    assert long["method"] == LOCAL_JACOBIANS and short["method"] == ROSENSTEIN
    assert {"step", "n_neighbours", "min_separation"} <= long.keys()


def test_local_jacobians_refuse_a_series_without_distant_neighbours():
    # 150 points of a slow drift: every neighbour is within one mean period in time.
    t = np.linspace(0, 1, 150)
    with pytest.raises(UserInputError, match="too few points have neighbours"):
        local_jacobian_lyapunov(np.stack([t, t**2], axis=1))


def test_mean_period_of_a_sine():
    t = np.arange(10_000)
    assert mean_period(np.sin(2 * np.pi * t / 50)[:, None]) == pytest.approx(50, rel=0.01)


@pytest.mark.parametrize(
    ("series", "words"),
    [
        (np.ones((500, 2)), "constant"),
        (np.full((500, 2), np.nan), "NaN"),
        (np.zeros((10, 2)), "T ≥ 100"),
    ],
)
def test_bad_series_are_refused_in_one_sentence(series, words):
    with pytest.raises(UserInputError, match=words):
        rosenstein_lyapunov(series)


def test_a_periodic_series_has_no_positive_exponent_to_read():
    t = np.arange(5000)
    circle = np.stack([np.sin(2 * np.pi * t / 37), np.cos(2 * np.pi * t / 37)], axis=1)
    with pytest.raises(UserInputError):
        rosenstein_lyapunov(circle)
