"""The end-to-end report: ``report.md``, read top to bottom by a person.

It joins what training wrote (configuration, held-out metrics, loss curve) with what
:func:`pwl_analysis.analysis.analyze` computed (orbits, symbolic graph, topology, Lyapunov
spectrum, equations, figures), and says how each number was obtained.
"""

from __future__ import annotations

from pathlib import Path

from pwl_analysis._atomic import write_atomically
from pwl_analysis.analysis import Analysis

#: How each result is computed, printed at the end of every report.
_METHODS = """\
## How these results were computed

- **The map.** The trained AL-RNN z_{t+1} = A z_t + W Φ*(z_t) + h (ReLU on the last P of M
  units) is exactly affine on each of the 2^P sign regions Ω_d: z ↦ J_d z + h with
  J_d = A + W diag(1, …, 1, d). The weights are converted to exact rationals without rounding.
- **Orbits.** Every region word of each period k ≤ K (Lyndon words only, pruned by an LP
  transition graph) gives the cycle equation (I − J_{d_{k−1}} ⋯ J_{d_0}) z_0 = c. Batched float
  solves screen the words; every candidate is solved again in exact rational arithmetic and kept
  only if its exact iterates lie in their regions. The search is complete up to K.
- **Stability** from the multipliers (eigenvalues of the cycle's Jacobian product); marginal
  cases (|λ| = 1) are decided exactly.
- **Symbolic graph.** Empirical: regions visited by a free run and the observed transitions.
  Exact: an edge Ω_a → Ω_b iff linear programming finds a point of Ω_a (in the run's bounding
  box) mapped into Ω_b. Topological entropy is log ρ(adjacency).
- **Lyapunov spectrum** by QR re-orthonormalisation of the exact region Jacobians along the run.
- **Reconstruction metrics** on held-out data: D_stsp (KL divergence of binned occupation
  histograms) and D_H (Hellinger distance of smoothed power spectra), settings as listed.
"""


def _table(rows: dict[str, str]) -> list[str]:
    lines = ["| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in rows.items()]
    return lines


def _training_rows(training: dict) -> dict[str, str]:
    config = training["config"]
    data = config.get("system") or config.get("data_path")
    rows = {
        "data": str(data),
        "model": f"M = {config['M']}, P = {config['P']}",
        "optimisation": f"{training['steps']} steps ({training['epochs']} epochs) "
        f"in {training['wall_time_s']:.1f} s",
        "final training loss": f"{training['final_loss']:.4g}",
    }
    for name, metric in training.get("metrics", {}).items():
        settings = ", ".join(f"{k} = {v}" for k, v in metric.get("settings", {}).items())
        rows[f"{name} (held out)"] = f"{metric['value']:.4g} ({settings})"
    return rows


def _orbit_lines(analysis: Analysis) -> list[str]:
    result = analysis.cycles
    lines = [
        f"{len(result)} orbit(s) of minimal period ≤ {result.max_period}, method: "
        f"{result.method}" + (" (complete)." if result.complete else "."),
        "",
        "| period | regions | stability | max abs multiplier | on boundary |",
        "|---|---|---|---|---|",
    ]
    for cycle in result:
        word = " ".join(cycle.regions)
        lines.append(
            f"| {cycle.period} | {word} | {cycle.stability} | {cycle.spectral_radius:.5g} "
            f"| {'yes' if cycle.on_boundary else 'no'} |"
        )
    lines += [f"- degenerate: {d!r}" for d in result.degenerate]
    return lines


def write_report(folder: Path, training: dict, analysis: Analysis, analysis_dir: str) -> Path:
    """Write ``folder/report.md`` atomically.

    Parameters
    ----------
    folder : Path
        The report folder; the training run and the analysis are sub-folders of it.
    training : dict
        ``TrainResult.to_dict()`` of the run (held-out metrics with settings).
    analysis : Analysis
        The result of :func:`~pwl_analysis.analysis.analyze`.
    analysis_dir : str
        The analysis sub-folder's name, for links to its files.
    """
    run_dir = Path(training["run_dir"]).name
    lines = [f"# {analysis.name}: reconstruction and exact analysis", "", "## Training", ""]
    lines += _table(_training_rows(training))
    lines += ["", f"![training loss]({run_dir}/loss.png)", "", "## The trained map", ""]
    lines += _table(analysis.summary())
    lines += [
        "",
        f"Piecewise equations, fixed points and cycles: [{analysis_dir}/equations.tex]"
        f"({analysis_dir}/equations.tex)"
        + (
            f" (compiled: [{analysis_dir}/equations.pdf]({analysis_dir}/equations.pdf))"
            if "equations.pdf" in analysis.files
            else ""
        ),
        "",
        f"![attractor by region]({analysis_dir}/attractor.png)",
        "",
        "## Fixed points and cycles",
        "",
        *_orbit_lines(analysis),
        "",
        "## Symbolic dynamics",
        "",
        f"![symbolic graph]({analysis_dir}/graph.png)",
        "",
        "```",
        repr(analysis.empirical),
        "",
        repr(analysis.exact),
        "```",
        "",
        "## Files",
        "",
        f"- `{run_dir}/`: training run (config.json, model.npz checkpoint, metrics.json, loss.png)",
        *[f"- `{analysis_dir}/{name}`" for name in analysis.files],
        "",
        _METHODS,
    ]
    return write_atomically(folder / "report.md", "\n".join(lines))
