"""Which region-to-region transitions the map can make, decided by linear programming.

The map sends a point of Ω_a into Ω_b only if the polyhedron

    {z : z ∈ cl Ω_a,  J_a z + h ∈ cl Ω_b,  lower ≤ z ≤ upper}

is non-empty.  Closed regions and the LP solver's feasibility tolerance both err towards
*feasible*, so the resulting graph over-approximates the true transitions: pruning region
words with it never removes an orbit (inside the box, when one is given).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

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
        raise ValueError(f"box lower bound exceeds upper bound in coordinate {bad}")
    return lower, upper


def transition_possible(m: PWLMap, a: int, b: int, box=None) -> bool:
    """Whether some point of Ω_a (inside ``box``) is mapped into Ω_b."""
    box = check_box(m, box)
    pwl = slice(m.M - m.P, m.M)
    sign_a = _sign_rows(m.region_bits[a])
    sign_b = _sign_rows(m.region_bits[b])
    # sign_a ⊙ z_pwl ≥ 0 and sign_b ⊙ (J_a z + h)_pwl ≥ 0, written as A_ub z ≤ b_ub
    in_a = np.zeros((m.P, m.M))
    in_a[np.arange(m.P), np.arange(m.M - m.P, m.M)] = -sign_a
    to_b = -sign_b[:, None] * m.jacobians[a][pwl]
    A_ub = np.vstack([in_a, to_b])
    b_ub = np.concatenate([np.zeros(m.P), sign_b * m.h[pwl]])
    bounds = [(None, None)] * m.M if box is None else list(zip(*box))
    result = linprog(np.zeros(m.M), A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
    return result.status != 2  # 2: infeasible; optimal (0) or anything undecided counts


def transition_matrix(m: PWLMap, box=None) -> np.ndarray:
    """(2^P, 2^P) bool: entry [a, b] is False only when Ω_a → Ω_b is impossible."""
    box = check_box(m, box)
    q = m.n_regions
    return np.array([[transition_possible(m, a, b, box) for b in range(q)] for a in range(q)])
