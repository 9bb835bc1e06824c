"""The minimal P of a sweep and its summary figure (D_stsp and regions visited against P).

The AL-RNN paper's central experiment: train models with P = 0, 1, 2, … piecewise-linear units
and take the smallest P that still reconstructs the attractor; its linear regions are the most
parsimonious piecewise-linear representation of the dynamics.  Here a group of runs (the same
options except P and seed) has minimal P

    P* = min { P : median_seeds D_stsp(P) ≤ (1 + tolerance) · min_P' median_seeds D_stsp(P') },

the smallest P that reconstructs about as well as any P in the sweep.

References
----------
Brenner, M., Hemmer, C. J., Monfared, Z., Durstewitz, D. (2024). Almost-Linear RNNs Yield
Highly Interpretable Symbolic Codes in Dynamical Systems Reconstruction. NeurIPS 2024.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from pwl_analysis._atomic import write_atomically


def group_label(row: dict, groups: list[str]) -> str:
    """``"system=rossler, M=30"`` for the options that define a row's group; ``"all"``."""
    return ", ".join(f"{axis}={row[axis]}" for axis in groups) or "all"


def _finished(rows) -> list[dict]:
    return [row for row in rows if row["status"] == "ok"]


def _d_stsp(row: dict) -> float:
    d = float(row["D_stsp"])
    return d if np.isfinite(d) else np.inf


def median_d_stsp(rows, groups: list[str]) -> dict[str, dict[int, float]]:
    """Median D_stsp over the finished runs of each group and P (NaN counts as +∞)."""
    values: dict[str, dict[int, list[float]]] = {}
    for row in _finished(rows):
        per_P = values.setdefault(group_label(row, groups), {})
        per_P.setdefault(int(row["P"]), []).append(_d_stsp(row))
    return {g: {P: float(np.median(v)) for P, v in sorted(d.items())} for g, d in values.items()}


def minimal_P(rows, groups: list[str], tolerance: float) -> dict[str, int | None]:
    """Smallest P whose median D_stsp ≤ (1 + tolerance) · the group's best median.

    Parameters
    ----------
    rows : iterable of dict
        Sweep rows with ``status``, ``P``, ``D_stsp`` and the ``groups`` options.
    groups : list of str
        Options that split the runs into groups (the grid's axes other than P and seed).
    tolerance : float
        Relative slack on the best median.

    Returns
    -------
    dict of str to int or None
        Per group label; None where every run diverged (no finite D_stsp).

    Examples
    --------
    >>> rows = [{"status": "ok", "P": P, "D_stsp": d} for P, d in [(0, 5.0), (1, 0.32), (2, 0.3)]]
    >>> minimal_P(rows, [], tolerance=0.1)
    {'all': 1}
    """
    minimal = {}
    for group, medians in median_d_stsp(rows, groups).items():
        best = min(medians.values())
        fits = [P for P, d in medians.items() if d <= (1 + tolerance) * best]
        minimal[group] = min(fits) if np.isfinite(best) else None
    return minimal


def plot_sweep(path: Path, rows, groups: list[str], minimal: dict[str, int | None]) -> None:
    """Write the summary figure: D_stsp and regions visited against P, minimal P marked.

    Each finished run is a dot, each group's median over seeds a line; the dashed line on the
    right is 2^P, every region the map has.  Written atomically (matplotlib Agg).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(10, 4))
    FigureCanvasAgg(figure)
    d_axes, r_axes = figure.subplots(1, 2, sharex=True)
    finished = _finished(rows)
    for group, medians in median_d_stsp(finished, groups).items():
        members = [row for row in finished if group_label(row, groups) == group]
        P = [int(row["P"]) for row in members]
        colour = d_axes.scatter(P, [_d_stsp(row) for row in members]).get_facecolor()[0]
        d_axes.plot(list(medians), list(medians.values()), color=colour, label=group)
        r_axes.scatter(P, [int(row["regions_visited"]) for row in members], color=colour)
        if minimal.get(group) is not None:
            _mark(d_axes, r_axes, minimal[group], medians[minimal[group]], colour)
    if finished:
        P_all = np.unique([int(row["P"]) for row in finished])
        r_axes.plot(P_all, 2.0**P_all, "k--", linewidth=0.8, label="all 2^P regions")
        r_axes.legend()
        d_axes.legend(title="median over seeds")
    d_axes.set(xlabel="P (piecewise-linear units)", ylabel="D_stsp (held-out free run)")
    r_axes.set(xlabel="P (piecewise-linear units)", ylabel="linear regions visited")
    r_axes.set_yscale("log", base=2)
    d_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    write_atomically(Path(path), buffer.getvalue())


def _mark(d_axes, r_axes, P: int, d_stsp: float, colour) -> None:
    """A dotted vertical line at the minimal P on both panels and its label on the left."""
    for axes in (d_axes, r_axes):
        axes.axvline(P, color=colour, linestyle=":")
    offset = {"textcoords": "offset points", "xytext": (6, 8), "color": colour}
    d_axes.annotate(f"minimal P = {P}", (P, d_stsp), **offset)
