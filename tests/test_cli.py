"""The pwl-analysis command line."""

import json

import numpy as np

from pwl_analysis.cli import main

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
