"""Trajectory-seeded search: against exhaustive search, exact self-maps and exact solves."""

import json

import numpy as np
import pytest
import sympy
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from pwl_analysis import CertifiedCycle, Cycle, TrajectorySeeded, load_model, lorenz_coding
from pwl_analysis.app.cli import main
from pwl_analysis.cycle_equation import exact_cycle
from pwl_analysis.methods.seeded import certify_cycle, near_return_words
from pwl_analysis.words import least_rotation, lyndon_words

from systems import lozi_map, reference_file

SEARCH = TrajectorySeeded(n_steps=5_000)


def _periodic_cycles(result, min_period=2):
    return sorted(c.regions for c in result if c.period >= min_period)


def test_finds_every_attractor_cycle_the_exhaustive_search_finds():
    # Every Lozi cycle of period 2…8 lies on the attractor, so a free run shadows it.
    m = lozi_map()
    exhaustive = m.cycles(8)
    seeded = m.cycles(8, method=SEARCH)
    assert len(exhaustive.of_period(8)) > 0
    assert _periodic_cycles(seeded) == _periodic_cycles(exhaustive)
    assert not seeded.complete and seeded.words_tried >= len(seeded)
    assert "not a completeness guarantee" in repr(seeded)


def _maps_to_itself_exactly(m, cycle: Cycle) -> bool:
    point = DomainMatrix.from_Matrix(cycle.exact_points.row(0).T).convert_to(QQ)
    image = point
    for j in range(cycle.period):
        if image.to_Matrix().T != cycle.exact_points.row(j):
            return False
        image = m.exact_step(image)
    return image.to_Matrix() == point.to_Matrix()


def test_every_accepted_orbit_is_exactly_self_consistent():
    m = lozi_map()
    result = m.cycles(8, method=SEARCH)
    for cycle in result:
        assert _maps_to_itself_exactly(m, cycle)
        assert (m.region_of(cycle.points) == [m.region_index(r) for r in cycle.regions]).all()


def test_ball_arithmetic_decides_like_the_exact_solve():
    # Every Lyndon word of the Lozi map up to length 10: the ball certificate never
    # contradicts the exact Rational decision, and its points enclose the exact ones.
    m = lozi_map()
    decided = 0
    for k in range(2, 11):
        for word in lyndon_words(m.n_regions, k):
            exact, certified = exact_cycle(m, word), certify_cycle(m, word)
            if certified is None:
                continue
            decided += 1
            if isinstance(exact, Cycle):
                assert isinstance(certified, CertifiedCycle)
                assert certified.regions == exact.regions
                exact_floats = np.array(exact.exact_points.evalf(30).tolist(), dtype=float)
                # ball radius bounds |mid − exact|; one more float64 rounding on top
                tolerance = certified.radius + 1e-15 * (1 + np.abs(exact_floats))
                assert (np.abs(certified.points - exact_floats) <= tolerance).all()
                np.testing.assert_allclose(certified.multipliers, exact.multipliers, atol=1e-9)
            else:
                assert certified is False
    # Lozi orbits keep away from the switching line: the balls should decide nearly all
    assert decided >= 0.95 * sum(len(lyndon_words(2, k)) for k in range(2, 11))


def test_certified_long_cycles_are_the_exact_cycles():
    m = lozi_map()
    certified = m.cycles(16, method=TrajectorySeeded(n_steps=5_000, exact_max_period=8))
    long = [c for c in certified if c.period > 8]
    assert long and all(isinstance(c, CertifiedCycle) for c in long)
    for cycle in long[:5]:
        exact = exact_cycle(m, [m.region_index(r) for r in cycle.regions])
        assert isinstance(exact, Cycle) and exact.regions == cycle.regions
        assert cycle.to_dict()["exact_points"] is None
        assert [label for label, n in cycle.runs for _ in range(n)] == list(cycle.regions)
        assert "certified" in sympy.latex(cycle)


def test_seeds_are_distinct_up_to_rotation():
    m = lozi_map()
    run = m.trajectory([0.1, 0.1], 3_000)[500:]
    seeds = near_return_words(m, run, 12, SEARCH)
    keys = [least_rotation(s) for s in seeds]
    assert len(seeds) > 10 and len(set(keys)) == len(keys)
    assert all(2 <= len(s) <= 12 for s in seeds)


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="radius"):
        TrajectorySeeded(radius=0.0)
    with pytest.raises(ValueError, match="n_steps"):
        TrajectorySeeded(n_steps=0)


def test_cli_seeded_search(tmp_path, capsys):
    m = lozi_map()
    path = tmp_path / "lozi.npz"
    np.savez(path, A=m.A, W=m.W, h=m.h, P=m.P)
    assert main(["cycles", str(path), "--seeded", "--max-period", "6"]) == 0
    out = capsys.readouterr().out
    assert "NOT a completeness guarantee" in out and "trajectory-seeded" in out


def test_official_lorenz_model_has_long_coarse_cycles():
    # Lorenz-63 has an orbit for every binary word but L and R (Viswanath 2003); the
    # trained map realises LRR with a period of ~211 steps.
    m = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    result = m.cycles(260, method=TrajectorySeeded(max_seeds=120))
    coding = lorenz_coding(m)
    names = {coding.name(c) for c in result}
    assert "LRR" in names
    for cycle in result:
        assert (m.region_of(cycle.points) == [m.region_index(r) for r in cycle.regions]).all()


def test_cli_names_long_cycles_by_their_coarse_words(capsys):
    path = str(reference_file("lorenz_m20_p2.pt"))
    options = ["--seeded", "--max-seeds", "120", "--max-period", "260", "--coding", "lorenz"]
    assert main(["cycles", path, "--P", "2", *options, "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    m = load_model(path, P=2)
    coding = lorenz_coding(m)
    assert "LRR" in {record["coarse_word"] for record in records}
    for record in records:
        assert record["coarse_word"] == coding.word(np.array(record["points"]))


def test_cli_seeded_options_need_seeded(tmp_path, capsys):
    m = lozi_map()
    path = tmp_path / "lozi.npz"
    np.savez(path, A=m.A, W=m.W, h=m.h, P=m.P)
    assert main(["cycles", str(path), "--radius", "0.1"]) != 0
    assert "--radius (of --method seeded) is not an option of" in capsys.readouterr().err
