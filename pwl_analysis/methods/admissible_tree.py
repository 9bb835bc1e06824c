"""A complete cycle search that pays for admissible region words, not for all words.

Depth-first over the prefixes of Lyndon words: a prefix u = w_0 … w_{n−1} is kept only when
it is admissible (:mod:`pwl_analysis.admissibility`: some z has f^j(z) ∈ cl Ω_{w_j} ∩ box for
j < n; dropped only on an exact Farkas certificate).  The points of a k-cycle with Lyndon
word w realise every prefix of w, so no cycle is lost, and each cycle class is visited once:
children follow the prenecklace rule of Fredricksen–Kessler–Maiorana (the next letter is at
least u_{n−p}, p the length of u's longest Lyndon prefix), and u is itself a Lyndon word
exactly when p = n.  At each Lyndon node the cycle equation (I − Π) z_0 = c is solved in
floats and screened against u's polyhedron, and a survivor is decided exactly by
:func:`pwl_analysis.cycle_equation.exact_cycle`; cycles of all periods 1 … K come out of one
tree.

In a low-dimensional map most region words cannot be realised, so the tree is far smaller
than the q^k words :class:`~pwl_analysis.methods.exhaustive.Exhaustive` enumerates: SCYFI's 2-D test
models are complete to period 83 in about a second (2-D polyhedra in a box are cut as
polygons, no LP).  In high dimension the LPs cost more than they prune (the 20-D Lorenz
model: 1.8 s for periods ≤ 6 against 0.07 s for ``Exhaustive``), and without a box, the
default search's setting, it is slower in low dimension too (periods ≤ 12: tent map 2.2 s
against 1.1 s, Lozi 0.78 s against 0.25 s), so ``Exhaustive`` stays the default; give
``AdmissibleTree(box=...)`` for long periods in low dimension.

References
----------
Fredricksen, H., Maiorana, J. (1978). Necklaces of beads in k colors and k-ary de Bruijn
sequences. Discrete Math. 23, 207–210.
Ruskey, F., Savage, C., Wang, T. M. Y. (1992). Generating necklaces. J. Algorithms 13, 414–430.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy
from tqdm.auto import tqdm

from pwl_analysis.admissibility import _Context, _decide, _Word, word_levels
from pwl_analysis.cycle_equation import exact_cycle, norm_inf, rounding_gamma
from pwl_analysis.errors import Remedy
from pwl_analysis.methods.base import SearchMethod
from pwl_analysis.orbits import Cycle, CycleSet, DegenerateCycle
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.words import SearchTooLargeError


@dataclass(frozen=True)
class AdmissibleTree(SearchMethod):
    """Complete search over admissible prefixes of Lyndon region words.

    Every orbit of minimal period ≤ K inside the box is listed (``complete`` is True);
    ``words_tried`` counts the Lyndon words whose cycle equation was solved (in floats).
    The tree's size is estimated before the search (:meth:`costs`, Knuth's estimator) and
    :class:`SearchTooLargeError` is raised when the estimate, or the tree itself while it
    is searched, exceeds ``max_nodes`` nodes.

    Parameters
    ----------
    box : (lower, upper) or None
        Only orbits with every point in the box are searched (and listed), and the box bounds
        every prefix polyhedron.  None: all of R^M — still complete, but far fewer words are
        pruned; give a box around the data where one is known.
    max_nodes : int
        Budget of tree nodes (admissible prefixes) before :class:`SearchTooLargeError`,
        checked against the estimate before the search and against the count during it.

    See Also
    --------
    PWLMap.cycles : runs the search.
    Exhaustive : the default complete search, over all Lyndon words.

    References
    ----------
    Fredricksen, H., Maiorana, J. (1978). Necklaces of beads in k colors and k-ary de Bruijn
    sequences. Discrete Math. 23, 207–210.
    Knuth, D. E. (1975). Estimating the efficiency of backtrack programs. Math. Comp. 29,
    121–136.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| has as many orbits of minimal period k in [−1/2, 1/2] as
    there are primitive binary necklaces of length k (OEIS A001037):

    >>> from pwl_analysis import AdmissibleTree, PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> found = tent.cycles(6, method=AdmissibleTree(box=([-0.5], [0.5])))
    >>> [len(found.of_period(k)) for k in range(1, 7)], found.complete
    ([2, 1, 2, 3, 6, 9], True)
    """

    name = "admissible-tree"
    complete = True
    budget = "max_nodes"
    unit = "tree nodes (admissible prefixes, estimated)"

    box: tuple | None = None
    max_nodes: int = 1_000_000

    def __post_init__(self):
        self._require(positive=("max_nodes",))

    def describe(self, m: PWLMap) -> str:
        """One line naming the method and its settings, for reports."""
        boxed = "in box" if self.box is not None else "no box"
        return f"admissible word tree ({boxed})"

    def costs(self, m: PWLMap | None, max_period: int) -> np.ndarray | None:
        """Estimated tree nodes up to each depth 1…K (Knuth 1975), before the search.

        The tree's roots and its admissible transitions (q + q² decisions, the search's
        first step) are decided, and then :data:`_PROBES` random paths go down the tree:
        at each node every child is decided, one is followed at random, and the product
        d_1 ⋯ d_n of the numbers of children met estimates, without bias, the number of
        nodes at depth n.  Entry k − 1 is the mean over the paths of the nodes up to depth
        k; a path stops once it alone puts the mean over the budget (its later entries are
        then inf).  A probe costs at most K·q decisions, a tiny part of a tree the budget
        admits.

        Examples
        --------
        In [−1/2, 1/2] the tent map realises every binary word, so the tree holds the
        binary prenecklaces (2, 3, 5 of lengths 1…3) except 1^n, n ≥ 2: 2, 4, 8 nodes up
        to depths 1…3.  Every node of one depth has as many children there, so the
        estimate is exact:

        >>> from pwl_analysis import AdmissibleTree, PWLMap
        >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
        >>> AdmissibleTree(box=([-0.5], [0.5])).costs(tent, 3).tolist()
        [2.0, 4.0, 8.0]
        """
        if m is None:
            return None
        tree = _Tree(m, self.box, max_period, self.max_nodes)
        return _estimate_nodes(tree, self.max_nodes)

    def _find(self, m: PWLMap, max_period: int, progress: bool) -> CycleSet:
        return _tree_cycles(m, max_period, self, progress)


#: Random paths of Knuth's estimate of the tree's size.
_PROBES = 16


class _Tree:
    """The word tree's context: the map, its admissible roots and transitions, the depth."""

    def __init__(self, m: PWLMap, box, max_period: int, max_words: int):
        self.ctx = _Context(m, box)
        self.q, self.max_period = m.n_regions, max_period
        levels = word_levels(self.ctx, 2, max_words)
        self.roots = next(levels)
        self.pairs = {node.word: node for node in next(levels)}  # admissible a → b
        self.successors = {a: sorted(b for (x, b) in self.pairs if x == a) for a in range(self.q)}

    def children(self, node: _Word, p: int) -> list[tuple[_Word, int, bool]]:
        """(child, its longest Lyndon prefix length, already decided) in letter order.

        The prenecklace rule (module docstring): the next letter is at least u_{n−p}.
        """
        n, word = len(node.word), node.word
        if n == self.max_period or word[0] == self.q - 1:
            return []  # (q−1)^n, n ≥ 2, is a prefix of no Lyndon word
        first = word[n - p]
        return [
            (self.pairs[(*word, b)], p if b == first else n + 1, True)
            if n == 1
            else (node.child(self.ctx, b), p if b == first else n + 1, False)
            for b in self.successors[word[-1]]
            if b >= first
        ]

    def admissible(self, node: _Word, decided: bool) -> bool:
        """Whether a child is kept: not certified infeasible."""
        return decided or _decide(self.ctx, node, node.parent.witness) != "certified infeasible"


def _estimate_nodes(tree: _Tree, budget: int) -> np.ndarray:
    """Knuth's estimate of the nodes up to each depth (see :meth:`AdmissibleTree.costs`).

    Stratified by root: each root's subtree gets max(1, :data:`_PROBES` / q) paths of its
    own, and the estimates of the subtrees are added.
    """
    rng = np.random.default_rng(0)
    K = tree.max_period
    estimate = np.zeros(K)
    per_root = max(1, _PROBES // max(1, len(tree.roots)))
    for root in tree.roots:
        for _ in range(per_root):
            estimate += _probe(tree, root, rng, budget * per_root) / per_root
    over = np.flatnonzero(estimate > budget)
    return estimate if len(over) == 0 else estimate[: over[0] + 1]


def _probe(tree: _Tree, root: _Word, rng: np.random.Generator, stop: float) -> np.ndarray:
    """One random path from ``root``: the estimated nodes of its subtree up to each depth.

    inf from the depth where the estimate passed ``stop``.
    """
    cumulative = np.full(tree.max_period, np.inf)
    level, weight, nodes = [(root, 1, True)], 1.0, 0.0
    for depth in range(tree.max_period):
        if not level:
            cumulative[depth:] = nodes
            break
        weight *= len(level)
        nodes += weight
        cumulative[depth] = nodes
        if nodes > stop:
            break
        node, p, _ = level[rng.integers(len(level))]
        level = [c for c in tree.children(node, p) if tree.admissible(c[0], c[2])]
    return cumulative


def _tree_cycles(
    m: PWLMap, max_period: int, method: AdmissibleTree, progress: bool = False
) -> CycleSet:
    """The depth-first tree search of :class:`AdmissibleTree` (the module docstring)."""
    tree = _Tree(m, method.box, max_period, method.max_nodes)
    ctx, pairs = tree.ctx, tree.pairs
    found, solved = [], 0
    stack = [(node, 1, True) for node in reversed(tree.roots)]
    with tqdm(desc="admissible words", unit=" node", disable=not progress) as bar:
        nodes = 0
        while stack:
            node, p, decided = stack.pop()
            if not tree.admissible(node, decided):
                continue
            nodes += 1
            bar.update()
            if nodes > method.max_nodes:
                raise SearchTooLargeError(
                    f"the admissible word tree passed its budget of {method.max_nodes} nodes "
                    f"at word length {len(node.word)}",
                    (
                        Remedy("max_period", "lower", len(node.word) - 1),
                        Remedy("max_nodes", "raise"),
                    ),
                )
            n, word = len(node.word), node.word
            if p == n and (word[-1], word[0]) in pairs:  # the cycle closes: z_n ∈ Ω_{w_0}
                solved += 1
                cycle = _leaf_cycle(ctx, node)
                if cycle is not None:
                    found.append(cycle)
            stack.extend(reversed(tree.children(node, p)))
    return method._result(m, found, max_period, solved)


def _leaf_cycle(ctx: _Context, node: _Word) -> Cycle | DegenerateCycle | None:
    """The cycle with the node's (Lyndon) word, unless it provably leaves the node's polyhedron.

    Every survivor is decided by :func:`exact_cycle`.

    The float Π, c and the rows (A, b) are products of at most L = n + 1 Jacobians, each entry
    within g = γ_{L(M+3)} times the absolute-value products (``growth``, Higham 2002, §3.5) of
    the exact ones.  The float solution ẑ of (I − Π) z = c gets a rigorous bound δ on
    ‖z* − ẑ‖∞ (Rump's verification, as in :mod:`pwl_analysis.cycle_equation`), and a row
    a·z ≤ b is taken as violated only when a·ẑ − b exceeds its own rounding, ‖a‖₁ δ and the
    rows' error bounds together.
    """
    m = ctx.m
    J = m.jacobians[node.word[-1]]
    lhs = np.eye(m.M) - J @ node.Pi
    offset = J @ node.c + m.h
    abs_Pi = np.abs(J) @ node._abs[0]
    abs_c = np.abs(J) @ node._abs[1] + np.abs(m.h)
    g = rounding_gamma((len(node.word) + 1) * (m.M + 3))
    error_rows = 2 * g * max(node.growth, float(abs_Pi.sum(axis=1).max() + abs_c.max()))
    try:
        inverse = np.linalg.inv(lhs)
    except np.linalg.LinAlgError:
        return _exact_leaf(ctx, node)
    z = inverse @ offset
    X_norm, lhs_norm = float(norm_inf(inverse[None])[0]), float(norm_inf(lhs[None])[0])
    gm = rounding_gamma(m.M + 2)
    residual = inverse @ lhs - np.eye(m.M)
    rho = (float(norm_inf(residual[None])[0]) + gm * X_norm * (lhs_norm + 1)) * (1 + gm)
    rho += X_norm * error_rows * (1 + gm)
    size = float(np.abs(z).max())
    slack = np.abs(offset - lhs @ z).max() + gm * (np.abs(offset).max() + lhs_norm * size)
    if not (np.isfinite(rho) and rho < 1 and np.isfinite(slack)):
        return _exact_leaf(ctx, node)
    delta = X_norm * (slack + error_rows * (1 + size)) * (1 + gm) / (1 - rho)
    row_norms = np.abs(node.A).sum(axis=1)
    violation = node.A @ z - node.b
    bound = row_norms * delta + error_rows * (1 + size + delta) + 2 * _row_rounding(node, z)
    if np.any(violation - bound > 0):
        return None
    return _exact_leaf(ctx, node)


def _row_rounding(node: _Word, z: np.ndarray) -> np.ndarray:
    """Rounding of a·ẑ − b in floats: γ_{M+1} (|a|·|ẑ| + |b|) per row."""
    return rounding_gamma(node.A.shape[1] + 1) * (np.abs(node.A) @ np.abs(z) + np.abs(node.b))


def _exact_leaf(ctx: _Context, node: _Word) -> Cycle | DegenerateCycle | None:
    result = exact_cycle(ctx.m, node.word)
    if isinstance(result, Cycle) and not _in_box(ctx, result):
        return None
    return result


def _in_box(ctx: _Context, cycle: Cycle) -> bool:
    """Every exact point of the cycle inside the closed box."""
    if ctx.box is None:
        return True
    lower, upper = ([sympy.Rational(*float(x).as_integer_ratio()) for x in b] for b in ctx.box)
    points = cycle.exact_points
    return all(
        lower[j] <= points[i, j] <= upper[j]
        for i in range(points.shape[0])
        for j in range(points.shape[1])
    )
