"""The end-to-end report: ``report.md``, read top to bottom by a person.

It joins what training wrote (configuration, held-out metrics, loss curve) with what
:func:`pwl_analysis.app.analysis.analyze` computed (orbits, symbolic graph, topology, Lyapunov
spectrum, equations, figures), and says how each number was obtained.
"""

from __future__ import annotations

from pathlib import Path

from pwl_analysis._atomic import write_atomically
from pwl_analysis.app.analysis import Analysis
from pwl_analysis.orbit_table import markdown_table, orbit_rows

#: The switching functions written out in the report's opening, at most.
_LISTED_SWITCHING = 10

#: How each result is computed, printed at the end of every report.
_METHODS = """\
## How these results were computed

- **The map.** Every piecewise-linear RNN is z ↦ A z + W₁ relu(W₂ z + h₂) + h₁ (an AL-RNN,
  z_{t+1} = A z_t + W Φ*(z_t) + h with ReLU on the last P of M units, has W₂ = (0 | I_P),
  h₂ = 0). It is exactly affine on each of its linear regions Ω_d, the non-empty cells of the
  hyperplanes W₂ z + h₂ = 0 labelled by the signs d of the switching functions
  s(z) = W₂ z + h₂: z ↦ J_d z + c_d with J_d = A + W₁ D_d W₂, c_d = h₁ + W₁ D_d h₂ (an
  AL-RNN's 2^P sign regions, with c_d = h). The weights are converted to exact rationals
  without rounding.
- **Orbits.** Every region word of each period k ≤ K (Lyndon words only, pruned by an LP
  transition graph) gives the cycle equation (I − J_{d_{k−1}} ⋯ J_{d_0}) z_0 = c. Batched float
  solves screen the words; every candidate is solved again in exact rational arithmetic and kept
  only if its exact iterates lie in their regions. The search is complete up to K.
- **Stability** from the multipliers (eigenvalues of the cycle's Jacobian product), in the
  standard terms: attracting or repelling node or focus, saddle, flip saddle (a negative real
  multiplier < −1), saddle-focus (a complex pair), with the index = number of unstable
  directions; marginal cases (|λ| = 1) are decided exactly.
- **Long cycles** (when the complete search finds only fixed points): near-returns of a free
  run seed region words, refined by SCYFI until self-consistent, each proven in exact
  rationals or ball arithmetic; named by a coarse word (L/R for Lorenz).
- **Region roles** from the free run: the share of each region's states nearest each wing's
  fixed point (Lorenz) — a wing region holds one wing, the centre is where the run switches.
- **Symbolic graph.** Empirical: regions visited by a free run and the observed transitions.
  Exact: an edge Ω_a → Ω_b iff linear programming finds a point of Ω_a (in the run's bounding
  box) mapped into Ω_b. Topological entropy is log ρ(adjacency).
- **Entropy bounds from admissible words.** A region word is admissible when some point's
  orbit segment follows it inside the box (one LP per word, or polygon cutting in 2-D; a word
  is dropped only on an exact Farkas certificate). The admissible n-blocks define a shift of
  finite type containing every itinerary, so log ρ of its graph and (1/n) log N_n bound the
  entropy from above; the lower value is (1/K) log P_K from the exact cycles, an estimate.
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


def _time_step(training: dict, analysis: Analysis) -> float | None:
    """Δt of the data: the analysis's, the configured one, or the built-in system's default."""
    if analysis.dt is not None:
        return analysis.dt
    config = training.get("config", {})
    if config.get("dt") is not None:
        return float(config["dt"])
    from training.data import SYSTEMS

    system = config.get("system")
    return float(SYSTEMS[system][1]) if system in SYSTEMS else None


def _is_coordinate(function: str) -> bool:
    return function.startswith("z_") and function[2:].isdigit()


def _region_condition(label: str, switching: tuple[str, ...]) -> str:
    """Ω_d as inequalities: on coordinates (an AL-RNN's units), else on s_i by index."""
    if all(_is_coordinate(s) for s in switching):
        return ", ".join(
            f"{s} {'> 0' if bit == '1' else '≤ 0'}" for s, bit in zip(switching, label)
        )
    parts = []
    for bit, sign in (("1", "> 0"), ("0", "≤ 0")):
        units = [str(i + 1) for i, b in enumerate(label) if b == bit]
        if units:
            parts.append(f"s_i {sign} for i ∈ {{{', '.join(units)}}}")
    return "; ".join(parts)


def _map_sentence(analysis: Analysis) -> str:
    """What the map is: an AL-RNN's P units, or a model's switching functions."""
    if analysis.P is not None:
        return (
            f"The trained map is an AL-RNN with M = {analysis.M} units, P = {analysis.P} of them "
            f"piecewise linear: {analysis.n_regions} linear regions Ω_d, on each of which it is "
            "the affine map z ↦ J_d z + h."
        )
    functions = "; ".join(
        f"s_{i + 1} = {s}" for i, s in enumerate(analysis.switching[:_LISTED_SWITCHING])
    )
    more = " …" if analysis.H > _LISTED_SWITCHING else ""
    return (
        f"The map is a {analysis.model} with M = {analysis.M} units and H = {analysis.H} "
        f"switching functions s(z) = W₂ z + h₂ ({functions}{more}): "
        f"{analysis.n_regions} linear regions Ω_d (the non-empty cells of s(z) = 0), on each "
        "of which it is the affine map z ↦ J_d z + c_d."
    )


def _opening(analysis: Analysis) -> list[str]:
    """A few sentences: what the map is and what it does."""
    cycles = analysis.cycles
    fixed = cycles.of_period(1)
    kinds = ", ".join(f"{c.stability} in Ω_{c.regions[0]}" for c in fixed) or "none"
    visited = [r for r in analysis.roles if r.occupation > 0]
    text = [
        _map_sentence(analysis) + f" The free run visits {len(visited)} of them.",
        f"Fixed points (exact, complete): {len(fixed)}: {kinds}.",
    ]
    longer = [c for c in cycles if c.period > 1]
    if longer:
        text.append(f"Cycles of period 2 … {cycles.max_period} (exact, complete): {len(longer)}.")
    else:
        text.append(f"No cycle of period 2 … {cycles.max_period} exists (exact, complete).")
    rows = analysis.long_cycle_rows()
    if rows:
        words = sorted({w for w, _ in rows if w}, key=lambda w: (len(w), w))
        named = f", with coarse words {', '.join(words)}" if words else ""
        text.append(
            f"The seeded search proves {len(rows)} long cycle(s) of periods "
            f"{min(c.period for _, c in rows)} … {max(c.period for _, c in rows)}{named}."
        )
    largest = analysis.lyapunov.maximal
    text.append(f"Largest Lyapunov exponent {largest:.4f} per step.")
    return [" ".join(text)]


def _role_lines(analysis: Analysis) -> list[str]:
    if not analysis.roles:
        return []
    coding = f" (coarse coding: {analysis.coding})" if analysis.coding else ""
    lines = [
        "Each region's fixed point is that of its affine map: *real* when it lies in the "
        "region, *virtual* when outside (it still shapes the flow there); its name comes from "
        "its multipliers, with the index = number of unstable directions. The occupation is "
        f"the share of the free run in the region; the role says which part of the attractor "
        f"it carries{coding}.",
        "",
        "| region | Ω_d | fixed point | stability | occupation | role |",
        "|---|---|---|---|---|---|",
    ]
    for role in analysis.roles:
        lines.append(
            f"| {role.label} | {_region_condition(role.label, analysis.switching)} | "
            f"{role.fixed_point} | {role.stability or 'n/a'} | {role.occupation:.3f} | "
            f"{role.role} |"
        )
    return lines


def _orbit_lines(analysis: Analysis) -> list[str]:
    result = analysis.cycles
    lines = [
        f"{len(result)} orbit(s) of minimal period ≤ {result.max_period}, method: "
        f"{result.method}" + (" (complete)." if result.complete else "."),
        "",
        *markdown_table(orbit_rows(result)),
    ]
    lines += [f"- degenerate: {d!r}" for d in result.degenerate]
    return lines


def _long_cycle_lines(analysis: Analysis) -> list[str]:
    K = analysis.cycles.max_period
    if analysis.long_cycles is None:
        return [
            "Not searched: the complete search up to K found cycles of period > 1 "
            f"(K = {K}); `analyze(..., long_cycles=True)` runs the seeded search as well."
        ]
    rows = sorted(analysis.long_cycle_rows(), key=lambda row: (len(row[0]), row[0], row[1].period))
    lines = [
        "A model of a flow sampled at a small time step has no short cycles; its periodic "
        "orbits take hundreds of steps. These were found by the seeded search "
        f"({analysis.long_cycles.method}) from the near-returns of a free run and each is "
        "proven (exact rationals, or ball arithmetic for long words); the list is not a "
        "completeness guarantee. The coarse word names the loops: "
        + (
            "one letter per turn around a wing (L/R), read around the cycle."
            if analysis.coding == "lorenz"
            else "one symbol per loop (1 when it enters the fold)."
            if analysis.coding == "rossler"
            else "none (no coarse coding fits this model)."
        ),
        "",
    ]
    if not rows:
        return [*lines, f"No cycle of period {K + 1} … {analysis.long_cycles.max_period} found."]
    return lines + markdown_table(orbit_rows([c for _, c in rows], [w for w, _ in rows]))


def _entropy_lines(analysis: Analysis) -> list[str]:
    empirical, exact = analysis.empirical, analysis.exact
    K = analysis.cycles.max_period
    components = "; ".join("{" + ", ".join(c) + "}" for c in empirical.attracting_components)
    lines = [
        f"The free run's regions form the attracting component(s) {components or 'none'} of "
        "its graph; the graphs are saved as GraphML and JSON (below).",
        "",
        f"- **Empirical graph** ({empirical.n_nodes} regions, {empirical.n_edges} transitions "
        f"seen in the free run): log ρ(A) = {empirical.graph_entropy:.4f}, the entropy of the "
        "shift of finite type allowed by the observed transitions. An estimate of the "
        "attractor's symbolic entropy, neither a lower nor an upper bound.",
        f"- **Exact graph** ({exact.n_nodes} regions, {exact.n_edges} transitions certified "
        f"by linear programming in the run's bounding box): log ρ(A) = "
        f"{exact.graph_entropy:.4f}. Every region itinerary of an orbit inside the box is a walk "
        "of this graph, so this is an upper bound on the entropy of those itineraries.",
    ]
    if analysis.only_fixed_points:
        lines.append(
            f"- **Periodic orbits**: no estimate. The only orbits of period ≤ {K} are fixed "
            "points, so (1/K) log N_K would count fixed points alone and say nothing about "
            "the dynamics."
        )
    elif exact.periodic_entropy is not None:
        lines.append(
            f"- **Periodic orbits**: (1/K) log N_K = {exact.periodic_entropy:.4f} at K = {K}, "
            "from the number N_K of periodic points of period dividing K (complete); the "
            "growth rate of periodic points, which for many piecewise-affine maps converges "
            "to the topological entropy as K grows."
        )
    lines.append(_admissible_entropy_line(analysis))
    return lines


def _admissible_entropy_line(analysis: Analysis) -> str:
    bounds = analysis.entropy
    if bounds is None:
        return f"- **Admissible words**: {analysis.entropy_skipped}."
    n = len(bounds.word_counts)
    return (
        f"- **Admissible words** (region words of length ≤ {n} realised by an orbit segment in "
        f"the free run's box, widened by 10 %; {bounds.word_counts[-1]} of length {n}), for "
        f"the topological entropy of the orbits that stay in the box: h_top ≤ "
        f"{bounds.upper:.4f} ({bounds.upper_how}); lower value {bounds.lower:.4f} "
        f"({bounds.lower_how})."
    )


def _lyapunov_lines(analysis: Analysis, dt: float | None) -> list[str]:
    exponents = analysis.lyapunov.exponents
    head = "| i | λ_i per step |" + (" λ_i per time unit |" if dt else "")
    lines = [
        f"QR method along the free run ({analysis.lyapunov.steps} steps), exact region "
        "Jacobians" + (f"; per time unit = per step / Δt, Δt = {dt:g}." if dt else "; Δt unknown."),
        "",
        head,
        "|---|---|" + ("---|" if dt else ""),
    ]
    for i, value in enumerate(exponents[:6], start=1):
        lines.append(f"| {i} | {value:.4f} |" + (f" {value / dt:.4f} |" if dt else ""))
    if exponents.size > 6:
        lines.append(
            f"| … {exponents.size} | {exponents[-1]:.4f} |"
            + (f" {exponents[-1] / dt:.4f} |" if dt else "")
        )
    return lines


def write_report(
    folder: Path,
    training: dict,
    analysis: Analysis,
    analysis_dir: str,
    against_truth: list[str] | None = None,
) -> Path:
    """Write ``folder/report.md`` atomically.

    Parameters
    ----------
    folder : Path
        The report folder; the training run and the analysis are sub-folders of it.
    training : dict
        ``TrainResult.to_dict()`` of the run (held-out metrics with settings).
    analysis : Analysis
        The result of :func:`~pwl_analysis.app.analysis.analyze`.
    analysis_dir : str
        The analysis sub-folder's name, for links to its files.
    against_truth : list of str, optional
        Lines of the section "The model against the true system" (robust evaluation, and the
        true flow beside the model where it is known).
    """
    run_dir = Path(training["run_dir"]).name
    dt = _time_step(training, analysis)
    equations = f"[{analysis_dir}/equations.tex]({analysis_dir}/equations.tex)" + (
        f" (compiled: [{analysis_dir}/equations.pdf]({analysis_dir}/equations.pdf))"
        if "equations.pdf" in analysis.files
        else ""
    )
    lines = [f"# {analysis.name}: reconstruction and exact analysis", ""]
    lines += _opening(analysis)
    lines += ["", "## Training", ""]
    lines += _table(_training_rows(training))
    lines += ["", f"![training loss]({run_dir}/loss.png)", ""]
    if against_truth:
        lines += ["## The model against the true system", "", *against_truth, ""]
    lines += ["## The trained map", ""]
    lines += _table(analysis.summary())
    lines += [
        "",
        f"Every region's affine map, the fixed points and cycles: {equations}",
        "",
        f"![attractor by region]({analysis_dir}/attractor.png)",
        "",
        "## Regions and their roles",
        "",
        *_role_lines(analysis),
        "",
        "## Fixed points and cycles",
        "",
        *_orbit_lines(analysis),
        "",
        "## Long cycles",
        "",
        *_long_cycle_lines(analysis),
        "",
        "## Symbolic dynamics and entropy",
        "",
        f"![symbolic graph]({analysis_dir}/graph.png)",
        "",
        *_entropy_lines(analysis),
        "",
        "## Lyapunov spectrum",
        "",
        *_lyapunov_lines(analysis, dt),
        "",
        "## Files",
        "",
        f"- `{run_dir}/`: training run (config.json, model.npz checkpoint, metrics.json, loss.png)",
        *[f"- `{analysis_dir}/{name}`" for name in analysis.files],
        "",
        _METHODS,
    ]
    return write_atomically(folder / "report.md", "\n".join(lines))
