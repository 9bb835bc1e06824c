"""Region words: Lyndon words, least rotations, necklace keys, primitive periods."""

from itertools import product

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pwl_analysis.errors import UserInputError
from pwl_analysis.words import (
    SearchTooLargeError,
    is_lyndon,
    least_rotation,
    least_rotation_shift,
    lyndon_words,
    necklace_key,
    primitive_period,
)

# Aperiodic necklaces of length k over 2, 3 and 4 letters (OEIS A001037, A027376, A027377):
# (1/k) Σ_{d|k} μ(d) q^{k/d}.
LYNDON_COUNTS = {
    2: [2, 1, 2, 3, 6, 9, 18, 30, 56, 99],
    3: [3, 3, 8, 18, 48, 116, 312],
    4: [4, 6, 20, 60, 204, 670],
}


def _rotations(word):
    word = tuple(word)
    return [word[i:] + word[:i] for i in range(len(word))]


def _is_lyndon_by_definition(word) -> bool:
    """Strictly smaller than each of its proper rotations."""
    return all(tuple(word) < rotation for rotation in _rotations(word)[1:])


@pytest.mark.parametrize("q", sorted(LYNDON_COUNTS))
def test_lyndon_word_counts_are_the_necklace_numbers(q):
    counts = [len(lyndon_words(q, k)) for k in range(1, len(LYNDON_COUNTS[q]) + 1)]
    assert counts == LYNDON_COUNTS[q]


@pytest.mark.parametrize("q, k", [(2, 6), (3, 4), (4, 3)])
def test_lyndon_words_are_exactly_the_words_below_their_rotations(q, k):
    expected = [w for w in product(range(q), repeat=k) if _is_lyndon_by_definition(w)]
    assert [tuple(w) for w in lyndon_words(q, k).tolist()] == expected  # lexicographic order
    every_word = np.array(list(product(range(q), repeat=k)))
    assert is_lyndon(every_word, q).tolist() == [_is_lyndon_by_definition(w) for w in every_word]


def test_unpacked_lyndon_test_agrees_with_the_definition():
    # 40 letters of 2 bits are 80 bits: beyond one int64, the row-by-row path
    rng = np.random.default_rng(0)
    words = rng.integers(0, 4, size=(200, 40))
    words[:5] = np.sort(words[:5], axis=1)  # a sorted word, not constant, is a Lyndon word
    assert is_lyndon(words, 4).tolist() == [_is_lyndon_by_definition(w) for w in words]


def test_forbidden_transitions_remove_every_word_using_them():
    allowed = np.array([[True, True], [True, False]])  # 1 never follows 1, also cyclically
    words = lyndon_words(2, 6, allowed).tolist()
    assert words and all(w[i] + w[(i + 1) % 6] < 2 for w in words for i in range(6))
    everything = [w for w in lyndon_words(2, 6).tolist() if "11" not in "".join(map(str, w * 2))]
    assert words == everything


def test_budget_is_checked_before_the_enumeration_grows():
    with pytest.raises(SearchTooLargeError, match="exceed the budget"):
        lyndon_words(4, 12, max_words=1000)


words_strategy = st.lists(st.integers(0, 5), min_size=1, max_size=25)


@given(words_strategy)
def test_least_rotation_is_the_minimum_over_all_rotations(word):
    assert least_rotation(word) == min(_rotations(word))
    shift = least_rotation_shift(word)
    assert tuple(word[shift:] + word[:shift]) == min(_rotations(word))
    assert shift == _rotations(word).index(min(_rotations(word)))  # the first, for powers


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 9)), min_size=1, max_size=40))
def test_least_rotation_of_long_words_with_runs(runs):
    # long words compare only the starts of runs of their least letter
    word = [letter for letter, n in runs for _ in range(n)]
    assert least_rotation(word) == min(_rotations(word))
    assert least_rotation_shift(word) == _rotations(word).index(min(_rotations(word)))
    assert least_rotation(word * 3) == min(_rotations(word * 3))  # a power: the first shift


@given(words_strategy, st.integers(0, 100))
def test_necklace_key_is_the_same_exactly_for_rotations(word, shift):
    rotated = word[shift % len(word) :] + word[: shift % len(word)]
    assert necklace_key(rotated) == necklace_key(word)
    assert tuple(necklace_key(word)[1:]) == least_rotation(word)  # letters < 256: one byte
    other = list(word)
    other[0] += 1
    assert (necklace_key(other) == necklace_key(word)) == (tuple(other) in _rotations(word))


@pytest.mark.parametrize("large", [300, 70_000, 2**40])
def test_large_letters_keep_integer_order(large):
    # letters beyond one byte (or four) are written wider, so bytes still compare like ints
    word = [large, 3, large, 2]
    assert least_rotation(word) == (2, large, 3, large)
    assert necklace_key([3, large, 2, large]) == necklace_key(word)
    assert necklace_key([large, 2, large, 3]) != necklace_key([large + 1, 2, large, 3])


def test_negative_letters_are_refused():
    with pytest.raises(UserInputError, match="non-negative"):
        least_rotation([0, -1])


def test_empty_word_is_its_own_least_rotation():
    assert least_rotation([]) == () and least_rotation_shift([]) == 0


@given(st.lists(st.integers(0, 2), min_size=1, max_size=6), st.integers(1, 4))
def test_primitive_period_of_a_power(root, repeats):
    p = primitive_period(root)
    assert primitive_period(root * repeats) == p
    assert root[:p] * (len(root) // p) == root and len(root) % p == 0
    assert all(root[:d] * (len(root) // d) != root for d in range(1, p) if len(root) % d == 0)
