"""Stability of fixed points and cycles from their multipliers, in the standard terms.

A k-cycle of a piecewise-linear map has the monodromy (cycle) Jacobian
Π = J_{d_{k-1}} ⋯ J_{d_1} J_{d_0}; its eigenvalues λ are the Floquet multipliers.  The
*index* of the cycle is the number of unstable directions, #{λ : |λ| > 1} (with
multiplicity), and its kind is

- an *attracting node* / *attracting focus* when every |λ| < 1 (index 0),
- a *repelling node* / *repelling focus* when every |λ| > 1 (index M),
- a *saddle-focus* when some |λ| < 1 and some |λ| > 1 and an unstable multiplier or the
  leading stable one is non-real; otherwise a *flip saddle* when some unstable multiplier is
  real and negative (λ < −1: the unstable manifold flips side at every turn), else a *saddle*,
- *marginal* when some |λ| = 1 exactly (decided exactly, see below),

where "focus" means that the *leading* multipliers, those nearest the unit circle (of largest
modulus inside it, of smallest outside), are a non-real pair, and "node" that they are real —
the directions in which the orbit is approached or left (Kuznetsov 2004, §2.2 and §3.3;
Shilnikov et al. 1998, §2.7).  A saddle-node is a bifurcation, never a kind of orbit.

Marginality is decided exactly whenever the floats cannot: if a float multiplier lies within
``MARGINAL_SCREEN`` of the unit circle, the characteristic polynomial of the exact rational Π
is tested for roots on the unit circle with a Sturm count (see :func:`has_unit_root`).

References
----------
Kuznetsov, Yu. A. (2004). Elements of Applied Bifurcation Theory, 3rd ed. Springer.
Shilnikov, L. P., Shilnikov, A. L., Turaev, D. V., Chua, L. O. (1998). Methods of Qualitative
Theory in Nonlinear Dynamics, Part I. World Scientific.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from sympy import QQ, Poly, Symbol
from sympy.polys.matrices import DomainMatrix

#: Float multipliers whose modulus is this close to 1 are re-decided exactly.  Eigenvalues of
#: a product of k matrices carry a relative error of roughly k·cond·1e-16; 1e-6 leaves a wide
#: margin for the products met in practice, and the exact test costs little when it triggers.
MARGINAL_SCREEN = 1e-6


class StabilityKind(enum.Enum):
    """The kind of a fixed point or cycle, by its multipliers (see the module docstring).

    The value of each member is its name in words, as reports print it.

    See Also
    --------
    Stability : the kind with the index and the multipliers' moduli.

    Examples
    --------
    The Lozi map x' = 1 − 1.7|x| + y, y' = x/2 has a fixed point on each side of x = 0, with
    multipliers the roots of λ² ∓ 1.7 λ − 1/2: (1.7 ± √4.89)/2 = 1.956, −0.256 for x < 0 (a
    saddle) and (−1.7 ± √4.89)/2 = −1.956, 0.256 for x > 0 (a flip saddle):

    >>> from pwl_analysis import PWLMap, StabilityKind
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> kinds = [c.stability.kind for c in lozi.fixed_points()]
    >>> kinds
    [<StabilityKind.SADDLE: 'saddle'>, <StabilityKind.FLIP_SADDLE: 'flip saddle'>]
    >>> StabilityKind("flip saddle") is kinds[1], str(kinds[1])
    (True, 'flip saddle')
    """

    ATTRACTING_NODE = "attracting node"
    ATTRACTING_FOCUS = "attracting focus"
    REPELLING_NODE = "repelling node"
    REPELLING_FOCUS = "repelling focus"
    SADDLE = "saddle"
    FLIP_SADDLE = "flip saddle"
    SADDLE_FOCUS = "saddle-focus"
    MARGINAL = "marginal"

    def __str__(self) -> str:
        return self.value


_SADDLES = (StabilityKind.SADDLE, StabilityKind.FLIP_SADDLE, StabilityKind.SADDLE_FOCUS)


@dataclass(frozen=True)
class Stability:
    """Kind, index and multiplier moduli of a fixed point or cycle.

    Attributes
    ----------
    kind : StabilityKind
    index : int
        Number of unstable directions, #{λ : |λ| > 1}.
    moduli : tuple of float
        |λ| of every multiplier, in decreasing order.

    Examples
    --------
    The Lozi map's fixed point in x > 0 has the multipliers (−1.7 ± √4.89) / 2:

    >>> import numpy as np
    >>> s = classify(np.array([-1.9557, 0.2557]))
    >>> str(s), s.index, s.stable
    ('flip saddle (index 1)', 1, False)
    """

    kind: StabilityKind
    index: int
    moduli: tuple[float, ...]

    @property
    def stable(self) -> bool:
        """Every multiplier strictly inside the unit circle."""
        return self.kind in (StabilityKind.ATTRACTING_NODE, StabilityKind.ATTRACTING_FOCUS)

    @property
    def saddle(self) -> bool:
        """Some multipliers inside and some outside the unit circle, none on it."""
        return self.kind in _SADDLES

    def __str__(self) -> str:
        return f"{self.kind.value} (index {self.index})" if self.index else self.kind.value

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def _latex(self, printer=None) -> str:
        return rf"\text{{{self}}}"

    def _repr_latex_(self) -> str:
        return f"${self._latex()}$"

    def to_dict(self) -> dict:
        """``{"kind": name, "index": n, "moduli": [|λ|, …]}``, JSON-ready."""
        return {"kind": self.kind.value, "index": self.index, "moduli": list(self.moduli)}


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


#: Multipliers whose moduli agree to this relative tolerance are equally near the unit circle
#: (a complex pair from ``numpy.linalg.eigvals`` has moduli equal to a few ulps).
_SAME_MODULUS = 1e-9


def _leading_complex(multipliers: np.ndarray, among: np.ndarray, pick) -> bool:
    """Whether the multipliers of ``among`` nearest the unit circle include a non-real one."""
    if not among.any():
        return False
    moduli = np.abs(multipliers)
    lead = pick(moduli[among])
    leading = among & np.isclose(moduli, lead, rtol=_SAME_MODULUS, atol=0)
    return bool(np.any(np.imag(multipliers[leading]) != 0))


def classify(multipliers: np.ndarray, exact_jacobian=None) -> Stability:
    """Stability of a cycle from its multipliers.

    Parameters
    ----------
    multipliers : ndarray of complex, shape (M,)
    exact_jacobian : callable returning a ``DomainMatrix``, optional
        Produces the exact monodromy matrix; called only when a multiplier lies within
        ``MARGINAL_SCREEN`` of the unit circle, to decide marginality exactly.

    Returns
    -------
    Stability
        Its kind is decided as in the module docstring; a multiplier near the unit circle
        that is not exactly on it counts on its float side of 1.

    Examples
    --------
    >>> import numpy as np
    >>> str(classify(np.array([1.5 + 0.5j, 1.5 - 0.5j, 0.3])))
    'saddle-focus (index 2)'
    >>> str(classify(np.array([0.5, -0.2])))
    'attracting node'
    """
    multipliers = np.asarray(multipliers)
    moduli = np.abs(multipliers)
    order = np.argsort(-moduli, kind="stable")
    unstable, stable = moduli > 1, moduli < 1
    index = int(unstable.sum())
    near_unit = np.abs(moduli - 1.0) < MARGINAL_SCREEN
    if near_unit.any() and exact_jacobian is not None and has_unit_root(exact_jacobian()):
        kind = StabilityKind.MARGINAL
    elif stable.all():
        focus = _leading_complex(multipliers, stable, max)
        kind = StabilityKind.ATTRACTING_FOCUS if focus else StabilityKind.ATTRACTING_NODE
    elif unstable.all():
        focus = _leading_complex(multipliers, unstable, min)
        kind = StabilityKind.REPELLING_FOCUS if focus else StabilityKind.REPELLING_NODE
    elif np.any(np.imag(multipliers[unstable]) != 0) or _leading_complex(multipliers, stable, max):
        kind = StabilityKind.SADDLE_FOCUS
    elif np.any(unstable & (np.real(multipliers) < 0)):
        kind = StabilityKind.FLIP_SADDLE
    else:
        kind = StabilityKind.SADDLE
    return Stability(kind=kind, index=index, moduli=tuple(float(x) for x in moduli[order]))
