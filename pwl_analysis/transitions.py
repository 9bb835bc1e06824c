"""Which region-to-region transitions the map can make, decided by linear programming.

The map sends a point of Ω_a into Ω_b only if the polyhedron

    {z : z ∈ cl Ω_a,  J_a z + h ∈ cl Ω_b,  lower ≤ z ≤ upper}

is non-empty.  Closed regions err towards *feasible*, and an LP answer "infeasible" is
accepted only with an exactly checked Farkas certificate (:mod:`pwl_analysis.feasibility`), so
the resulting graph over-approximates the true transitions: pruning region words with it
never removes an orbit (inside the box, when one is given), whatever the magnitudes of the
weights.
"""

from __future__ import annotations

import numpy as np
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from pwl_analysis import _exact
from pwl_analysis.errors import UserInputError
from pwl_analysis.feasibility import box_rows, certified_empty
from pwl_analysis.pwl_map import PWLMap


def _sign_rows(bits: np.ndarray) -> np.ndarray:
    """+1 for an active unit (coordinate ≥ 0), −1 for an inactive one (coordinate ≤ 0)."""
    return np.where(bits == 1, 1.0, -1.0)


def check_box(m: PWLMap, box) -> tuple[np.ndarray, np.ndarray] | None:
    """Validate a box (lower, upper) of shape (M,) each; None passes through."""
    if box is None:
        return None
    lower, upper = (np.broadcast_to(np.asarray(b, dtype=np.float64), (m.M,)) for b in box)
    if np.any(lower > upper):
        bad = int(np.argmax(lower > upper))
        raise UserInputError(f"box lower bound exceeds upper bound in coordinate {bad}")
    return lower, upper


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
    """sign_a ⊙ z_pwl ≥ 0 and sign_b ⊙ (J_a z + h)_pwl ≥ 0, written as G z ≤ g (floats)."""
    pwl = slice(m.M - m.P, m.M)
    sign_a = _sign_rows(m.region_bits[a])
    sign_b = _sign_rows(m.region_bits[b])
    in_a = np.zeros((m.P, m.M))
    in_a[np.arange(m.P), np.arange(m.M - m.P, m.M)] = -sign_a
    to_b = -sign_b[:, None] * m.jacobians[a][pwl]
    return np.vstack([in_a, to_b]), np.concatenate([np.zeros(m.P), sign_b * m.h[pwl]])


def _exact_transition_rows(m: PWLMap, a: int, b: int) -> tuple[DomainMatrix, DomainMatrix]:
    """The rows of :func:`_transition_rows` over QQ, with the exact J_a."""
    J = m.exact_region_jacobian(a).to_list()
    h = _exact.column_entries(m.exact_weights[2])
    rows, rhs = [], []
    for i, bit in enumerate(m.region_bits[a]):
        row = [QQ(0)] * m.M
        row[m.M - m.P + i] = QQ(-1 if bit == 1 else 1)
        rows.append(row)
        rhs.append([QQ(0)])
    for i, bit in enumerate(m.region_bits[b]):
        sign = QQ(1 if bit == 1 else -1)
        rows.append([-sign * x for x in J[m.M - m.P + i]])
        rhs.append([sign * h[m.M - m.P + i]])
    return DomainMatrix(rows, (2 * m.P, m.M), QQ), DomainMatrix(rhs, (2 * m.P, 1), QQ)


def transition_matrix(m: PWLMap, box=None) -> np.ndarray:
    """(2^P, 2^P) bool: entry [a, b] is False only when Ω_a → Ω_b is proven impossible."""
    box = check_box(m, box)
    q = m.n_regions
    return np.array([[transition_possible(m, a, b, box) for b in range(q)] for a in range(q)])
