"""Periodic orbits of the true flows, by symbolic word, from their equations.

A chaotic attractor is organised by its unstable periodic orbits, each named by the word its
loops spell on a Poincaré section Σ = {u : g(u) = 0}.  For a built-in flow u̇ = F(u) this
module finds, for every Lyndon word w = w_0 ⋯ w_{n−1} up to a length, the periodic orbit that
reads w, by multiple shooting between its n crossings of Σ:

    φ_{τ_i}(x_i) = x_{i+1 mod n},   g(x_i) = 0,   i = 0 … n−1,

4n equations in the section points x_i ∈ R³ and the flight times τ_i, solved by Newton's
method with the Jacobians J_i = Dφ_{τ_i}(x_i) from the variational equation J̇ = DF(u) J
(DOP853, rtol = atol = 1e-12) until every residual component is below 1e-10.  The period is
T = Σ τ_i; the Floquet multipliers are the eigenvalues of the monodromy matrix
M = J_{n−1} ⋯ J_0: one of them is 1 (the flow direction), and their product is
exp ∫_0^T tr DF dt (Liouville).

The sections and letters (:func:`flow_section_coding` names the loops of a recorded series
the same way):

- **Lorenz-63** (σ = 10, ρ = 28, β = 8/3): Σ is the plane z = ρ − 1, through the wing fixed
  points C±, crossed upward (ż > 0); a crossing is ``L`` where x < 0 and ``R`` where x > 0.
  Every binary word of length ≥ 2 has exactly one orbit, L and R none (Viswanath 2003).
  Upward, not downward: ż = xy − βz > 0 on Σ means xy > β(ρ − 1) = 72, so an upward
  crossing lies on the outer side of a wing, x and y of one sign and |x| > 0, and the sign
  of x is the wing.  The downward crossings lie between the wings, near the z-axis, where
  it is not: the orbit LLLLR crosses downward at x = −0.17 on its loop around C+.
- **Rössler** (a = b = 0.2, c = 5.7): Σ is the half-plane x = 0, y > 0, crossed with x
  decreasing (ChaosBook's section, "the positive part of the (y, z) plane"; as
  ẋ = −y − z with z ≥ 0, x decreases through 0 only where y > −z, and on the attractor
  every such crossing has y > 1.9).  The return map
  y_n ↦ y_{n+1} is unimodal with a maximum at y_c; a crossing is ``0`` on the increasing
  branch (y < y_c) and ``1`` on the decreasing one.  Not every word has an orbit: a periodic
  word w is admitted when every shift of w^∞ lies, in the unimodal order, between the
  kneading sequence K (the itinerary of the critical value) and its shift σK (Milnor &
  Thurston 1988).  y_c (a quadratic fit at the top of the return map) and K are read off a
  long simulated orbit, so a word at the border of K is decided by the search, not by K.

Seeds come from a long simulated orbit (:func:`training.data.simulate`): the stretches of n
consecutive section crossings that read w, closest return |x_{j+n} − x_j| first (the
close-return method).  A converged orbit is accepted only when it crosses Σ exactly n times,
in the right direction, with the letters of w.  A word with no orbit is reported with its
reason (:class:`Absence`) and the closest return of the orbit that reads it.

All points are in the system's original coordinates; :meth:`FlowOrbit.data_points` gives
(u − mean) / std, the coordinates of a model trained on z-scored data (as
:func:`training.truth.flow_fixed_points`).

References
----------
Viswanath, D. (2003). Symbolic dynamics and periodic orbits of the Lorenz attractor.
Nonlinearity 16, 1035–1056.
Cvitanović, P., Artuso, R., Mainieri, R., Tanner, G., Vattay, G. ChaosBook.org, Niels Bohr
Institute: "Fixed points, and how to get them" (multiple shooting), and the extras page
"Roessler's model" (section x = 0, y > 0; cycles 1 and 10).
Milnor, J., Thurston, W. (1988). On iterated maps of the interval. Lecture Notes in
Mathematics 1342, 465–563.
"""

from __future__ import annotations

import enum
import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from pwl_analysis.coarse import SectionCoding
from pwl_analysis.errors import UserInputError
from pwl_analysis.skeleton_comparison import Reference, ReferenceOrbit
from pwl_analysis.words import least_rotation_shift, lyndon_strings
from training.data import SYSTEMS, DataError, simulate

#: Newton stops when every residual component is below this (the system's units).
RESIDUAL_TOLERANCE = 1e-10
#: Integration tolerances of the shooting: 100× below the residual tolerance.
_RTOL = _ATOL = 1e-12
#: Newton iterations per seed, and seeds tried per word (closest returns first).
_MAX_ITERATIONS = 30
_MAX_SEEDS = 6
#: Halvings of a Newton step that does not lower the residual, before the seed is given up.
_HALVINGS = 6
#: Time units of the simulated orbit the seeds come from, and its sampling step.
_SEED_DURATION = {"lorenz63": 500.0, "rossler": 3000.0}
_SEED_DT = {"lorenz63": 0.005, "rossler": 0.005}
#: Sampling step of the check that a converged orbit crosses Σ only at its n points.
_CHECK_DT = 0.002
#: Least speed direction · u̇_i of a crossing: rejects a fixed point on Σ (Lorenz's C±, where
#: the shooting equations also hold), whose speed is the residual's size, 1e-10; the orbits'
#: crossings have speeds of order 1 to 100.
_MIN_CROSSING_SPEED = 1e-6
#: Length of the kneading sequence read off the simulated orbit.
_KNEADING_LENGTH = 24


class Absence(enum.Enum):
    """Why a word has no orbit in a :class:`FlowSkeleton`."""

    #: Rössler: a shift of w^∞ lies outside [σK, K] in the unimodal order.
    NOT_ADMITTED = "not admitted by the kneading sequence"
    #: No stretch of the simulated orbit reads the word: there is no seed.
    NOT_IN_ORBIT = "no stretch of the simulated orbit reads it"
    #: Seeds exist, but none converged to an orbit that reads the word.
    NOT_CONVERGED = "no seed converged to an orbit reading it"


@dataclass(frozen=True)
class _Section:
    """Σ = {u : u_i = level} crossed with direction · u̇_i > 0, and the letter rule.

    A crossing is ``letters[0]`` where u_j < threshold and ``letters[1]`` where u_j > it
    (j = ``letter_coordinate``).
    """

    coordinate: int
    level: float
    direction: int
    letter_coordinate: int
    threshold: float
    letters: str

    def signed(self, u: np.ndarray) -> np.ndarray:
        """s(u) = direction · (u_i − level): a crossing takes s from ≤ 0 to > 0."""
        return self.direction * (u[..., self.coordinate] - self.level)

    def word(self, points: np.ndarray) -> str:
        """The letters of section points (n, 3), in order."""
        above = points[:, self.letter_coordinate] > self.threshold
        return "".join(self.letters[int(a)] for a in above)


def _lorenz_section() -> _Section:
    from training.truth import LORENZ

    return _Section(2, LORENZ["rho"] - 1.0, 1, 0, 0.0, "LR")


#: Rössler's section before its letter threshold y_c is known.
_ROSSLER_PLANE = _Section(0, 0.0, -1, 1, 0.0, "01")


@functools.lru_cache(maxsize=2)
def _seed_orbit(system: str) -> tuple[np.ndarray, np.ndarray]:
    """Times and points of a long simulated orbit's crossings of Σ (linear interpolation)."""
    plane = _lorenz_section() if system == "lorenz63" else _ROSSLER_PLANE
    dt = _SEED_DT[system]
    orbit = simulate(system, round(_SEED_DURATION[system] / dt), dt=dt)
    s = plane.signed(orbit)
    before = np.nonzero((s[:-1] <= 0) & (s[1:] > 0))[0]
    w = -s[before] / (s[before + 1] - s[before])
    return dt * (before + w), orbit[before] + w[:, None] * (orbit[before + 1] - orbit[before])


@functools.lru_cache(maxsize=1)
def _rossler_return_map() -> tuple[float, str]:
    """(y_c, K): the critical point of Rössler's return map y_n ↦ y_{n+1} and its kneading
    sequence, the letters of the crossings after the one whose return is highest."""
    _, points = _seed_orbit("rossler")
    before, after = points[:-1, 1], points[1:, 1]
    top = int(np.argmax(after))
    window = np.abs(before - before[top]) < 0.02 * np.ptp(before)
    c2, c1, _ = np.polyfit(before[window], after[window], 2)
    critical = -c1 / (2 * c2)
    letters = np.where(points[:, 1] > critical, "1", "0")
    return float(critical), "".join(letters[top + 1 : top + 1 + _KNEADING_LENGTH])


def _section(system: str) -> _Section:
    if system == "lorenz63":
        return _lorenz_section()
    critical, _ = _rossler_return_map()
    return _Section(0, 0.0, -1, 1, critical, "01")


def _check_system(system: str) -> None:
    if system not in _SEED_DURATION:
        raise DataError(
            f"no periodic orbits for system {system!r}: built-in flows are "
            f"{', '.join(_SEED_DURATION)}"
        )


def flow_section_coding(system: str, mean=None, std=None) -> SectionCoding:
    """The flow's Poincaré section and letters as a coding of a recorded series.

    The same section and letters as :func:`flow_periodic_orbits` (see the module
    docstring), as a :class:`~pwl_analysis.coarse.SectionCoding` of points
    (u − mean) / std: two anchors on Σ that differ only in the letter's coordinate, so the
    nearest one is the letter's side of the threshold.

    Parameters
    ----------
    system : str
        ``"lorenz63"`` or ``"rossler"``.
    mean, std : array_like, shape (3,), optional
        The z-scoring of the series (default: none, original coordinates).

    Returns
    -------
    SectionCoding
        Letters ``"LR"`` (Lorenz) or ``"01"`` (Rössler), observation the identity.

    Raises
    ------
    DataError
        An unknown system.

    Examples
    --------
    >>> coding = flow_section_coding("lorenz63")
    >>> loop = np.array([[-8.0, -8.0, 30.0], [-8.0, -8.0, 20.0], [8.0, 8.0, 30.0],
    ...                  [8.0, 8.0, 20.0], [8.0, 8.0, 30.0], [8.0, 8.0, 20.0]])
    >>> coding.word(loop)
    'LRR'
    """
    _check_system(system)
    section = _section(system)
    mean = np.zeros(3) if mean is None else np.asarray(mean, dtype=float)
    std = np.ones(3) if std is None else np.asarray(std, dtype=float)
    origin = np.zeros(3)
    origin[section.coordinate] = section.level
    origin[section.letter_coordinate] = section.threshold
    step = np.eye(3)[section.letter_coordinate]
    anchors = np.array([origin - step, origin + step])
    normal = section.direction * np.eye(3)[section.coordinate] / std
    return SectionCoding(
        origin=(origin - mean) / std,
        normal=normal / np.linalg.norm(normal),
        anchors=(anchors - mean) / std,
        letters=section.letters,
        observation=np.eye(3),
    )


@dataclass(frozen=True)
class FlowOrbit:
    """A periodic orbit of a built-in flow, named by its word on the Poincaré section.

    Attributes
    ----------
    system : str
        ``"lorenz63"`` or ``"rossler"``.
    word : str
        The letters of its section crossings, as the least rotation (a Lyndon word).
    period : float
        T, in the system's time units.
    multipliers : ndarray, shape (3,), complex
        Floquet multipliers, the eigenvalues of the monodromy matrix, largest modulus first.
    points : ndarray, shape (n, 3)
        The section crossings x_0 … x_{n−1} in the system's original coordinates; x_i reads
        ``word[i]``.
    times : ndarray, shape (n,)
        The time of each crossing after x_0 (times[0] = 0).
    residual : float
        The largest component of the shooting residual at the solution (≤ 1e-10).
    """

    system: str
    word: str
    period: float
    multipliers: np.ndarray
    points: np.ndarray
    times: np.ndarray
    residual: float

    @property
    def leading_multiplier(self) -> complex:
        """Λ, the multiplier of largest modulus (real for these flows' orbits)."""
        return complex(self.multipliers[0])

    def data_points(self, mean, std) -> np.ndarray:
        """The section points in the coordinates (u − mean) / std of z-scored data."""
        return (self.points - np.asarray(mean, dtype=float)) / np.asarray(std, dtype=float)

    def __repr__(self) -> str:
        return (
            f"FlowOrbit({self.system} {self.word}: T = {self.period:.10g}, "
            f"Λ = {self.leading_multiplier.real:.6g})"
        )

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict (multipliers as [re, im] pairs)."""
        return {
            "system": self.system,
            "word": self.word,
            "period": self.period,
            "multipliers": [[float(v.real), float(v.imag)] for v in self.multipliers],
            "points": self.points.tolist(),
            "times": self.times.tolist(),
            "residual": self.residual,
        }


@dataclass(frozen=True)
class AbsentWord:
    """A word for which no periodic orbit was found, and why.

    Attributes
    ----------
    word : str
        The Lyndon word.
    reason : Absence
        Not admitted (Rössler's kneading sequence), no seed, or no seed converged.
    closest_return : float
        The smallest |x_{j+n} − x_j| over the stretches of the simulated orbit that read the
        word (NaN when none reads it); a stretch can read a word not admitted as a periodic
        orbit, but then it does not close.
    seeds_tried : int
        Seeds refined by Newton's method.
    """

    word: str
    reason: Absence
    closest_return: float
    seeds_tried: int

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict (NaN as null)."""
        closest = None if math.isnan(self.closest_return) else self.closest_return
        return {
            "word": self.word,
            "reason": self.reason.value,
            "closest_return": closest,
            "seeds_tried": self.seeds_tried,
        }


@dataclass(frozen=True)
class FlowSkeleton:
    """The periodic orbits of a flow for every Lyndon word up to a length.

    Iterating gives the orbits (by length, then word); ``skeleton["LR"]`` the orbit of a word.

    Attributes
    ----------
    system : str
    max_word_length : int
    orbits : tuple of FlowOrbit
        One orbit per word found.
    absent : tuple of AbsentWord
        The words searched without an orbit, each with its reason.
    kneading : str or None
        Rössler: the kneading sequence K (its first letters) that decided admissibility.
    """

    system: str
    max_word_length: int
    orbits: tuple[FlowOrbit, ...]
    absent: tuple[AbsentWord, ...]
    kneading: str | None

    def __iter__(self):
        return iter(self.orbits)

    def __len__(self) -> int:
        return len(self.orbits)

    def __getitem__(self, word: str) -> FlowOrbit:
        for orbit in self.orbits:
            if orbit.word == word:
                return orbit
        raise KeyError(f"no {self.system} orbit with word {word!r}")

    def __repr__(self) -> str:
        return (
            f"FlowSkeleton({self.system}, words up to length {self.max_word_length}: "
            f"{len(self.orbits)} orbits, {len(self.absent)} words without one)"
        )

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "system": self.system,
            "max_word_length": self.max_word_length,
            "orbits": [orbit.to_dict() for orbit in self.orbits],
            "absent": [word.to_dict() for word in self.absent],
            "kneading": self.kneading,
        }


def flow_periodic_orbits(system: str, max_word_length: int = 6) -> FlowSkeleton:
    """The periodic orbits of a built-in flow for every Lyndon word up to a length.

    Every Lyndon word over the section's two letters of length 1 … ``max_word_length`` is
    searched by multiple shooting from close-return seeds (see the module docstring); each
    orbit found satisfies φ_{τ_i}(x_i) = x_{i+1} and g(x_i) = 0 to 1e-10 and reads its word.

    Parameters
    ----------
    system : str
        ``"lorenz63"`` (section z = ρ − 1 crossed downward, letters L/R by the sign of x) or
        ``"rossler"`` (half-plane x = 0, y > 0, letters 0/1 by the branch of the return map).
    max_word_length : int
        The longest word searched, 1 … 12 (about 1 s per word of length 6 on one core).

    Returns
    -------
    FlowSkeleton
        The orbits found (iterating gives them) and the words without one, with the reason.

    Raises
    ------
    DataError
        An unknown system.
    UserInputError
        ``max_word_length`` outside 1 … 12.

    References
    ----------
    Viswanath, D. (2003). Nonlinearity 16, 1035–1056 (Lorenz: LR has period 1.5586522).
    ChaosBook.org, "Roessler's model" (T = 5.88108845586, Λ = −2.403953527).

    Examples
    --------
    >>> skeleton = flow_periodic_orbits("lorenz63", max_word_length=2)
    >>> [orbit.word for orbit in skeleton], [a.word for a in skeleton.absent]
    (['LR'], ['L', 'R'])
    >>> round(skeleton["LR"].period, 7)
    1.5586522
    """
    _check_system(system)
    if not isinstance(max_word_length, int) or not 1 <= max_word_length <= 12:
        raise UserInputError(f"max_word_length must be an integer 1 … 12, got {max_word_length!r}")
    section = _section(system)
    kneading = _rossler_return_map()[1] if system == "rossler" else None
    times, points = _seed_orbit(system)
    letters = section.word(points)
    orbits, absent = [], []
    for word in lyndon_strings(section.letters, max_word_length):
        candidates = _seeds(system, word, letters, points)
        if kneading is not None and not _admitted(word, kneading):
            closest = candidates[0][0] if candidates else float("nan")
            absent.append(AbsentWord(word, Absence.NOT_ADMITTED, closest, 0))
            continue
        found = _search(system, section, word, candidates, times)
        (orbits if isinstance(found, FlowOrbit) else absent).append(found)
    return FlowSkeleton(system, max_word_length, tuple(orbits), tuple(absent), kneading)


def _seeds(system, word, letters, points) -> list[tuple[float, int, np.ndarray]]:
    """(|x_{j+n} − x_j|, j, points) for each stretch j … j+n of crossings reading ``word``,
    closest return first.

    For Lorenz the stretches reading the mirror word (L ↔ R) are seeds too, mirrored by the
    flow's symmetry (x, y, z) ↦ (−x, −y, z).
    """
    n = len(word)
    seeds = [(points, word)]
    if system == "lorenz63":
        seeds.append((points * np.array([-1.0, -1.0, 1.0]), word.translate(_MIRROR)))
    candidates = []  # (gap, start, points)
    for stretch_points, reads in seeds:
        for j in range(len(letters) - n):
            if letters.startswith(reads, j):
                gap = float(np.linalg.norm(stretch_points[j + n] - stretch_points[j]))
                candidates.append((gap, j, stretch_points))
    return sorted(candidates, key=lambda candidate: candidate[:2])


def _search(system, section, word, candidates, times) -> FlowOrbit | AbsentWord:
    """The orbit reading ``word`` from the closest seeds (:func:`_seeds`), or why not."""
    n = len(word)
    if not candidates:
        return AbsentWord(word, Absence.NOT_IN_ORBIT, float("nan"), 0)
    for _gap, j, stretch_points in candidates[:_MAX_SEEDS]:
        x, tau = stretch_points[j : j + n].copy(), np.diff(times[j : j + n + 1])
        found = _shoot(system, section, x, tau)
        if found is not None and found.word == word:
            return found
    tried = min(len(candidates), _MAX_SEEDS)
    return AbsentWord(word, Absence.NOT_CONVERGED, candidates[0][0], tried)


#: Lorenz's symmetry (x, y, z) ↦ (−x, −y, z) on words.
_MIRROR = str.maketrans("LR", "RL")


def _admitted(word: str, kneading: str) -> bool:
    """Every shift of w^∞ in [σK, K] in the unimodal order (compared on len(K) letters)."""
    repeated = word * (len(kneading) // len(word) + 2)
    upper, lower = kneading, kneading[1:]
    for n in range(len(word)):
        shifted = repeated[n : n + len(kneading)]
        if _unimodal_less(upper, shifted) or _unimodal_less(shifted[: len(lower)], lower):
            return False
    return True


def _unimodal_less(s: str, t: str) -> bool:
    """s < t for itineraries of a unimodal map with a maximum: at the first difference the
    order is 0 < 1 after an even number of 1s and reversed after an odd number."""
    ones = 0
    for a, b in zip(s, t):
        if a != b:
            return (a < b) == (ones % 2 == 0)
        ones += a == "1"
    return False


def _augmented(system: str):
    """u̇ = F(u) with J̇ = DF(u) J, on the state (u, J) of length 12."""
    from training.truth import FLOWS

    field, jacobian = SYSTEMS[system][0], FLOWS[system][0]

    def rhs(t, state):
        u = state[:3]
        return np.concatenate([field(t, u), (jacobian(u) @ state[3:].reshape(3, 3)).ravel()])

    return rhs


def _flow(system: str, x: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """φ_τ(x) and its Jacobian Dφ_τ(x)."""
    solution = solve_ivp(
        _augmented(system), (0.0, tau), np.concatenate([x, np.eye(3).ravel()]),
        method="DOP853", rtol=_RTOL, atol=_ATOL,
    )  # fmt: skip
    return solution.y[:3, -1], solution.y[3:, -1].reshape(3, 3)


def _trace_integral(system: str, x0: np.ndarray, period: float) -> float:
    """∫_0^T tr DF(φ_t(x0)) dt, integrated with the orbit."""
    from training.truth import FLOWS

    field, jacobian = SYSTEMS[system][0], FLOWS[system][0]

    def rhs(t, state):
        return np.append(field(t, state[:3]), np.trace(jacobian(state[:3])))

    solution = solve_ivp(
        rhs, (0.0, period), np.append(x0, 0.0), method="DOP853", rtol=_RTOL, atol=_ATOL
    )
    return float(solution.y[3, -1])


def _residual(system, section, x, tau):
    """The shooting residual (4n,), the Jacobians J_i and the images φ_{τ_i}(x_i)."""
    n = len(x)
    images, jacobians = zip(*(_flow(system, x[i], tau[i]) for i in range(n)))
    images = np.array(images)
    r = np.concatenate([(images - np.roll(x, -1, axis=0)).ravel(), x[:, section.coordinate]])
    r[3 * n :] -= section.level
    return r, jacobians, images


def _newton_matrix(system, section, jacobians, images) -> np.ndarray:
    """∂(residual)/∂(x_0 … x_{n−1}, τ_0 … τ_{n−1})."""
    field = SYSTEMS[system][0]
    n = len(jacobians)
    D = np.zeros((4 * n, 4 * n))
    for i in range(n):
        rows = slice(3 * i, 3 * i + 3)
        D[rows, 3 * i : 3 * i + 3] += jacobians[i]
        k = (i + 1) % n
        D[rows, 3 * k : 3 * k + 3] -= np.eye(3)
        D[rows, 3 * n + i] = field(0.0, images[i])
        D[3 * n + i, 3 * i + section.coordinate] = 1.0
    return D


def _shoot(system, section, x, tau) -> FlowOrbit | None:
    """Damped Newton's method on the multiple-shooting equations from the seed (x, τ).

    A step is halved (up to ``_HALVINGS`` times) until it lowers the largest residual
    component: far from the orbit a full step can overshoot into another loop.
    """
    n = len(x)
    r, jacobians, images = _residual(system, section, x, tau)
    for _ in range(_MAX_ITERATIONS):
        size = float(np.max(np.abs(r)))
        if size < RESIDUAL_TOLERANCE:
            return _orbit(system, section, x, tau, jacobians, size)
        try:
            step = np.linalg.solve(_newton_matrix(system, section, jacobians, images), -r)
        except np.linalg.LinAlgError:
            return None
        for halving in range(_HALVINGS + 1):
            trial_x = x + step[: 3 * n].reshape(n, 3) / 2**halving
            trial_tau = tau + step[3 * n :] / 2**halving
            if np.all(trial_tau > 0):
                trial = _residual(system, section, trial_x, trial_tau)
                if np.max(np.abs(trial[0])) < size:
                    break
        else:
            return None
        x, tau, (r, jacobians, images) = trial_x, trial_tau, trial
    return None


def _orbit(system, section, x, tau, jacobians, residual) -> FlowOrbit | None:
    """The record, if the orbit crosses Σ exactly at its n points, each in Σ's direction."""
    field = SYSTEMS[system][0]
    if any(section.direction * field(0.0, p)[section.coordinate] <= _MIN_CROSSING_SPEED for p in x):
        return None
    if _crossings(system, section, x[0], float(tau.sum())) != len(x):
        return None
    word = section.word(x)
    shift = least_rotation_shift([ord(letter) for letter in word])
    x, tau = np.roll(x, -shift, axis=0), np.roll(tau, -shift)
    jacobians = jacobians[shift:] + jacobians[:shift]
    monodromy = np.eye(3)
    for J in jacobians:
        monodromy = J @ monodromy
    multipliers = np.linalg.eigvals(monodromy)
    multipliers = multipliers[np.argsort(-np.abs(multipliers), kind="stable")]
    # the contracting multiplier (e^{-13.7 T} and less) is far below the resolution of M's
    # entries; Liouville's det M = exp ∫_0^T tr DF dt gives it from Λ and the unit one
    multipliers[2] = np.exp(_trace_integral(system, x[0], float(tau.sum()))) / (
        multipliers[0] * multipliers[1]
    )
    return FlowOrbit(
        system=system,
        word=word[shift:] + word[:shift],
        period=float(tau.sum()),
        multipliers=multipliers,
        points=x,
        times=np.concatenate([[0.0], np.cumsum(tau)[:-1]]),
        residual=residual,
    )


def _crossings(system, section, x0, period) -> int:
    """How many times the orbit of x0 crosses Σ in [0, T), sampled every ``_CHECK_DT``."""
    s = section.signed(_sample(system, x0, period, math.ceil(period / _CHECK_DT)))
    return int(np.count_nonzero((s <= 0) & (np.roll(s, -1) > 0)))


def _sample(system: str, x0: np.ndarray, period: float, samples: int) -> np.ndarray:
    """φ_t(x0) at ``samples`` equally spaced times t in [0, T), shape (samples, 3)."""
    times = np.linspace(0.0, period, samples, endpoint=False)
    solution = solve_ivp(
        SYSTEMS[system][0], (0.0, period), x0, t_eval=times, method="DOP853",
        rtol=_RTOL, atol=_ATOL,
    )  # fmt: skip
    return solution.y.T


def flow_orbit_curve(orbit: FlowOrbit, samples: int = 1000) -> np.ndarray:
    """The orbit as a closed curve: φ_t(x_0) at ``samples`` equally spaced t in [0, T).

    Parameters
    ----------
    orbit : FlowOrbit
        A periodic orbit of :func:`flow_periodic_orbits`.
    samples : int
        Number of points, at least 3.

    Returns
    -------
    ndarray, shape (samples, 3)
        Points in the system's original coordinates, starting at ``orbit.points[0]``.

    Raises
    ------
    UserInputError
        ``samples`` below 3.

    Examples
    --------
    >>> lr = flow_periodic_orbits("lorenz63", max_word_length=2)["LR"]
    >>> curve = flow_orbit_curve(lr, samples=500)
    >>> curve.shape, bool(np.allclose(curve[0], lr.points[0]))
    ((500, 3), True)
    """
    if not isinstance(samples, int) or samples < 3:
        raise UserInputError(f"samples must be an integer ≥ 3, got {samples!r}")
    return _sample(orbit.system, orbit.points[0], orbit.period, samples)


def flow_reference(
    system: str, max_word_length: int = 6, mean=None, std=None, samples: int = 400
) -> Reference:
    """The flow's periodic orbits as the reference of a skeleton comparison.

    Each orbit of :func:`flow_periodic_orbits` with its period, its leading Floquet multiplier
    and its closed curve (``samples`` points, :func:`flow_orbit_curve`), in the data's
    z-scored coordinates (u − mean) / std where ``mean`` and ``std`` are given (the read-out
    coordinates of a model trained on them), else in the system's own.  The words the search
    found no orbit for are the reference's absent words.

    Returns
    -------
    pwl_analysis.skeleton_comparison.Reference
    """
    found = flow_periodic_orbits(system, max_word_length)
    mean = 0.0 if mean is None else np.asarray(mean, dtype=np.float64)
    std = 1.0 if std is None else np.asarray(std, dtype=np.float64)
    orbits = tuple(
        ReferenceOrbit(
            orbit.word,
            orbit.period,
            orbit.leading_multiplier,
            (flow_orbit_curve(orbit, samples) - mean) / std,
        )
        for orbit in found
    )
    names = {"lorenz63": "the Lorenz-63 flow", "rossler": "the Rössler flow"}
    return Reference(names[system], orbits, frozenset(a.word for a in found.absent))
