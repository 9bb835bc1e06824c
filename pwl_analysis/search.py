"""Finding every fixed point and k-cycle: the entry point of the search methods.

The method is a value passed to :func:`find_cycles` (and :meth:`PWLMap.cycles`), one of the
:class:`~pwl_analysis.methods.base.SearchMethod` subclasses registered in
:data:`pwl_analysis.methods.SEARCH_METHODS` (:mod:`pwl_analysis.methods`):
:class:`~pwl_analysis.methods.exhaustive.Exhaustive` (the default) and
:class:`~pwl_analysis.methods.admissible_tree.AdmissibleTree` are complete up to K;
:class:`~pwl_analysis.methods.scyfi.Scyfi` (Eisenmann et al. 2023) and
:class:`~pwl_analysis.methods.seeded.TrajectorySeeded` are heuristics whose results say so.
The fixed point of one region's affine map, real or virtual, is decided here too.

References
----------
Eisenmann, L., Monfared, Z., Göring, N., Durstewitz, D. (2023). Bifurcations and loss jumps in
RNN training. NeurIPS 2023 (SCYFI).
"""

from __future__ import annotations

import numpy as np

from pwl_analysis import _exact
from pwl_analysis.cycle_equation import exact_cycle
from pwl_analysis.methods import SEARCH_METHODS, Exhaustive, SearchMethod
from pwl_analysis.orbits import Cycle, CycleSet, DegenerateCycle, VirtualFixedPoint
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.stability import classify


def find_cycles(
    m: PWLMap, max_period: int, method: SearchMethod | None = None, progress: bool = False
) -> CycleSet:
    """Every orbit of minimal period 1…``max_period`` that ``method`` finds.

    Parameters
    ----------
    m : PWLMap
        The map.
    max_period : int
        Largest period K ≥ 1.
    method : SearchMethod, optional
        The search (:data:`pwl_analysis.methods.SEARCH_METHODS`); ``Exhaustive()`` by
        default.
    progress : bool
        Show a progress bar.

    Returns
    -------
    CycleSet
        The cycles found, sorted by period and region word, with whether the list is
        complete.

    Raises
    ------
    UserInputError
        ``max_period`` is not a positive integer.
    TypeError
        ``method`` is not a search method.
    SearchTooLargeError
        The method's period, words or letters exceed its budget.

    Examples
    --------
    The tent map has 2 fixed points and one 2-cycle:

    >>> m = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> result = find_cycles(m, 2)
    >>> [c.period for c in result]
    [1, 1, 2]
    """
    method = Exhaustive() if method is None else method
    if not isinstance(method, SearchMethod):
        names = ", ".join(f"{cls.__name__}()" for cls in SEARCH_METHODS.values())
        raise TypeError(f"method must be a search method ({names}), got {method!r}")
    return method.find(m, max_period, progress)


def region_fixed_point(m: PWLMap, region: int) -> Cycle | VirtualFixedPoint | DegenerateCycle:
    """The fixed point of one region's affine map z ↦ J_d z + c_d, decided exactly.

    Returns
    -------
    Cycle
        The solution z* of (I − J_d) z = c_d lies in Ω_d: a fixed point of the map.
    VirtualFixedPoint
        z* lies outside Ω_d.
    DegenerateCycle
        I − J_d is singular (no solution, or a set of them).
    """
    found = exact_cycle(m, (region,))
    if found is not None:
        return found
    J = m.exact_region_jacobian(region)
    point = (_exact.identity(m.M) - J).lu_solve(m.exact_region_offset(region))
    multipliers = np.linalg.eigvals(m.jacobians[region])
    return VirtualFixedPoint(
        region=m.region_label(region),
        point=_exact.to_float(point)[:, 0],
        exact_point=_exact.to_sympy(point),
        multipliers=multipliers[np.argsort(-np.abs(multipliers), kind="stable")],
        stability=classify(multipliers, lambda: J),
    )


def virtual_fixed_points(m: PWLMap) -> tuple[VirtualFixedPoint, ...]:
    """Fixed points of each region's affine map that lie outside that region (exact)."""
    found = (region_fixed_point(m, region) for region in range(m.n_regions))
    return tuple(f for f in found if isinstance(f, VirtualFixedPoint))
