"""Stability of fixed points and cycles from their multipliers.

A k-cycle of a piecewise-linear map has the monodromy (cycle) Jacobian
Π = J_{d_{k-1}} ⋯ J_{d_1} J_{d_0}; its eigenvalues λ are the Floquet multipliers.  The cycle
is

- *stable* when every |λ| < 1, *unstable* (a repeller) when every |λ| > 1,
- a *saddle* when some |λ| < 1 and some |λ| > 1,
- *marginal* when some |λ| = 1 exactly,

and a *focus* (rather than a node) when some multiplier is non-real.

Marginality is decided exactly whenever the floats cannot: if a float multiplier lies within
``MARGINAL_SCREEN`` of the unit circle, the characteristic polynomial of the exact rational Π
is tested for roots on the unit circle with a Sturm count (see :func:`has_unit_root`).
"""

from __future__ import annotations

import numpy as np
from sympy import QQ, Poly, Symbol
from sympy.polys.matrices import DomainMatrix

#: Float multipliers whose modulus is this close to 1 are re-decided exactly.  Eigenvalues of
#: a product of k matrices carry a relative error of roughly k·cond·1e-16; 1e-6 leaves a wide
#: margin for the products met in practice, and the exact test costs little when it triggers.
MARGINAL_SCREEN = 1e-6

STABLE, UNSTABLE, SADDLE, MARGINAL = "stable", "unstable", "saddle", "marginal"

_x = Symbol("x")
_s = Symbol("s")


def _palindromic_to_trace_polynomial(coeffs: list) -> Poly:
    """R with g(x) = x^m R(x + 1/x), for palindromic g of degree 2m (coefficients high→low)."""
    m = (len(coeffs) - 1) // 2
    # x^j + x^{-j} = V_j(s), V_0 = 2, V_1 = s, V_{j+1} = s V_j − V_{j−1}
    V = [Poly(2, _s, domain=QQ), Poly(_s, _s, domain=QQ)]
    for _ in range(2, m + 1):
        V.append(V[-1] * Poly(_s, _s, domain=QQ) - V[-2])
    R = Poly(coeffs[m], _s, domain=QQ)
    for j in range(1, m + 1):
        R += V[j] * Poly(coeffs[m - j], _s, domain=QQ)
    return R


def has_unit_root(matrix: DomainMatrix) -> bool:
    """Whether the exact rational ``matrix`` has an eigenvalue of modulus exactly 1.

    A real polynomial's roots on the unit circle come with their reciprocals λ̄ = 1/λ, so they
    are roots of g = gcd(p, x^n p(1/x)).  After removing the roots ±1, g is palindromic of even
    degree 2m and g(x) = x^m R(x + 1/x); λ = e^{iθ} ↔ s = 2 cos θ ∈ [−2, 2].  So p has a unit
    root iff p(±1) = 0 or R has a real root in [−2, 2], counted exactly by Sturm sequences.
    """
    p = Poly(matrix.charpoly(), _x, domain=QQ)
    if p.eval(1) == 0 or p.eval(-1) == 0:
        return True
    reciprocal = Poly(list(reversed(p.all_coeffs())), _x, domain=QQ)
    g = p.gcd(reciprocal)
    if g.degree() < 2:
        return False
    return _palindromic_to_trace_polynomial(g.monic().all_coeffs()).count_roots(-2, 2) > 0


def classify(multipliers: np.ndarray, exact_jacobian=None) -> str:
    """Stability class of a cycle from its multipliers.

    Parameters
    ----------
    multipliers : ndarray of complex, shape (M,)
    exact_jacobian : callable returning a ``DomainMatrix``, optional
        Produces the exact monodromy matrix; called only when a multiplier lies within
        ``MARGINAL_SCREEN`` of the unit circle, to decide marginality exactly.

    Returns
    -------
    str
        ``"stable"``, ``"unstable"``, ``"saddle"`` or ``"marginal"``, followed by
        ``" focus"`` when a multiplier is non-real and ``" node"`` otherwise (marginal and
        saddle carry the suffix too).
    """
    moduli = np.abs(multipliers)
    near_unit = np.abs(moduli - 1.0) < MARGINAL_SCREEN
    if near_unit.any() and exact_jacobian is not None and has_unit_root(exact_jacobian()):
        kind = MARGINAL
    else:
        # no exact unit root: a near-unit modulus is decided by its side of 1
        kind = STABLE if (moduli < 1).all() else UNSTABLE if (moduli > 1).all() else SADDLE
    focus = bool(np.any(np.abs(np.imag(multipliers)) > 0))
    return f"{kind} {'focus' if focus else 'node'}"
