"""The true system beside the model: invariants of a built-in flow, computed from its equations.

For a built-in system (Lorenz-63, Rössler) the project knows the vector field F, so the
quantities a faithful reconstruction must reproduce are computed here, never typed in:

- the fixed points of F (closed forms) and the eigenvalues λ of DF there; sampled every Δt,
  the flow's time-Δt map has multipliers e^{λΔt}, which a trained map's fixed point should
  show among its own;
- λ_max of the flow, per time unit, by integrating the variational equation
  v̇ = DF(u) v along an orbit and renormalising v every ``renormalise`` time units
  (Benettin et al. 1980);
- for Rössler, the multiplier of the period-1 orbit from the return map on the section
  x = 0 (Cvitanović et al., ChaosBook: −2.403);
- the flow's periodic orbits by symbolic word, with periods and Floquet multipliers
  (:func:`flow_periodic_orbits`, from :mod:`training.flow_orbits`: multiple shooting between
  Poincaré-section crossings; points in the system's original coordinates).

All points are given in the model's data coordinates, (u − mean) / std.  The true system is
used to *evaluate* a model, never to train or select one.

References
----------
Sparrow, C. (1982). The Lorenz Equations. Springer (fixed points C± = (±√(β(ρ−1)), ±√(β(ρ−1)),
ρ − 1)).  Benettin, G. et al. (1980). Meccanica 15, 9–30.  Viswanath, D. (2003). Symbolic
dynamics and periodic orbits of the Lorenz attractor. Nonlinearity 16, 1035–1056.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from pwl_analysis.free_runs import free_run
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.return_map import return_map_fixed_point, section_crossings
from training.data import SYSTEMS, DataError, simulate
from training.evaluation import RobustEvaluation
from training.flow_orbits import AbsentWord as AbsentWord
from training.flow_orbits import FlowOrbit as FlowOrbit
from training.flow_orbits import FlowSkeleton as FlowSkeleton
from training.flow_orbits import flow_orbit_curve as flow_orbit_curve
from training.flow_orbits import flow_periodic_orbits as flow_periodic_orbits
from training.flow_orbits import flow_reference as flow_reference
from training.flow_orbits import flow_section_coding as flow_section_coding

#: Lorenz-63 and Rössler parameters, as in :mod:`training.data`.
LORENZ = {"sigma": 10.0, "rho": 28.0, "beta": 8.0 / 3.0}
ROSSLER = {"a": 0.2, "b": 0.2, "c": 5.7}


def _lorenz_jacobian(u: np.ndarray) -> np.ndarray:
    x, y, z = u
    s, r, b = LORENZ["sigma"], LORENZ["rho"], LORENZ["beta"]
    return np.array([[-s, s, 0.0], [r - z, -1.0, -x], [y, x, -b]])


def _rossler_jacobian(u: np.ndarray) -> np.ndarray:
    x, _, z = u
    a, c = ROSSLER["a"], ROSSLER["c"]
    return np.array([[0.0, -1.0, -1.0], [1.0, a, 0.0], [z, 0.0, x - c]])


def _lorenz_fixed_points() -> dict[str, np.ndarray]:
    """The origin and C± = (±√(β(ρ−1)), ±√(β(ρ−1)), ρ − 1)."""
    r, b = LORENZ["rho"], LORENZ["beta"]
    q = np.sqrt(b * (r - 1))
    return {"origin": np.zeros(3), "C+": np.array([q, q, r - 1]), "C-": np.array([-q, -q, r - 1])}


def _rossler_fixed_points() -> dict[str, np.ndarray]:
    """(a z, −z, z) with a z² − c z + b = 0: the inner (centre of the spiral) and outer one."""
    a, b, c = ROSSLER["a"], ROSSLER["b"], ROSSLER["c"]
    roots = (c - np.sqrt(c * c - 4 * a * b)) / (2 * a), (c + np.sqrt(c * c - 4 * a * b)) / (2 * a)
    return {name: np.array([a * z, -z, z]) for name, z in zip(("inner", "outer"), roots)}


#: name -> (Jacobian of the vector field, fixed points by name)
FLOWS = {
    "lorenz63": (_lorenz_jacobian, _lorenz_fixed_points),
    "rossler": (_rossler_jacobian, _rossler_fixed_points),
}


def _check_system(system: str) -> None:
    if system not in FLOWS:
        raise DataError(f"no true system for {system!r}: built-in flows are {', '.join(FLOWS)}")


@dataclass(frozen=True)
class FlowFixedPoint:
    """A fixed point of the flow, in raw and data coordinates, with its eigenvalues."""

    name: str
    point: np.ndarray
    data_point: np.ndarray
    eigenvalues: np.ndarray

    @property
    def unstable_dimension(self) -> int:
        """Number of eigenvalues with positive real part."""
        return int(np.sum(self.eigenvalues.real > 0))

    def multipliers(self, dt: float) -> np.ndarray:
        """e^{λΔt}: the multipliers of the time-Δt map at this point."""
        return np.exp(self.eigenvalues * dt)


def flow_fixed_points(system: str, mean, std) -> tuple[FlowFixedPoint, ...]:
    """The flow's fixed points, with data coordinates (u − mean) / std and eigenvalues of DF.

    Examples
    --------
    >>> origin = flow_fixed_points("lorenz63", np.zeros(3), np.ones(3))[0]
    >>> np.round(np.sort(origin.eigenvalues.real), 3).tolist()
    [-22.828, -2.667, 11.828]
    """
    _check_system(system)
    jacobian, fixed_points = FLOWS[system]
    mean, std = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    points = []
    for name, u in fixed_points().items():
        eigenvalues = np.linalg.eigvals(jacobian(u))
        order = np.argsort(-eigenvalues.real, kind="stable")
        points.append(FlowFixedPoint(name, u, (u - mean) / std, eigenvalues[order]))
    return tuple(points)


@functools.lru_cache(maxsize=16)
def flow_lyapunov_max(
    system: str, duration: float = 1000.0, renormalise: float = 10.0, seed: int = 0
) -> float:
    """λ_max of the flow per time unit, from the variational equation along one orbit.

    The orbit starts on the attractor (after the system's transient); u̇ = F(u) and
    v̇ = DF(u) v are integrated together with DOP853 (rtol 1e-9) and v is renormalised every
    ``renormalise`` time units: λ_max = Σ log ‖v‖ / ``duration``.  Deterministic, so the
    value is computed once per process and arguments.
    """
    _check_system(system)
    field, _, _, _ = SYSTEMS[system]
    jacobian = FLOWS[system][0]
    u = simulate(system, 2, dt=1.0, seed=seed)[-1]

    def augmented(t, state):
        point, vector = state[:3], state[3:]
        return np.concatenate([field(t, point), jacobian(point) @ vector])

    vector = np.ones(3) / np.sqrt(3.0)
    growth = 0.0
    for _ in range(round(duration / renormalise)):
        solution = solve_ivp(
            augmented, (0.0, renormalise), np.concatenate([u, vector]), method="DOP853",
            rtol=1e-9, atol=1e-9,
        )  # fmt: skip
        u, vector = solution.y[:3, -1], solution.y[3:, -1]
        norm = np.linalg.norm(vector)
        growth += np.log(norm)
        vector = vector / norm
    return growth / duration


def attractor_statistics(system: str, length: int = 100_000) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of a long orbit: the z-scoring of data whose own is unknown."""
    orbit = simulate(system, length)
    return orbit.mean(axis=0), orbit.std(axis=0)


@dataclass(frozen=True)
class FixedPointMatch:
    """A flow fixed point and the model's nearest real fixed point (observed coordinates)."""

    flow: FlowFixedPoint
    model_point: np.ndarray | None
    distance: float
    model_unstable_dimension: int | None
    model_multipliers: np.ndarray | None
    dt: float

    @property
    def nearest_multipliers(self) -> np.ndarray | None:
        """For each flow multiplier e^{λΔt}, the model multiplier closest to it."""
        if self.model_multipliers is None:
            return None
        expected = self.flow.multipliers(self.dt)
        gaps = np.abs(expected[:, None] - self.model_multipliers[None, :])
        return self.model_multipliers[np.argmin(gaps, axis=1)]

    def to_dict(self) -> dict:
        def pairs(values):
            return None if values is None else [[float(v.real), float(v.imag)] for v in values]

        return {
            "name": self.flow.name,
            "flow_point_data_coordinates": self.flow.data_point.tolist(),
            "flow_eigenvalues": pairs(self.flow.eigenvalues),
            "flow_multipliers": pairs(self.flow.multipliers(self.dt)),
            "flow_unstable_dimension": self.flow.unstable_dimension,
            "model_point": None if self.model_point is None else self.model_point.tolist(),
            "distance": self.distance,
            "model_unstable_dimension": self.model_unstable_dimension,
            "model_nearest_multipliers": pairs(self.nearest_multipliers),
        }


def match_fixed_points(
    m: PWLMap, flow_points, dt: float, observation=None
) -> tuple[FixedPointMatch, ...]:
    """Pair each flow fixed point with the model's nearest real fixed point.

    The model's fixed points z* are compared through their observed coordinates B z*
    (``observation`` B of shape (N, M), by default the first N latent units).
    """
    fixed = list(m.fixed_points())
    N = len(flow_points[0].data_point)
    B = np.eye(N, m.M) if observation is None else np.asarray(observation, dtype=float)
    matches = []
    for flow in flow_points:
        if not fixed:
            matches.append(FixedPointMatch(flow, None, float("nan"), None, None, dt))
            continue
        distances = [float(np.linalg.norm(B @ c.points[0] - flow.data_point)) for c in fixed]
        best = fixed[int(np.argmin(distances))]
        matches.append(
            FixedPointMatch(
                flow=flow,
                model_point=B @ best.points[0],
                distance=min(distances),
                model_unstable_dimension=int(np.sum(np.abs(best.multipliers) > 1)),
                model_multipliers=best.multipliers,
                dt=dt,
            )
        )
    return tuple(matches)


def return_maps(m: PWLMap, steps: int = 200_000):
    """Rössler: the period-1 orbit on the return map of y, flow and model (two
    :class:`~pwl_analysis.return_map.ReturnMapFixedPoint`).

    The flow's section is x = 0 (upward); the model's is x = x* through its centre fixed
    point (see :func:`pwl_analysis.coarse.rossler_coding`).
    """
    from pwl_analysis.coarse import rossler_coding

    flow = section_crossings(simulate("rossler", steps), coordinate=0, level=0.0)
    coding = rossler_coding(m)
    run = free_run(m, steps, transient=1000) @ coding.observation.T
    model = section_crossings(run, coordinate=0, level=coding.origin[0])
    return return_map_fixed_point(flow[:, 1]), return_map_fixed_point(model[:, 1])


def return_map_multipliers(m: PWLMap, steps: int = 200_000) -> tuple[float, float]:
    """Rössler: Λ of the period-1 orbit, flow and model (see :func:`return_maps`)."""
    flow, model = return_maps(m, steps)
    return flow.multiplier, model.multiplier


@dataclass(frozen=True)
class TruthComparison:
    """A model's invariants beside the true flow's (see the module docstring).

    Attributes
    ----------
    system : str
    dt : float
        Sampling interval of the data.
    flow_lambda_max : float
        λ_max of the flow per time unit.
    evaluation : RobustEvaluation
        The model's free-run measures (λ_max per step and per time unit among them).
    fixed_points : tuple of FixedPointMatch
    return_map : (float, float) or None
        Rössler: the period-1 orbit's return-map multiplier Λ of the flow and of the model.
    """

    system: str
    dt: float
    flow_lambda_max: float
    evaluation: RobustEvaluation
    fixed_points: tuple[FixedPointMatch, ...]
    return_map: tuple[float, float] | None

    @property
    def lambda_error(self) -> float:
        """Relative error of the model's median λ_max per time unit against the flow's."""
        model = self.evaluation.lambda_max_per_time.median
        return (model - self.flow_lambda_max) / self.flow_lambda_max

    def to_dict(self) -> dict:
        return {
            "system": self.system,
            "dt": self.dt,
            "flow_lambda_max_per_time": self.flow_lambda_max,
            "model_lambda_max_per_time": self.evaluation.lambda_max_per_time.to_dict(),
            "lambda_max_relative_error": self.lambda_error,
            "fixed_points": [f.to_dict() for f in self.fixed_points],
            "return_map_multiplier": None
            if self.return_map is None
            else {"flow": self.return_map[0], "model": self.return_map[1]},
        }

    def to_markdown(self) -> list[str]:
        """Lines of the report section "The model against the true system"."""
        per_time = self.evaluation.lambda_max_per_time
        lines = [
            f"Computed from the equations of {self.system} (Δt = {self.dt:g}); used to evaluate "
            "the model, never to train or select it.",
            "",
            "| quantity | true flow | model |",
            "|---|---|---|",
            f"| λ_max per time unit | {self.flow_lambda_max:.4g} | {per_time.median:.4g} "
            f"(runs {per_time.low:.4g}…{per_time.high:.4g}; {100 * self.lambda_error:+.1f} %) |",
        ]
        if self.return_map is not None:
            lines.append(
                f"| period-1 return-map multiplier Λ | {self.return_map[0]:.4g} | "
                f"{self.return_map[1]:.4g} |"
            )
        lines += [
            "",
            "| flow fixed point | data coordinates | unstable dim. (flow / model) | distance "
            "to the model's nearest fixed point | e^{λΔt} of the flow | model's nearest "
            "multipliers |",
            "|---|---|---|---|---|---|",
        ]
        for match in self.fixed_points:
            expected = ", ".join(_complex(v) for v in match.flow.multipliers(self.dt))
            nearest = match.nearest_multipliers
            found = "none" if nearest is None else ", ".join(_complex(v) for v in nearest)
            point = ", ".join(f"{x:.3f}" for x in match.flow.data_point)
            lines.append(
                f"| {match.flow.name} | ({point}) | {match.flow.unstable_dimension} / "
                f"{match.model_unstable_dimension} | {match.distance:.3f} | {expected} | "
                f"{found} |"
            )
        return lines


def _complex(value: complex) -> str:
    if abs(value.imag) < 1e-12:
        return f"{value.real:.4f}"
    return f"{value.real:.4f}{value.imag:+.4f}i"


def compare_with_truth(
    m: PWLMap,
    system: str,
    evaluation: RobustEvaluation,
    mean=None,
    std=None,
    dt: float | None = None,
    observation=None,
) -> TruthComparison:
    """Set a model's invariants beside those of the built-in flow it was trained on.

    Parameters
    ----------
    m : PWLMap
    system : str
        ``"lorenz63"`` or ``"rossler"``.
    evaluation : RobustEvaluation
        The model's free-run measures (:func:`training.evaluation.robust_evaluation`).
    mean, std : array_like, shape (3,), optional
        The data's z-scoring; by default the statistics of a long orbit.
    dt : float, optional
        Sampling interval (default: the system's, or the evaluation's).
    observation : array_like, shape (3, M), optional
        Observed coordinates B z of a latent state (default: the first three units).
    """
    _check_system(system)
    dt = dt or evaluation.dt or SYSTEMS[system][1]
    if mean is None or std is None:
        mean, std = attractor_statistics(system)
    flow_points = flow_fixed_points(system, mean, std)
    return TruthComparison(
        system=system,
        dt=dt,
        flow_lambda_max=flow_lyapunov_max(system),
        evaluation=evaluation,
        fixed_points=match_fixed_points(m, flow_points, dt, observation),
        return_map=return_map_multipliers(m) if system == "rossler" else None,
    )
