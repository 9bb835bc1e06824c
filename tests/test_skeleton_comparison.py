"""A model's skeleton beside the system's: periods, spurious words, coverage, linking numbers."""

import json

import numpy as np
import pytest

from pwl_analysis import (
    Reference,
    ReferenceOrbit,
    close_return_reference,
    compare_skeletons,
    load_model,
    lorenz_coding,
    skeleton,
)
from pwl_analysis.app.cli import main
from pwl_analysis.errors import UserInputError
from training.truth import flow_reference

from systems import LOZI_CODING, lozi_map, reference_file


@pytest.fixture(scope="module")
def lozi():
    """The Lozi map's skeleton under the a/b coding: a (its 2-cycle) and ab have cycles."""
    return skeleton(lozi_map(), LOZI_CODING, max_word_length=2, max_loops=1, n_steps=4000)


def test_spurious_words_come_first_and_periods_are_compared_per_loop(lozi):
    assert lozi["a"].found and lozi["ab"].found  # the map's own cycles (see test_skeleton)
    k_ab = lozi["ab"].cycles[0].period
    reference = Reference(
        "a made-up system",
        (ReferenceOrbit("ab", period=1.1 * k_ab * 0.5), ReferenceOrbit("b", period=3.0)),
        absent=frozenset({"a"}),
    )
    result = compare_skeletons(lozi, reference, time_step=0.5)
    assert result.words[0].word == "a" and result.spurious == ("a",)
    # k Δt / r against T = 1.1 k Δt: relative error |1 − 1.1| / 1.1
    assert result["ab"].period_error == pytest.approx(0.1 / 1.1)
    assert result["b"].missing == (not lozi["b"].found)
    assert result.coverage() == (1 + lozi["b"].found, 2)
    assert "SPURIOUS" in str(result).splitlines()[2]
    json.dumps(result.to_dict())


def test_an_unknown_time_step_is_the_median_ratio_and_says_so(lozi):
    periods = [found.period for found in lozi["ab"].cycles]  # 6, 8 and 11 steps
    assert len(periods) % 2 == 1
    reference = Reference("x", (ReferenceOrbit("ab", period=1.5),), frozenset())
    result = compare_skeletons(lozi, reference)
    assert result.time_step == pytest.approx(np.median([1.5 / k for k in periods]))
    assert result.time_step_source.startswith("estimated")
    assert result["ab"].period_error == pytest.approx(0.0, abs=1e-12)  # the median cycle's


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_a_time_step_that_is_not_positive_is_refused(lozi, bad):
    with pytest.raises(UserInputError, match="time_step"):
        compare_skeletons(lozi, Reference("x", (), frozenset()), time_step=bad)


def test_close_returns_missing_from_a_recording_are_not_seen_not_absent():
    class Return:  # the fields of pwl_analysis.close_return.CloseReturn used here
        def __init__(self, word, period, count):
            self.word, self.period, self.count = word, period, count

    reference = close_return_reference(
        [Return("LR", 1.5, 2), Return("LR", 1.6, 5)], "data", searched=["L", "R", "LR"]
    )
    assert reference["LR"].period == 1.6  # the period seen most often
    assert reference.absent == {"L", "R"}


@pytest.fixture(scope="module")
def lorenz_flow():
    return flow_reference("lorenz63", max_word_length=3)


def test_the_flow_orbits_link_as_the_lorenz_template_says(lorenz_flow):
    # Birman & Williams (1983): Lorenz links are positive braids, so two distinct orbits link
    # a positive number of times; the flow's symmetry (x, y, z) ↦ (−x, −y, z) is a rotation
    # (orientation-preserving) exchanging L and R, so lk(LR, LLR) = lk(LR, LRR).
    from pwl_analysis import linking_matrix

    curves = {orbit.word: orbit.curve for orbit in lorenz_flow.orbits}
    matrix = linking_matrix(curves)
    assert matrix.number("LR", "LLR") == matrix.number("LR", "LRR") >= 1
    assert matrix.number("LLR", "LRR") >= 1
    assert lorenz_flow.absent == {"L", "R"}


@pytest.fixture(scope="module")
def official_against_flow():
    m = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    coding = lorenz_coding(m)
    found = skeleton(m, coding, max_word_length=4)
    reference = flow_reference("lorenz63", max_word_length=4)
    # Δt = 0.01: the sampling of the published Lorenz-63 data the model was trained on
    # (training/data.py; the data's own close returns give LR at 1.56 = 156 samples).
    return compare_skeletons(found, reference, time_step=0.01, observation=coding.observation)


@pytest.mark.slow
def test_the_official_model_has_no_one_wing_orbit_and_the_flows_periods(official_against_flow):
    result = official_against_flow
    assert result.spurious == ()  # no cycle named L or R: the flow has none (Viswanath 2003)
    found = [row for row in result.words if row.period_error is not None]
    assert len(found) >= 3
    # Measured 1.9–8.5 %: the map's loops take about as long as the flow's orbits.
    assert all(row.period_error < 0.1 for row in found)
    assert result.linking is not None


@pytest.mark.slow
def test_cli_skeleton_against_the_recording(tmp_path, capsys):
    model = reference_file("lorenz_m20_p2.pt")
    data = reference_file("lorenz63.npy")
    arguments = ["skeleton", str(model), "--P", "2", "--coding", "lorenz"]
    arguments += ["--max-word-length", "3", "--against", str(data), "--time-step", "0.01"]
    assert main([*arguments, "--json"]) == 0
    against = json.loads(capsys.readouterr().out)["against"]
    periods = {row["word"]: row["reference_period"] for row in against["words"]}
    # The recording's close returns: LR near the flow's 1.5586522 (Viswanath 2003).
    assert periods["LR"] == pytest.approx(1.5586522, rel=0.02)


def test_cli_refuses_a_recording_without_its_time_step_before_searching(tmp_path, capsys):
    m = lozi_map()
    np.savez(tmp_path / "lozi.npz", A=m.A, W=m.W, h=m.h, P=1)
    np.save(tmp_path / "series.npy", np.zeros((100, 2)))
    arguments = ["skeleton", str(tmp_path / "lozi.npz"), "--coding", "rossler"]
    assert main([*arguments, "--against", str(tmp_path / "series.npy")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sampling interval" in err
