"""Training configuration as plain values, with the fast default and the published recipes.

``TrainConfig()`` is the fast recipe for Lorenz-63: batch 32 instead of 16, 30,000 instead
of 100,000 steps, learning rate 1.5e-3 → 2e-4, and the exported model chosen from the data
alone.  Every 5 epochs four free runs from different points of the *training* data are
scored by their *worst* D_stsp (one run is not enough: many epochs of this recipe have a
chaotic attractor beside a cycle that some starts fall into, and a single lucky run selects
them).  Among the epochs within 50 % of the lowest score, the one with the lowest score whose
λ_max agrees within 5 % with the training data's own estimate (local Jacobians,
:mod:`training.series_lyapunov`) is exported: at this recipe's final learning rate
consecutive evaluations of one run differ in λ_max by ±15 % at equal D_stsp, and D_stsp
does not tell them apart (it does not correlate with the λ_max error).  Small
batches matter: with batch 128 the loss falls faster but training settles on stable foci
(no chaos); the gradient noise of small batches keeps visiting chaotic solutions, which the
selection then keeps.

``TrainConfig.lorenz63()`` and ``TrainConfig.rossler()`` are the published AL-RNN recipes
(Brenner et al., NeurIPS 2024): RAdam, learning rate decaying exponentially from ``lr_start``
to ``lr_end``, batch 16, sparse teacher forcing, Gaussian noise on the forcing inputs.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import typing
from dataclasses import asdict, dataclass, fields, replace

from pwl_analysis.errors import BudgetError, UserInputError
from pwl_analysis.pwl_map import MAX_TRAJECTORY_VALUES
from training.recurrence import Forcing

#: The least value of each integer option (P also at most M; τ is checked by Forcing).
_AT_LEAST = {
    "length": 2, "data_seed": 0, "M": 1, "P": 0, "epochs": 1, "batches_per_epoch": 1,
    "batch_size": 1, "seq_len": 1, "seed": 0, "checkpoint_every": 1, "eval_every": 0,
    "eval_steps": 1, "eval_runs": 1, "test_steps": 1, "n_bins": 1,
}  # fmt: skip
#: Real options that must be ≥ 0 (α is checked by Forcing, the learning rates together).
_NON_NEGATIVE = ("noise", "grad_clip", "select_tolerance", "select_band", "sigma")


@dataclass(frozen=True)
class TrainConfig:
    """Every option of a training run, as plain values (``config.json`` of a run folder).

    The defaults are the fast Lorenz-63 recipe (see the module); :meth:`lorenz63`,
    :meth:`rossler`, :meth:`recorded_ecg` and :meth:`recorded_fmri` are the published ones.
    A run takes ``epochs`` × ``batches_per_epoch`` RAdam steps; step s uses the learning rate

        η(s) = lr_start · (lr_end / lr_start)^(s / total_steps),

    an exponential decay from ``lr_start`` (s = 0) to ``lr_end`` (s = total_steps).

    Parameters
    ----------
    system : str or None
        A built-in series, ``"lorenz63"`` (default), ``"rossler"`` or ``"ecg"``; None with
        ``data_path``.
    data_path : str or None
        A ``.npy`` or ``.csv`` file holding a (T, N) series, instead of ``system``.
    length : int
        Samples of a simulated series (default 100,000).
    dt : float or None
        Sampling interval of a simulated series; None: the system's own.
    test_fraction : float
        Fraction of the series, at its end, held out for the final metrics (default 0.2).
    data_seed : int
        Seed of the simulated initial condition.
    M, P : int
        Latent units and piecewise-linear units of the AL-RNN, 0 ≤ P ≤ M (default 20, 2).
    epochs, batches_per_epoch : int
        The run is ``epochs`` × ``batches_per_epoch`` optimisation steps (default 600 × 50).
    batch_size, seq_len : int
        Each step sees ``batch_size`` random windows of ``seq_len`` + 1 points (default
        32 × 200).
    lr_start, lr_end : float
        The learning rate decays exponentially from ``lr_start`` to ``lr_end``,
        0 < lr_end ≤ lr_start (default 1.5e-3 → 2e-4).
    forcing_interval : int
        τ of the teacher forcing: every τ steps the observed units are forced (default 16).
    alpha : float
        α of the teacher forcing: 1 is sparse teacher forcing, 0 < α < 1 GTF (default 1).
    noise : float
        Standard deviation of the Gaussian noise added to the forcing inputs (default 0.05).
    grad_clip : float
        The gradient norm is clipped at this value; 0 turns clipping off (default).
    seed : int
        Seed of the initial weights, the batches and the noise.
    select_best : bool
        Export a selected epoch, not the last one (default True; needs ``eval_every`` > 0):
        the epoch whose worst free run has the lowest training-data D_stsp, or with
        ``select_lambda`` the one chosen among the near-best epochs by λ_max.
    select_lambda : bool
        Among the evaluated epochs whose worst training-data D_stsp is within
        ``select_tolerance`` of the lowest, export the lowest-scoring one whose λ_max per
        step agrees within ``select_band`` with the training data's own estimate (from
        local Jacobians, :func:`training.series_lyapunov.lyapunov_record`), or, if none
        does, the one nearest it (default True; :func:`training.loop.select_epoch`).  Only
        the data are used, as a user with a recording has them.
    select_tolerance : float
        The near-best epochs: worst D_stsp ≤ (1 + ``select_tolerance``) × the lowest
        (default 0.5).
    select_band : float
        Relative agreement of λ_max with the data's within which D_stsp decides
        (default 0.05, the scatter of the 4 × 50,000-step estimate).
    checkpoint_every : int
        Write a resumable checkpoint every this many epochs (and after the last one).
    eval_every : int
        Every this many epochs (default 5) measure D_stsp, D_H and λ_max on free runs from the
        *training* data (0: never); the held-out part stays unseen until the end.
    eval_steps : int
        Steps of each of those free runs (after a transient of ``eval_steps`` // 5).
    eval_runs : int
        Free runs per evaluation, from different points of the training data (default 4).
    test_steps : int
        Held-out points the final metrics compare with (default 10,000).
    n_bins : int
        Bins per dimension of the D_stsp histogram (default 30).
    sigma : float
        Width of the Gaussian smoothing of the power spectra of D_H (default 20).

    Raises
    ------
    UserInputError
        An option of the wrong type (an integer option given 2.5, ``inf`` or ``"3"``, a real
        one NaN or infinite, a flag not true or false), both or neither of ``system`` and
        ``data_path``, an unknown ``system``, P outside 0 … M, a count below 1, a negative
        seed, ``test_fraction`` outside [0, 1), ``dt`` ≤ 0, lr_end outside (0, lr_start],
        negative noise, clipping, tolerance or σ, a bad τ or α.  The message names the
        option and what it allows (:func:`check_option`).
    BudgetError
        M² weights, or one batch's batch_size × (seq_len + 1) × (M + P + 1) floats, beyond
        ``pwl_analysis.pwl_map.MAX_TRAJECTORY_VALUES`` (10⁸).

    See Also
    --------
    training.train : runs a configuration.

    References
    ----------
    Brenner, M., Hemmer, C. J., Monfared, Z., Durstewitz, D. (2024). Almost-Linear RNNs Yield
    Highly Interpretable Symbolic Codes in Dynamical Systems Reconstruction. NeurIPS 2024
    (the published recipes).

    Mikhaeil, J., Monfared, Z., Durstewitz, D. (2022). On the difficulty of learning chaotic
    dynamics with RNNs. NeurIPS 2022 (sparse teacher forcing, τ).

    Hess, F., Monfared, Z., Brenner, M., Durstewitz, D. (2023). Generalized teacher forcing
    for learning chaotic dynamics. ICML 2023 (α).

    Examples
    --------
    A run of 10 × 10 steps decaying from 1e-3 to 1e-5: a quarter of the way η = 1e-3 · 10^(−1/2),
    half way 1e-3 · 10^(−1) = 1e-4, at the end 1e-5:

    >>> from training import TrainConfig
    >>> config = TrainConfig(epochs=10, batches_per_epoch=10, lr_start=1e-3, lr_end=1e-5)
    >>> config.total_steps
    100
    >>> [round(config.learning_rate(step), 12) for step in (0, 25, 50, 100)]
    [0.001, 0.000316227766, 0.0001, 1e-05]

    The published Lorenz-63 recipe, its forcing, and a change of one option:

    >>> recipe = TrainConfig.lorenz63()
    >>> recipe  # doctest: +NORMALIZE_WHITESPACE
    TrainConfig(lorenz63, M=20, P=2, 2000×50 steps of 16×200, lr 0.001→1e-05, τ=16,
                α=1.0, noise=0.05)
    >>> recipe.total_steps, recipe.forcing
    (100000, Forcing(τ=16, α=1.0))
    >>> recipe.replace(alpha=0.3).forcing
    Forcing(τ=16, α=0.3)
    >>> TrainConfig.from_dict(recipe.to_dict()) == recipe
    True
    >>> recipe.replace(P=21)
    Traceback (most recent call last):
    ...
    pwl_analysis.errors.UserInputError: P = 21 piecewise-linear units must be between 0 and M = 20
    """

    system: str | None = "lorenz63"
    data_path: str | None = None
    length: int = 100_000
    dt: float | None = None
    test_fraction: float = 0.2
    data_seed: int = 0
    M: int = 20
    P: int = 2
    epochs: int = 600
    batches_per_epoch: int = 50
    batch_size: int = 32
    seq_len: int = 200
    lr_start: float = 1.5e-3
    lr_end: float = 2e-4
    forcing_interval: int = 16
    alpha: float = 1.0
    noise: float = 0.05
    grad_clip: float = 0.0
    seed: int = 0
    select_best: bool = True
    select_lambda: bool = True
    select_tolerance: float = 0.5
    select_band: float = 0.05
    checkpoint_every: int = 10
    eval_every: int = 5
    eval_steps: int = 10_000
    eval_runs: int = 4
    test_steps: int = 10_000
    n_bins: int = 30
    sigma: float = 20.0

    def __post_init__(self):
        for name in _hints():
            object.__setattr__(self, name, check_option(name, getattr(self, name)))
        if (self.system is None) == (self.data_path is None):
            raise UserInputError("give exactly one of system and data_path")
        if not 0 <= self.P <= self.M:
            raise UserInputError(
                f"P = {self.P} piecewise-linear units must be between 0 and M = {self.M}"
            )
        if not 0 < self.lr_end <= self.lr_start:
            raise UserInputError(f"need 0 < lr_end ≤ lr_start, got {self.lr_end}, {self.lr_start}")
        Forcing(self.forcing_interval, self.alpha)  # validates τ and α
        self._check_memory()

    def _check_memory(self) -> None:
        """Refuse a model or a batch beyond the core's in-memory budget of floats.

        W holds M² weights; one step's forward pass M + P + 1 features of each of the
        batch_size × (seq_len + 1) points.  Either beyond ``MAX_TRAJECTORY_VALUES`` (10⁸
        floats, 800 MB, the budget of a free run) would exhaust memory after the run started.
        """
        weights = self.M * self.M
        batch = self.batch_size * (self.seq_len + 1) * (self.M + self.P + 1)
        if weights > MAX_TRAJECTORY_VALUES:
            raise BudgetError(
                f"M = {self.M} units make M² = {weights:.4g} weights, more than "
                f"{MAX_TRAJECTORY_VALUES:.0e} floats in memory: lower M"
            )
        if batch > MAX_TRAJECTORY_VALUES:
            raise BudgetError(
                f"one batch holds batch_size × (seq_len + 1) × (M + P + 1) = {batch:.4g} floats,"
                f" more than {MAX_TRAJECTORY_VALUES:.0e} in memory: lower batch_size or seq_len"
            )

    @property
    def forcing(self) -> Forcing:
        """The teacher-forcing scheme (τ, α)."""
        return Forcing(self.forcing_interval, self.alpha)

    @property
    def total_steps(self) -> int:
        """Optimisation steps of the whole run."""
        return self.epochs * self.batches_per_epoch

    def learning_rate(self, step: int) -> float:
        """lr_start · (lr_end / lr_start)^(step / total_steps)."""
        return self.lr_start * (self.lr_end / self.lr_start) ** (step / self.total_steps)

    @classmethod
    def fast(cls, system: str = "lorenz63", **overrides) -> TrainConfig:
        """The fast recipe (the defaults); for Rössler with its published P and T and τ = 25.

        τ = 25 instead of the published 8: at τ = 8 every near-best epoch of every seed is
        5–20 % too chaotic (λ_max within 10 % in 2 of 10 seeds), at τ = 25 the exported maps
        are within 10 % in most seeds, at a higher D_stsp (README, "Is the trained map
        faithful?").
        """
        recipe = {"system": system}
        if system == "rossler":
            recipe |= {"P": 1, "seq_len": 300, "forcing_interval": 25}
        return cls(**(recipe | overrides))

    @classmethod
    def lorenz63(cls, **overrides) -> TrainConfig:
        """The published AL-RNN recipe for Lorenz-63 (M = 20, P = 2, 2000 × 50 steps)."""
        recipe = dict(
            system="lorenz63", M=20, P=2, epochs=2000, batches_per_epoch=50, batch_size=16,
            seq_len=200, lr_start=1e-3, lr_end=1e-5, forcing_interval=16, noise=0.05,
            checkpoint_every=20, eval_every=200,
        )  # fmt: skip
        return cls(**(recipe | overrides))

    @classmethod
    def rossler(cls, **overrides) -> TrainConfig:
        """The published AL-RNN recipe for Rössler (P = 1, sequence 300, τ = 8, 3000 epochs)."""
        recipe = dict(
            system="rossler", M=20, P=1, epochs=3000, batches_per_epoch=50, batch_size=16,
            seq_len=300, lr_start=5e-3, lr_end=1e-5, forcing_interval=8, noise=0.05,
            checkpoint_every=20, eval_every=300,
        )  # fmt: skip
        return cls(**(recipe | overrides))

    @classmethod
    def recorded_ecg(cls, data_path: str, **overrides) -> TrainConfig:
        """The published AL-RNN recipe for the recorded ECG (M = 100, P = 2, 4000 × 50 steps).

        Settings of DurstewitzLab/ALRNN-DSR ``settings/ecg.json``: learning rate 2e-3 → 1e-5,
        sequences of 50, τ = 10, noise 0.01, D_stsp with 8 bins per dimension.
        """
        recipe = dict(
            system=None, data_path=str(data_path), M=100, P=2, epochs=4000,
            batches_per_epoch=50, batch_size=16, seq_len=50, lr_start=2e-3, lr_end=1e-5,
            forcing_interval=10, noise=0.01, n_bins=8, checkpoint_every=40, eval_every=400,
        )  # fmt: skip
        return cls(**(recipe | overrides))

    @classmethod
    def recorded_fmri(cls, data_path: str, **overrides) -> TrainConfig:
        """The published AL-RNN recipe for the recorded fMRI (M = 50, P = 2, 2000 × 50 steps).

        Settings of DurstewitzLab/ALRNN-DSR ``settings/fmri.json``: learning rate 5e-3 → 1e-5,
        sequences of 72, τ = 7, no noise, power spectra smoothed with σ = 1; with N = 20
        observed dimensions D_stsp is the Gaussian-mixture estimate.
        """
        recipe = dict(
            system=None, data_path=str(data_path), M=50, P=2, epochs=2000,
            batches_per_epoch=50, batch_size=16, seq_len=72, lr_start=5e-3, lr_end=1e-5,
            forcing_interval=7, noise=0.0, sigma=1.0, checkpoint_every=20, eval_every=200,
        )  # fmt: skip
        return cls(**(recipe | overrides))

    def replace(self, **changes) -> TrainConfig:
        """A copy with some options changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """Every option by name, JSON-ready (the run folder's ``config.json``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        if not isinstance(values, dict):
            raise UserInputError(f"training options must be a table of names, got {values!r:.60}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(map(str, set(values) - known))
        if unknown:
            raise UserInputError(f"unknown training option(s): {', '.join(unknown)}")
        return cls(**values)

    def __repr__(self) -> str:
        data = self.system or self.data_path
        return (
            f"TrainConfig({data}, M={self.M}, P={self.P}, {self.epochs}×{self.batches_per_epoch}"
            f" steps of {self.batch_size}×{self.seq_len}, lr {self.lr_start:g}→{self.lr_end:g}, "
            f"τ={self.forcing_interval}, α={self.alpha}, noise={self.noise})"
        )


@functools.cache
def _hints() -> dict[str, object]:
    """Option name → its annotated type, e.g. ``int`` or ``float | None``."""
    return typing.get_type_hints(TrainConfig)


def check_option(name: str, value):
    """``value`` as the option ``name`` of :class:`TrainConfig` holds it, or a UserInputError.

    The one check of a single option, used by :class:`TrainConfig` for every field and by
    the sweeps for every value of their ``base`` and ``grid`` (which name where it stood).
    An integer option takes an integer (not a bool, not 3.0) at least its least value, a
    real one a finite number (converted to float), a flag ``True`` or ``False``, ``system``
    a built-in name, ``data_path`` a path (converted to str); options typed ``… | None``
    also take None.  Relations between options (P ≤ M, lr_end ≤ lr_start, exactly one of
    ``system`` and ``data_path``) are checked by :class:`TrainConfig`.

    Examples
    --------
    >>> from training.config import check_option
    >>> check_option("epochs", 3), check_option("lr_start", 1), check_option("dt", None)
    (3, 1.0, None)
    >>> check_option("epochs", float("inf"))
    Traceback (most recent call last):
    ...
    pwl_analysis.errors.UserInputError: epochs must be an integer, got inf
    >>> check_option("seed", -1)
    Traceback (most recent call last):
    ...
    pwl_analysis.errors.UserInputError: seed must be at least 0, got -1
    """
    hints = _hints()
    if name not in hints:
        raise UserInputError(f"unknown training option {name!r}")
    kinds = typing.get_args(hints[name]) or (hints[name],)
    if value is None and type(None) in kinds:
        return None
    value = _converted(name, value, kinds)
    if name in _AT_LEAST and value < _AT_LEAST[name]:
        raise UserInputError(f"{name} must be at least {_AT_LEAST[name]}, got {value}")
    if name in _NON_NEGATIVE and value < 0:
        raise UserInputError(f"{name} must be non-negative, got {value}")
    if name == "test_fraction" and not 0 <= value < 1:
        raise UserInputError(f"test_fraction must be in [0, 1), got {value}")
    if name == "dt" and value <= 0:
        raise UserInputError(f"dt must be positive, got {value}")
    if name == "system":
        from training.data import RECORDINGS, SYSTEMS

        if value not in (*SYSTEMS, *RECORDINGS):
            known = ", ".join((*SYSTEMS, *RECORDINGS))
            raise UserInputError(f"system must be one of {known}, got {value!r}")
    return value


def _converted(name: str, value, kinds: tuple):
    """The value as a Python bool, int, float or str, as ``kinds`` asks."""
    optional = " or None" if type(None) in kinds else ""
    if bool in kinds:
        if not isinstance(value, bool):
            raise UserInputError(f"{name} must be true or false, got {value!r}")
        return value
    if int in kinds:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise UserInputError(f"{name} must be an integer{optional}, got {value!r}")
        return int(value)
    if float in kinds:
        real = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not real or not math.isfinite(value):
            raise UserInputError(f"{name} must be a finite number{optional}, got {value!r}")
        return float(value)
    if name == "data_path" and isinstance(value, os.PathLike):
        return os.fspath(value)
    if not isinstance(value, str):
        raise UserInputError(f"{name} must be a string{optional}, got {value!r}")
    return value
