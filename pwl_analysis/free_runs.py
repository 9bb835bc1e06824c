"""Free runs: the orbit of an initial state under the map, after a transient.

A free run of f from z_0 is the sequence

    f^t(z_0),   t = transient, …, transient + steps − 1,

the part of the orbit left once a ``transient`` has let it settle onto its attractor.  Every
pipeline that needs the attractor (the symbolic graph, Lyapunov exponents, the box of the
admissible words, the seeded cycle search, the DSR measures of training) takes it from
:func:`free_run`.
"""

from __future__ import annotations

import numpy as np

from pwl_analysis.errors import UserInputError
from pwl_analysis.pwl_map import PWLMap


def free_run(
    m: PWLMap, steps: int, transient: int = 0, z0=None, *, bounded: bool = True
) -> np.ndarray:
    """f^t(z_0) for t = transient, …, transient + steps − 1.

    Parameters
    ----------
    m : PWLMap
        The map.
    steps : int
        Number of states returned, at least 1.
    transient : int
        Steps iterated and discarded first, at least 0.
    z0 : array_like, shape (M,) or (R, M), optional
        Initial state, or R initial states iterated together; z_0 = 0 by default.
    bounded : bool
        Raise when the run leaves the floating-point numbers (the default); with False the
        run is returned as it is, ±inf or NaN from the step it diverged on.

    Returns
    -------
    ndarray, shape (steps, M) or (steps, R, M)
        The states after the transient, in time order.

    Raises
    ------
    UserInputError
        ``steps`` < 1, ``transient`` < 0, a ``z0`` of the wrong shape or not finite, or, when
        ``bounded``, a run that diverges (the message says after how many steps).
    BudgetError
        (transient + steps) × z0.size floats exceed ``MAX_TRAJECTORY_VALUES``.

    Examples
    --------
    The tent map u ↦ 2u + 1/2 − 4 max(0, u) sends 1/4 to 0, 0 to 1/2 and 1/2 to its fixed
    point −1/2:

    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> free_run(tent, 3, transient=1, z0=[0.25]).tolist()
    [[0.0], [0.5], [-0.5]]
    """
    if steps < 1 or transient < 0:
        raise UserInputError(f"need steps ≥ 1 and transient ≥ 0, got {steps} and {transient}")
    z0 = np.zeros(m.M) if z0 is None else z0
    with np.errstate(over="ignore", invalid="ignore"):
        orbit = m.trajectory(z0, transient + steps)
    if bounded:
        finite = np.isfinite(orbit).reshape(len(orbit), -1).all(axis=1)
        if not finite.all():
            raise UserInputError(
                f"the free run diverges: it diverged to infinity after {np.argmin(finite)} "
                "steps, so the model has no bounded attractor from z_0"
            )
    return orbit[transient:]
