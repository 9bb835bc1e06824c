"""report.md reads as a mathematician's summary: roles, long cycles, honest entropies."""

import json
import re

import numpy as np
import pytest

from pwl_analysis import load_model
from pwl_analysis.app.analysis import analyze
from pwl_analysis.app.report import write_report

from systems import lozi_map, reference_file


def _training(folder, system="lorenz63"):
    config = {"system": system, "data_path": None, "M": 20, "P": 2, "dt": None}
    return {
        "run_dir": str(folder / "run"),
        "config": config,
        "steps": 1,
        "epochs": 1,
        "wall_time_s": 1.0,
        "final_loss": 0.1,
        "metrics": {},
    }


def _section(text: str, heading: str) -> str:
    return text.split(f"## {heading}\n")[1].split("\n## ")[0]


@pytest.fixture(scope="module")
def lorenz_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    m = load_model(reference_file("lorenz_m20_p2.pt"), P=2)
    analysis = analyze(m, folder / "analysis", name="lorenz_m20_p2", steps=5000)
    return analysis, write_report(folder, _training(folder), analysis, "analysis").read_text()


def test_regions_get_their_roles(lorenz_report):
    analysis, text = lorenz_report
    roles = {r.label: r.role for r in analysis.roles}
    # the wing fixed points C− (x < 0) and C+ lie in regions 10 and 01 (coarse.lorenz_coding)
    assert roles["10"].startswith("wing L") and "holds" in roles["10"]
    assert roles["01"].startswith("wing R") and "holds" in roles["01"]
    assert roles["11"].startswith("centre")
    assert roles["00"] == "not visited by the free run"
    table = _section(text, "Regions and their roles")
    assert "| 11 | z_19 > 0, z_20 > 0 | real | saddle-focus (index 1) |" in table


def test_long_cycles_are_listed_with_coarse_words(lorenz_report):
    analysis, text = lorenz_report
    assert analysis.only_fixed_points and analysis.long_cycles is not None  # run by default
    table = _section(text, "Long cycles")
    words = re.findall(r"^\| ([LR]+) \| (\d+) \| (saddle|saddle-focus|flip saddle)", table, re.M)
    assert len(words) >= 2
    assert all("L" in w and "R" in w for w, _, _ in words)  # L and R alone are not orbits
    assert all(int(period) > analysis.cycles.max_period for _, period, _ in words)


def test_no_number_that_says_nothing(lorenz_report):
    _, text = lorenz_report
    # only fixed points up to K: (1/K) log N_K = log(4)/6 would count them alone
    assert "0.2310" not in text
    assert "no estimate" in _section(text, "Symbolic dynamics and entropy")
    assert "upper bound" in _section(text, "Symbolic dynamics and entropy")


def test_lyapunov_per_step_and_per_time_unit(lorenz_report):
    analysis, text = lorenz_report
    lyapunov = _section(text, "Lyapunov spectrum")
    assert "Δt = 0.01" in lyapunov  # the default time step of the lorenz63 data
    first = analysis.lyapunov.exponents[0]
    assert f"| 1 | {first:.4f} | {first / 0.01:.4f} |" in lyapunov


def test_a_map_with_short_cycles_keeps_its_periodic_estimate(tmp_path):
    analysis = analyze(lozi_map(), tmp_path / "analysis", name="lozi", steps=2000, max_period=6)
    text = write_report(tmp_path, _training(tmp_path, None), analysis, "analysis").read_text()
    assert analysis.long_cycles is None and "Not searched" in text
    assert f"(1/K) log N_K = {analysis.exact.periodic_entropy:.4f}" in text
    assert "flip saddle (index 1)" in _section(text, "Fixed points and cycles")
    assert "Δt unknown" in text
    # the admissible-word bounds: upper proven, lower an estimate, each said to be so
    entropy = _section(text, "Symbolic dynamics and entropy")
    bounds = analysis.entropy
    assert f"h_top ≤ {bounds.upper:.4f}" in entropy and "a proven upper bound" in entropy
    assert f"lower value {bounds.lower:.4f} (estimate" in entropy
    assert "not a proven lower bound" in entropy


def test_analysis_json_records_roles_long_cycles_and_stability(lorenz_report):
    analysis, _ = lorenz_report
    record = json.loads((analysis.folder / "analysis.json").read_text())
    assert [r["label"] for r in record["roles"]] == ["00", "01", "10", "11"]
    assert record["coding"] == "lorenz" and len(record["coarse_words"]) == len(
        record["long_cycles"]["cycles"]
    )
    assert record["entropy_bounds"] == analysis.entropy.to_dict()
    assert record["entropy_bounds"]["upper"] <= np.log(4) + 1e-12  # 4 regions
    fixed = record["cycles"]["cycles"][0]["stability"]
    assert set(fixed) == {"kind", "index", "moduli"} and fixed["kind"] == "saddle-focus"
