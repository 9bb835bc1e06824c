"""The pwl-analysis command line."""

import json
import time

import numpy as np
import pytest

from pwl_analysis.app.cli import main

from cli_checks import one_sentence
from systems import reference_file


def test_cycles_table(capsys):
    assert main(["cycles", str(reference_file("lorenz_m20_p2.pt")), "--P", "2"]) == 0
    out = capsys.readouterr().out
    assert "4 orbit(s) of period ≤ 1" in out and "complete." in out


def test_cycles_json(tmp_path, capsys):
    np.savez(tmp_path / "tent.npz", A=[2.0], W=[[-4.0]], h=[0.5], P=1)
    assert main(["cycles", str(tmp_path / "tent.npz"), "--max-period", "3", "--json"]) == 0
    orbits = json.loads(capsys.readouterr().out)
    assert [o["period"] for o in orbits] == [1, 1, 2, 3, 3]
    fixed = {o["exact_points"][0][0] for o in orbits if o["period"] == 1}
    assert fixed == {"-1/2", "1/6"}
    assert all(set(o) >= {"regions", "points", "multipliers", "stable"} for o in orbits)
    assert orbits[0]["multipliers"] == [[2.0, 0.0]]


def test_bad_input_gives_one_sentence_and_nonzero_exit(capsys):
    assert main(["cycles", "missing.pt", "--P", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pwl-analysis cycles: error: no model at") and err.count("\n") == 1


# ---- anticipated failures are one sentence, bugs are not (issue 11) ------------------------


@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        (["--scyfi", "--max-period", "1000000"], "--max-period"),
        (["--scyfi", "--max-period", "100"], "--n-starts"),  # 5.05e7 letters > 5e7
        (["--max-period", str(10**23)], "--max-period"),
        (["--seeded", "--steps", str(10**12)], "lower --n-steps to"),  # --steps: its alias
        (["--method", "seeded", "--max-period", "60000"], "--n-steps"),  # no return that long
        (["--method", "admissible-tree", "--max-period", "1001"], "--max-period"),
    ],
)
def test_cycle_searches_over_budget_stop_at_once_naming_the_option(tent, capsys, arguments, option):
    started = time.perf_counter()
    assert main(["cycles", tent, *arguments]) == 2
    assert option in one_sentence(capsys, "cycles")
    assert time.perf_counter() - started < 5  # refused before any search


@pytest.mark.parametrize("command", ["graph", "analyze"])
def test_a_free_run_too_long_for_memory_is_one_sentence(tent, tmp_path, capsys, command):
    extra = ["--out", str(tmp_path / "a")] if command == "analyze" else []
    assert main([command, tent, "--steps", str(10**12), *extra]) == 2
    assert f"lower --steps to {10**8}" in one_sentence(capsys, command)


def test_latex_into_a_folder_is_one_sentence(tent, tmp_path, capsys):
    assert main(["latex", tent, "-o", str(tmp_path)]) == 2
    assert "is a folder" in one_sentence(capsys, "latex")
    assert main(["latex", tent, "-o", str(tmp_path / "missing" / "m.tex")]) == 2
    assert "no folder" in one_sentence(capsys, "latex")


def test_a_bug_keeps_its_traceback(tent, monkeypatch):
    import pwl_analysis.app.cli

    def broken(*args, **kwargs):
        raise ValueError("an internal error, not the user's")

    monkeypatch.setattr(pwl_analysis.app.cli, "load_model", broken)
    with pytest.raises(ValueError, match="internal error"):
        main(["cycles", tent])


def test_a_second_analyze_into_the_same_folder_fails_at_once(tent, tmp_path, capsys):
    from pwl_analysis.app._folders import output_lock

    with output_lock(tmp_path / "a"):
        assert main(["analyze", tent, "--out", str(tmp_path / "a")]) == 2
    assert "another pwl-analysis process is writing" in one_sentence(capsys, "analyze")
    assert not (tmp_path / "a").exists()


def test_ctrl_c_in_any_command_exits_130_without_traceback(tent, monkeypatch, capsys):
    import pwl_analysis.app.cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pwl_analysis.app.cli, "load_model", interrupted)
    assert main(["cycles", tent]) == 130
    assert capsys.readouterr().err == "\npwl-analysis cycles: interrupted\n"


def test_cycles_of_a_shallow_plrnn_file(tmp_path, capsys):
    # SCYFI's shPLRNN example (DurstewitzLab/SCYFI test/shPLRNN_tests.jl): two 2-cycles and a
    # 4-cycle, found completely; the file's names W1, W2, h1, h2 say what it is
    from systems import SCYFI_CYCLES

    np.savez(tmp_path / "sh.npz", **SCYFI_CYCLES)
    command = ["cycles", str(tmp_path / "sh.npz"), "--model-type", "shplrnn", "--max-period", "4"]
    assert main(command) == 0
    out = capsys.readouterr().out
    assert out.startswith("PWLMap(shPLRNN, M=2, H=10)")
    assert "3 orbit(s) of period ≤ 4" in out and "complete." in out
    assert main([*command[:2], "--model-type", "plrnn"]) == 2
    assert "lacks W, h" in capsys.readouterr().err
