"""Figures: the attractor coloured by linear subregion, and the symbolic graph.

Figures are built on :class:`matplotlib.figure.Figure` with the Agg canvas, never through
``pyplot``: nothing opens a window or changes the user's backend.  :func:`save_figure`
writes a PNG atomically.
"""

from __future__ import annotations

import io
from pathlib import Path

import networkx as nx
import numpy as np
from matplotlib.figure import Figure

from pwl_analysis._atomic import write_atomically
from pwl_analysis.errors import UserInputError
from pwl_analysis.orbits import CycleSet
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.symbolic import check_trajectory

#: Legends list at most this many regions.
_LEGEND_MAX = 12


def _region_colours(regions: np.ndarray):
    """A tab20 colour per visited region, in order of first visit."""
    from matplotlib import colormaps

    visited = list(dict.fromkeys(int(r) for r in regions))
    palette = colormaps["tab20"]
    return {r: palette(i % 20) for i, r in enumerate(visited)}


def attractor_figure(
    m: PWLMap, orbit, cycles: CycleSet | None = None, units: tuple[int, ...] = (0, 1, 2)
) -> Figure:
    """The orbit's states in the given latent units, coloured by region, orbits marked.

    Parameters
    ----------
    m : PWLMap
    orbit : array_like, shape (T, M)
        A free run after its transient.
    cycles : CycleSet, optional
        Fixed points (crosses) and cycles (closed polygons); filled when stable.
    units : tuple of int
        Latent units to plot (0-based); three give a 3-D plot, two a plane, one the return map
        (z_t, z_{t+1}).  Units beyond M are dropped.

    Returns
    -------
    matplotlib.figure.Figure
    """
    z = check_trajectory(m, orbit)
    units = tuple(u for u in units if 0 <= u < m.M)
    if not units:
        raise UserInputError(f"no unit of {units} lies in 0…{m.M - 1}")
    regions = m.region_of(z)
    colours = _region_colours(regions)

    def coordinates(points: np.ndarray) -> list[np.ndarray]:
        if len(units) == 1:
            return [points[:-1, units[0]], points[1:, units[0]]]
        return [points[:, u] for u in units]

    figure = Figure(figsize=(6, 5), layout="constrained")
    axes = figure.add_subplot(projection="3d" if len(units) == 3 else None)
    state_regions = regions if len(units) > 1 else regions[:-1]
    xyz = coordinates(z)
    for region, colour in colours.items():
        mask = state_regions == region
        axes.scatter(
            *(c[mask] for c in xyz),
            s=1.5,
            color=colour,
            label=m.region_label(region),
            rasterized=True,
        )
    for cycle in cycles or ():
        closed = np.vstack([cycle.points, cycle.points[:1]])
        marker = "X" if cycle.period == 1 else "o"
        face = "black" if cycle.stable else "none"
        axes.plot(
            *coordinates(closed),
            color="black",
            linewidth=0.8,
            marker=marker,
            markerfacecolor=face,
        )
    names = [f"z_{u + 1}" for u in units]
    labels = (
        [f"${names[0]}(t)$", f"${names[0]}(t+1)$"] if len(units) == 1 else [f"${n}$" for n in names]
    )
    axes.set_xlabel(labels[0])
    axes.set_ylabel(labels[1])
    if len(units) == 3:
        axes.set_zlabel(labels[2])
    if m.H and len(colours) <= _LEGEND_MAX:
        axes.legend(title="region", markerscale=6, fontsize="small", loc="best")
    axes.set_title("attractor by linear subregion (× fixed points, ○ cycles)", fontsize="medium")
    return figure


def graph_figure(graph: nx.DiGraph) -> Figure:
    """The symbolic graph, nodes on a circle, edge widths by ``weight`` (1 when absent)."""
    if graph.number_of_nodes() == 0:
        raise UserInputError("the graph is empty: nothing to draw")
    figure = Figure(figsize=(6, 6), layout="constrained")
    axes = figure.add_subplot()
    nodes = sorted(graph.nodes, key=lambda n: (graph.nodes[n].get("index", 0), str(n)))
    position = nx.circular_layout(nodes)
    weights = np.array([w if w is not None else 1.0 for *_, w in graph.edges(data="weight")])
    widths = 0.5 + 4.5 * weights / weights.max() if weights.size else []
    size = 120 + 45 * max(len(str(n)) for n in nodes)  # arrows stop short of the labels
    box = {"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": "black"}
    nx.draw_networkx_labels(graph, position, ax=axes, font_size=6, bbox=box)
    nx.draw_networkx_edges(
        graph,
        position,
        ax=axes,
        width=widths,
        node_size=size,
        arrows=True,
        connectionstyle="arc3,rad=0.1",
    )
    axes.set_title(f"{graph.graph.get('kind', '')} symbolic graph".strip(), fontsize="medium")
    axes.set_axis_off()
    return figure


def save_figure(figure: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Render a figure to PNG and write it atomically."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return write_atomically(path, buffer.getvalue())
