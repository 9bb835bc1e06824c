"""Training configuration as plain values, with the fast default and the published recipes.

``TrainConfig()`` is the fast recipe for Lorenz-63: batch 32 instead of 16, 30,000 instead
of 100,000 steps, learning rate 1.5e-3 → 2e-4, and the exported model chosen every 10 epochs
by the worst D_stsp of four free runs from different points of the *training* data (one run
is not enough: many epochs of this recipe have a chaotic attractor beside a cycle that some
starts fall into, and a single lucky run selects them).  Small batches matter: with
batch 128 the loss falls faster but training settles on stable foci (no chaos); the gradient
noise of small batches keeps visiting chaotic solutions, which the selection then keeps.

``TrainConfig.lorenz63()`` and ``TrainConfig.rossler()`` are the published AL-RNN recipes
(Brenner et al., NeurIPS 2024): RAdam, learning rate decaying exponentially from ``lr_start``
to ``lr_end``, batch 16, sparse teacher forcing, Gaussian noise on the forcing inputs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from pwl_analysis.errors import UserInputError
from training.recurrence import Forcing


@dataclass(frozen=True)
class TrainConfig:
    """Every option of a training run.

    Data: ``system`` (``"lorenz63"``, ``"rossler"``, ``"ecg"``) or ``data_path``
    (``.npy``/``.csv``), ``length`` and ``dt`` of a simulated series, ``test_fraction`` held
    out at the end, ``data_seed`` of the simulated initial condition.
    Model: ``M`` latent units, ``P`` piecewise-linear units.
    Optimisation: ``epochs`` × ``batches_per_epoch`` RAdam steps on batches of
    ``batch_size`` subsequences of ``seq_len`` + 1 points; learning rate
    lr_start · (lr_end / lr_start)^(step / total steps); teacher forcing every
    ``forcing_interval`` steps with GTF weight ``alpha`` (1 = sparse TF); Gaussian noise of
    standard deviation ``noise`` on the forcing inputs; gradient norm clipped at
    ``grad_clip`` (0 = off); ``seed`` of weights, batches and noise.
    Bookkeeping: checkpoint every ``checkpoint_every`` epochs; every ``eval_every`` epochs
    (0 = never) D_stsp, D_H and λ_max of ``eval_runs`` free runs of ``eval_steps`` steps
    (after a transient of ``eval_steps`` // 5) from different points of the *training* data,
    and with ``select_best`` the exported model is the epoch whose worst run has the lowest
    D_stsp (model selection that never looks at the held-out part); final metrics from
    ``test_steps`` held-out points with ``n_bins`` D_stsp bins and D_H smoothing ``sigma``.
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
    checkpoint_every: int = 10
    eval_every: int = 10
    eval_steps: int = 10_000
    eval_runs: int = 4
    test_steps: int = 10_000
    n_bins: int = 30
    sigma: float = 20.0

    def __post_init__(self):
        if (self.system is None) == (self.data_path is None):
            raise UserInputError("give exactly one of system and data_path")
        if not 0 <= self.P <= self.M:
            raise UserInputError(
                f"P = {self.P} piecewise-linear units must be between 0 and M = {self.M}"
            )
        positive = (
            "M", "epochs", "batches_per_epoch", "batch_size", "seq_len", "checkpoint_every",
            "eval_runs",
        )  # fmt: skip
        for name in positive:
            if getattr(self, name) < 1:
                raise UserInputError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 < self.lr_end <= self.lr_start:
            raise UserInputError(f"need 0 < lr_end ≤ lr_start, got {self.lr_end}, {self.lr_start}")
        if self.noise < 0 or self.grad_clip < 0:
            raise UserInputError("noise and grad_clip must be non-negative")
        Forcing(self.forcing_interval, self.alpha)  # validates τ and α

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
        """The fast recipe (the defaults); for Rössler with its published P, T and τ."""
        recipe = {"system": system}
        if system == "rossler":
            recipe |= {"P": 1, "seq_len": 300, "forcing_interval": 8}
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
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
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
