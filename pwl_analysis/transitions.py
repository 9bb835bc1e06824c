"""Which region-to-region transitions the map can make, decided by linear programming.

The map sends a point of Ω_a into Ω_b only if the polyhedron

    {z : z ∈ cl Ω_a,  J_a z + c_a ∈ cl Ω_b,  lower ≤ z ≤ upper}

is non-empty.  Closed regions err towards *feasible*, and an LP answer "infeasible" is
accepted only with an exactly checked Farkas certificate (:mod:`pwl_analysis.feasibility`), so
the resulting graph over-approximates the true transitions: pruning region words with it
never removes an orbit (inside the box, when one is given), whatever the magnitudes of the
weights.
"""

from __future__ import annotations

import numpy as np
from sympy.polys.matrices import DomainMatrix

from pwl_analysis import _exact
from pwl_analysis.arrangement import Polyhedron, split_cells
from pwl_analysis.errors import UserInputError
from pwl_analysis.feasibility import box_rows, certified_empty, satisfies
from pwl_analysis.pwl_map import PWLMap


def check_box(m: PWLMap, box) -> tuple[np.ndarray, np.ndarray] | None:
    """The box (lower, upper) as two float arrays of shape (M,); None passes through.

    Each bound is one number (every coordinate) or M numbers, finite, with lower ≤ upper in
    every coordinate; a coordinate with lower = upper pins it (a box of zero width there).

    Raises
    ------
    UserInputError
        Not a pair, a bound that is not numbers, of another length, NaN or infinite, or
        lower > upper; the message names ``box`` and the coordinate.
    """
    if box is None:
        return None
    if not isinstance(box, (tuple, list, np.ndarray)) or len(box) != 2:
        raise UserInputError(f"box must be a pair (lower, upper), got {box!r:.60}")
    lower, upper = (_bound(m, name, b) for name, b in zip(("lower", "upper"), box))
    if np.any(lower > upper):
        bad = int(np.argmax(lower > upper))
        raise UserInputError(
            f"box lower bound exceeds upper bound in coordinate {bad} "
            f"({lower[bad]:g} > {upper[bad]:g})"
        )
    return lower, upper


def _bound(m: PWLMap, name: str, bound) -> np.ndarray:
    """One corner of a box as a finite float array of shape (M,)."""
    try:
        values = np.asarray(bound, dtype=np.float64)
    except (TypeError, ValueError):
        raise UserInputError(f"box {name} bound must be numbers, got {bound!r:.60}") from None
    if values.ndim > 1 or values.size not in (1, m.M):
        raise UserInputError(
            f"box {name} bound has {values.size} values; give one (every coordinate) or "
            f"M = {m.M}, one per coordinate"
        )
    if not np.all(np.isfinite(values)):
        raise UserInputError(f"box {name} bound must be finite, got {values.tolist()}")
    return np.broadcast_to(values.reshape(-1), (m.M,))


def transition_possible(m: PWLMap, a: int, b: int, box=None) -> bool:
    """Whether some point of Ω_a (inside ``box``) may be mapped into Ω_b.

    False only when that is proven impossible (exact Farkas certificate).
    """
    box = check_box(m, box)
    G, g = _transition_rows(m, a, b)
    exact_G, exact_g = _exact_transition_rows(m, a, b)
    if box is not None:
        G_box, g_box = box_rows(*box)
        G, g = np.vstack([G, G_box]), np.concatenate([g, g_box])
        exact_G = exact_G.vstack(_exact.exact_matrix(G_box)) if len(g_box) else exact_G
        exact_g = exact_g.vstack(_exact.exact_matrix(g_box)) if len(g_box) else exact_g
    return not certified_empty(G, g, exact_G, exact_g)


def _transition_rows(m: PWLMap, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """z ∈ cl Ω_a and J_a z + c_a ∈ cl Ω_b, written as G z ≤ g (floats).

    With cl Ω_d = {z : G_d z ≤ g_d} (:meth:`PWLMap.region_constraints`), the rows are
    G_a z ≤ g_a and G_b J_a z ≤ g_b − G_b c_a.
    """
    G_a, g_a = m.region_constraints(a)
    G_b, g_b = m.region_constraints(b)
    return np.vstack([G_a, G_b @ m.jacobians[a]]), np.concatenate([g_a, g_b - G_b @ m.offsets[a]])


def _exact_transition_rows(m: PWLMap, a: int, b: int) -> tuple[DomainMatrix, DomainMatrix]:
    """The rows of :func:`_transition_rows` over QQ, with the exact J_a and c_a."""
    G_a, g_a = m.exact_region_constraints(a)
    G_b, g_b = m.exact_region_constraints(b)
    J, c = m.exact_region_jacobian(a), m.exact_region_offset(a)
    return G_a.vstack(G_b * J), g_a.vstack(g_b - G_b * c)


def successors(m: PWLMap, a: int, box=None) -> list[int]:
    """Every region Ω_b that some point of cl Ω_a (inside ``box``) may be mapped into.

    The closed cells of the hyperplanes W₂ (J_a z + c_a) + h₂ = 0 inside cl Ω_a ∩ box, built
    one hyperplane at a time (:func:`~pwl_analysis.arrangement.split_cells`): the side a known
    point lies on costs nothing, the other side one LP, and a side is dropped only with an
    exact Farkas certificate.  The same relation as :func:`transition_possible`, for all b at
    once.
    """
    box = check_box(m, box)
    G, g = m.region_constraints(a)
    exact_G, exact_g = m.exact_region_constraints(a)
    domain = Polyhedron(G, g, exact_G, exact_g, np.zeros(len(g), dtype=bool))
    start = m.region_witness(a)
    if box is not None:
        G_box, g_box = box_rows(*box)
        inside_box = Polyhedron(
            G_box,
            g_box,
            _exact.exact_matrix(G_box),
            _exact.exact_matrix(g_box),
            np.zeros(len(g_box), dtype=bool),
        )
        domain = domain.meet(inside_box)
        if start is not None and not satisfies(
            inside_box.exact_G, inside_box.exact_g, inside_box.strict, start
        ):
            start = None
    _, W2, h2 = m.relu_layer
    _, exact_W2, exact_h2 = m.exact_relu_layer
    J, c = m.exact_region_jacobian(a), m.exact_region_offset(a)
    cells, _, _ = split_cells(
        W2 @ m.jacobians[a],
        W2 @ m.offsets[a] + h2,
        exact_W2 * J,
        exact_W2 * c + exact_h2,
        domain,
        start,
        closed=True,
    )
    labels = {m.region_label(b): b for b in range(m.n_regions)}
    found = ("".join(str(bit) for bit in bits) for bits, _ in cells)
    return sorted(labels[label] for label in found if label in labels)


def transition_matrix(m: PWLMap, box=None) -> np.ndarray:
    """(q, q) bool: entry [a, b] is False only when Ω_a → Ω_b is proven impossible.

    Row a is :func:`successors` of a.
    """
    box = check_box(m, box)
    allowed = np.zeros((m.n_regions, m.n_regions), dtype=bool)
    for a in range(m.n_regions):
        allowed[a, successors(m, a, box)] = True
    return allowed
