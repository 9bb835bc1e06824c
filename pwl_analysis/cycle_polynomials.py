"""The cycle of a region word along an affine path of AL-RNNs, as rational functions of s.

On m(s) = (1 − s) m₀ + s m₁ every region Jacobian J_d(s) = A(s) + W(s) D_d and the bias
h(s) are affine in s.  For a word w = (d₀, …, d_{k−1}) the cycle equation
(I − Π_w(s)) z₀ = c_w(s) has polynomial entries of degree ≤ k, so by Cramer's rule

    z_j(s) = N_j(s) / D(s),   D = det(I − Π_w),   N₀ = adj(I − Π_w) c_w,
    N_{j+1} = J_{d_j} N_j + h D   (deg D ≤ Mk, deg N_j ≤ Mk + j).

The polynomials D, E = det(I + Π_w) and the switching coordinates N_{j,i} are interpolated
exactly from their values at Mk + k rational points.  The values come from the reduced
cycle equation of :mod:`pwl_analysis.cycle_equation` (size the number of active units along
the word, ≤ Pk), whose M×M part is solved once per period and point for all words; the
determinant lemma of :class:`_Reduced` gives D and E from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import flint

from pwl_analysis.pwl_map import ALRNNMap, PWLMap


def _fmpq_mat(matrix) -> flint.fmpq_mat:
    rows = matrix.to_list()
    entries = [flint.fmpq(int(x.numerator), int(x.denominator)) for row in rows for x in row]
    return flint.fmpq_mat(len(rows), len(rows[0]), entries)


class AffinePath:
    """m(s) = (1 − s) m₀ + s m₁ in exact rationals: region Jacobians and bias at rational s."""

    def __init__(self, m0: ALRNNMap, m1: ALRNNMap):
        self.m0, self.M, self.P, self.q = m0, m0.M, m0.P, m0.n_regions
        self.ends = [tuple(_fmpq_mat(x) for x in m.exact_weights) for m in (m0, m1)]
        self._steps: dict = {}
        #: reduced systems by (period, s)
        self.reduced: dict = {}

    def weights(self, s: flint.fmpq) -> tuple:
        """(A(s), W(s), h(s)) as exact rational matrices (h a column)."""
        (A0, W0, h0), (A1, W1, h1) = self.ends
        return A0 + (A1 - A0) * s, W0 + (W1 - W0) * s, h0 + (h1 - h0) * s

    def steps(self, s: flint.fmpq) -> tuple[list, flint.fmpq_mat]:
        """([J_d(s) for every region d], h(s)), cached per s."""
        if s not in self._steps:
            A, W, h = self.weights(s)
            jacobians = []
            for bits in self.m0.region_bits:
                mask = [1] * (self.M - self.P) + [int(b) for b in bits]
                D = flint.fmpq_mat(self.M, self.M, [0] * self.M**2)
                for i, x in enumerate(mask):
                    D[i, i] = x
                jacobians.append(A + W * D)
            self._steps[s] = (jacobians, h)
        return self._steps[s]

    def map_at(self, s: Fraction) -> ALRNNMap:
        """The AL-RNN m(s) with exact rational weights."""
        A, W, h = self.weights(flint.fmpq(s.numerator, s.denominator))

        def rows(matrix):
            return [[Fraction(int(x.p), int(x.q)) for x in row] for row in matrix.tolist()]

        return PWLMap.from_rationals(rows(A), rows(W), [r[0] for r in rows(h)], self.P)


# ---- one word: its polynomials -------------------------------------------------------------


@dataclass
class WordPolynomials:
    """D = det(I − Π), E = det(I + Π) and the switching coordinates N_{j,i} of one word."""

    D: flint.fmpq_poly
    E: flint.fmpq_poly
    N: list  # N[j][i], i over the P switching units


def _interpolation(n: int, r: int) -> tuple[list, flint.fmpq_mat]:
    """The points (t + r/(n+1))/n, t < n, in [0, 1) and the inverse of their Vandermonde matrix.

    The sets for r = 1…n are disjoint, so a polynomial D ≢ 0 of degree < n vanishes at a point
    of fewer than n of them.
    """
    key = (n, r)
    if key not in _INTERPOLATION:
        points = [flint.fmpq(t * (n + 1) + r, n * (n + 1)) for t in range(n)]
        vandermonde = flint.fmpq_mat(n, n, [p**e for p in points for e in range(n)])
        _INTERPOLATION[key] = (points, vandermonde.inv())
    return _INTERPOLATION[key]


_INTERPOLATION: dict = {}


def interpolated(path: AffinePath, word: tuple[int, ...], values) -> list | None:
    """Polynomials of degree < n = Mk + k from their exact values at n points.

    ``values(path, word, s)`` gives the values at s, or None where D(s) = 0.  None when D ≡ 0
    (it vanishes at every point of a set of n).
    """
    n = path.M * len(word) + len(word)
    for r in range(1, n + 1):
        points, inverse = _interpolation(n, r)
        table = [values(path, word, s) for s in points]
        if all(v is None for v in table):
            return None
        if all(v is not None for v in table):
            break
    matrix = flint.fmpq_mat(n, len(table[0]), [x for row in table for x in row])
    return [flint.fmpq_poly(row) for row in (inverse * matrix).transpose().tolist()]


def word_polynomials(path: AffinePath, word: tuple[int, ...]) -> WordPolynomials | None:
    """D, E and N_{j,i} of a word; None when D ≡ 0 (singular for every s)."""
    polys = interpolated(path, word, _reduced_values)
    if polys is None:
        return None
    P = path.P
    switching = polys[2:]
    N = [switching[j * P : (j + 1) * P] for j in range(len(word))]
    return WordPolynomials(polys[0], polys[1], N)


def numerator_gcd(path: AffinePath, word: tuple[int, ...]) -> flint.fmpq_poly:
    """gcd(D, N₀): its roots are the s where det(I − Π) = 0 and the cycle stays finite."""
    polys = interpolated(path, word, _full_values)
    G = polys[0]
    for p in polys[1:]:
        G = G.gcd(p)
    return G


def _full_values(path: AffinePath, word, s) -> list | None:
    """[D, N₀ (M entries)] at s from the full M×M cycle equation, or None where D(s) = 0."""
    solved = _direct(path, word, s)
    if solved is None:
        return None
    D, _, points = solved
    return [D] + [D * x for x in points[0]]


def _direct(path: AffinePath, word, s) -> tuple | None:
    """(D, E, the cycle's points as lists) at s from (I − Π) z₀ = c; None where D(s) = 0."""
    jacobians, h = path.steps(s)
    M = path.M
    identity = _identity(M)
    product, offset = identity, flint.fmpq_mat(M, 1, [0] * M)
    for d in word:
        product = jacobians[d] * product
        offset = jacobians[d] * offset + h
    D = (identity - product).det()
    if D == 0:
        return None
    z = (identity - product).solve(offset)
    points = []
    for d in word:
        points.append([z[i, 0] for i in range(M)])
        z = jacobians[d] * z + h
    return D, (identity + product).det(), points


def _identity(n: int) -> flint.fmpq_mat:
    return flint.fmpq_mat(n, n, [int(i == j) for i in range(n) for j in range(n)])


# ---- the reduced cycle equation ------------------------------------------------------------


@dataclass(frozen=True)
class _Reduced:
    """T^±, c of the reduced k-cycle equation at one s, around the region with all units off.

    With L = J_0(s), U = W_{:, M−P:}(s), S z = z_{M−P:} and G_σ = (I − σ L^k)^{-1} (σ = ±1),

        T^σ_ij = σ S L^i G_σ L^{k−1−j} U + [j < i] S L^{i−1−j} U,
        c_i = S L^i G_+ Σ_j L^{k−1−j} h + Σ_{j<i} S L^{i−1−j} h,

    the switching coordinates y = (S z_0, …, S z_{k−1}) of the cycle of word w solve
    y = T^+ u + c, u = E_w y, E_w the diagonal of the word's bits (as in
    :mod:`pwl_analysis.cycle_equation`).  The cycle equation written for all k points at once
    is block-cyclic, I − C_L − 𝒰 E_w 𝒮, with det(I − C_L) = det(I − L^k); the matrix
    determinant lemma gives det(I − σ Π_w) = det(I − σ L^k) · det(I − T^σ_aa), a the
    positions of the bits equal to 1 (σ = −1: the corner block of C negated).
    """

    T: tuple  # (T^+, T^-), each a (Pk, Pk) fmpq_mat
    c: list  # Pk entries
    scale: tuple  # (det(I − L^k), det(I + L^k))


def _reduced(path: AffinePath, k: int, s) -> _Reduced | None:
    """The reduced system at s (cached per path), or None where I ∓ L^k is singular."""
    key = (k, s)
    if key not in path.reduced:
        path.reduced[key] = _build_reduced(path, k, s)
    return path.reduced[key]


def _build_reduced(path: AffinePath, k: int, s) -> _Reduced | None:
    """T^±, c at s: G_σ commutes with L, so S L^i G_σ L^{k−1−j} U = (S G_σ) L^{k−1−j+i} U.

    One solve with P right-hand sides per σ, and det(I − σ L^k) = Res(χ_L, 1 − σ λ^k) from
    the characteristic polynomial χ_L.
    """
    jacobians, h = path.steps(s)
    M, P = path.M, path.P
    L = jacobians[0]
    U = flint.fmpq_mat([row[M - P :] for row in (jacobians[-1] - L).tolist()])
    select = flint.fmpq_mat(P, M, [int(j == M - P + i) for i in range(P) for j in range(M)])
    V = [U]  # L^n U, n ≤ 2k − 2
    for _ in range(2 * k - 2):
        V.append(L * V[-1])
    partial = [flint.fmpq_mat(M, 1, [0] * M)]  # Σ_{n<i} L^n h, i ≤ k
    term = h
    for _ in range(k):
        partial.append(partial[-1] + term)
        term = L * term
    power = _identity(M)
    for _ in range(k):
        power = L * power
    characteristic = flint.fmpq_poly(L.charpoly().coeffs())
    T, scale, c = [], [], []
    for sigma in (1, -1):
        determinant = characteristic.resultant(flint.fmpq_poly([1] + [0] * (k - 1) + [-sigma]))
        if determinant == 0:
            return None
        R0 = (_identity(M) - power * sigma).transpose().solve(select.transpose()).transpose()
        RV = [R0 * v * sigma for v in V]  # σ S G_σ L^n U
        SV = [select * v for v in V[: max(k - 1, 0)]]  # S L^n U
        entries = []
        for i in range(k):
            blocks = [RV[k - 1 - j + i] for j in range(k)]
            for j in range(i):
                blocks[j] = blocks[j] + SV[i - 1 - j]
            entries += [blocks[j][a, b] for a in range(P) for j in range(k) for b in range(P)]
        T.append(flint.fmpq_mat(P * k, P * k, entries))
        scale.append(determinant)
        if sigma == 1:  # c_i = S G_+ L^i Σ_{n<k} L^n h + S Σ_{n<i} L^n h
            carried = partial[k]
            for i in range(k):
                ci = R0 * carried + select * partial[i]
                c += [ci[a, 0] for a in range(P)]
                carried = L * carried
    return _Reduced(tuple(T), c, tuple(scale))


def _reduced_values(path: AffinePath, word, s) -> list | None:
    """[D, E, N_{j,i} (Pk entries)] at s, or None where D(s) = 0.

    From the reduced system (size the number of active units along the word, ≤ Pk) where
    I ∓ L^k is invertible at s, else from the full cycle equation.
    """
    k, P = len(word), path.P
    system = _reduced(path, k, s)
    if system is None:
        solved = _direct(path, word, s)
        if solved is None:
            return None
        D, E, points = solved
        return [D, E] + [D * x for z in points for x in z[path.M - P :]]
    bits = path.m0.region_bits
    active = [j * P + i for j, d in enumerate(word) for i in range(P) if bits[d][i]]
    (T_plus, T_minus), c = system.T, system.c
    if not active:
        D, E, y = system.scale[0], system.scale[1], c
    else:
        lhs_plus = _identity(len(active)) - _submatrix(T_plus, active, active)
        D = system.scale[0] * lhs_plus.det()
        if D == 0:
            return None
        E = system.scale[1] * (_identity(len(active)) - _submatrix(T_minus, active, active)).det()
        u = lhs_plus.solve(flint.fmpq_mat(len(active), 1, [c[a] for a in active]))
        Tu = _submatrix(T_plus, range(P * k), active) * u
        y = [Tu[r, 0] + c[r] for r in range(P * k)]
    return [D, E] + [D * x for x in y]


def _submatrix(matrix: flint.fmpq_mat, rows, columns) -> flint.fmpq_mat:
    rows, columns = list(rows), list(columns)
    return flint.fmpq_mat(len(rows), len(columns), [matrix[r, c] for r in rows for c in columns])


def monodromy_values(path: AffinePath, word, s) -> list:
    """[det Π_w, tr Π_w] at s (for the Neimark–Sacker test of 2-D maps)."""
    jacobians, _ = path.steps(s)
    product = _identity(path.M)
    for d in word:
        product = jacobians[d] * product
    return [product.det(), sum(product[i, i] for i in range(path.M))]
