"""The role each linear region plays on the attractor: which part of it the region carries.

For a region Ω_d the free run z_t (after a transient) gives its *occupation*, the share of
states in Ω_d; a coarse coding (:mod:`pwl_analysis.coarse`) says which part of the attractor
those states belong to:

- a :class:`~pwl_analysis.coarse.SectionCoding` (Lorenz: anchors C−, C+ with letters L, R)
  assigns each state the letter of its nearest anchor in the observed coordinates B z; a
  region whose states are (≥ ``WING_SHARE``) of one letter carries that *wing*, a region
  shared by the letters is the *centre* where the run switches between wings (for Lorenz-63
  the neighbourhood of the origin);
- a :class:`~pwl_analysis.coarse.LoopRegionCoding` (Rössler) has a home region, holding the
  fixed point the run spirals around, and marked regions, visited only by the loops coded 1
  (the fold of the attractor).

Without a coding a region is only visited or not.  A region whose real fixed point is an
anchor says so ("holds C−").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pwl_analysis.coarse import LoopRegionCoding, SectionCoding
from pwl_analysis.graph import fixed_point_kind, region_fixed_points
from pwl_analysis.orbits import CycleSet, DegenerateCycle, PeriodicOrbit
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.stability import Stability

#: A region carries one wing when at least this share of its states is nearest that anchor.
WING_SHARE = 0.9
#: Regions are listed individually up to this many (else only the visited ones, or in a
#: document those of the graph or the orbits).
LISTED_REGIONS_MAX = 64


@dataclass(frozen=True)
class RegionRole:
    """One region: its fixed point, its share of the free run, and its role.

    Attributes
    ----------
    label : str
    occupation : float
        Share of the free run's states in the region.
    fixed_point : str
        ``"real"``, ``"virtual"`` or ``"none"`` (I − J_d singular).
    stability : Stability or None
        The fixed point's stability (None when there is none).
    role : str
        What part of the attractor the region carries, in words.
    letters : dict of str to float
        For a section coding: share of the region's states nearest each anchor letter.

    See Also
    --------
    region_roles : builds one record per region.

    Examples
    --------
    The map u ↦ u/2 + 1/2 − max(0, u) is u/2 + 1/2 for u < 0, with the fixed point u = 1 on
    the other side (virtual), and −u/2 + 1/2 for u ≥ 0, with the attracting fixed point
    u = 1/3, where every free run ends:

    >>> from pwl_analysis import PWLMap, region_roles
    >>> m = PWLMap.from_alrnn([0.5], [[-1.0]], [0.5], P=1)
    >>> left, right = region_roles(m, m.trajectory([-4.0], 60)[10:], m.fixed_points())
    >>> left.fixed_point, left.occupation, left.role
    ('virtual', 0.0, 'not visited by the free run')
    >>> right.fixed_point, str(right.stability), right.occupation, right.role
    ('real', 'attracting node', 1.0, 'holds the attracting fixed point')
    """

    label: str
    occupation: float
    fixed_point: str
    stability: Stability | None
    role: str
    letters: dict[str, float]

    def __repr__(self) -> str:
        return f"RegionRole(Ω_{self.label}: {self.role}, occupation {self.occupation:.3f})"

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "label": self.label,
            "occupation": self.occupation,
            "fixed_point": self.fixed_point,
            "stability": "" if self.stability is None else str(self.stability),
            "role": self.role,
            "letters": dict(self.letters),
        }


def region_roles(
    m: PWLMap, orbit: np.ndarray, cycles: CycleSet, coding=None
) -> tuple[RegionRole, ...]:
    """The role of every region (of the visited ones when 2^P > 64) on the run ``orbit``.

    Parameters
    ----------
    m : PWLMap
        The map whose regions are described.
    orbit : ndarray, shape (T, M)
        A free run after its transient.
    cycles : CycleSet
        Holds the real fixed points.
    coding : SectionCoding or LoopRegionCoding, optional
        Names the parts of the attractor (see the module docstring).

    Returns
    -------
    tuple of RegionRole
        In region index order.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| has a real fixed point on each side of 0 (u = −1/2 and
    u = 1/6, both repelling); a float free run of it ends on u = −1/2 (doubling shifts the
    binary digits out), so only Ω_0 is visited after the transient:

    >>> from pwl_analysis import PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> roles = region_roles(tent, tent.trajectory([0.1], 200)[100:], tent.fixed_points())
    >>> [(r.label, r.fixed_point, str(r.stability), r.occupation) for r in roles]
    [('0', 'real', 'repelling node (index 1)', 1.0), ('1', 'real', 'repelling node (index 1)', 0.0)]
    """
    symbols = m.region_of(orbit)
    indices = (
        range(m.n_regions) if m.n_regions <= LISTED_REGIONS_MAX else sorted(set(symbols.tolist()))
    )
    roles = []
    for index, fixed in region_fixed_points(m, indices, cycles).items():
        inside = symbols == index
        letters, role = _role(index, orbit[inside], fixed, coding)
        roles.append(
            RegionRole(
                label=m.region_label(index),
                occupation=float(inside.mean()),
                fixed_point=fixed_point_kind(fixed),
                stability=None if isinstance(fixed, DegenerateCycle) else fixed.stability,
                role=role,
                letters=letters,
            )
        )
    return tuple(roles)


def _role(index: int, states: np.ndarray, fixed, coding) -> tuple[dict, str]:
    if len(states) == 0:
        return {}, "not visited by the free run"
    if isinstance(coding, SectionCoding):
        return _section_role(states, fixed, coding)
    if isinstance(fixed, PeriodicOrbit) and fixed.stable:
        return {}, "holds the attracting fixed point"
    if isinstance(coding, LoopRegionCoding):
        if index in coding.marked:
            return {}, "fold: visited only by the loops coded 1"
        return {}, "spiral: the loops around the central fixed point (coded 0 unless they fold)"
    return {}, "visited by the free run"


def _section_role(states: np.ndarray, fixed, coding: SectionCoding) -> tuple[dict, str]:
    observed = states @ coding.observation.T
    nearest = np.linalg.norm(observed[:, None, :] - coding.anchors[None], axis=2).argmin(axis=1)
    shares = {letter: float(np.mean(nearest == i)) for i, letter in enumerate(coding.letters)}
    holds = ""
    if isinstance(fixed, PeriodicOrbit):
        point = coding.observation @ fixed.points[0]
        for anchor, letter in zip(coding.anchors, coding.letters):
            if np.allclose(point, anchor, rtol=0, atol=1e-9 * (1 + np.abs(anchor).max())):
                holds = f"; holds the wing's fixed point C_{letter}"
    letter, share = max(shares.items(), key=lambda item: item[1])
    if share >= WING_SHARE:
        return shares, f"wing {letter}{holds}"
    split = ", ".join(f"{key} {value:.0%}" for key, value in shares.items())
    return shares, f"centre: the run switches between the wings here ({split}){holds}"
