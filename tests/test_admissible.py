"""Admissible words and the word-tree search against closed forms and brute force."""

import itertools
import json

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from pwl_analysis import (
    AdmissibleTree,
    Exhaustive,
    PWLMap,
    admissible,
    admissible_words,
    entropy_bounds,
)
from pwl_analysis.admissibility import _Context, _decide, _Word
from pwl_analysis.app.cli import main

from systems import RICH_MAPS, lozi_map, random_map, tent_map

TENT_BOX = ([-0.5], [0.5])
# Primitive binary necklaces of length k (OEIS A001037): the tent map's number of cycles of
# minimal period k, since it has 2^k points of period dividing k.
NECKLACES = [2, 1, 2, 3, 6, 9, 18, 30, 56, 99]


def test_tent_map_cycle_counts_are_necklace_numbers():
    result = tent_map().cycles(10, method=AdmissibleTree(box=TENT_BOX))
    assert [len(result.of_period(k)) for k in range(1, 11)] == NECKLACES
    assert result.complete and not result.degenerate


def test_tent_map_realises_every_word():
    # the tent map on [−1/2, 1/2] is conjugate to the full shift on two symbols
    counts = [len(words) for words in admissible_words(tent_map(), 10, box=TENT_BOX)]
    assert counts == [2**n for n in range(1, 11)]


def test_lozi_fixed_points_closed_form():
    a, b = sympy.Rational(1.7), sympy.Rational(0.5)
    # x = 1 − a|x| + b x: x = 1/(1 + a − b) for x > 0, x = 1/(1 − a − b) for x < 0
    found = lozi_map().cycles(1, method=AdmissibleTree())
    assert {c.exact_points[0, 1] for c in found} == {1 / (1 + a - b), 1 / (1 - a - b)}


@pytest.mark.parametrize("name", RICH_MAPS)
def test_tree_equals_exhaustive_search(name):
    m = RICH_MAPS[name]()
    tree = m.cycles(6, method=AdmissibleTree())
    exhaustive = m.cycles(6)
    assert len(exhaustive) >= 2  # the comparison is not vacuous
    assert [c.regions for c in tree] == [c.regions for c in exhaustive]
    assert tree.complete


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), M=st.integers(1, 3), P=st.integers(1, 2))
def test_tree_equals_exhaustive_on_random_maps(seed, M, P):
    m = random_map(seed, M, min(P, M), scale=1.5)
    box = (-np.full(m.M, 3.0), np.full(m.M, 3.0))
    tree = m.cycles(4, method=AdmissibleTree(box=box))
    exhaustive = m.cycles(4, method=Exhaustive(box=box))
    inside = [c.regions for c in exhaustive if np.all(np.abs(c.points) <= 3.0)]
    assert [c.regions for c in tree] == inside


def _plain_lp_feasible(m, word, box) -> bool:
    """Brute force: the prefix polyhedron built from scratch, one plain scipy LP."""
    rows, bounds = [], []
    Pi, c = np.eye(m.M), np.zeros(m.M)
    for j, letter in enumerate(word):
        if j:
            J = m.jacobians[word[j - 1]]
            Pi, c = J @ Pi, J @ c + m.h
        s = np.where(m.region_bits[letter] == 1, 1.0, -1.0)
        rows += [-s[:, None] * Pi[m.M - m.P :], Pi, -Pi]
        bounds += [s * c[m.M - m.P :], box[1] - c, c - box[0]]
    result = linprog(
        np.zeros(m.M),
        A_ub=np.vstack(rows),
        b_ub=np.concatenate(bounds),
        bounds=[(None, None)] * m.M,
        method="highs",
    )
    return result.status == 0


@pytest.mark.parametrize(("seed", "M"), [(1, 2), (5, 2), (12, 2), (3, 1), (8, 1)])
def test_admissible_words_equal_brute_force(seed, M):
    # 2-D: the polygon path; 1-D: the interval path; both against a plain LP per word
    m = random_map(seed, M=M, P=M, scale=1.8 if M == 2 else 2.5)
    box = (-np.full(M, 4.0), np.full(M, 4.0))
    levels = admissible_words(m, 5 if M == 1 else 4, box=box)
    for n, words in enumerate(levels, start=1):
        brute = [
            w
            for w in itertools.product(range(m.n_regions), repeat=n)
            if _plain_lp_feasible(m, w, box)
        ]
        assert {tuple(w) for w in words.tolist()} == set(brute)


def test_every_sampled_itinerary_is_admissible():
    m = lozi_map()
    box = (np.array([-1.0, -2.0]), np.array([1.0, 2.0]))
    words = {tuple(w) for w in admissible_words(m, 8, box=box)[-1].tolist()}
    rng = np.random.default_rng(0)
    points = rng.uniform(box[0], box[1], size=(20_000, 2))
    orbit = m.trajectory(points, 8)
    inside = np.all((orbit >= box[0]) & (orbit <= box[1]), axis=(0, 2))
    itineraries = {tuple(w) for w in m.region_of(orbit[:, inside]).T.tolist()}
    assert itineraries and itineraries <= words


def test_admissible_gives_exact_witness_and_certificate():
    m = tent_map()
    yes = admissible(m, ["0", "1", "1"], box=TENT_BOX)
    assert yes.admissible and yes.exact_witness and yes.decided_by == "exact witness"
    orbit = m.trajectory(yes.witness, 3)[:, 0]
    assert orbit[0] <= 0 <= orbit[1] and orbit[2] >= 0  # closed regions Ω_0, Ω_1, Ω_1
    # in [0, 1/2] only z = 0 lies in cl Ω_0, and f(0) = 1/2 does not
    no = admissible(m, ["0", "0"], box=([0.0], [0.5]))
    assert not no.admissible and no.decided_by == "Farkas certificate (exact)"
    assert no.to_dict()["admissible"] is False


def test_word_on_a_boundary_is_admissible():
    # z = 0 is the only point of cl Ω_0 in [0, 1/2]; f(0) = 1/2 lies in cl Ω_1
    result = admissible(tent_map(), ["0", "1"], box=([0.0], [0.5]))
    assert result.admissible and result.exact_witness


def test_failed_certificate_counts_as_admissible(monkeypatch):
    import pwl_analysis.admissibility as module

    monkeypatch.setattr(module, "_certify", lambda ctx, node, y: False)
    monkeypatch.setattr(module, "_certify_minors", lambda ctx, node, rows: False)
    result = admissible(tent_map(), ["0", "0"], box=([0.0], [0.5]))
    assert result.admissible and result.witness is None
    assert "certificate failed" in result.decided_by


@pytest.mark.parametrize("polygons", [False, True])
def test_decisions_are_certified_infeasible_only_with_a_certificate(polygons):
    # every infeasible word of length 6 must be certified, by the LP's dual or a polygon vertex
    m = lozi_map()
    ctx = _Context(m, (np.array([-1.0, -2.0]), np.array([1.0, 2.0])))
    ctx.polygons = polygons
    outcomes = {}
    for word in itertools.product(range(2), repeat=6):
        node = _Word.root(ctx, word[0])
        for letter in word[1:]:
            node = node.child(ctx, letter)
        outcomes[word] = _decide(ctx, node)
    assert ctx.certified > 0 and ctx.uncertified == 0
    if not polygons:
        assert set(outcomes.values()) <= {"LP feasible", "certified infeasible"}
    infeasible = {w for w, how in outcomes.items() if how == "certified infeasible"}
    box = (np.array([-1.0, -2.0]), np.array([1.0, 2.0]))
    assert infeasible == {w for w in outcomes if not _plain_lp_feasible(m, w, box)}


def test_cycles_do_not_depend_on_the_order_of_the_units():
    m = random_map(12, M=3, P=2, scale=1.8)
    order = [0, 2, 1]  # swap the two piecewise-linear units
    swapped = PWLMap.from_alrnn(m.A[np.ix_(order, order)], m.W[np.ix_(order, order)], m.h[order], 2)
    box = (-np.full(3, 4.0), np.full(3, 4.0))
    one = m.cycles(6, method=AdmissibleTree(box=box))
    other = swapped.cycles(6, method=AdmissibleTree(box=box))
    assert len(one) >= 2  # not vacuous

    def orbits(result, columns):
        return {frozenset(map(tuple, c.exact_points[:, columns].tolist())) for c in result}

    assert orbits(one, order) == orbits(other, [0, 1, 2])


def test_budget_error_names_the_option():
    with pytest.raises(Exception, match=r"over its budget of 5: .*raise max_nodes="):
        tent_map().cycles(8, method=AdmissibleTree(box=TENT_BOX, max_nodes=5))


def test_empty_word_is_rejected():
    with pytest.raises(ValueError, match="empty"):
        admissible(tent_map(), [])


def test_map_method_equals_function():
    m = lozi_map()
    word = ["1", "0", "1", "1"]
    assert m.admissible(word).admissible == admissible(m, word).admissible


# ---- entropy bounds ---------------------------------------------------------------------------


def test_tent_map_entropy_is_log_two_from_both_sides():
    # h_top of the tent map is log 2 (Misiurewicz–Szlenk: constant slope 2)
    bounds = entropy_bounds(tent_map(), 8, box=TENT_BOX)
    assert bounds.upper == pytest.approx(np.log(2), abs=1e-12)
    assert bounds.lower == pytest.approx(np.log(2), abs=1e-12)
    assert bounds.periodic_points == tuple(2**k for k in range(1, 9))
    assert "proven upper bound" in bounds.upper_how and "Misiurewicz" in bounds.lower_how
    assert bounds.lower_is_bound


def test_periodic_lower_value_is_an_estimate_unless_a_theorem_applies():
    # a box the tent map does not send into itself: no theorem, the periodic estimate
    bounds = entropy_bounds(tent_map(), 6, box=([-0.5], [0.3]))
    assert not bounds.lower_is_bound and "not a proven lower bound" in bounds.lower_how
    lozi = entropy_bounds(lozi_map(), 4)
    assert not lozi.lower_is_bound


def test_lozi_entropy_bounds_within_targets():
    # issue 15 targets for the Lozi map a = 1.7, b = 0.5: upper ≤ 0.52, lower ≥ 0.48
    bounds = entropy_bounds(lozi_map(), 12)
    assert bounds.upper <= 0.52
    assert bounds.lower >= 0.48
    assert bounds.upper <= np.log(bounds.word_counts[-1]) / 12  # log ρ beats (1/n) log N_n


def test_contraction_has_zero_entropy_bound():
    m = PWLMap.from_alrnn([0.5, 0.3], [[0.0, 0.2], [0.1, 0.1]], [0.3, -0.2], P=1)
    bounds = entropy_bounds(m, 6, box=(-np.ones(2), np.ones(2)))
    assert bounds.upper == pytest.approx(0.0, abs=1e-9)


def test_entropy_command(tmp_path, capsys):
    m = tent_map()
    path = tmp_path / "tent.npz"
    np.savez(path, A=m.A, W=m.W, h=m.h, P=m.P)
    assert main(["entropy", str(path), "--max-length", "5", "--box", "-0.5", "0.5", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["upper"] == pytest.approx(np.log(2))


def test_polygon_path_equals_lp_path(monkeypatch):
    # 2-D polyhedra in a box are cut as polygons; the LP path must give the same words
    m = lozi_map()
    box = (np.array([-1.0, -2.0]), np.array([1.0, 2.0]))
    by_polygon = admissible_words(m, 9, box=box)
    tree_by_polygon = m.cycles(9, method=AdmissibleTree(box=box))
    original = _Context.__init__

    def without_polygons(self, m, box):
        original(self, m, box)
        self.polygons = False

    monkeypatch.setattr(_Context, "__init__", without_polygons)
    by_lp = admissible_words(m, 9, box=box)
    assert [w.tolist() for w in by_polygon] == [w.tolist() for w in by_lp]
    tree_by_lp = m.cycles(9, method=AdmissibleTree(box=box))
    assert [c.regions for c in tree_by_polygon] == [c.regions for c in tree_by_lp]


def test_admissible_words_equal_brute_force_in_3d():
    m = random_map(7, M=3, P=2, scale=1.8)
    box = (-np.full(3, 3.0), np.full(3, 3.0))
    for n, words in enumerate(admissible_words(m, 3, box=box), start=1):
        brute = [w for w in itertools.product(range(4), repeat=n) if _plain_lp_feasible(m, w, box)]
        assert {tuple(w) for w in words.tolist()} == set(brute)


def test_polygon_path_on_a_box_touching_a_switching_line():
    # x ∈ [0, 1]: Ω_0 (x ≤ 0) meets the box only in the segment x = 0, so many polyhedra are
    # segments or points; the words must still equal a plain LP's
    m = lozi_map()
    box = (np.array([-1.0, 0.0]), np.array([1.0, 1.0]))
    for n, words in enumerate(admissible_words(m, 5, box=box), start=1):
        brute = [w for w in itertools.product(range(2), repeat=n) if _plain_lp_feasible(m, w, box)]
        assert {tuple(w) for w in words.tolist()} == set(brute)
    assert admissible(m, ["0"], box=box).exact_witness


def test_diverging_map_without_box_asks_for_one():
    m = PWLMap.from_alrnn([1.5], [[0.0]], [1.0], P=1)
    with pytest.raises(ValueError, match="give a box"):
        entropy_bounds(m, 3)
