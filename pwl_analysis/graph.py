"""The symbolic graph of a piecewise-linear map: regions as nodes, transitions as edges.

Two graphs over the linear subregions Ω_d, both ``networkx.DiGraph`` with region labels
(``"01"``) as nodes:

- the *empirical* graph of a trajectory: nodes are the regions it visits, an edge a → b for
  every observed step s_t = a, s_{t+1} = b (self-loops included), weighted by its relative
  frequency — the "geometrical graph" of Brenner et al. (2024);
- the *exact* graph: an edge a → b iff the polyhedron {z ∈ cl Ω_a ∩ box : J_a z + c_a ∈ cl Ω_b}
  is non-empty, decided by linear programming (:mod:`pwl_analysis.transitions`).  Closed
  regions and the solver's tolerance err towards an edge, so every symbolic transition of an
  orbit inside the box is an edge: the graph over-approximates the dynamics' subshift.

Every node carries its region's affine map (``jacobian``, ``offset``), its fixed point —
``"real"`` when the fixed point of z ↦ J_d z + c_d lies in Ω_d, ``"virtual"`` when it lies
outside, ``"none"`` when I − J_d is singular, all three decided in exact rationals
(:func:`pwl_analysis.search.region_fixed_point`) — with its stability, and, where a
trajectory is given, the region's occupation.

References
----------
Brenner, M., Hemmer, C. J., Monfared, Z., Durstewitz, D. (2024). Almost-Linear RNNs Yield
Highly Interpretable Symbolic Codes in Dynamical Systems Reconstruction. NeurIPS 2024.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
from tqdm.auto import tqdm

from pwl_analysis import _exact
from pwl_analysis._atomic import write_atomically
from pwl_analysis.errors import UserInputError
from pwl_analysis.feasibility import box_rows, certified_empty
from pwl_analysis.orbits import CycleSet, DegenerateCycle, PeriodicOrbit, VirtualFixedPoint
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.search import region_fixed_point
from pwl_analysis.symbolic import SymbolicSequence, symbolic_sequence
from pwl_analysis.transitions import check_box, transition_possible


def region_fixed_points(
    m: PWLMap, indices, cycles: CycleSet | None = None
) -> dict[int, PeriodicOrbit | VirtualFixedPoint | DegenerateCycle]:
    """The fixed point of each region's affine map z ↦ J_d z + c_d, decided exactly.

    A real fixed point is taken from ``cycles`` when it holds it; every other region is
    decided by :func:`pwl_analysis.search.region_fixed_point` (real, virtual, or a
    :class:`~pwl_analysis.orbits.DegenerateCycle` when I − J_d is singular).

    Returns
    -------
    dict
        Region index → record, in the order of ``indices``.
    """
    real = {} if cycles is None else {m.region_index(c.regions[0]): c for c in cycles.of_period(1)}
    return {
        int(i): real[int(i)] if int(i) in real else region_fixed_point(m, int(i)) for i in indices
    }


def fixed_point_kind(record: PeriodicOrbit | VirtualFixedPoint | DegenerateCycle) -> str:
    """``"real"``, ``"virtual"`` or ``"none"`` (I − J_d singular) for a region's fixed point."""
    if isinstance(record, VirtualFixedPoint):
        return "virtual"
    return "none" if isinstance(record, DegenerateCycle) else "real"


def _fixed_point_attributes(record) -> dict:
    if isinstance(record, DegenerateCycle):
        return {"fixed_point": None, "fixed_point_kind": "none", "fixed_point_stability": ""}
    point = record.point if isinstance(record, VirtualFixedPoint) else record.points[0]
    return {
        "fixed_point": point.tolist(),
        "fixed_point_kind": fixed_point_kind(record),
        "fixed_point_stability": str(record.stability),
    }


def region_attributes(
    m: PWLMap,
    indices,
    cycles: CycleSet | None = None,
    sequence: SymbolicSequence | None = None,
) -> dict[str, dict]:
    """Node attributes of the regions ``indices``, keyed by label (see the module docstring).

    ``fixed_point_stability`` is the text of the fixed point's
    :class:`~pwl_analysis.stability.Stability` (``""`` when there is none); ``occupation`` is
    present only when a ``sequence`` is given.
    """
    fixed = region_fixed_points(m, indices, cycles)
    occupation = sequence.occupation() if sequence is not None else None
    nodes = {}
    for index, record in fixed.items():
        attributes = {
            "index": index,
            "jacobian": m.jacobians[index].tolist(),
            "offset": m.offsets[index].tolist(),
            **_fixed_point_attributes(record),
        }
        if occupation is not None:
            attributes["occupation"] = occupation.get(int(index), 0.0)
        nodes[m.region_label(index)] = attributes
    return nodes


def _add_regions(
    graph: nx.DiGraph,
    m: PWLMap,
    indices,
    cycles: CycleSet | None,
    sequence: SymbolicSequence | None,
) -> None:
    for label, attributes in region_attributes(m, indices, cycles, sequence).items():
        graph.add_node(label, **attributes)


def empirical_graph(m: PWLMap, trajectory, cycles: CycleSet | None = None) -> nx.DiGraph:
    """The graph of the regions a trajectory visits and the transitions it takes.

    Parameters
    ----------
    m : PWLMap
        The map whose regions are the nodes.
    trajectory : array_like, shape (T, M)
        For the attractor's graph, a long free run after a transient.
    cycles : CycleSet, optional
        Holds the real fixed points; every other region's fixed point is decided exactly
        (:func:`region_fixed_points`).

    Returns
    -------
    networkx.DiGraph
        Edge attributes ``count`` (number of steps a → b), ``weight`` (count / (T − 1)) and
        ``probability`` (count / steps leaving a); node attributes as in the module docstring,
        ``occupation`` the fraction of states in the region.

    Raises
    ------
    ValueError
        A trajectory of the wrong width, with no states, or with NaN / infinite values.

    Examples
    --------
    >>> from pwl_analysis import PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> g = empirical_graph(tent, tent.trajectory([0.01], 8))
    >>> sorted(g.edges(data="count"))
    [('0', '0', 3), ('0', '1', 1), ('1', '0', 1), ('1', '1', 2)]
    """
    sequence = symbolic_sequence(m, trajectory)
    graph = nx.DiGraph(kind="empirical", M=m.M, H=m.H, steps=len(sequence))
    _add_regions(graph, m, sequence.visited, cycles, sequence)
    counts = sequence.transition_counts()
    total = max(1, len(sequence) - 1)
    leaving: dict[int, int] = {}
    for (a, _), count in counts.items():
        leaving[a] = leaving.get(a, 0) + count
    for (a, b), count in counts.items():
        graph.add_edge(
            m.region_label(a),
            m.region_label(b),
            count=count,
            weight=count / total,
            probability=count / leaving[a],
        )
    return graph


def _switching_range(m: PWLMap, box) -> tuple[np.ndarray, np.ndarray]:
    """Interval bounds of s(z) = W₂ z + h₂ over the box, shape (H,) each.

    Exact when each s_i depends on one coordinate (an AL-RNN's), else enclosing.
    """
    _, W2, h2 = m.relu_layer
    centre, radius = (box[0] + box[1]) / 2, (box[1] - box[0]) / 2
    middle, spread = W2 @ centre + h2, np.abs(W2) @ radius
    return middle - spread, middle + spread


def _meets_box(m: PWLMap, index: int, box) -> bool:
    """cl Ω_d ∩ box ≠ ∅, unless proven empty.

    Each switching function's sign condition must meet its range over the box (enough for an
    AL-RNN, whose conditions are on separate coordinates); a general map's remaining cells are
    dropped only on an exact Farkas certificate.
    """
    if box is None:
        return True
    lower, upper = _switching_range(m, box)
    bits = m.region_bits[index].astype(bool)
    if not np.all(np.where(bits, upper >= 0, lower <= 0)):
        return False
    _, W2, _ = m.relu_layer
    if np.all(np.count_nonzero(W2, axis=1) <= 1):
        return True
    G, g = m.region_constraints(index)
    exact_G, exact_g = m.exact_region_constraints(index)
    G_box, g_box = box_rows(*box)
    if len(g_box):
        G, g = np.vstack([G, G_box]), np.concatenate([g, g_box])
        exact_G = exact_G.vstack(_exact.exact_matrix(G_box))
        exact_g = exact_g.vstack(_exact.exact_matrix(g_box))
    return not certified_empty(G, g, exact_G, exact_g)


#: Random points of each source region tried before any linear program.
_WITNESSES = 256


def _sampling_box(m: PWLMap, a: int, box) -> tuple[np.ndarray, np.ndarray]:
    """A box to sample Ω_a from: ``box``, or the unit box around the region's witness.

    It is cut to the region's side of every switching function of one coordinate (an
    AL-RNN's units), so that for an AL-RNN every sample lies in Ω_a.
    """
    if box is not None:
        lower, upper = box[0].copy(), box[1].copy()
    else:
        witness = m.region_witness(a)
        centre = np.zeros(m.M) if witness is None else _exact.to_float(witness)[:, 0]
        lower, upper = centre - 1.0, centre + 1.0
    _, W2, h2 = m.relu_layer
    for i in np.flatnonzero(np.count_nonzero(W2, axis=1) == 1):
        j = int(np.flatnonzero(W2[i])[0])
        threshold = -h2[i] / W2[i, j]
        above = (m.region_bits[a, i] == 1) == (W2[i, j] > 0)  # the side z_j > threshold
        if above:
            lower[j] = max(lower[j], threshold)
        else:
            upper[j] = min(upper[j], threshold)
    return lower, np.maximum(lower, upper)


def _witnessed_targets(m: PWLMap, a: int, box, rng: np.random.Generator) -> set[int]:
    """Regions b reached by f from random points of Ω_a (in the box, or near its witness).

    Each such point proves the edge a → b, so its linear program can be skipped; the LP
    decides only the pairs no sample reached.
    """
    lower, upper = _sampling_box(m, a, box)
    # not rng.uniform(lower, upper): it refuses a side of zero width whose upper end is −0.0
    z = lower + (upper - lower) * rng.random((_WITNESSES, m.M))
    inside = m.region_of(z) == a
    return {int(b) for b in np.unique(m.region_of(m(z[inside])))}


def exact_graph(
    m: PWLMap,
    box=None,
    regions=None,
    cycles: CycleSet | None = None,
    sequence: SymbolicSequence | None = None,
    progress: bool = False,
) -> nx.DiGraph:
    """The certified transition graph: a → b iff some z ∈ Ω_a (in ``box``) has f(z) ∈ Ω_b.

    Each pair costs one linear program, except where one of 256 random points of Ω_a (in the
    box) already lands in Ω_b: such a point proves the edge.

    Parameters
    ----------
    m : PWLMap
        The map whose regions are the nodes.
    box : (lower, upper), optional
        Arrays of shape (M,) (or scalars): only points inside the box are considered, e.g. the
        data's range or an absorbing box.
    regions : iterable of labels or indices, optional
        Restrict the graph to these regions (the induced subgraph); all of them by default, which
        costs q² linear programs for the q regions (4^P for an AL-RNN).
    cycles : CycleSet, optional
        Holds the real fixed points; every other region's fixed point is decided exactly
        (:func:`region_fixed_points`).
    sequence : SymbolicSequence, optional
        A coded trajectory; adds each node's ``occupation``.
    progress : bool
        Show a tqdm progress bar over source regions.

    Returns
    -------
    networkx.DiGraph
        Nodes: the regions (among ``regions``) that meet the box; edges unweighted.

    Raises
    ------
    ValueError
        A box with lower > upper, of the wrong shape, an unknown region, or no region left.

    Examples
    --------
    The tent map sends each half of [−1/2, 1/2] onto the whole interval: the full 2-shift.

    >>> from pwl_analysis import PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> sorted(exact_graph(tent, box=([-0.5], [0.5])).edges())
    [('0', '0'), ('0', '1'), ('1', '0'), ('1', '1')]
    """
    box = check_box(m, box)
    indices = (
        range(m.n_regions) if regions is None else sorted({m.region_index(r) for r in regions})
    )
    nodes = [a for a in indices if _meets_box(m, a, box)]
    if not nodes:
        raise UserInputError("no region of the graph meets the box: the graph would be empty")
    graph = nx.DiGraph(
        kind="exact",
        M=m.M,
        H=m.H,
        box=None if box is None else [box[0].tolist(), box[1].tolist()],
    )
    _add_regions(graph, m, nodes, cycles, sequence)
    rng = np.random.default_rng(0)
    for a in tqdm(nodes, desc="transition LPs", disable=not progress):
        witnessed = _witnessed_targets(m, a, box, rng)
        for b in nodes:
            if b in witnessed or transition_possible(m, a, b, box):
                graph.add_edge(m.region_label(a), m.region_label(b))
    return graph


def graph_to_json(graph: nx.DiGraph) -> dict:
    """networkx's node-link form of the graph, ready for :func:`json.dumps`."""
    return nx.node_link_data(graph, edges="edges")


def _graphml_ready(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy whose list attributes are JSON strings and whose None attributes are dropped."""

    def scalar(attributes: dict) -> dict:
        return {
            key: json.dumps(value) if isinstance(value, (list, tuple)) else value
            for key, value in attributes.items()
            if value is not None
        }

    ready = nx.DiGraph(**scalar(graph.graph))
    ready.add_nodes_from((node, scalar(data)) for node, data in graph.nodes(data=True))
    ready.add_edges_from((a, b, scalar(data)) for a, b, data in graph.edges(data=True))
    return ready


def write_graph(graph: nx.DiGraph, path: str | Path) -> Path:
    """Write the graph atomically as GraphML (``.graphml``) or node-link JSON (``.json``).

    GraphML holds only scalars, so list attributes (Jacobians, fixed points) are stored there
    as JSON strings.

    Parameters
    ----------
    graph : networkx.DiGraph
        A symbolic graph (:func:`empirical_graph`, :func:`exact_graph`).
    path : str or Path
        The file; its suffix chooses the format.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        A suffix other than ``.graphml`` or ``.json``.

    Examples
    --------
    The tent map's exact graph on [−1/2, 1/2] (the full 2-shift), written and read back:

    >>> import json, tempfile
    >>> from pathlib import Path
    >>> import networkx as nx
    >>> from pwl_analysis import PWLMap, exact_graph, write_graph
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> graph = exact_graph(tent, box=([-0.5], [0.5]))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     document = json.loads(write_graph(graph, Path(folder, "tent.json")).read_text())
    ...     graphml = nx.read_graphml(write_graph(graph, Path(folder, "tent.graphml")))
    >>> sorted((e["source"], e["target"]) for e in document["edges"])
    [('0', '0'), ('0', '1'), ('1', '0'), ('1', '1')]
    >>> graphml.nodes["1"]["fixed_point"]
    '[0.16666666666666666]'
    """
    path = Path(path)
    if path.suffix == ".graphml":
        text = "\n".join(nx.generate_graphml(_graphml_ready(graph)))
    elif path.suffix == ".json":
        text = json.dumps(graph_to_json(graph), indent=1)
    else:
        raise UserInputError(f"graph file {path.name} must end in .graphml or .json")
    return write_atomically(path, text + "\n")
