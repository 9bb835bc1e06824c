"""Lyapunov exponents of a piecewise-linear map, from its exact region Jacobians.

Along an orbit z_{t+1} = f(z_t) the tangent map is the product of region Jacobians
Df(z_t) = J_{d(z_t)}.  The Lyapunov spectrum λ_1 ≥ … ≥ λ_M is

    λ_i = lim_{T→∞} (1/T) log σ_i(J_{d(z_{T-1})} ⋯ J_{d(z_0)}),

computed stably by carrying an orthonormal frame Q_t and re-orthonormalising after every step
(Benettin et al. 1980; Eckmann & Ruelle 1985):

    J_{d(z_t)} Q_t = Q_{t+1} R_{t+1},   λ_i ≈ (1/T) Σ_t log |(R_t)_{ii}|.

For a k-cycle the tangent map over one period is the monodromy matrix Π, and the spectrum
is exact: λ_i = log |μ_i| / k for its multipliers μ_i.  Between switching boundaries the map
is affine, so no derivative is approximated: only the orbit and the QR steps are in floats.

References
----------
Benettin, G., Galgani, L., Giorgilli, A., Strelcyn, J.-M. (1980). Lyapunov characteristic
exponents for smooth dynamical systems and for Hamiltonian systems. Meccanica 15, 9–30.
Eckmann, J.-P., Ruelle, D. (1985). Ergodic theory of chaos and strange attractors.
Rev. Mod. Phys. 57, 617–656.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from pwl_analysis.errors import UserInputError
from pwl_analysis.free_runs import free_run
from pwl_analysis.orbits import Cycle
from pwl_analysis.pwl_map import PWLMap


@dataclass(frozen=True)
class LyapunovSpectrum:
    """Lyapunov exponents λ_1 ≥ … ≥ λ_M (per map step, natural logarithm).

    Attributes
    ----------
    exponents : ndarray, shape (M,)
        Sorted in decreasing order; −inf where a direction is mapped to zero.
    steps : int
        Number of tangent steps averaged (the period, for a cycle).
    transient : int
        Steps iterated before averaging started (0 for a cycle).

    See Also
    --------
    lyapunov_spectrum : along a free run.
    cycle_lyapunov_spectrum : of a cycle, from its multipliers.

    Examples
    --------
    Every Jacobian of the Lozi map x' = 1 − 1.7|x| + y, y' = x/2 has determinant −1/2, so
    λ_1 + λ_2 = log(1/2) along every orbit; its fixed point in x > 0 has the multipliers
    (−1.7 ± √4.89)/2:

    >>> import numpy as np
    >>> from pwl_analysis import PWLMap, cycle_lyapunov_spectrum
    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> spectrum = cycle_lyapunov_spectrum(lozi.fixed_points()[1])
    >>> expected = np.log(np.abs([(-1.7 - np.sqrt(4.89)) / 2, (-1.7 + np.sqrt(4.89)) / 2]))
    >>> np.allclose(spectrum.exponents, expected), round(spectrum.sum, 12)
    (True, -0.69314718056)
    >>> round(spectrum.maximal, 4), spectrum.steps
    (0.6707, 1)
    """

    exponents: np.ndarray
    steps: int
    transient: int

    @property
    def maximal(self) -> float:
        """λ_1, the largest exponent."""
        return float(self.exponents[0])

    @property
    def sum(self) -> float:
        """Σ λ_i, the mean log |det Df| along the orbit (phase-space contraction rate)."""
        return float(np.sum(self.exponents))

    def __repr__(self) -> str:
        shown = ", ".join(f"{x:.4g}" for x in self.exponents[:6])
        more = ", …" if self.exponents.size > 6 else ""
        return f"LyapunovSpectrum(λ = ({shown}{more}), steps={self.steps})"

    def to_dict(self) -> dict:
        """JSON-ready dict; −inf exponents become the string ``"-inf"``."""
        return {
            "exponents": [float(x) if np.isfinite(x) else str(x) for x in self.exponents],
            "maximal": self.maximal if np.isfinite(self.maximal) else str(self.maximal),
            "steps": self.steps,
            "transient": self.transient,
        }


def _check_start(m: PWLMap, z0) -> np.ndarray:
    z = np.asarray(z0, dtype=np.float64)
    if z.shape != (m.M,):
        raise UserInputError(f"initial state must have shape ({m.M},), got {z.shape}")
    if not np.all(np.isfinite(z)):
        raise UserInputError("initial state contains NaN or infinite values")
    return z


def _block_products(jacobians: np.ndarray, block: int) -> np.ndarray:
    """(T, M, M) Jacobians → (⌈T/block⌉, M, M) products J_{t+block-1} ⋯ J_t, vectorised."""
    T, M, _ = jacobians.shape
    padded = np.concatenate([jacobians, np.broadcast_to(np.eye(M), (-T % block, M, M))])
    blocks = padded.reshape(-1, block, M, M)
    products = blocks[:, 0]
    for j in range(1, block):
        products = blocks[:, j] @ products
    return products


def _qr_growth(m: PWLMap, orbit: np.ndarray, block: int, progress: bool) -> np.ndarray:
    """Σ log |diag R_i| over the QR steps B_i Q_{i-1} = Q_i R_i, Q_0 = I, B_i a block product.

    The orbit is processed in chunks so at most ~4096 Jacobians are held at once.
    """
    Q = np.eye(m.M)
    log_growth = np.zeros(m.M)
    chunk = block * max(1, 4096 // block)
    starts = range(0, orbit.shape[0], chunk)
    for start in tqdm(starts, desc="Lyapunov spectrum", unit="chunk", disable=not progress):
        for product in _block_products(m.jacobian(orbit[start : start + chunk]), block):
            Q, R = np.linalg.qr(product @ Q)
            with np.errstate(divide="ignore"):
                log_growth += np.log(np.abs(np.diag(R)))
    return log_growth


#: Largest log-condition e^25 ≈ 7e10 of one block product: keeps ~5 significant digits in
#: the most contracted direction of a float64 QR step.
_MAX_LOG_CONDITION = 25.0


def lyapunov_spectrum(
    m: PWLMap, z0, steps: int, transient: int = 1000, block: int = 8, progress: bool = False
) -> LyapunovSpectrum:
    """Lyapunov spectrum along the orbit of ``z0``, by QR re-orthonormalisation.

    The Jacobians of ``block`` consecutive steps are multiplied (vectorised) before each QR
    step.  A block product has condition number about e^{block (λ_1 − λ_M)}; when that exceeds
    e^25 the spectrum is recomputed with a block short enough (down to one step), so the
    most contracting exponents keep their accuracy.

    Parameters
    ----------
    m : PWLMap
        The map.
    z0 : array_like, shape (M,)
        Initial state.
    steps : int
        Number of steps T averaged over, T ≥ 1.
    transient : int
        Steps discarded first so the orbit settles on its attractor.
    block : int
        Steps between re-orthonormalisations, at least 1.
    progress : bool
        Show a tqdm progress bar over the QR steps.

    Returns
    -------
    LyapunovSpectrum
        The exponents λ_1 ≥ … ≥ λ_M per step, sorted.

    Raises
    ------
    ValueError
        ``z0`` of the wrong shape or not finite, ``steps`` or ``block`` < 1, ``transient`` < 0,
        or an orbit that diverges.

    References
    ----------
    Benettin, G., Galgani, L., Giorgilli, A., Strelcyn, J.-M. (1980). Meccanica 15, 9–30.
    Eckmann, J.-P., Ruelle, D. (1985). Rev. Mod. Phys. 57, 617–656.

    Examples
    --------
    The tent map has |f'| = 2 everywhere, so λ = log 2 along every orbit:

    >>> from pwl_analysis import PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> round(lyapunov_spectrum(tent, [0.1234], steps=50, transient=0).maximal, 6)
    0.693147

    The Lozi map's Jacobians all have determinant −1/2, so the exponents of its attractor
    sum to log(1/2) (to rounding) while the largest is positive:

    >>> lozi = PWLMap.from_alrnn([[0, 0.5], [1, 1.7]], [[0, 0], [0, -3.4]], [0, 1], P=1)
    >>> spectrum = lyapunov_spectrum(lozi, [0.0, 0.1], steps=5000)
    >>> round(spectrum.sum, 9), spectrum.maximal > 0.4
    (-0.693147181, True)
    """
    z = _check_start(m, z0)
    for name, value, least in (
        ("steps", steps, 1),
        ("block", block, 1),
        ("transient", transient, 0),
    ):
        if value < least:
            raise UserInputError(f"{name} must be at least {least}, got {value}")
    orbit = free_run(m, steps, transient, z)
    exponents = _qr_growth(m, orbit, block, progress) / steps
    spread = np.max(exponents) - np.min(exponents)
    if block > 1 and block * spread > _MAX_LOG_CONDITION:
        shorter = int(_MAX_LOG_CONDITION // spread) if np.isfinite(spread) else 1
        exponents = _qr_growth(m, orbit, max(1, shorter), progress) / steps
    return LyapunovSpectrum(exponents=np.sort(exponents)[::-1], steps=steps, transient=transient)


def cycle_lyapunov_spectrum(cycle: Cycle) -> LyapunovSpectrum:
    """Exact Lyapunov spectrum of a k-cycle: λ_i = log |μ_i| / k for its multipliers μ_i.

    ``cycle.lyapunov_exponent`` is its maximal element.

    Parameters
    ----------
    cycle : Cycle
        A fixed point or cycle of a map (its multipliers are the eigenvalues of Π).

    Returns
    -------
    LyapunovSpectrum
        The exponents, sorted, with ``steps`` the period; −inf for a zero multiplier.

    Examples
    --------
    >>> from pwl_analysis import PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> round(cycle_lyapunov_spectrum(tent.fixed_points()[0]).maximal, 6)
    0.693147
    """
    with np.errstate(divide="ignore"):
        exponents = np.log(np.abs(cycle.multipliers)) / cycle.period
    return LyapunovSpectrum(exponents=np.sort(exponents)[::-1], steps=cycle.period, transient=0)


#: Steps whose Jacobians (R × M × M each) are looked up at once in the tangent iteration.
_TANGENT_CHUNK = 1024


def maximal_lyapunov_exponents(m: PWLMap, orbits) -> np.ndarray:
    """λ_max along each of R orbits at once, per map step: (T, R, M) orbits give shape (R,).

    One tangent vector per orbit is pushed through the exact region Jacobians and
    renormalised every step (Benettin et al. 1980),

        λ_max ≈ (1/T) Σ_t log ‖J_{d(z_t)} v_t‖,   v_{t+1} = J_{d(z_t)} v_t / ‖J_{d(z_t)} v_t‖,

    from v_0 = (1, …, 1)/√M: cheaper than the spectrum's QR steps when only λ_1 is wanted.
    NaN for an orbit that diverges.

    Parameters
    ----------
    m : PWLMap
        The map.
    orbits : array_like, shape (T, R, M)
        R free runs of T ≥ 1 states (:func:`pwl_analysis.free_runs.free_run` of R initial
        states, ``bounded=False``).

    Returns
    -------
    ndarray, shape (R,)
        λ_max of each orbit, per map step; NaN for a diverged one.

    Examples
    --------
    The tent map has |f'| = 2 everywhere, so λ = log 2 along every orbit:

    >>> from pwl_analysis import PWLMap, free_run
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> runs = free_run(tent, 50, z0=[[0.1234], [-0.3]])
    >>> np.round(maximal_lyapunov_exponents(tent, runs), 6).tolist()
    [0.693147, 0.693147]
    """
    orbits = np.asarray(orbits, dtype=np.float64)
    if orbits.ndim != 3 or orbits.shape[0] < 1 or orbits.shape[2] != m.M:
        raise UserInputError(f"orbits must have shape (T, R, {m.M}), got {orbits.shape}")
    steps, runs, _ = orbits.shape
    growth = np.zeros(runs)
    v = np.ones((runs, m.M)) / np.sqrt(m.M)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, steps, _TANGENT_CHUNK):
            for jacobians in m.jacobian(orbits[start : start + _TANGENT_CHUNK]):
                v = np.einsum("rij,rj->ri", jacobians, v)
                norm = np.linalg.norm(v, axis=1)
                growth += np.log(norm)
                v /= norm[:, None]
    growth[~np.isfinite(growth) | ~np.isfinite(orbits).all(axis=(0, 2))] = np.nan
    return growth / steps
