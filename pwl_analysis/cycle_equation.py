"""Solving the cycle equation of a region word, in floats (batched) and exactly.

**Reduced float solve.**  Fix a base region b with Jacobian L = J_b.  Region d differs from b
only in the columns of the P piecewise-linear units: J_d = L + U E_d S with U = W[:, M−P:],
S z = z[M−P:] and E_d = diag(d − d_b) ∈ {−1, 0, 1}^P.  Along a k-cycle, with u_j = E_{d_j} S z_j,

    z_{j+1} = L z_j + U u_j + h   ⇒   z_i = Σ_j Φ_ij (U u_j + h),
    Φ_ij = L^i (I − L^k)^{-1} L^{k−1−j} + [j < i] L^{i−1−j},

so the stacked piecewise-linear coordinates y = (S z_0, …, S z_{k−1}) are y = T u + c with a
Pk×Pk matrix T and vector c that depend on k only.  A word enters through E alone:
u = E (T u + c), and only the n_a non-zero entries of E are unknown,

    (I − E_a T_aa) u_a = E_a c_a,

a system of size n_a ≤ Pk instead of a product of k M×M matrices and an M×M solve.  All
words of one size are solved in one batched numpy call.

**Exact solve.**  Candidates are decided in Rationals from the full cycle equation
(I − Π) z_0 = c, the points z_j are the exact iterates, and consistency is checked exactly.
The float solve only screens: a word is dropped when its float solution leaves its regions by
more than a tolerance scaled by the condition numbers involved, and words whose systems are
ill-conditioned or singular in floats always go to the exact path.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from pwl_analysis import _exact
from pwl_analysis.feasibility import certified_empty
from pwl_analysis.orbits import Cycle, DegenerateCycle, exact_points_matrix
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.stability import classify
from pwl_analysis.words import least_rotation

#: Relative float error allowed before a region violation is believed; multiplied by the
#: condition numbers of the base and reduced systems (float solves lose about cond·2^-52).
_EPS = 1e-13
#: Floor on the screening tolerance, relative to the size of the solution.
_TOL_FLOOR = 1e-9
#: Words per batched solve (bounds memory, and lets chunks run on several cores).
_CHUNK = 8192
#: Systems with a larger (1-norm) condition number go straight to the exact path.
_COND_LIMIT = 1e10


@dataclass(frozen=True)
class _ReducedCycleSystem:
    """T, c (y = T u + c) and the base region for one period k."""

    base: int
    T: np.ndarray  # (Pk, Pk)
    c: np.ndarray  # (Pk,)
    base_condition: float

    @property
    def T_norm_bound(self) -> float:
        """1 + ‖T‖₁, bounding the 1-norm of every reduced matrix I − E_a T_aa."""
        return 1.0 + float(np.abs(self.T).sum(axis=0).max(initial=0.0))


def _matrix_powers(L: np.ndarray, k: int) -> np.ndarray:
    """(k+1, M, M): L^0, …, L^k."""
    powers = np.empty((k + 1, *L.shape))
    powers[0] = np.eye(L.shape[0])
    for i in range(1, k + 1):
        powers[i] = L @ powers[i - 1]
    return powers


def _condition(matrix: np.ndarray) -> float:
    """1-norm condition number, inf when singular."""
    try:
        return float(np.linalg.norm(matrix, 1) * np.linalg.norm(np.linalg.inv(matrix), 1))
    except np.linalg.LinAlgError:
        return np.inf


def reduced_system(m: PWLMap, k: int, base: int) -> _ReducedCycleSystem:
    """Build T and c of the reduced k-cycle equation around region ``base``.

    With R_i = S L^i (I − L^k)^{-1}, V_n = L^n U and g_n = L^n h, the blocks are
    T_ij = R_i V_{k−1−j} + [j < i] S V_{i−1−j} and c_i = R_i Σ_n g_n + Σ_{n<i} S g_n.
    """
    M, P = m.M, m.P
    pwl = slice(M - P, M)
    powers = _matrix_powers(m.jacobians[base], k)
    I_minus = np.eye(M) - powers[k]
    G = np.linalg.inv(I_minus)
    R = powers[:k, pwl, :] @ G  # (k, P, M)
    V = powers[:k] @ m.W[:, pwl]  # (k, M, P)
    g = powers[:k] @ m.h  # (k, M)
    T = R.reshape(k * P, M) @ V[::-1].transpose(1, 0, 2).reshape(M, k * P)
    T = T.reshape(k, P, k, P)
    i, j = np.nonzero(np.tri(k, k, -1))  # j < i
    T[i, :, j, :] += V[i - 1 - j][:, pwl, :]
    prefix = np.vstack([np.zeros((1, P)), np.cumsum(g[:, pwl], axis=0)[:-1]])
    c = R @ g.sum(axis=0) + prefix
    return _ReducedCycleSystem(
        base=base,
        T=T.reshape(k * P, k * P),
        c=c.reshape(k * P),
        base_condition=_condition(I_minus),
    )


def reduced_systems(m: PWLMap, k: int) -> list[_ReducedCycleSystem]:
    """Reduced k-cycle systems around every well-conditioned candidate base region.

    All regions are candidates when 2^P ≤ 16, else a spread of 2 + 8 of them.  Returns an
    empty list when I − J_b^k is ill-conditioned for every candidate b.
    """
    q = m.n_regions
    bases = range(q) if q <= 16 else sorted({0, q - 1, *range(0, q, max(1, q // 8))})
    identity = np.eye(m.M)
    return [
        reduced_system(m, k, base)
        for base in bases
        if _condition(identity - np.linalg.matrix_power(m.jacobians[base], k)) <= _COND_LIMIT
    ]


def screen_words(m: PWLMap, words: np.ndarray, systems: list[_ReducedCycleSystem]) -> np.ndarray:
    """Mask of words that may be consistent cycles (to be decided exactly).

    Each word is solved around the base region that differs from it in the fewest
    piecewise-linear coordinates, so its reduced system is as small as possible.

    Parameters
    ----------
    words : ndarray of int, shape (n, k)
    systems : reduced systems for this k (non-empty)

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    n, k = words.shape
    bits = m.region_bits[words].reshape(n, k * m.P).astype(np.int64)
    base_bits = np.array([np.tile(m.region_bits[s.base], k) for s in systems], dtype=np.int64)
    differences = bits @ (1 - 2 * base_bits).T + base_bits.sum(axis=1)  # Hamming distances
    choice = np.argmin(differences, axis=1)
    n_active = differences[np.arange(n), choice]
    sign = np.where(bits == 1, 1.0, -1.0)  # y > 0 where active, y ≤ 0 where not
    group_key = choice * (k * m.P + 1) + n_active
    order = np.argsort(group_key, kind="stable")
    boundaries = np.nonzero(np.diff(group_key[order]))[0] + 1
    chunks = [
        chunk
        for group in np.split(order, boundaries)
        for chunk in np.array_split(group, -(-len(group) // _CHUNK))
    ]

    def screen(chunk: np.ndarray) -> np.ndarray:
        system = systems[choice[chunk[0]]]
        E = bits[chunk] - base_bits[choice[chunk[0]]]
        return _screen_group(system, E, sign[chunk], int(n_active[chunk[0]]))

    keep = np.zeros(n, dtype=bool)
    # numpy's batched LAPACK calls release the GIL: chunks run in parallel on the cores
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for chunk, kept in zip(chunks, pool.map(screen, chunks)):
            keep[chunk] = kept
    return keep


def _screen_group(system, E: np.ndarray, sign: np.ndarray, size: int) -> np.ndarray:
    T, c = system.T, system.c
    n = E.shape[0]
    u = np.zeros(E.shape)
    condition = np.ones(n)
    if size > 0:
        active = np.nonzero(E)[1].reshape(n, size)
        e = np.take_along_axis(E, active, axis=1).astype(np.float64)
        lhs = np.eye(size) - e[:, :, None] * T[active[:, :, None], active[:, None, :]]
        inverse, solvable = _batched_inverse(lhs)
        u_active = (inverse @ (e * c[active])[:, :, None])[:, :, 0]
        np.put_along_axis(u, active, u_active, axis=1)
        # ‖I − E_a T_aa‖₁ ≤ 1 + ‖T‖₁ since |E| ≤ 1: an upper bound on the condition number
        condition = np.where(solvable, system.T_norm_bound * _norm1(inverse), np.inf)
    y = u @ T.T + c
    scale = 1.0 + np.abs(y).max(axis=1, initial=0.0)
    tolerance = np.maximum(_TOL_FLOOR, _EPS * condition * system.base_condition) * scale
    consistent = (sign * y).min(axis=1, initial=np.inf) >= -tolerance
    return consistent | (condition * system.base_condition > _COND_LIMIT)


def _norm1(matrices: np.ndarray) -> np.ndarray:
    """Matrix 1-norms (max column sum) of a stack, shape (n,)."""
    return np.abs(matrices).sum(axis=1).max(axis=1)


def _batched_inverse(matrices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverses of a stack and a mask of the invertible ones (zeros where singular)."""
    try:
        return np.linalg.inv(matrices), np.ones(len(matrices), dtype=bool)
    except np.linalg.LinAlgError:
        solvable = np.isfinite(np.linalg.slogdet(matrices)[1])
        inverse = np.zeros_like(matrices)
        inverse[solvable] = np.linalg.inv(matrices[solvable])
        return inverse, solvable


def direct_float_solve(m: PWLMap, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of each word's cycle by the plain method: product of k Jacobians, one solve.

    Every cyclic rotation is solved separately, so z_j is never obtained by iterating an
    unstable orbit forward.  Returns (points of shape (n, k, M), solvable mask of shape (n,)).
    """
    n, k = words.shape
    points = np.zeros((n, k, m.M))
    solvable = np.ones(n, dtype=bool)
    for shift in range(k):
        rotated = np.roll(words, -shift, axis=1)
        product = np.broadcast_to(np.eye(m.M), (n, m.M, m.M)).copy()
        offset = np.zeros((n, m.M))
        for j in range(k):
            J = m.jacobians[rotated[:, j]]
            product = J @ product
            offset = np.einsum("nab,nb->na", J, offset) + m.h
        lhs = np.eye(m.M) - product
        ok = np.isfinite(np.linalg.slogdet(lhs)[1])
        solvable &= ok
        if ok.any():
            points[ok, shift] = np.linalg.solve(lhs[ok], offset[ok][..., None])[..., 0]
    return points, solvable


# ---- exact ---------------------------------------------------------------------------------


def _exact_cycle_equation(m: PWLMap, word):
    """(Π, c) over QQ with Π = J_{d_{k-1}} ⋯ J_{d_0} and c the accumulated offset."""
    _, _, h = m.exact_weights
    product = _exact.identity(m.M)
    offset = h * 0
    for region in word:
        J = m.exact_region_jacobian(int(region))
        product = J * product
        offset = J * offset + h
    return product, offset


def exact_cycle(m: PWLMap, word) -> Cycle | DegenerateCycle | None:
    """Decide a region word exactly: its cycle, a degenerate solution set, or None.

    The word must be primitive (not a power of a shorter word).  Returns a :class:`Cycle`
    when the unique solution of (I − Π) z_0 = c has every iterate z_j in Ω_{d_j} (with the
    boundary convention of :meth:`PWLMap.region_of`), None when it does not, and a
    :class:`DegenerateCycle` when I − Π is singular.
    """
    word = tuple(int(r) for r in word)
    product, offset = _exact_cycle_equation(m, word)
    lhs = _exact.identity(m.M) - product
    labels = tuple(m.region_label(r) for r in word)
    if lhs.det() == 0:
        return _degenerate(m, word, labels, lhs, offset)
    point = lhs.lu_solve(offset)
    points = []
    for region in word:
        pwl = _exact.column_entries(point)[m.M - m.P :]
        if _exact_region(pwl) != region_bits_tuple(m, region):
            return None
        points.append(point)
        point = m.exact_step(point)
    return _make_cycle(m, word, labels, points, product)


def may_have_singular_power(m: PWLMap, words: np.ndarray, repeats: int) -> np.ndarray:
    """Mask of primitive words w for which I − Π_w^r may be singular (r = ``repeats``).

    Π_w^r is the product of the L = r·k Jacobians along the power word w^r.  Its float value F
    differs from the exact one by at most γ ‖|J_L|⋯|J_1|‖_F with γ = L(M+2)u/(1 − L(M+2)u)
    (products of matrices, Higham 2002, §3.5; the extra 2 covers rounding J_d = A + W D and
    the subtraction from I).  A word is cleared when σ_min(I − F) exceeds ten times that bound
    plus the SVD's own error: then I − Π_w^r is certainly invertible and w^r carries no
    solutions but w's own cycle.  Every other word goes to the exact decision.

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    n, k = words.shape
    if n == 0:
        return np.zeros(0, dtype=bool)
    product = np.broadcast_to(np.eye(m.M), (n, m.M, m.M)).copy()
    absolute = product.copy()
    for j in range(k):
        J = m.jacobians[words[:, j]]
        product = J @ product
        absolute = np.abs(J) @ absolute
    with np.errstate(over="ignore", invalid="ignore"):
        power = np.linalg.matrix_power(product, repeats)
        bound_factors = np.linalg.matrix_power(absolute, repeats)
        lhs = np.eye(m.M) - power
        u = np.finfo(np.float64).eps / 2
        steps = repeats * k * (m.M + 2) * u
        gamma = steps / (1 - steps)
        error = gamma * np.linalg.norm(bound_factors, axis=(1, 2))
        error += (m.M + 2) * u * np.linalg.norm(lhs, axis=(1, 2))
        finite = np.isfinite(error) & np.isfinite(lhs).all(axis=(1, 2))
        sigma_min = np.zeros(n)
        sigma_min[finite] = np.linalg.svd(lhs[finite], compute_uv=False)[:, -1]
    return ~(finite & (sigma_min > 10 * error))


def power_word_family(m: PWLMap, word, repeats: int) -> DegenerateCycle | None:
    """Periodic points along the power word w^r that w's own cycle equation does not give.

    With (Π, c) the cycle equation of the primitive word w (length k), the points of period
    dividing r·k that follow w^r solve (I − Π^r) z = (I + Π + ⋯ + Π^{r−1}) c.  When I − Π^r is
    invertible that solution is w's own cycle (if any); when it is singular the solutions form
    an affine set, which is new unless the same set already solves I − Π^s for a proper
    divisor s of r (the sets are nested, so equal dimension means equal sets).  Example: the
    map z ↦ −z + 1 has the whole line as 2-periodic points along the word "00".

    Returns
    -------
    DegenerateCycle of period r·k, or None when w^r adds no periodic points.
    """
    word = tuple(int(r) for r in word)
    product, offset = _exact_cycle_equation(m, word)
    identity = _exact.identity(m.M)
    sets = {}
    power, accumulated = identity, offset * 0
    for s in range(1, repeats + 1):
        accumulated = accumulated + power * offset
        power = product * power
        if repeats % s == 0:
            sets[s] = (identity - power, accumulated)
    lhs, rhs = sets[repeats]
    rank = lhs.rank()
    if rank == m.M or lhs.hstack(rhs).rank() > rank:
        return None
    for s, (lhs_s, rhs_s) in sets.items():
        if s < repeats and lhs_s.hstack(rhs_s).rank() == lhs_s.rank() == rank:
            return None
    long_word = word * repeats
    labels = tuple(m.region_label(r) for r in long_word)
    return _degenerate(m, long_word, labels, lhs, rhs)


def region_bits_tuple(m: PWLMap, region: int) -> tuple[int, ...]:
    return tuple(int(b) for b in m.region_bits[region])


def _exact_region(pwl_coordinates) -> tuple[int, ...]:
    return tuple(1 if x > 0 else 0 for x in pwl_coordinates)


def _make_cycle(m: PWLMap, word, labels, points, product) -> Cycle:
    rotation = _lyndon_shift(word)
    points = points[rotation:] + points[:rotation]
    labels = labels[rotation:] + labels[:rotation]
    exact_points = exact_points_matrix(points)
    float_points = np.array([_exact.to_float(p)[:, 0] for p in points])
    jacobian = _exact.to_float(product)
    multipliers = np.linalg.eigvals(jacobian)
    multipliers = multipliers[np.argsort(-np.abs(multipliers), kind="stable")]
    on_boundary = any(x == 0 for p in points for x in _exact.column_entries(p)[m.M - m.P :])
    return Cycle(
        period=len(word),
        regions=labels,
        points=float_points,
        exact_points=exact_points,
        jacobian=jacobian,
        multipliers=multipliers,
        stability=classify(multipliers, lambda: product),
        on_boundary=on_boundary,
    )


def _lyndon_shift(word) -> int:
    least = least_rotation(word)
    return next(i for i in range(len(word)) if tuple(word[i:] + word[:i]) == least)


def _degenerate(m: PWLMap, word, labels, lhs, offset) -> DegenerateCycle:
    augmented = lhs.hstack(offset)
    if augmented.rank() > lhs.rank():
        return DegenerateCycle(len(word), labels, False, None, None, None)
    reduced, pivots = augmented.rref()
    rows = reduced.to_list()
    particular = [[lhs.domain.zero] for _ in range(m.M)]
    for row, column in enumerate(pivots):
        particular[column] = [rows[row][m.M]]
    z_p = DomainMatrix(particular, (m.M, 1), lhs.domain)
    directions = lhs.nullspace().transpose()
    meets = _affine_set_meets_regions(m, word, z_p, directions)
    return DegenerateCycle(
        len(word), labels, True, _exact.to_sympy(z_p), _exact.to_sympy(directions), meets
    )


def _affine_set_meets_regions(m: PWLMap, word, z_p, directions) -> bool:
    """Is there t with every iterate of z_p + N t in its (closed) region of the word?

    False only when an exact Farkas certificate proves that no such t exists.
    """
    rows, rhs = [], []
    z, N = z_p, directions
    for region in word:
        J = m.exact_region_jacobian(int(region))
        z_list, N_list = _exact.column_entries(z), N.to_list()
        for i, bit in enumerate(m.region_bits[region]):
            sign = QQ(1 if bit == 1 else -1)
            rows.append([-sign * x for x in N_list[m.M - m.P + i]])
            rhs.append([sign * z_list[m.M - m.P + i]])
        z, N = J * z + m.exact_weights[2], J * N
    n = directions.shape[1]
    exact_G = DomainMatrix(rows, (len(rows), n), QQ)
    exact_g = DomainMatrix(rhs, (len(rhs), 1), QQ)
    G, g = _exact.to_float(exact_G), _exact.to_float(exact_g)[:, 0]
    return not certified_empty(G, g, exact_G, exact_g)
