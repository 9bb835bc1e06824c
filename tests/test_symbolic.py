"""Symbolic coding of trajectories by linear subregions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pwl_analysis.symbolic import symbolic_sequence

from systems import lozi_map, lozi_shplrnn, random_map, tent_map


def test_tent_map_symbols_are_the_sign_of_u():
    m = tent_map()
    orbit = m.trajectory([0.1234], 200)
    sequence = symbolic_sequence(m, orbit)
    # Ω_1 = {u > 0}, Ω_0 = {u ≤ 0}
    assert sequence.labels == ["1" if u > 0 else "0" for u in orbit[:, 0]]


def test_lozi_symbols_are_the_sign_of_x():
    m = lozi_map()
    orbit = m.trajectory([0.0, 0.1], 500)
    # z = (y, x) with the ReLU on x: the region is the side of the line x = 0.
    np.testing.assert_array_equal(symbolic_sequence(m, orbit).symbols, orbit[:, 1] > 0)


@given(st.lists(st.integers(0, 3), min_size=1, max_size=60))
def test_runs_restore_the_sequence(symbols):
    m = random_map(0, M=3, P=2)
    # states whose last two units have the signs of each symbol's bits
    bits = np.array([[s >> 1 & 1, s & 1] for s in symbols])
    states = np.column_stack([np.zeros(len(symbols)), np.where(bits == 1, 1.0, -1.0)])
    sequence = symbolic_sequence(m, states)
    run_symbols, lengths = sequence.runs()
    np.testing.assert_array_equal(np.repeat(run_symbols, lengths), symbols)
    assert np.all(run_symbols[1:] != run_symbols[:-1])
    assert sum(sequence.transition_counts().values()) == len(symbols) - 1
    occupation = sequence.occupation()
    assert sum(occupation.values()) == pytest.approx(1.0)
    assert occupation == {s: symbols.count(s) / len(symbols) for s in set(symbols)}


def test_serialises_runs_with_labels():
    m = tent_map()
    record = symbolic_sequence(m, [[0.2], [0.3], [-0.1]]).to_dict()
    assert record["runs"] == [["1", 2], ["0", 1]]
    assert record["occupation"] == {"0": pytest.approx(1 / 3), "1": pytest.approx(2 / 3)}


@pytest.mark.parametrize(
    ("trajectory", "message"),
    [
        (np.zeros((5, 3)), r"shape \(T, M\) = \(T, 2\)"),
        (np.zeros(2), "shape"),
        (np.zeros((0, 2)), "empty"),
        (np.array([[0.0, 0.0], [np.nan, 1.0]]), "NaN or infinite values \\(first at step 1\\)"),
    ],
)
def test_bad_trajectories_are_rejected(trajectory, message):
    with pytest.raises(ValueError, match=message):
        symbolic_sequence(lozi_map(), trajectory)


def test_shplrnn_symbols_are_the_signs_of_its_switching_functions():
    # Ω_d of a shPLRNN is labelled by the signs of W₂ z + h₂, computed here by numpy
    m = lozi_shplrnn()
    orbit = m.trajectory(np.zeros(2), 3000)[100:]
    _, W2, h2 = m.relu_layer
    switching = orbit @ W2.T + h2
    assert np.abs(switching).min() > 1e-9  # no state within rounding of a hyperplane
    expected = ["".join("1" if x > 0 else "0" for x in row) for row in switching]
    sequence = symbolic_sequence(m, orbit)
    assert sequence.labels == expected
    assert set(sequence.to_dict()["occupation"]) == set(expected)
    with pytest.raises(ValueError, match="not visited"):
        sequence.label(m.n_regions)
