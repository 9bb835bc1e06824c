"""The examples run and print what they found (the quick ones; training ones are slow)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from systems import reference_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(script: str, *arguments: str, tmp_path: Path, budget: str = "full") -> str:
    command = [sys.executable, str(EXAMPLES / script), *arguments, "--out", str(tmp_path)]
    env = os.environ | {"PWL_EXAMPLES_BUDGET": budget}
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout


def test_exact_ground_truth(tmp_path):
    out = _run("exact_ground_truth.py", "--max-period", "8", tmp_path=tmp_path)
    assert "equal: True" in out and "closed form matches exactly: True" in out
    assert (tmp_path / "lozi_regions.png").is_file()


def test_lorenz_wings_on_the_official_model(tmp_path):
    model = reference_file("lorenz_m20_p2.pt")
    out = _run("lorenz_wings.py", "--model", str(model), "--P", "2", tmp_path=tmp_path)
    assert "in different regions: True" in out
    assert (tmp_path / "lorenz_wings.png").is_file()


def test_lorenz_wings_on_the_small_budget_reads_the_kept_model(tmp_path):
    out = _run("lorenz_wings.py", tmp_path=tmp_path, budget="small")
    assert "reading benchmarks/models/lorenz63_m20_p2.npz instead of training" in out
    assert "in different regions: True" in out
    assert not (tmp_path / "lorenz_run").exists()


def test_an_unknown_budget_is_refused_in_one_sentence(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as failure:
        _run("lorenz_wings.py", tmp_path=tmp_path, budget="tiny")
    assert "PWL_EXAMPLES_BUDGET must be 'small' or 'full', got 'tiny'" in failure.value.stderr


@pytest.mark.slow
def test_rossler_two_symbols(tmp_path):
    model = EXAMPLES.parent / "benchmarks" / "models" / "rossler_m20_p1.npz"
    out = _run("rossler_two_symbols.py", "--model", str(model), tmp_path=tmp_path)
    assert "Ω_0 → Ω_1" in out and "loop word" in out


@pytest.mark.slow
def test_custom_data(tmp_path):
    out = _run("custom_data.py", "--epochs", "1", tmp_path=tmp_path / "report")
    assert (tmp_path / "report" / "report.md").is_file() and "report written" in out


@pytest.mark.slow
def test_minimal_p_sweep(tmp_path):
    out = _run(
        "minimal_p_sweep.py", "--epochs", "1", "--seeds", "1", "--max-P", "1", tmp_path=tmp_path
    )
    assert "minimal P" in out
    assert (tmp_path / "results.csv").is_file() and (tmp_path / "summary.png").is_file()
