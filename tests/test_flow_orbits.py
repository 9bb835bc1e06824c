"""The true flows' periodic orbits, against published values, symmetry and Liouville."""

import json

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from pwl_analysis.errors import UserInputError
from training.data import SYSTEMS, DataError
from training.flow_orbits import Absence, flow_orbit_curve, flow_section_coding
from training.truth import LORENZ, ROSSLER, flow_periodic_orbits


@pytest.fixture(scope="module")
def lorenz():
    return flow_periodic_orbits("lorenz63", max_word_length=4)


@pytest.fixture(scope="module")
def rossler():
    return flow_periodic_orbits("rossler", max_word_length=3)


def _relative(value, reference):
    return abs(value - reference) / abs(reference)


def test_lorenz_finds_every_word_of_length_two_to_four_and_not_one_letter(lorenz):
    # every binary word of length ≥ 2 has exactly one orbit, L and R none (Viswanath 2003)
    words = ["LR", "LLR", "LRR", "LLLR", "LLRR", "LRRR"]  # by length, then lexicographic
    assert [orbit.word for orbit in lorenz] == words
    assert {(a.word, a.reason) for a in lorenz.absent} == {
        ("L", Absence.NOT_CONVERGED),
        ("R", Absence.NOT_CONVERGED),
    }


def test_lorenz_lr_period_published(lorenz):
    # Viswanath (2003), Nonlinearity 16, 1035: the orbit LR has period 1.5586522, given to
    # 8 digits, so within a rounding of 5e-8 (3.2e-8 relative)
    assert _relative(lorenz["LR"].period, 1.5586522) < 5e-8


def test_lorenz_mirror_words_have_equal_orbits(lorenz):
    # (x, y, z) ↦ (−x, −y, z) maps the orbit of w onto that of its mirror (L ↔ R)
    for word, mirror in [("LLR", "LRR"), ("LLLR", "LRRR")]:
        a, b = lorenz[word], lorenz[mirror]
        assert abs(a.period - b.period) < 1e-8
        assert np.allclose(a.multipliers, b.multipliers, rtol=1e-6)
        mirrored = a.points * np.array([-1.0, -1.0, 1.0])
        gaps = np.linalg.norm(mirrored[:, None] - b.points[None], axis=2)
        assert gaps.min(axis=1).max() < 1e-7  # the same point set, in another order


def test_lorenz_liouville(lorenz):
    # tr DF = −(σ + 1 + β) everywhere, so Π multipliers = det M = exp(−(σ + 1 + β) T)
    divergence = -(LORENZ["sigma"] + 1 + LORENZ["beta"])
    for orbit in lorenz:
        product = np.prod(orbit.multipliers).real
        assert _relative(product, np.exp(divergence * orbit.period)) < 1e-9
    # for LR, det M = 5.6e-10 is still resolved by the eigenvalues of M itself: the
    # contracting multiplier agrees with the smallest eigenvalue of the monodromy matrix
    from training.flow_orbits import _flow

    lr = lorenz["LR"]
    taus = np.diff(np.append(lr.times, lr.period))
    M = np.eye(3)
    for x, tau in zip(lr.points, taus):
        M = _flow("lorenz63", x, tau)[1] @ M
    smallest = np.linalg.eigvals(M)[np.argmin(np.abs(np.linalg.eigvals(M)))].real
    assert _relative(smallest, lr.multipliers[2].real) < 1e-3  # 1e-16 ‖M‖ / 5.6e-10


def test_rossler_published_cycles(rossler):
    # ChaosBook.org extras, "Roessler's model" (a = b = 0.2, c = 5.7, section x = 0, y > 0):
    # cycle 1: T = 5.88108845586, section point y = 6.09176831742, z = 1.29973195919,
    # multipliers 1, −2.403953527; cycle 10: T = 11.7586260717, multiplier −3.512006980,
    # a section point y = 6.91498284608, z = 0.0757168639342.  Periods to 1e-9 relative
    # (12 digits published; our residual is 1e-10), multipliers to their 10 digits.
    one, two = rossler["1"], rossler["01"]
    assert _relative(one.period, 5.88108845586) < 1e-9
    assert _relative(two.period, 11.7586260717) < 1e-9
    assert _relative(one.leading_multiplier.real, -2.403953527) < 1e-8
    assert _relative(two.leading_multiplier.real, -3.512006980) < 1e-8
    assert np.allclose(one.points[0], [0.0, 6.09176831742, 1.29973195919], atol=1e-7)
    assert np.min(np.linalg.norm(two.points - [0.0, 6.91498284608, 0.0757168639342], axis=1)) < 1e-7


def test_rossler_period_three_published(rossler):
    # the same page: the cycle 100 has T = 17.5157912663; we reproduce it to 1.1e-8
    # relative (the target is 1e-5)
    assert _relative(rossler["001"].period, 17.5157912663) < 1e-5


def test_rossler_fixed_point_of_the_increasing_branch_is_not_admitted(rossler):
    # "0" would be a fixed point of the increasing branch; the simulated return map stays
    # above the diagonal there (checked on the seeds' crossings), so no such orbit exists
    from training.flow_orbits import _rossler_return_map, _seed_orbit

    critical, _ = _rossler_return_map()
    _, points = _seed_orbit("rossler")
    y, following = points[:-1, 1], points[1:, 1]
    assert np.all(following[y < critical] > y[y < critical])
    assert [(a.word, a.reason) for a in rossler.absent] == [("0", Absence.NOT_ADMITTED)]


@pytest.mark.parametrize("system", ["lorenz63", "rossler"])
def test_every_orbit_is_periodic_with_a_unit_multiplier(system, lorenz, rossler):
    skeleton = lorenz if system == "lorenz63" else rossler
    field = SYSTEMS[system][0]
    for orbit in skeleton:
        assert orbit.residual < 1e-10
        assert np.min(np.abs(orbit.multipliers - 1.0)) < 1e-6  # the flow direction
        # integrated once more by another method (LSODA), the orbit closes: the return
        # error is the tolerance times the growth Λ of an error along the orbit
        end = solve_ivp(
            field, (0, orbit.period), orbit.points[0], method="LSODA", rtol=1e-11, atol=1e-11
        ).y[:, -1]
        assert np.linalg.norm(end - orbit.points[0]) < 1e-6


@pytest.mark.parametrize("system", ["lorenz63", "rossler"])
def test_the_section_coding_reads_each_orbit_word(system, lorenz, rossler):
    # the recorded-series coding (nearest anchor at sampled crossings) agrees with the
    # shooting's letters, in original and in z-scored coordinates
    skeleton = lorenz if system == "lorenz63" else rossler
    mean, std = np.array([1.0, -2.0, 20.0]), np.array([8.0, 9.0, 7.0])
    for orbit in skeleton:
        curve = flow_orbit_curve(orbit, samples=2000)
        assert flow_section_coding(system).word(curve) == orbit.word
        assert flow_section_coding(system, mean, std).word((curve - mean) / std) == orbit.word


def test_rossler_liouville_by_quadrature(rossler):
    # tr DF = a + x − c: Π multipliers = exp(∫_0^T (a + x(t) − c) dt), the integral by the
    # rectangle rule on the closed curve (spectrally accurate for a periodic integrand)
    for orbit in rossler:
        x = flow_orbit_curve(orbit, samples=4000)[:, 0]
        exponent = (ROSSLER["a"] - ROSSLER["c"]) * orbit.period + x.mean() * orbit.period
        product = np.prod(orbit.multipliers).real
        assert _relative(np.log(abs(product)), exponent) < 1e-6
        assert product > 0


def test_records_serialise(lorenz):
    data = json.loads(json.dumps(lorenz.to_dict()))
    assert [o["word"] for o in data["orbits"]] == [o.word for o in lorenz]
    assert data["absent"][0] == {
        "word": "L",
        "reason": Absence.NOT_CONVERGED.value,
        "closest_return": lorenz.absent[0].closest_return,
        "seeds_tried": lorenz.absent[0].seeds_tried,
    }
    lr = lorenz["LR"]
    assert np.allclose(lr.data_points([1, 2, 3], [2, 2, 2]), (lr.points - [1, 2, 3]) / 2)


def test_bad_input():
    with pytest.raises(DataError, match="'duffing'"):
        flow_periodic_orbits("duffing")
    with pytest.raises(UserInputError, match="max_word_length"):
        flow_periodic_orbits("lorenz63", max_word_length=0)
    with pytest.raises(KeyError, match="'LL'"):
        flow_periodic_orbits("lorenz63", max_word_length=2)["LL"]
