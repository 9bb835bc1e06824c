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
from pwl_analysis.methods.base import SearchMethod
from pwl_analysis.orbits import Cycle, CycleSet, DegenerateCycle
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.words import SearchTooLargeError


@dataclass(frozen=True)
class AdmissibleTree(SearchMethod):
    """Complete search over admissible prefixes of Lyndon region words.

    Every orbit of minimal period ≤ K inside the box is listed (``complete`` is True);
    ``words_tried`` counts the Lyndon words whose cycle equation was solved (in floats), and
    :class:`SearchTooLargeError` is raised when the tree would exceed ``max_nodes`` nodes.

    Parameters
    ----------
    box : (lower, upper) or None
        Only orbits with every point in the box are searched (and listed), and the box bounds
        every prefix polyhedron.  None: all of R^M — still complete, but far fewer words are
        pruned; give a box around the data where one is known.
    max_nodes : int
        Budget of tree nodes (admissible prefixes) before :class:`SearchTooLargeError`.

    See Also
    --------
    PWLMap.cycles : runs the search.
    Exhaustive : the default complete search, over all Lyndon words.

    References
    ----------
    Fredricksen, H., Maiorana, J. (1978). Necklaces of beads in k colors and k-ary de Bruijn
    sequences. Discrete Math. 23, 207–210.

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

    box: tuple | None = None
    max_nodes: int = 1_000_000

    def __post_init__(self):
        self._require(positive=("max_nodes",))

    def describe(self, m: PWLMap) -> str:
        """One line naming the method and its settings, for reports."""
        boxed = "in box" if self.box is not None else "no box"
        return f"admissible word tree ({boxed})"

    def _find(self, m: PWLMap, max_period: int, progress: bool) -> CycleSet:
        return _tree_cycles(m, max_period, self, progress)


def _tree_cycles(
    m: PWLMap, max_period: int, method: AdmissibleTree, progress: bool = False
) -> CycleSet:
    """The depth-first tree search of :class:`AdmissibleTree` (the module docstring)."""
    ctx = _Context(m, method.box)
    q = m.n_regions
    levels = word_levels(ctx, 2, method.max_nodes)
    roots = next(levels)
    pairs = {node.word: node for node in next(levels)}  # the admissible transitions a → b
    successors = {a: sorted(b for (x, b) in pairs if x == a) for a in range(q)}
    found, solved = [], 0
    stack = [(node, 1, True) for node in reversed(roots)]
    with tqdm(desc="admissible words", unit=" node", disable=not progress) as bar:
        nodes = 0
        while stack:
            node, p, decided = stack.pop()
            if not decided and _decide(ctx, node, node.parent.witness) == "certified infeasible":
                continue
            nodes += 1
            bar.update()
            if nodes > method.max_nodes:
                raise SearchTooLargeError(
                    f"the admissible word tree passed AdmissibleTree(max_nodes="
                    f"{method.max_nodes}) at word length {len(node.word)}; raise max_nodes, "
                    "shrink the box or lower max_period"
                )
            n, word = len(node.word), node.word
            if p == n and (word[-1], word[0]) in pairs:  # the cycle closes: z_n ∈ Ω_{w_0}
                solved += 1
                cycle = _leaf_cycle(ctx, node)
                if cycle is not None:
                    found.append(cycle)
            if n == max_period or word[0] == q - 1:
                continue  # (q−1)^n, n ≥ 2, is a prefix of no Lyndon word
            first = word[n - p]
            for letter in reversed([b for b in successors[word[-1]] if b >= first]):
                child, known = (
                    (pairs[(*word, letter)], True) if n == 1 else (node.child(ctx, letter), False)
                )
                stack.append((child, p if letter == first else n + 1, known))
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
