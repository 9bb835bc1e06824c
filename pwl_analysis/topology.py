"""Topological analysis of a symbolic graph: recurrence, entropy, and periodic orbits.

For a graph G with 0/1 adjacency matrix A (rows: from, columns: to):

- the *recurrent part* is the union of its strongly connected components that carry a cycle
  (more than one node, or a self-loop); components with no edge leaving them are *attracting*
  — for the empirical graph of a post-transient free run they are the attractor's regions;
- the *topological entropy* of the subshift of finite type defined by G is log ρ(A), ρ the
  spectral radius (Lind & Marcus 1995, Thm. 4.3.1), and 0 when G has no cycle;
- G has tr(A^k) periodic words of period dividing k.  The map itself has
  N_k = Σ_{j | k} j · #{cycles of minimal period j} periodic points of period dividing k, and
  for many piecewise-affine maps h_top = lim (1/k) log N_k; (1/K) log N_K at the largest
  searched period K is the *periodic-orbit entropy estimate*.
- The *symbolic cycles* are the primitive closed walks of G up to length K (Lyndon words, one
  per rotation class), each matched to the real cycle with that region word, if one exists.
  On an exact graph every real cycle (inside its box) is a closed walk, so tr(A^k) ≥ N_k.

References
----------
Lind, D., Marcus, B. (1995). An Introduction to Symbolic Dynamics and Coding. Cambridge
University Press.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from pwl_analysis._html import html_table
from pwl_analysis.errors import UserInputError
from pwl_analysis.orbits import Cycle, CycleSet
from pwl_analysis.words import least_rotation, primitive_period


@dataclass(frozen=True)
class SymbolicCycle:
    """A primitive closed walk of the graph and the real cycle realising it, if any.

    ``cycle`` is None when the searched cycles hold no orbit with this region word.
    """

    regions: tuple[str, ...]
    cycle: Cycle | None

    @property
    def realised(self) -> bool:
        """Whether a real cycle of the map follows this symbolic cycle."""
        return self.cycle is not None

    def __repr__(self) -> str:
        status = self.cycle.stability if self.cycle is not None else "not realised"
        return f"SymbolicCycle({' → '.join(self.regions)}: {status})"

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "regions": list(self.regions),
            "realised": self.realised,
            "stability": None if self.cycle is None else self.cycle.stability.to_dict(),
        }


@dataclass(frozen=True)
class Topology:
    """Recurrence, entropy and periodic structure of one symbolic graph.

    Attributes
    ----------
    kind : str
        The graph's ``kind`` attribute (``"empirical"`` or ``"exact"``).
    n_nodes, n_edges : int
    recurrent_components : tuple of tuple of str
        Strongly connected components carrying a cycle, largest first.
    attracting_components : tuple of tuple of str
        Recurrent components with no edge leaving them.
    graph_entropy : float
        log ρ(A), the topological entropy of the graph's subshift.
    periodic_points : tuple of (k, tr A^k, N_k)
        For k = 1 … K: periodic words of the graph and periodic points of the map (N_k is
        None without cycles); counts are exact below 2^53.
    periodic_entropy : float or None
        (1/K) log N_K from the real cycles; None without cycles or with N_K = 0.
    symbolic_cycles : tuple of SymbolicCycle
        Lyndon closed walks of length ≤ K, ordered by length then word.
    symbolic_cycles_complete : bool
        False when the enumeration stopped at ``max_words``.
    unmatched_cycles : tuple of Cycle
        Real cycles whose region word is not a closed walk of the graph.

    See Also
    --------
    graph_topology : computes this record.

    Examples
    --------
    A graph whose walks can leave the cycle 01 ⇄ 10 for the self-loop at 11 but never come
    back: two recurrent components, only {11} attracting, and no entropy (ρ(A) = 1):

    >>> import networkx as nx
    >>> from pwl_analysis import graph_topology
    >>> g = nx.DiGraph([("00", "01"), ("01", "10"), ("10", "01"), ("10", "11"), ("11", "11")])
    >>> t = graph_topology(g, max_length=2)
    >>> t.recurrent_components, t.attracting_components, abs(t.graph_entropy)
    ((('01', '10'), ('11',)), (('11',),), 0.0)
    >>> [s.regions for s in t.symbolic_cycles]
    [('11',), ('01', '10')]

    The tent map's exact graph on [−1/2, 1/2] is the full 2-shift, and its 2^k points of
    period dividing k match the 2^k closed walks, every symbolic cycle realised:

    >>> from pwl_analysis import PWLMap, exact_graph
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> t = graph_topology(exact_graph(tent, box=([-0.5], [0.5])), tent.cycles(3))
    >>> t.periodic_points
    ((1, 2, 2), (2, 4, 4), (3, 8, 8))
    >>> all(s.realised for s in t.symbolic_cycles), round(t.periodic_entropy, 12)
    (True, 0.69314718056)
    """

    kind: str
    n_nodes: int
    n_edges: int
    recurrent_components: tuple[tuple[str, ...], ...]
    attracting_components: tuple[tuple[str, ...], ...]
    graph_entropy: float
    periodic_points: tuple[tuple[int, int, int | None], ...]
    periodic_entropy: float | None
    symbolic_cycles: tuple[SymbolicCycle, ...]
    symbolic_cycles_complete: bool
    unmatched_cycles: tuple[Cycle, ...]

    @property
    def attractor_regions(self) -> tuple[str, ...]:
        """Regions of the attracting components, sorted."""
        return tuple(sorted(r for component in self.attracting_components for r in component))

    def __repr__(self) -> str:
        def regions(components) -> str:
            return "; ".join("{" + ", ".join(c) + "}" for c in components) or "none"

        realised = sum(s.realised for s in self.symbolic_cycles)
        periodic = "n/a" if self.periodic_entropy is None else f"{self.periodic_entropy:.4f}"
        rows = " ".join(
            f"{k}:{g}/{'?' if n is None else n}" for k, g, n in self.periodic_points[:12]
        )
        return "\n".join(
            [
                f"Topology of the {self.kind} graph ({self.n_nodes} regions, "
                f"{self.n_edges} transitions)",
                f"  recurrent components:  {regions(self.recurrent_components)}",
                f"  attracting components: {regions(self.attracting_components)}",
                f"  graph entropy log ρ(A) = {self.graph_entropy:.4f}",
                f"  periodic-orbit entropy (1/K) log N_K = {periodic}",
                f"  periodic points k: graph/real  {rows}",
                f"  symbolic cycles: {len(self.symbolic_cycles)}"
                + ("" if self.symbolic_cycles_complete else " (truncated)")
                + f", {realised} realised by real cycles, "
                f"{len(self.unmatched_cycles)} real cycles off the graph",
            ]
        )

    def _repr_html_(self) -> str:
        """Key numbers as a table, for Jupyter."""

        def regions(components) -> str:
            return "; ".join("{" + ", ".join(c) + "}" for c in components) or "none"

        periodic = "n/a" if self.periodic_entropy is None else f"{self.periodic_entropy:.4f}"
        rows = [
            ["recurrent components", regions(self.recurrent_components)],
            ["attracting components", regions(self.attracting_components)],
            ["graph entropy log ρ(A)", f"{self.graph_entropy:.4f}"],
            ["periodic-orbit entropy (1/K) log N_K", periodic],
            [
                "symbolic cycles (realised)",
                f"{len(self.symbolic_cycles)} ({sum(s.realised for s in self.symbolic_cycles)})",
            ],
        ]
        caption = f"{self.kind} graph: {self.n_nodes} regions, {self.n_edges} transitions"
        return html_table(caption, ["", ""], rows)

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "kind": self.kind,
            "n_nodes": self.n_nodes,
            "n_edges": self.n_edges,
            "recurrent_components": [list(c) for c in self.recurrent_components],
            "attracting_components": [list(c) for c in self.attracting_components],
            "attractor_regions": list(self.attractor_regions),
            "graph_entropy": self.graph_entropy,
            "periodic_points": [
                {"period": k, "graph": g, "real": n} for k, g, n in self.periodic_points
            ],
            "periodic_entropy": self.periodic_entropy,
            "symbolic_cycles": [s.to_dict() for s in self.symbolic_cycles],
            "symbolic_cycles_complete": self.symbolic_cycles_complete,
            "unmatched_cycles": [list(c.regions) for c in self.unmatched_cycles],
        }


def _node_order(graph: nx.DiGraph) -> list[str]:
    """Nodes by region index when present (the order of region words), else by name."""
    return sorted(graph.nodes, key=lambda n: (graph.nodes[n].get("index", 0), str(n)))


def adjacency(graph: nx.DiGraph) -> tuple[list[str], np.ndarray]:
    """(nodes, A): the node order and the 0/1 adjacency matrix A[i, j] = 1 iff i → j."""
    nodes = _node_order(graph)
    return nodes, nx.to_numpy_array(graph, nodelist=nodes, weight=None)


def graph_entropy(graph: nx.DiGraph) -> float:
    """log ρ(A), the topological entropy of the graph's subshift (0 when it has no cycle)."""
    _, A = adjacency(graph)
    rho = float(np.max(np.abs(np.linalg.eigvals(A)))) if A.size else 0.0
    # ρ of a 0/1 matrix is 0 (no cycle) or ≥ 1; round-off below 1 means no growth.
    return float(np.log(rho)) if rho > 1.0 else 0.0


def _components(graph: nx.DiGraph) -> tuple[tuple, tuple]:
    order = {n: i for i, n in enumerate(_node_order(graph))}
    recurrent, attracting = [], []
    for component in nx.strongly_connected_components(graph):
        node = next(iter(component))
        if len(component) == 1 and not graph.has_edge(node, node):
            continue
        ordered = tuple(sorted(component, key=order.get))
        recurrent.append(ordered)
        leaves = any(b not in component for a in component for b in graph.successors(a))
        if not leaves:
            attracting.append(ordered)
    by_size = sorted(recurrent, key=lambda c: (-len(c), order[c[0]]))
    return tuple(by_size), tuple(c for c in by_size if c in attracting)


def _closed_walks(A: np.ndarray, K: int) -> list[int]:
    """tr(A^k) for k = 1 … K."""
    traces, power = [], np.eye(A.shape[0])
    for _ in range(K):
        power = power @ A
        traces.append(round(float(np.trace(power))))
    return traces


def _real_counts(cycles: CycleSet, K: int) -> list[int]:
    """N_k = Σ_{j | k} j · #{cycles of minimal period j}, k = 1 … K."""
    return [sum(c.period for c in cycles if k % c.period == 0) for k in range(1, K + 1)]


def _lyndon_walks(graph: nx.DiGraph, K: int, max_words: int) -> tuple[list[tuple], bool]:
    """Closed walks of length ≤ K that are Lyndon words over the node order; (words, complete)."""
    nodes = _node_order(graph)
    rank = {n: i for i, n in enumerate(nodes)}
    found: list[tuple] = []
    for start in nodes:
        stack = [(start,)]
        while stack:
            walk = stack.pop()
            if graph.has_edge(walk[-1], start):
                word = tuple(rank[n] for n in walk)
                if least_rotation(word) == word and primitive_period(word) == len(word):
                    found.append(walk)
                    if len(found) >= max_words:
                        return found, False
            if len(walk) < K:
                stack.extend(
                    (*walk, n) for n in graph.successors(walk[-1]) if rank[n] >= rank[start]
                )
    found.sort(key=lambda w: (len(w), [rank[n] for n in w]))
    return found, True


def _is_closed_walk(graph: nx.DiGraph, regions: tuple[str, ...]) -> bool:
    return all(graph.has_edge(a, b) for a, b in zip(regions, regions[1:] + regions[:1]))


def graph_topology(
    graph: nx.DiGraph,
    cycles: CycleSet | None = None,
    max_length: int | None = None,
    max_words: int = 10_000,
) -> Topology:
    """Recurrent components, entropy, periodic words and their real cycles of a graph.

    Parameters
    ----------
    graph : networkx.DiGraph
        An empirical or exact symbolic graph (:mod:`pwl_analysis.graph`).
    cycles : CycleSet, optional
        The map's cycles (``m.cycles(K)``) to count periodic points and match symbolic cycles.
    max_length : int, optional
        Longest closed walk K considered; ``cycles.max_period`` by default, else 6.
    max_words : int
        Stop enumerating symbolic cycles after this many.

    Returns
    -------
    Topology
        Components, entropies, periodic counts and symbolic cycles of the graph.

    Raises
    ------
    ValueError
        An empty graph, or ``max_length`` < 1.

    References
    ----------
    Lind, D., Marcus, B. (1995). An Introduction to Symbolic Dynamics and Coding. Cambridge
    University Press (Thm. 4.3.1: the entropy of an edge shift is log ρ(A)).

    Examples
    --------
    The full 2-shift has entropy log 2 and 2^k periodic words of period dividing k:

    >>> import networkx as nx
    >>> full = nx.DiGraph([("0", "0"), ("0", "1"), ("1", "0"), ("1", "1")])
    >>> t = graph_topology(full, max_length=3)
    >>> round(t.graph_entropy, 6), [g for _, g, _ in t.periodic_points]
    (0.693147, [2, 4, 8])
    >>> [s.regions for s in t.symbolic_cycles]
    [('0',), ('1',), ('0', '1'), ('0', '0', '1'), ('0', '1', '1')]
    """
    if graph.number_of_nodes() == 0:
        raise UserInputError("the graph is empty: it has no regions to analyse")
    K = max_length if max_length is not None else (cycles.max_period if cycles else 6)
    if K < 1:
        raise UserInputError(f"max_length must be at least 1, got {K}")
    recurrent, attracting = _components(graph)
    _, A = adjacency(graph)
    real = _real_counts(cycles, K) if cycles is not None else [None] * K
    walks, complete = _lyndon_walks(graph, K, max_words)
    by_word = {c.regions: c for c in cycles} if cycles is not None else {}
    N_K = real[-1]
    return Topology(
        kind=str(graph.graph.get("kind", "graph")),
        n_nodes=graph.number_of_nodes(),
        n_edges=graph.number_of_edges(),
        recurrent_components=recurrent,
        attracting_components=attracting,
        graph_entropy=graph_entropy(graph),
        periodic_points=tuple(zip(range(1, K + 1), _closed_walks(A, K), real)),
        periodic_entropy=float(np.log(N_K) / K) if N_K else None,
        symbolic_cycles=tuple(SymbolicCycle(w, by_word.get(w)) for w in walks),
        symbolic_cycles_complete=complete,
        unmatched_cycles=tuple(c for c in (cycles or ()) if not _is_closed_walk(graph, c.regions)),
    )
