"""The README's promises: its Python example runs, CI runs exactly its set-up commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_python_api_example_runs(tmp_path, monkeypatch, capsys):
    (tmp_path / "benchmarks").symlink_to(ROOT / "benchmarks")
    monkeypatch.chdir(tmp_path)
    (block,) = _python_blocks()
    exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "Region(Ω_1" in printed
    analysis = json.loads((tmp_path / "analysis_rossler" / "analysis.json").read_text())
    assert (analysis["M"], analysis["P"]) == (20, 1)


def test_ci_runs_the_readme_commands_in_order():
    ci_commands = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip().startswith(("pip ", "python "))
    ]
    install, test = 'pip install -e ".[all]"', "python -m pytest"
    docs = "python -m sphinx -q -W --keep-going -b html docs docs/_build/html"
    assert ci_commands == [install, test, docs]
    positions = [README.index(f"    {command}\n") for command in (install, test, docs)]
    assert positions == sorted(positions)
