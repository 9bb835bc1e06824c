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

**The screen is verified, not trusted.**  T and c are computed once per (k, base) in ball
arithmetic (Arb) from the exact weights, giving float values with rigorous radii.  For each
word the float solution û of the reduced system gets a rigorous error bound (Rump's
verification of interval linear systems: with X ≈ A⁻¹ and ρ = ‖|I − X A| + |X| ΔA‖∞ < 1,
‖u* − û‖∞ ≤ ‖|X| (|b − A û| + Δb + ΔA |û|)‖∞ / (1 − ρ), every float product inflated by
its rounding bound γ_n = n u / (1 − n u), Higham 2002, §3.5), carried through y = T u + c.
A word is dropped only when some coordinate of y lies on the wrong side of its switching
boundary by more than that bound; every other word, and every word whose bound cannot be
established (ρ ≥ 1), goes to the exact path.  So the float screen never loses an orbit.

References
----------
Rump, S. M. (2010). Verification methods: rigorous results using floating-point arithmetic.
Acta Numerica 19, 287–449 (Theorem 10.2).
Higham, N. J. (2002). Accuracy and Stability of Numerical Algorithms, 2nd ed. SIAM.
Johansson, F. (2017). Arb: efficient arbitrary-precision midpoint-radius interval arithmetic.
IEEE Trans. Computers 66, 1281–1292.
"""

from __future__ import annotations

import os
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import flint
import numpy as np
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from pwl_analysis import _exact
from pwl_analysis.feasibility import certified_empty
from pwl_analysis.orbits import Cycle, DegenerateCycle, exact_points_matrix
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.stability import classify
from pwl_analysis.words import least_rotation_shift

#: Words per batched solve (bounds memory, and lets chunks run on several cores).
_CHUNK = 8192
#: Word rotations per batch of :func:`float_cycle_points` (four arrays of (M+1)² floats each:
#: 70 MB apiece for M = 20).
_ROTATIONS_PER_BATCH = 20_000
#: Base regions with a larger (1-norm) condition number of I − J_b^k are not used as bases.
_COND_LIMIT = 1e10
#: Working precision (bits) of the ball-arithmetic T and c.
_BALL_PRECISION = 128
#: Unit roundoff of float64.
_U = np.finfo(np.float64).eps / 2
#: Ball-arithmetic region Jacobians of each map, by (region, precision), while the map lives.
_BALL_JACOBIANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Float affine steps of each map (``_affine_steps``), while the map lives.
_AFFINE_STEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _AffineSteps(NamedTuple):
    """The regions' float affine steps z ↦ J_d z + c_d, the identity appended (index −1)."""

    jacobians: np.ndarray  # (q + 1, M, M)
    offsets: np.ndarray  # (q + 1, M)
    steps: np.ndarray  # (q + 1, M + 1, M + 1): [J_d c_d; 0 1]


@dataclass(frozen=True)
class _ReducedCycleSystem:
    """T, c (y = T u + c) for one period k around a base region, with rigorous radii.

    The exact T*, c* satisfy |T* − T| ≤ T_radius and |c* − c| ≤ c_radius entrywise.
    """

    base: int
    T: np.ndarray  # (Pk, Pk)
    c: np.ndarray  # (Pk,)
    T_radius: np.ndarray  # (Pk, Pk)
    c_radius: np.ndarray  # (Pk,)


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


def _balls(array: np.ndarray) -> flint.arb_mat:
    """The exact arb matrix of a 2-D float array (floats are dyadic rationals)."""
    return flint.arb_mat(array.shape[0], array.shape[1], array.ravel().tolist())


def _stacked(blocks: list, columns: int) -> flint.arb_mat:
    """Blocks of equal width stacked vertically into one arb matrix."""
    entries = [x for block in blocks for x in block.entries()]
    return flint.arb_mat(len(entries) // columns, columns, entries)


def _midpoints_and_radii(matrix: flint.arb_mat) -> tuple[np.ndarray, np.ndarray]:
    """Float midpoints f and radii r with |x − f| ≤ r for every x in the balls.

    f is the midpoint rounded to nearest (error ≤ u |f| / (1 − u) ≤ 2u |f|) and the ball's
    radius is rounded up by a factor 1 + 2u.
    """
    entries = matrix.entries()
    mid = np.array([float(x.mid()) for x in entries])
    radius = np.array([float(x.rad()) for x in entries]) * (1 + 2 * _U) + 2 * _U * np.abs(mid)
    shape = (matrix.nrows(), matrix.ncols())
    return mid.reshape(shape), radius.reshape(shape)


def ball_matrix(matrix: DomainMatrix) -> flint.arb_mat:
    """Balls holding the exact entries of a ``DomainMatrix`` over QQ (radius 0 if dyadic).

    The balls are formed at flint's current precision.
    """
    entries = [
        flint.fmpq(int(x.numerator), int(x.denominator)) for row in matrix.to_list() for x in row
    ]
    return flint.arb_mat(*matrix.shape, entries)


def ball_jacobian(m: PWLMap, region: int) -> flint.arb_mat:
    """The exact J_d (:meth:`PWLMap.exact_region_jacobian`) as balls, cached per precision.

    (The float Jacobian ``m.jacobians[d]`` rounds the sums A_ij + W_ij, and a rationalized
    map's weights are not floats at all: a ball computation must start from the exact J_d.)
    """
    cache = _BALL_JACOBIANS.setdefault(m, {})
    key = (region, flint.ctx.prec)
    if key not in cache:
        cache[key] = ball_matrix(m.exact_region_jacobian(region))
    return cache[key]


def reduced_system(m: PWLMap, k: int, base: int) -> _ReducedCycleSystem | None:
    """Build T and c of the reduced k-cycle equation around region ``base``, with radii.

    With R_i = S L^i (I − L^k)^{-1}, V_n = L^n U and g_n = L^n h, the blocks are
    T_ij = R_i V_{k−1−j} + [j < i] S V_{i−1−j} and c_i = R_i Σ_n g_n + Σ_{n<i} S g_n + h₂.
    Everything is computed in ball arithmetic (Arb, ``_BALL_PRECISION`` bits) from the exact
    weights, so the float T, c come with rigorous radii.  Returns None when I − L^k is not
    provably invertible.

    For a general map (:class:`PWLMap`) U = W₁, S = W₂, h = c_b (the base region's offset)
    and the stacked y_j = W₂ z_j + h₂ carry h₂: J_d z + c_d = L z + c_b + W₁ (D_d − D_b) y.
    An AL-RNN has U = W_{:, M−P:}, S = (0 | I_P), h₂ = 0.
    """
    M, P = m.M, m.region_bits.shape[1]
    old_precision = flint.ctx.prec
    flint.ctx.prec = _BALL_PRECISION
    try:
        L = ball_jacobian(m, base)
        W1, W2, h2 = m.exact_relu_layer
        U, h = ball_matrix(W1), ball_matrix(m.exact_region_offset(base))
        select = ball_matrix(W2)  # S, (P, M)
        identity = _balls(np.eye(M))
        rows, columns, offsets = [select], [U], [h]  # S L^i, L^n U, L^n h
        power = identity
        for n in range(1, k + 1):
            power = L * power
            if n < k:
                rows.append(rows[-1] * L)
                columns.append(L * columns[-1])
                offsets.append(L * offsets[-1])
        try:
            G = (identity - power).inv()
        except ZeroDivisionError:
            return None
        R = _stacked(rows, M) * G  # (kP, M): R_i stacked
        V_reversed = _stacked([v.transpose() for v in columns[::-1]], M).transpose()
        lower = [[flint.arb(0)] * (k * P) for _ in range(k * P)]
        for i in range(k):
            for j in range(i):
                block = (select * columns[i - 1 - j]).entries()
                for a in range(P):
                    lower[i * P + a][j * P : (j + 1) * P] = block[a * P : (a + 1) * P]
        T = R * V_reversed + flint.arb_mat(lower)
        g_sum = offsets[0]
        for offset in offsets[1:]:
            g_sum = g_sum + offset
        prefix, prefixes = select * (h * 0), []
        for offset in offsets:
            prefixes.append(prefix)
            prefix = prefix + select * offset
        c = R * g_sum + _stacked(prefixes, 1) + _stacked([ball_matrix(h2)] * k, 1)
        T_mid, T_radius = _midpoints_and_radii(T)
        c_mid, c_radius = _midpoints_and_radii(c)
    finally:
        flint.ctx.prec = old_precision
    return _ReducedCycleSystem(base, T_mid, c_mid[:, 0], T_radius, c_radius[:, 0])


def reduced_systems(m: PWLMap, k: int) -> list[_ReducedCycleSystem]:
    """Reduced k-cycle systems around every well-conditioned candidate base region.

    All regions are candidates when 2^P ≤ 16, else a spread of 2 + 8 of them.  Returns an
    empty list when I − J_b^k is ill-conditioned for every candidate b.
    """
    q = m.n_regions
    bases = range(q) if q <= 16 else sorted({0, q - 1, *range(0, q, max(1, q // 8))})
    identity = np.eye(m.M)
    with np.errstate(over="ignore", invalid="ignore"):  # huge weights: no base is usable
        usable = [
            base
            for base in bases
            if _condition(identity - np.linalg.matrix_power(m.jacobians[base], k)) <= _COND_LIMIT
        ]
    systems = [reduced_system(m, k, base) for base in usable]
    return [system for system in systems if system is not None]


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
    P = m.region_bits.shape[1]
    bits = m.region_bits[words].reshape(n, k * P).astype(np.int64)
    base_bits = np.array([np.tile(m.region_bits[s.base], k) for s in systems], dtype=np.int64)
    differences = bits @ (1 - 2 * base_bits).T + base_bits.sum(axis=1)  # Hamming distances
    choice = np.argmin(differences, axis=1)
    n_active = differences[np.arange(n), choice]
    sign = np.where(bits == 1, 1.0, -1.0)  # y > 0 where active, y ≤ 0 where not
    group_key = choice * (k * P + 1) + n_active
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


def rounding_gamma(n: int) -> float:
    """γ_n = n u / (1 − n u): relative error bound of an n-term float dot product."""
    return n * _U / (1 - n * _U)


def _screen_group(system, E: np.ndarray, sign: np.ndarray, size: int) -> np.ndarray:
    """Keep every word whose region constraints are not provably violated (see module doc)."""
    T, c, T_r, c_r = system.T, system.c, system.T_radius, system.c_radius
    n, width = E.shape
    u = np.zeros(E.shape)
    u_error = np.zeros(n)  # rigorous bound on ‖u* − û‖∞ over the active entries
    verified = np.ones(n, dtype=bool)
    T_rows, T_r_rows = np.abs(T).sum(axis=1), T_r.sum(axis=1)  # row sums, (width,)
    if size > 0:
        active = np.nonzero(E)[1].reshape(n, size)
        e = np.take_along_axis(E, active, axis=1).astype(np.float64)
        lhs = np.eye(size) - e[:, :, None] * T[active[:, :, None], active[:, None, :]]
        rhs = e * c[active]
        inverse, solvable = _batched_inverse(lhs)
        u_active = np.einsum("nij,nj->ni", inverse, rhs)
        bound = _verified_error(lhs, T_r_rows.max(), rhs, c_r[active], inverse, u_active)
        u_error, verified = bound
        verified &= solvable
        np.put_along_axis(u, active, u_active, axis=1)
    y = u @ T.T + c
    # |y* − ŷ|_i ≤ Σ_j |T_ij| δ + Σ_j T_r,ij (|û|_max + δ) + c_r,i + γ (Σ_j |T_ij| |û|_max + |c_i|)
    size_u = np.abs(u).max(axis=1, initial=0.0)[:, None]
    delta = u_error[:, None]
    g = rounding_gamma(width + 2)
    y_error = (T_rows * delta + T_r_rows * (size_u + delta)) * (1 + g) + c_r
    y_error += g * (T_rows * size_u + np.abs(c))
    violated = (sign * y + y_error < 0).any(axis=1)
    return ~(verified & violated)


def _verified_error(A, T_radius, b, b_radius, X, x) -> tuple[np.ndarray, np.ndarray]:
    """Rigorous ‖x* − x‖∞ for every exact solution of A* x* = b* given X ≈ A⁻¹.

    Rump 2010, Thm 10.2; with a mask of the words where the bound is established (ρ < 1).

    A = I − E T_aa was formed in floats from T, so ‖A* − A‖∞ ≤ ``T_radius`` + u ‖A‖∞ (the
    ±1 factors are exact, the subtraction rounds once); |b* − b| ≤ ``b_radius``.  ρ bounds
    ‖I − X A*‖∞ by ‖I − fl(X A)‖∞ + γ ‖X‖∞ ‖A‖∞ + ‖X‖∞ ‖A* − A‖∞; norms are row sums, so
    only X A costs s³.  Shapes: A, X (n, s, s); b, b_radius, x (n, s).
    """
    s = A.shape[1]
    g = rounding_gamma(s + 2)
    X_norm, A_norm = norm_inf(X), norm_inf(A)
    A_radius = T_radius + _U * A_norm
    product = X @ A
    product[:, np.arange(s), np.arange(s)] -= 1.0
    rho = (norm_inf(product) + g * (X_norm * A_norm + 1) + X_norm * A_radius) * (1 + g)
    size_x = np.abs(x).max(axis=1)
    residual = np.abs(b - np.einsum("nij,nj->ni", A, x)).max(axis=1)
    slack = residual + b_radius.max(axis=1) + g * (np.abs(b).max(axis=1) + A_norm * size_x)
    numerator = X_norm * (slack + A_radius * size_x) * (1 + g)
    ok = np.isfinite(rho) & (rho < 1) & np.isfinite(numerator)
    error = np.where(ok, numerator / np.where(ok, 1 - rho, 1.0), np.inf) * (1 + 2 * _U)
    return error, ok


def norm_inf(matrices: np.ndarray) -> np.ndarray:
    """Matrix ∞-norms (max row sum) of a stack, shape (n,)."""
    return np.abs(matrices).sum(axis=2).max(axis=1)


def _batched_inverse(matrices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverses of a stack and a mask of the invertible ones (zeros where singular)."""
    try:
        return np.linalg.inv(matrices), np.ones(len(matrices), dtype=bool)
    except np.linalg.LinAlgError:
        solvable = np.isfinite(np.linalg.slogdet(matrices)[1])
        inverse = np.zeros_like(matrices)
        inverse[solvable] = np.linalg.inv(matrices[solvable])
        return inverse, solvable


def float_cycle_points(
    m: PWLMap, words: np.ndarray, every_rotation: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Float points of each word's cycle, batched over words: the SCYFI step's solve.

    With the affine steps as (M+1)×(M+1) matrices G_d = [J_d c_d; 0 1] (c_d = h for an
    AL-RNN), the loop from position s of a word w is G_{w_{s−1}} ⋯ G_{w_0} · G_{w_{k−1}} ⋯
    G_{w_s}, and the cycle's point there solves (I − Π_s) z_s = c_s.

    - ``every_rotation=True``: every rotation is solved, so z_j is never obtained by
      iterating an unstable orbit forward; all k loops come from prefix × suffix products
      (3k batched products instead of k²) and k solves per word.
    - ``every_rotation=False``: z_0 is solved once and z_1, …, z_{k−1} are its forward
      iterates (k products and one solve): several times cheaper for long words, accurate
      while the orbit's expansion over k steps stays far below 1/ε (the seeded search's long
      cycles of weakly chaotic maps; its floats only choose words, which are then decided
      rigorously).

    Parameters
    ----------
    m : PWLMap
        The map.
    words : ndarray of int, shape (n, K)
        Region indices; a row may start with −1 entries, identity steps (J = I, offset 0)
        that change neither Π nor c, so that words of different lengths share one batch.
    every_rotation : bool, default True
        Solve the cycle equation at every position, or once and iterate forward.

    Returns
    -------
    points : ndarray, shape (n, K, M)
        z_j at position j; a padded position holds the word's first point.
    ok : ndarray of bool, shape (n,)
        I − Π is invertible (a finite log-determinant) and every point is finite.

    Examples
    --------
    The tent map's 2-cycle visits 0 and 1 (regions ``"0"``, ``"1"``); its points are
    −1/10 and 3/10, whichever rotation is padded to length 3:

    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> points, ok = float_cycle_points(tent, np.array([[-1, 0, 1], [-1, 1, 0]]))
    >>> points[:, 1:, 0].round(12).tolist(), ok.tolist()
    ([[-0.1, 0.3], [0.3, -0.1]], [True, True])
    """
    n, k = words.shape
    if every_rotation and n * k > _ROTATIONS_PER_BATCH and n > 1:
        size = max(1, _ROTATIONS_PER_BATCH // k)
        parts = [float_cycle_points(m, words[i : i + size]) for i in range(0, n, size)]
        return np.concatenate([p for p, _ in parts]), np.concatenate([ok for _, ok in parts])
    solve = _every_rotation if every_rotation else _first_rotation
    points, solvable = solve(_affine_steps(m), words)
    return points, solvable & np.isfinite(points).all(axis=(1, 2))


def _affine_steps(m: PWLMap) -> _AffineSteps:
    """Each region's affine step in floats, and the identity step at index −1 (cached)."""
    if m not in _AFFINE_STEPS:
        M = m.M
        jacobians = np.concatenate([m.jacobians, np.eye(M)[None]])
        offsets = np.vstack([m.offsets, np.zeros((1, M))])
        steps = np.zeros((len(jacobians), M + 1, M + 1))
        steps[:, :M, :M], steps[:, :M, M], steps[:, M, M] = jacobians, offsets, 1.0
        _AFFINE_STEPS[m] = _AffineSteps(jacobians, offsets, steps)
    return _AFFINE_STEPS[m]


def _every_rotation(affine: _AffineSteps, words) -> tuple[np.ndarray, np.ndarray]:
    """Each position's point from its own loop, prefix × suffix (``float_cycle_points``)."""
    (n, k), M = words.shape, affine.jacobians.shape[1]
    G = affine.steps[words]  # (n, k, M+1, M+1)
    prefix = np.empty_like(G)  # prefix[:, s] = G_{s−1} ⋯ G_0
    suffix = np.empty_like(G)  # suffix[:, s] = G_{k−1} ⋯ G_s
    prefix[:, 0] = np.eye(M + 1)
    for s in range(1, k):
        prefix[:, s] = G[:, s - 1] @ prefix[:, s - 1]
    suffix[:, k - 1] = G[:, k - 1]
    for s in range(k - 2, -1, -1):
        suffix[:, s] = suffix[:, s + 1] @ G[:, s]
    loops = prefix @ suffix
    lhs = np.eye(M) - loops[..., :M, :M]
    ok = np.isfinite(np.linalg.slogdet(lhs)[1])
    points = np.zeros((n, k, M))
    if ok.any():
        points[ok] = np.linalg.solve(lhs[ok], loops[..., :M, M][ok][..., None])[..., 0]
    return points, ok.all(axis=1)


def _first_rotation(affine: _AffineSteps, words) -> tuple[np.ndarray, np.ndarray]:
    """z_0 solved once, then iterated forward (``float_cycle_points``)."""
    jacobians, offsets = affine.jacobians, affine.offsets
    (n, k), M = words.shape, jacobians.shape[1]
    product = np.broadcast_to(np.eye(M), (n, M, M)).copy()
    offset = np.zeros((n, M, 1))
    for j in range(k):
        J = jacobians[words[:, j]]
        product = J @ product
        offset = J @ offset + offsets[words[:, j], :, None]
    lhs = np.eye(M) - product
    solvable = np.isfinite(np.linalg.slogdet(lhs)[1])
    points = np.zeros((n, k, M))
    points[solvable, 0] = np.linalg.solve(lhs[solvable], offset[solvable])[..., 0]
    for j in range(1, k):
        step = words[:, j - 1]
        points[:, j] = (jacobians[step] @ points[:, j - 1, :, None])[..., 0] + offsets[step]
    return points, solvable


# ---- exact ---------------------------------------------------------------------------------


def _exact_cycle_equation(m: PWLMap, word):
    """(Π, c) over QQ with Π = J_{d_{k-1}} ⋯ J_{d_0} and c the accumulated offset."""
    product = _exact.identity(m.M)
    offset = DomainMatrix.zeros((m.M, 1), QQ)
    for region in word:
        J = m.exact_region_jacobian(int(region))
        product = J * product
        offset = J * offset + m.exact_region_offset(int(region))
    return product, offset


def exact_cycle(m: PWLMap, word) -> Cycle | DegenerateCycle | None:
    """Decide a region word exactly: its cycle, a degenerate solution set, or None.

    The word must be primitive (not a power of a shorter word); it is first rotated to its
    least rotation (the Lyndon word), so the record starts there and its monodromy Π is that
    of its first point.  Returns a :class:`Cycle` when the unique solution of (I − Π) z_0 = c
    has every iterate z_j in Ω_{d_j} (with the boundary convention of
    :meth:`PWLMap.region_of`), None when it does not, and a :class:`DegenerateCycle` when
    I − Π is singular.
    """
    word = tuple(int(r) for r in word)
    shift = least_rotation_shift(word)
    word = word[shift:] + word[:shift]
    product, offset = _exact_cycle_equation(m, word)
    lhs = _exact.identity(m.M) - product
    labels = tuple(m.region_label(r) for r in word)
    if lhs.det() == 0:
        return _degenerate(m, word, labels, lhs, offset)
    point = lhs.lu_solve(offset)
    points = []
    for region in word:
        if m.exact_region_bits(point) != region_bits_tuple(m, region):
            return None
        points.append(point)
        point = m.exact_step(point)
    return _make_cycle(m, word, labels, points, product)


def exact_cycles(m: PWLMap, words) -> list[Cycle | DegenerateCycle]:
    """The records :func:`exact_cycle` decides for several primitive words, None dropped.

    Parameters
    ----------
    m : PWLMap
        The map.
    words : iterable of sequences of int
        Primitive region words (rows of an array, tuples, …).

    Returns
    -------
    list of Cycle or DegenerateCycle
        In the order of ``words``, one per realised or degenerate word.

    Examples
    --------
    Both Lyndon words of length 3 over the tent map's two regions are realised:

    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> [c.regions for c in exact_cycles(tent, [(0, 0, 1), (0, 1, 1)])]
    [('0', '0', '1'), ('0', '1', '1')]
    """
    decided = (exact_cycle(m, word) for word in words)
    return [record for record in decided if record is not None]


def may_have_singular_power(m: PWLMap, words: np.ndarray, repeats: int) -> np.ndarray:
    """Mask of primitive words w for which I − Π_w^r may be singular (r = ``repeats``).

    Π_w^r is the product of the L = r·k Jacobians along the power word w^r.  Its float value F
    differs from the exact one by at most e = γ_{L(M+3)} ‖|J_L| ⋯ |J_1|‖∞ (products of
    matrices, Higham 2002, §3.5; the extra 3 per factor cover the roundings of the weights
    (for rational weights), of J_d = A + W D and of the subtraction from I).  With
    X ≈ (I − F)⁻¹, ρ = ‖I − X (I − F)‖∞ + γ_{M+1} ‖X‖ ‖I − F‖ + ‖X‖ e < 1 proves
    I − Π_w^r invertible (Rump 2010): then w^r carries no solution but w's own cycle.
    Every other word goes to the exact decision.

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
        growth = norm_inf(np.linalg.matrix_power(absolute, repeats))
        lhs = np.eye(m.M) - power
        g = rounding_gamma(repeats * k * (m.M + 3))
        error = g * growth * (1 + 2 * g) + 2 * _U * norm_inf(lhs)
        ok = np.isfinite(error) & np.isfinite(lhs).all(axis=(1, 2))
        inverse, solvable = _batched_inverse(np.where(ok[:, None, None], lhs, np.eye(m.M)))
        X_norm = norm_inf(inverse)
        residual = inverse @ lhs
        residual[:, np.arange(m.M), np.arange(m.M)] -= 1.0
        gm = rounding_gamma(m.M + 2)
        rho = (norm_inf(residual) + gm * X_norm * (norm_inf(lhs) + 1) + X_norm * error) * (1 + gm)
    return ~(ok & solvable & (rho < 1))


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
    """The bits d of region ``region`` as a tuple of ints."""
    return tuple(int(b) for b in m.region_bits[region])


def _make_cycle(m: PWLMap, word, labels, points, product) -> Cycle:
    exact_points = exact_points_matrix(points)
    float_points = np.array([_exact.to_float(p)[:, 0] for p in points])
    monodromy = _exact.to_float(product)
    multipliers = np.linalg.eigvals(monodromy)
    multipliers = multipliers[np.argsort(-np.abs(multipliers), kind="stable")]
    on_boundary = any(x == 0 for p in points for x in m.exact_preactivations(p))
    return Cycle(
        period=len(word),
        regions=labels,
        points=float_points,
        exact_points=exact_points,
        monodromy=monodromy,
        multipliers=multipliers,
        stability=classify(multipliers, lambda: product),
        on_boundary=on_boundary,
    )


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
    """Whether some t puts every iterate of z_p + N t in its (closed) region of the word.

    False only when an exact Farkas certificate proves that no such t exists.
    """
    blocks, rhs = [], []
    z, N = z_p, directions
    for region in word:
        region = int(region)
        G, g = m.exact_region_constraints(region)  # G (z + N t) ≤ g
        blocks.append(G * N)
        rhs.append(g - G * z)
        J = m.exact_region_jacobian(region)
        z, N = J * z + m.exact_region_offset(region), J * N
    exact_G, exact_g = blocks[0].vstack(*blocks[1:]), rhs[0].vstack(*rhs[1:])
    G, g = _exact.to_float(exact_G), _exact.to_float(exact_g)[:, 0]
    return not certified_empty(G, g, exact_G, exact_g)
