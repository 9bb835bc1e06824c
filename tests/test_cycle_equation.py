"""The reduced cycle equation: its rigorous error bounds against exact rational arithmetic."""

import numpy as np
import pytest
from sympy import QQ

from pwl_analysis import PWLMap, _exact
from pwl_analysis.cycle_equation import float_cycle_points, reduced_system, screen_words
from pwl_analysis.words import lyndon_words

from systems import lozi_map, random_map


def _exact_reduced(m, k, base):
    """T*, c* from the definition, over QQ: y = T u + c with y_i = S z_i along the cycle."""
    M, P = m.M, m.P
    L = m.exact_region_jacobian(base)
    _, _, h = m.exact_weights
    U = _exact.exact_matrix(m.W[:, M - P :])
    identity = _exact.identity(M)
    powers = [identity]
    for _ in range(k):
        powers.append(L * powers[-1])
    G = (identity - powers[k]).inv()
    rows_T, rows_c = [], []
    for i in range(k):
        R = powers[i] * G
        block_row = []
        for j in range(k):
            block = R * powers[k - 1 - j] * U
            if j < i:
                block = block + powers[i - 1 - j] * U
            block_row.append(block.to_list()[M - P :])
        rows_T.extend([[x for b in block_row for x in b[r]] for r in range(P)])
        g_sum = sum((powers[n] * h for n in range(k)), h * 0)
        prefix = sum((powers[n] * h for n in range(i)), h * 0)
        rows_c.extend(row[0] for row in (R * g_sum + prefix).to_list()[M - P :])
    return rows_T, rows_c


@pytest.mark.parametrize(("seed", "M", "P", "k"), [(0, 3, 2, 3), (1, 4, 1, 5), (2, 3, 3, 2)])
def test_error_bounds_contain_the_exact_system(seed, M, P, k):
    m = random_map(seed, M, P, scale=1.3)
    system = reduced_system(m, k, base=0)
    assert system is not None
    T_exact, c_exact = _exact_reduced(m, k, 0)
    for i, row in enumerate(T_exact):
        for j, value in enumerate(row):
            gap = abs(value - QQ(*system.T[i, j].as_integer_ratio()))
            assert gap <= QQ(*float(system.T_radius[i, j]).as_integer_ratio())
    for i, value in enumerate(c_exact):
        gap = abs(value - QQ(*system.c[i].as_integer_ratio()))
        assert gap <= QQ(*float(system.c_radius[i]).as_integer_ratio())
    # and the bounds are tight enough to decide anything: a few thousand ulps at most
    scale = 1 + np.abs(system.T).max()
    assert system.T_radius.max() < 1e-11 * scale


def test_screen_never_drops_a_realised_word():
    # every Lozi cycle up to period 8, solved exactly, passes the verified screen
    m = lozi_map()
    cycles = m.cycles(8)
    n_words = n_kept = 0
    for k in range(2, 9):
        words = lyndon_words(m.n_regions, k)
        systems = [s for s in (reduced_system(m, k, b) for b in range(2)) if s is not None]
        keep = screen_words(m, words, systems)
        realised = {tuple(m.region_index(r) for r in c.regions) for c in cycles.of_period(k)}
        kept = {tuple(w) for w in words[keep]}
        assert realised <= kept
        n_words, n_kept = n_words + len(words), n_kept + len(kept)
    assert n_kept < n_words / 2  # the screen does prune


def test_float_cycle_points_gives_every_rotations_exact_points():
    # prefix × suffix products for all rotations at once against the exact cycle points
    m = lozi_map()
    cycles = [c for c in m.cycles(8) if c.period > 1]
    for k in {c.period for c in cycles}:
        of_k = [c for c in cycles if c.period == k]
        words = np.array([[m.region_index(r) for r in c.regions] for c in of_k])
        points, solvable = float_cycle_points(m, words)
        assert solvable.all()
        for cycle, found in zip(of_k, points):
            # exact points rounded once; the float solve of a short word is accurate to ~1e-12
            np.testing.assert_allclose(found, cycle.points, atol=1e-9)


def test_float_cycle_points_in_batches_equals_one_batch(monkeypatch):
    m = random_map(2, M=3, P=2)
    words = np.random.default_rng(0).integers(0, m.n_regions, size=(7, 5))
    whole = float_cycle_points(m, words)
    monkeypatch.setattr("pwl_analysis.cycle_equation._ROTATIONS_PER_BATCH", 10)  # 2 words
    batched = float_cycle_points(m, words)
    np.testing.assert_array_equal(whole[0], batched[0])
    np.testing.assert_array_equal(whole[1], batched[1])


@pytest.mark.parametrize("every_rotation", [True, False])
def test_float_cycle_points_of_padded_words_solved_once_or_at_every_rotation(every_rotation):
    # Lozi cycles of periods 2…8 in one batch, each padded in front with identity steps (−1):
    # their points against the exact ones, whether every rotation is solved or z_0 once and
    # iterated (short, mildly unstable cycles: both accurate to ~1e-12)
    m = lozi_map()
    cycles = [c for c in m.cycles(8) if c.period > 1]
    longest = max(c.period for c in cycles)
    words = np.full((len(cycles), longest), -1)
    for row, cycle in zip(words, cycles):
        row[longest - cycle.period :] = [m.region_index(r) for r in cycle.regions]
    points, ok = float_cycle_points(m, words, every_rotation)
    assert ok.all()
    for found, cycle in zip(points, cycles):
        pad = longest - cycle.period
        np.testing.assert_allclose(found[pad:], cycle.points, atol=1e-9)
        # an identity step maps the first point to itself exactly
        np.testing.assert_array_equal(found[:pad], np.broadcast_to(found[pad], (pad, m.M)))


@pytest.mark.parametrize("every_rotation", [True, False])
def test_float_cycle_points_flags_a_singular_cycle_equation(every_rotation):
    # z ↦ −z + 1: the fixed point 1/2 solves (I − Π) z = c, the word "00" has Π = I
    m = PWLMap.from_alrnn([-1.0], [[0.0]], [1.0], P=0)
    points, ok = float_cycle_points(m, np.array([[-1, 0], [0, 0]]), every_rotation)
    assert ok.tolist() == [True, False]
    assert points[0, 1, 0] == 0.5
