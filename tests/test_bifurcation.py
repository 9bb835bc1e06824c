"""Bifurcations along a path between two maps, against closed forms of the skew tent and Lozi maps.

References for the closed forms used here:
- the skew tent map x ↦ a_l x + μ (x ≤ 0), a_r x + μ (x > 0): its fixed point μ/(1 − a_r) in
  x > 0 has the multiplier a_r (flip at a_r = −1, through infinity at a_r = 1), its 2-cycle the
  multiplier a_l a_r; the bifurcation curves a_r = ±1, a_l a_r = ±1 of Eisenmann, Monfared,
  Göring & Durstewitz, NeurIPS 2023, arXiv:2310.17561, supplementary figure S6; Nusse & Yorke,
  Physica D 57 (1992) for the skew tent map's border collisions;
- Feigin's rule for the border collision of the fixed points of a 1-D piecewise-linear map at
  μ = 0: persistence when (1 − a_l)(1 − a_r) > 0, nonsmooth fold when < 0 (di Bernardo, Feigin,
  Hogan & Homer, Chaos Solitons Fractals 10, 1999; Simpson, SIAM Review 58, 2016);
- the Lozi map x' = 1 − a|x| + y, y' = b x: its fixed point with x ≤ 0 is x = 1/(1 − a − b).
"""

import json
from fractions import Fraction

import flint
import numpy as np
import pytest
from sympy import QQ

from pwl_analysis import PWLMap
from pwl_analysis.bifurcation import EventKind, bifurcations
from pwl_analysis.errors import BudgetError, UserInputError
from pwl_analysis.real_roots import WIDTH


def skew_tent(a_l, a_r, mu) -> PWLMap:
    """x ↦ a_l x + (a_r − a_l) max(0, x) + μ, exact rational weights."""
    a_l, a_r, mu = (Fraction(x) for x in (a_l, a_r, mu))
    return PWLMap.from_rationals([a_l], [[a_r - a_l]], [mu], P=1)


def lozi(a, b) -> PWLMap:
    """Lozi map on z = (y, x), ReLU on x (as tests/systems.py), exact rational weights."""
    a, b = Fraction(a), Fraction(b)
    return PWLMap.from_rationals([[0, b], [1, a]], [[0, 0], [0, -2 * a]], [0, 1], P=1)


def only(events, word):
    return [e for e in events if e.word == word]


def test_fixed_point_flips_at_a_r_minus_one_and_leaves_through_infinity_at_plus_one():
    # a_r(s) = −2 + 4 s: a_r = −1 at s = 1/4, a_r = 1 at s = 3/4; a_l = 1/2, μ = 1
    found = bifurcations(skew_tent("1/2", -2, 1), skew_tent("1/2", 2, 1), max_period=1)
    events = only(found.events, ("1",))
    assert [e.kind for e in events] == [EventKind.FLIP, EventKind.THROUGH_INFINITY]
    flip, infinity = events
    assert flip.s.lower == flip.s.upper == Fraction(1, 4)
    assert infinity.s.lower == infinity.s.upper == Fraction(3, 4)
    # the multiplier a_r: below −1 before the flip (unstable), above after (stable)
    assert flip.before.multipliers[0].real < -1 < flip.after.multipliers[0].real
    # x* = μ/(1 − a_r) > 0 exists below a_r = 1 only, and is gone above
    assert infinity.before is not None and infinity.after is None
    assert found.events == tuple(sorted(found.events, key=lambda e: e.s.lower))


def test_two_cycle_flips_on_the_curve_a_l_a_r_minus_one_located_to_1e_30():
    # a_l = 1/2 + s, a_r = −1 − 2 s: a_l a_r = −(1 + 2s)²/2 = −1 at s* = (√2 − 1)/2, where the
    # 2-cycle's x_L = μ (1 + a_r)/(1 − a_l a_r) = (1 − √2)/2 < 0 is admissible
    found = bifurcations(skew_tent("1/2", -1, 1), skew_tent("3/2", -3, 1), max_period=2)
    flips = [e for e in only(found.events, ("0", "1")) if e.kind is EventKind.FLIP]
    assert len(flips) == 1
    s = flips[0].s
    assert 0 < s.width <= WIDTH
    assert (2 * s.lower + 1) ** 2 < 2 < (2 * s.upper + 1) ** 2


def test_the_two_cycle_branches_off_the_fixed_point_where_it_flips():
    # a_l = 1/2, μ = 1, a_r = −2 + 4 s: the 2-cycle's x_L = μ (1 + a_r)/(1 − a_l a_r) ≤ 0 for
    # a_r ≤ −1, so it meets x = 0 at a_r = −1 (s = 1/4), where it merges into the fixed point
    # x* = μ/(1 − a_r) = 1/2 in x > 0 that flips there: a period-doubling border collision
    # (the 2-cycle's own flip, a_l a_r = −1, is at a_r = −2: s = 0, the path's start)
    found = bifurcations(skew_tent("1/2", -2, 1), skew_tent("1/2", 2, 1), max_period=2)
    at_quarter = [(e.word, e.kind) for e in found.events if e.s.lower == Fraction(1, 4)]
    assert sorted(at_quarter) == [
        (("0", "1"), EventKind.PERIOD_CHANGE),
        (("1",), EventKind.FLIP),
    ]
    (branch,) = found.of_kind(EventKind.PERIOD_CHANGE)
    assert branch.s.upper == Fraction(1, 4) and branch.before is not None and branch.after is None
    assert branch.before.exact_points[0, 0] < 0 < branch.before.exact_points[1, 0]


def test_a_word_singular_along_the_whole_path_is_reported_not_followed():
    # a_r = 1 at both ends: x ↦ x + μ for x > 0, det(1 − Π) ≡ 0 for the word "1"
    found = bifurcations(skew_tent("1/2", 1, 1), skew_tent("-1/2", 1, 2), max_period=1)
    assert found.singular_words == (("1",),)
    assert only(found.events, ("1",)) == []


@pytest.mark.parametrize(
    ("a_l", "a_r"), [("1/2", "-1/2"), ("1/2", "-3"), ("1/2", 2), (-2, 3), (3, "1/3"), (2, 5)]
)
def test_border_collision_of_the_fixed_points_follows_feigins_rule(a_l, a_r):
    # μ(s) = −1 + 2 s crosses 0 at s = 1/2, where both fixed points μ/(1 − a) meet x = 0
    found = bifurcations(skew_tent(a_l, a_r, -1), skew_tent(a_l, a_r, 1), max_period=1)
    persistence = (1 - Fraction(a_l)) * (1 - Fraction(a_r)) > 0
    expected = EventKind.PERSISTENCE if persistence else EventKind.NONSMOOTH_FOLD
    assert [(e.word, e.kind) for e in found.events] == [(("0",), expected), (("1",), expected)]
    for e in found.events:
        assert e.s.lower == e.s.upper == Fraction(1, 2)
        assert (e.point, e.unit) == (0, 0)
        assert (e.before is None) != (e.after is None)  # born or destroyed at the border
    left, right = found.events
    assert ((left.before is None) == (right.before is None)) == (not persistence)


def test_lozi_left_fixed_point_goes_through_infinity_at_a_plus_b_one():
    # a = 17/10 − 3s/2, b = 1/2: a + b = 1 at s = 4/5; x = 1/(1 − a − b) → −∞ as s ↑ 4/5
    found = bifurcations(lozi("17/10", "1/2"), lozi("1/5", "1/2"), max_period=1)
    left = only(found.events, ("0",))
    assert [e.kind for e in left] == [EventKind.THROUGH_INFINITY]
    assert left[0].s.lower == left[0].s.upper == Fraction(4, 5)
    assert left[0].before is not None and left[0].after is None
    assert not [e for e in found.events if e.kind.value.startswith("border collision")]


@pytest.mark.parametrize(
    ("M", "P", "K", "seed"), [(2, 1, 3, 1), (2, 1, 3, 2), (3, 2, 2, 2), (3, 1, 2, 7)]
)
def test_events_explain_every_change_seen_on_a_grid(M, P, K, seed):
    # second, independent way: the exhaustive search of each map m(s) at rational s on a
    # grid.  A word whose cycle appears or disappears between two grid points has an event in
    # between; so does a cycle present at both whose det(I + Π) = ∏(1 + μ) changes sign (a
    # flip), or, for M = 2, whose complex pair has det Π − 1 of both signs (Neimark–Sacker).
    # Signs of products of float multipliers: the grid points are far from any event here.
    rng = np.random.default_rng(seed)
    ends = [
        PWLMap.from_alrnn(
            rng.uniform(-1.5, 1.5, M), rng.normal(0, 1, (M, M)), rng.normal(0, 1, M), P
        )
        for _ in range(2)
    ]
    found = bifurcations(*ends, max_period=K)
    grid = [Fraction(i, 32) for i in range(33)]
    cycles = [{c.regions: c for c in _map_at(ends, s).cycles(K).cycles} for s in grid]
    changes = 0
    for (s0, c0), (s1, c1) in zip(zip(grid, cycles), zip(grid[1:], cycles[1:])):
        for word in set(c0) ^ set(c1):
            changes += 1
            assert _between(found, word, set(EventKind), s0, s1)
        for word in set(c0) & set(c1):
            if _flip_sign(c0[word]) != _flip_sign(c1[word]):
                changes += 1
                assert _between(found, word, {EventKind.FLIP}, s0, s1)
            pair = (_focus_sign(c0[word]), _focus_sign(c1[word]))
            if M == 2 and None not in pair and pair[0] != pair[1]:
                changes += 1
                assert _between(found, word, {EventKind.NEIMARK_SACKER}, s0, s1)
    assert changes > 0


def _between(found, word, kinds, s0, s1) -> bool:
    return any(
        e.word == word and e.kind in kinds and s0 <= e.s.upper and e.s.lower <= s1
        for e in found.events
    )


def _flip_sign(cycle) -> float:
    return np.sign(np.prod(1 + cycle.multipliers).real)


def _focus_sign(cycle):
    complex_pair = np.abs(cycle.multipliers.imag).max() > 0
    return np.sign(np.prod(cycle.multipliers).real - 1) if complex_pair else None


def _map_at(ends, s):
    (A0, W0, h0), (A1, W1, h1) = (m.exact_weights for m in ends)

    def mix(x0, x1):
        return [
            [Fraction(str(a)) * (1 - s) + Fraction(str(b)) * s for a, b in zip(r0, r1)]
            for r0, r1 in zip(x0.to_list(), x1.to_list())
        ]

    return PWLMap.from_rationals(mix(A0, A1), mix(W0, W1), [r[0] for r in mix(h0, h1)], P=ends[0].P)


def test_refuses_maps_of_different_shapes_and_too_many_words():
    with pytest.raises(UserInputError, match="same M and P"):
        bifurcations(skew_tent(1, 2, 1), lozi(1, 1), max_period=1)
    with pytest.raises(UserInputError, match="max_period"):
        bifurcations(skew_tent(1, 2, 1), skew_tent(1, 3, 1), max_period=0)
    with pytest.raises(BudgetError, match="lower max_period= to 3"):
        bifurcations(skew_tent(1, 2, 1), skew_tent(1, 3, 1), max_period=4, max_words=6)


def test_to_dict_and_repr():
    found = bifurcations(skew_tent("1/2", -2, 1), skew_tent("1/2", 2, 1), max_period=1)
    record = found.to_dict()
    assert record["events"][0]["kind"] == "flip"
    assert record["events"][0]["s"]["lower"] == "1/4"
    assert "flip of the 1-cycle 1 at s ≈ 0.25" in repr(found)


def test_a_line_of_fixed_points_is_degenerate_not_through_infinity():
    # z ↦ (a₁ z₁, z₂/2 + W z₂⁺ − 1) with a₁ = 2 s: the fixed points (0, −2) and (0, 2) stay
    # finite as a₁ passes 1 (s = 1/2), where each becomes a line {(t, ∓2)} of fixed points
    ends = [
        PWLMap.from_rationals([[a, 0], [0, "1/2"]], [[0, 0], [0, 1]], [0, -1], P=1) for a in (0, 2)
    ]
    found = bifurcations(*ends, max_period=1)
    assert [(e.word, e.kind) for e in found.events] == [
        (("0",), EventKind.DEGENERATE),
        (("1",), EventKind.DEGENERATE),
    ]
    for e in found.events:
        assert e.s.lower == e.s.upper == Fraction(1, 2)
        assert e.before is not None and e.after is not None


def test_word_polynomials_agree_with_the_cycle_equation_solved_at_rational_s():
    # the reduced Pk-dimensional system against the full cycle equation of
    # pwl_analysis.cycle_equation, at rational s off the interpolation points
    from pwl_analysis import _exact
    from pwl_analysis.cycle_equation import _exact_cycle_equation
    from pwl_analysis.cycle_polynomials import AffinePath, word_polynomials

    rng = np.random.default_rng(11)
    ends = [
        PWLMap.from_alrnn(
            rng.uniform(-0.9, 0.9, 3), rng.normal(0, 0.6, (3, 3)), rng.normal(0, 1, 3), 2
        )
        for _ in range(2)
    ]
    path = AffinePath(*ends)
    for word in [(0,), (3,), (0, 1), (1, 2), (0, 2, 3), (1, 3, 3)]:
        polys = word_polynomials(path, word)
        for s in (Fraction(1, 3), Fraction(5, 7), Fraction(-2, 9)):
            m = path.map_at(s)
            product, offset = _exact_cycle_equation(m, word)
            identity = _exact.identity(3)
            D = (identity - product).det()
            assert _at(polys.D, s) == D
            assert _at(polys.E, s) == (identity + product).det()
            z = (identity - product).lu_solve(offset)
            for j, d in enumerate(word):
                entries = _exact.column_entries(z)
                assert [_at(polys.N[j][i], s) for i in range(2)] == [D * x for x in entries[1:]]
                z = m.exact_region_jacobian(d) * z + m.exact_region_offset(d)


def _at(poly, s):
    value = poly(flint.fmpq(s.numerator, s.denominator))
    return QQ(int(value.p), int(value.q))


def test_command_line(tmp_path, capsys):
    from pwl_analysis.app import cli

    for name, w in (("m0", -2.5), ("m1", 1.5)):  # the skew tent path of the first test
        np.savez(tmp_path / f"{name}.npz", A=[0.5], W=[[w]], h=[1.0], P=1)
    ends = [str(tmp_path / "m0.npz"), str(tmp_path / "m1.npz")]
    assert cli.main(["bifurcations", *ends, "--max-period", "1", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [(e["kind"], e["s"]["lower"]) for e in record["events"]] == [
        ("flip", "1/4"),
        ("through infinity", "3/4"),
    ]
    assert cli.main(["bifurcations", *ends, "--max-period", "9", "--max-words", "50"]) == 2
    assert "lower --max-period to 7" in capsys.readouterr().err


def test_a_focus_of_a_2d_map_has_a_neimark_sacker_point_where_rho_is_one():
    # J_0 = ρ R, R the rotation by θ with cos θ = 3/5, sin θ = 4/5, ρ = 1/2 + s: the
    # multipliers ρ e^{±iθ} cross the unit circle at ρ = 1, s = 1/2 (Kuznetsov, Elements of
    # Applied Bifurcation Theory, §4.7); the fixed point (I − J_0)^{-1} (0, −1) has
    # z₂ = −(1 − 3ρ/5)/(1 − 6ρ/5 + ρ²) < 0, so it stays in the region with the unit off
    def focus(rho):
        rho = Fraction(rho)
        A = [
            [rho * Fraction(3, 5), -rho * Fraction(4, 5)],
            [rho * Fraction(4, 5), rho * Fraction(3, 5)],
        ]
        return PWLMap.from_rationals(A, [[0, 1], [0, 1]], [0, -1], P=1)

    found = bifurcations(focus("1/2"), focus("3/2"), max_period=1)
    (event,) = only(found.events, ("0",))
    assert event.kind is EventKind.NEIMARK_SACKER
    assert event.s.lower == event.s.upper == Fraction(1, 2)
    assert event.before.stability.kind.value.startswith("attracting")
    assert event.after.stability.kind.value.startswith("repelling")
