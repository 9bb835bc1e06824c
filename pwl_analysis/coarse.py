"""Coarse symbolic names of long cycles: the words a dynamicist uses (L/R for Lorenz).

A cycle of a model trained on a flow has a region word hundreds of letters long; the flow's
periodic orbits are named by much shorter words, one letter per loop.  A
:class:`SectionCoding` compresses a cycle's points into such a word:

- **loops** are returns to a Poincaré section Σ = {z : ⟨B z − o, n⟩ = 0}, where B (d × M,
  ``observation``) maps the latent state to the observed coordinates (the first d latent
  units for the official models, the trained observation matrix for this project's runs): a
  return is an *upward* crossing, s_j ≤ 0 < s_{j+1} with s_j = ⟨B z_j − o, n⟩, read
  cyclically along the orbit;
- each return is named by the letter of the **anchor** point nearest to B z_{j+1}.

The word is read around the cycle and reported as its least rotation, so a cycle has one
name whatever point it starts from.  A cycle that never crosses Σ gets the empty word.

For Lorenz-63 (:func:`lorenz_coding`) the anchors are the two wing fixed points C± and Σ is
the classical section z = r − 1 through them: every loop around a wing crosses it upward
once, and the letter says which wing (L for x < 0, R for x > 0).  The flow has an unstable
periodic orbit for every binary Lyndon word of length ≥ 2 (LR, LLR, LRR, …) and none for
L or R (Viswanath 2003).

A :class:`LoopRegionCoding` names each loop instead by the regions it visits: ``1`` when
the loop enters one of the *marked* regions, ``0`` when it does not.  For Rössler
(:func:`rossler_coding`, a model with P = 1) the loops wind around the central fixed point,
Σ is the plane x = x* through it crossed with x increasing, and the marked region is the
one not holding x*, where the ReLU unit is active — the fold of the attractor, which only
the large loops reach.  Rössler's period-1 orbit (a = b = 0.2, c = 5.7) has the unstable
Floquet multiplier Λ ≈ −2.403 (Cvitanović et al., ChaosBook).

References
----------
Viswanath, D. (2003). Symbolic dynamics and periodic orbits of the Lorenz attractor.
Nonlinearity 16, 1035–1056.
Cvitanović, P., Artuso, R., Mainieri, R., Tanner, G., Vattay, G. ChaosBook.org, Niels Bohr
Institute, "Rössler flow" examples (period-1 cycle, Floquet multiplier −2.403).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pwl_analysis.errors import UserInputError
from pwl_analysis.orbits import Cycle
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.words import least_rotation_shift


@dataclass(frozen=True)
class SectionCoding:
    """Name loops by upward crossings of a section and the nearest anchor.

    Attributes
    ----------
    origin : ndarray, shape (d,)
        A point o of the section, in the observed coordinates.
    normal : ndarray, shape (d,)
        Its normal n; "upward" is the direction of n.
    anchors : ndarray, shape (a, d)
        Points naming the loops (e.g. wing fixed points), in the observed coordinates.
    letters : str
        One letter per anchor.
    observation : ndarray, shape (d, M)
        B, the observed coordinates B z of a latent state z.

    See Also
    --------
    lorenz_coding : the L/R coding of a Lorenz-63 model.

    Examples
    --------
    Anchors at (∓1, 0, 0) named L and R, the section z = 0 crossed upward: an orbit that
    loops once near each anchor is LR, whichever point it starts from:

    >>> import numpy as np
    >>> from pwl_analysis import SectionCoding
    >>> coding = SectionCoding(
    ...     origin=np.zeros(3),
    ...     normal=np.array([0.0, 0.0, 1.0]),
    ...     anchors=np.array([[-1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]),
    ...     letters="LR",
    ...     observation=np.eye(3),
    ... )
    >>> orbit = np.array([[-1, 0, -1], [-1, 0, 1], [1, 0, -1], [1, 0, 1]], dtype=float)
    >>> coding.returns(orbit), coding.word(orbit), coding.word(np.roll(orbit, 2, axis=0))
    (array([1, 3]), 'LR', 'LR')
    """

    origin: np.ndarray
    normal: np.ndarray
    anchors: np.ndarray
    letters: str
    observation: np.ndarray

    def __post_init__(self):
        d = _check_section(self.origin, self.normal, self.observation)
        if np.shape(self.anchors) != (len(self.letters), d):
            raise UserInputError(
                f"anchors must have shape ({len(self.letters)}, {d}), one row per letter, "
                f"got {np.shape(self.anchors)}"
            )

    def returns(self, points: np.ndarray) -> np.ndarray:
        """Indices j+1 of the upward crossings s_j ≤ 0 < s_{j+1} of a cyclic orbit (k, M)."""
        return _returns(points, self.observation, self.origin, self.normal)

    def word(self, points: np.ndarray) -> str:
        """Coarse word of a cyclic orbit with points of shape (k, M), as its least rotation."""
        crossings = np.asarray(points)[self.returns(points)] @ self.observation.T
        distance = np.linalg.norm(crossings[:, None, :] - self.anchors[None, :, :], axis=2)
        return _least_rotation("".join(self.letters[a] for a in distance.argmin(axis=1)))

    def name(self, cycle: Cycle) -> str:
        """Coarse word of a :class:`~pwl_analysis.orbits.Cycle`."""
        return self.word(cycle.points)

    @property
    def alphabet(self) -> str:
        """The letters a coarse word is written in."""
        return self.letters

    def loops(self, points: np.ndarray) -> tuple[np.ndarray, str]:
        """The loops of an open run (T, M): its upward crossings t_0 < t_1 < … and letters.

        Loop i runs from t_i to t_{i+1} − 1 and is named by the anchor nearest to B z_{t_i},
        so there is one letter fewer than crossings.
        """
        starts = _open_returns(points, self.observation, self.origin, self.normal)
        crossings = np.asarray(points)[starts[:-1]] @ self.observation.T
        distance = np.linalg.norm(crossings[:, None, :] - self.anchors[None, :, :], axis=2)
        return starts, "".join(self.letters[a] for a in distance.argmin(axis=1))

    def __repr__(self) -> str:
        return (
            f"SectionCoding({len(self.letters)} letters {self.letters!r}, "
            f"{self.observation.shape[0]} observed coordinates)"
        )


def _check_section(origin, normal, observation) -> int:
    """The observed dimension d, after checking the shapes of o, n (d,) and B (d, M)."""
    if np.ndim(observation) != 2:
        raise UserInputError(
            f"observation must be a (d, M) matrix, got shape {np.shape(observation)}"
        )
    d = np.shape(observation)[0]
    if np.shape(origin) != (d,) or np.shape(normal) != (d,):
        raise UserInputError(f"origin and normal must have shape ({d},) to match the observation")
    return d


def _returns(points, observation, origin, normal) -> np.ndarray:
    """Sorted indices j+1 (mod k) of upward crossings of ⟨B z − o, n⟩ = 0, read cyclically."""
    s = (np.asarray(points) @ np.asarray(observation).T - origin) @ normal
    following = np.roll(s, -1)
    return np.sort((np.nonzero((s <= 0) & (following > 0))[0] + 1) % len(s))


def _open_returns(points, observation, origin, normal) -> np.ndarray:
    """Indices j+1 of the upward crossings s_j ≤ 0 < s_{j+1} of an open run, in time order."""
    s = (np.asarray(points) @ np.asarray(observation).T - origin) @ normal
    return np.nonzero((s[:-1] <= 0) & (s[1:] > 0))[0] + 1


def _least_rotation(word: str) -> str:
    """The least rotation of a string (by code points, so in Python's string order)."""
    shift = least_rotation_shift([ord(letter) for letter in word])
    return word[shift:] + word[:shift]


@dataclass(frozen=True)
class LoopRegionCoding:
    """Name each loop ``1`` if it enters a marked region, ``0`` if not.

    Loops are the stretches of a cyclic orbit between consecutive upward crossings of the
    section ⟨S z − o, n⟩ = 0 (as for :class:`SectionCoding`); the loop starting at return
    j+1 runs to the next return.

    Attributes
    ----------
    origin, normal : ndarray, shape (d,)
        The section, in the observed coordinates.
    observation : ndarray, shape (d, M)
        B, the observed coordinates B z of a latent state z.
    marked : frozenset of int
        Region indices whose visit makes a loop a ``1``.
    pwl_map : PWLMap
        The map whose regions are meant.

    See Also
    --------
    rossler_coding : the 0/1 loop coding of a Rössler model.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| read through the section u = 1/6 (its fixed point in Ω_1),
    loops marked when they enter Ω_0: the 4-cycle through 0 1 1 1 makes two loops, one of
    them through Ω_0:

    >>> import numpy as np
    >>> from pwl_analysis import LoopRegionCoding, PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> coding = LoopRegionCoding(
    ...     origin=np.array([1 / 6]),
    ...     normal=np.array([1.0]),
    ...     observation=np.eye(1),
    ...     marked=frozenset({0}),
    ...     pwl_map=tent,
    ... )
    >>> cycle = tent.cycle_of_word(["0", "1", "1", "1"])
    >>> cycle.points.ravel().round(4), coding.name(cycle)
    (array([-0.1471,  0.2059,  0.0882,  0.3235]), '01')
    """

    origin: np.ndarray
    normal: np.ndarray
    observation: np.ndarray
    marked: frozenset[int]
    pwl_map: PWLMap

    def __post_init__(self):
        _check_section(self.origin, self.normal, self.observation)

    def returns(self, points: np.ndarray) -> np.ndarray:
        """Indices j+1 of the upward crossings s_j ≤ 0 < s_{j+1} of a cyclic orbit (k, M)."""
        return _returns(points, self.observation, self.origin, self.normal)

    def word(self, points: np.ndarray) -> str:
        """Coarse 0/1 word of a cyclic orbit with points (k, M), as its least rotation."""
        returns = self.returns(points)
        if len(returns) == 0:
            return ""
        marked = np.isin(self.pwl_map.region_of(points), list(self.marked))
        loops = np.split(np.roll(marked, -returns[0]), returns[1:] - returns[0])
        return _least_rotation("".join("1" if loop.any() else "0" for loop in loops))

    def name(self, cycle: Cycle) -> str:
        """Coarse word of a :class:`~pwl_analysis.orbits.Cycle`."""
        return self.word(cycle.points)

    #: The letters a coarse word is written in.
    alphabet = "01"

    def loops(self, points: np.ndarray) -> tuple[np.ndarray, str]:
        """The loops of an open run (T, M): its upward crossings t_0 < t_1 < … and letters.

        Loop i runs from t_i to t_{i+1} − 1 and is ``1`` when one of its points lies in a
        marked region, so there is one letter fewer than crossings.
        """
        starts = _open_returns(points, self.observation, self.origin, self.normal)
        marked = np.isin(self.pwl_map.region_of(points), list(self.marked)).astype(np.int64)
        entered = np.add.reduceat(marked, starts)[:-1] if len(starts) else marked[:0]
        return starts, "".join("1" if n else "0" for n in entered)

    def __repr__(self) -> str:
        return (
            f"LoopRegionCoding(marked regions {sorted(self.marked)}, "
            f"{self.observation.shape[0]} observed coordinates)"
        )


def _observation(m: PWLMap, observation) -> np.ndarray:
    """B of shape (3, M); None means the first three latent units (the official models)."""
    if observation is None:
        return np.eye(3, m.M)
    observation = np.asarray(observation, dtype=np.float64)
    if observation.shape != (3, m.M):
        raise UserInputError(
            f"observation must map the M = {m.M} latent units to (x, y, z): shape (3, {m.M}), "
            f"got {observation.shape}"
        )
    return observation


def wing_fixed_points(m: PWLMap, observation=None) -> tuple[Cycle, Cycle]:
    """The two wing fixed points (C−, C+) of a model of Lorenz-63, ordered by observed x.

    Rule: among the exact fixed points, those whose leading multipliers are a complex pair of
    modulus > 1 (an unstable spiral, as C± of Lorenz-63 are for the flow) are candidates;
    the two whose observed coordinates B z lie nearest to the origin (the data are z-scored,
    so the attractor is centred there) are the wings.  C− is the one with the smaller
    observed x.  ``observation`` is B (3, M), by default the first three latent units.

    Raises
    ------
    ValueError
        Fewer than two such fixed points.
    """
    B = _observation(m, observation)
    spirals = [c for c in m.fixed_points() if _unstable_spiral(c.multipliers)]
    if len(spirals) < 2:
        raise UserInputError(
            f"the model has {len(spirals)} fixed point(s) with an unstable complex multiplier "
            "pair; a Lorenz coding needs two wing fixed points"
        )
    spirals.sort(key=lambda c: float(np.linalg.norm(B @ c.points[0])))
    left, right = sorted(spirals[:2], key=lambda c: float(B[0] @ c.points[0]))
    return left, right


def _unstable_spiral(multipliers: np.ndarray) -> bool:
    leading = multipliers[0]
    return bool(abs(leading) > 1 and leading.imag != 0)


def lorenz_coding(m: PWLMap, observation=None) -> SectionCoding:
    """L/R coding of a model of Lorenz-63 with observed (x, y, z) = B z.

    The anchors are the wing fixed points C− (L) and C+ (R) of :func:`wing_fixed_points`
    (for ``lorenz_m20_p2`` they lie in regions ``10`` and ``01``); the section is the plane
    z = (z_{C−} + z_{C+}) / 2 through them, crossed upward — the model's counterpart of the
    classical Lorenz section z = r − 1, which contains C±.

    Parameters
    ----------
    m : PWLMap
        A model of Lorenz-63 (M ≥ 3 latent units).
    observation : array_like, shape (3, M), optional
        B, with (x, y, z) = B z; by default the first three latent units.

    Returns
    -------
    SectionCoding
        Letters ``"LR"``, anchored at C− and C+.

    Raises
    ------
    ValueError
        ``observation`` of the wrong shape, or fewer than two fixed points with an unstable
        complex multiplier pair.

    References
    ----------
    Viswanath, D. (2003). Symbolic dynamics and periodic orbits of the Lorenz attractor.
    Nonlinearity 16, 1035–1056.

    Examples
    --------
    A map of R³ that rotates (x, y) by 90° and doubles it about a fixed point in each region:
    C− = (−1, 0, −1) where z < 0 and C+ = (1, 0, 2) where z ≥ 0, both with the multipliers
    ±2i.  The section is z = 1/2; an orbit that loops once up past each wing is LR:

    >>> import numpy as np
    >>> from pwl_analysis import PWLMap, lorenz_coding
    >>> m = PWLMap.from_alrnn(
    ...     [0, 0, 0.5], [[0, -2, 1], [2, 0, -2], [0, 0, 0.75]], [-1, 2, -0.5], P=1
    ... )
    >>> coding = lorenz_coding(m)
    >>> coding.anchors.tolist(), coding.origin.tolist()
    ([[-1.0, 0.0, -1.0], [1.0, 0.0, 2.0]], [0.0, 0.0, 0.5])
    >>> coding.word(np.array([[-1, 0, 0], [-1, 0, 1], [1, 0, 0], [1, 0, 1]]))
    'LR'
    """
    B = _observation(m, observation)
    anchors = np.array([B @ c.points[0] for c in wing_fixed_points(m, B)])
    return SectionCoding(
        origin=anchors.mean(axis=0),
        normal=np.array([0.0, 0.0, 1.0]),
        anchors=anchors,
        letters="LR",
        observation=B,
    )


def rossler_coding(m: PWLMap, observation=None) -> LoopRegionCoding:
    """0/1 loop coding of a model of the Rössler system with observed (x, y, z) = B z.

    Rule: the centre x* is the fixed point whose observed coordinates lie nearest to the
    origin (the data are z-scored, so the attractor is centred there); the section is the
    plane x = x*_x crossed with x increasing (once per turn around x*, as ẋ = −y − z > 0
    there); a loop is ``1`` when it visits a region other than x*'s — where the model's
    ReLU units switch on for the fold of the attractor.

    Parameters
    ----------
    m : PWLMap
        A model of the Rössler system.
    observation : array_like, shape (3, M), optional
        B, with (x, y, z) = B z; by default the first three latent units (or fewer when
        M < 3).

    Returns
    -------
    LoopRegionCoding
        Section through the centre x*, the regions other than x*'s marked.

    Raises
    ------
    ValueError
        ``observation`` of the wrong shape, or the model has no fixed point.

    References
    ----------
    Cvitanović, P., Artuso, R., Mainieri, R., Tanner, G., Vattay, G. ChaosBook.org, Niels
    Bohr Institute, "Rössler flow".

    Examples
    --------
    For the tent map u ↦ 1/2 − 2|u| the centre is its fixed point u* = 1/6 (nearer 0 than
    −1/2), so loops are returns upward through u = 1/6 and a loop is 1 when it enters Ω_0:

    >>> from pwl_analysis import PWLMap, rossler_coding
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> coding = rossler_coding(tent)
    >>> coding.origin.round(6).tolist(), sorted(coding.marked)
    ([0.166667, 0.0, 0.0], [0])
    >>> [(c.regions, coding.name(c)) for c in tent.cycles(4) if c.period == 4]
    [(('0', '0', '0', '1'), '1'), (('0', '0', '1', '1'), '1'), (('0', '1', '1', '1'), '01')]
    """
    B = _observation(m, observation)
    fixed = list(m.fixed_points())
    if not fixed:
        raise UserInputError("the model has no fixed point to centre a Rössler coding on")
    centre = min(fixed, key=lambda c: float(np.linalg.norm(B @ c.points[0])))
    home = m.region_index(centre.regions[0])
    return LoopRegionCoding(
        origin=B @ centre.points[0],
        normal=np.array([1.0, 0.0, 0.0]),
        observation=B,
        marked=frozenset(range(m.n_regions)) - {home},
        pwl_map=m,
    )


#: Coarse codings by the name of the flow a model was trained on.
CODINGS = {"lorenz": lorenz_coding, "rossler": rossler_coding}
