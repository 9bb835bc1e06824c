"""The training loop: BPTT with sparse / generalised teacher forcing, RAdam, checkpoints.

One optimisation step draws ``batch_size`` random windows x_0…x_T (T = ``seq_len``) of the
z-scored training series, adds N(0, noise²) to the copy used for forcing, runs the forced
recurrence (:mod:`training.recurrence`) and takes a RAdam step on the mean squared error

    L = (1 / (T B N)) Σ_{t,b,n} (x̂_{t,b,n} − x_{t,b,n})²,   t = 1…T.

After every epoch the state is snapshotted in memory; it is written every
``checkpoint_every`` epochs, on Ctrl-C and when the loss stops being finite, so the run folder
always holds the last good, resumable checkpoint.
"""

from __future__ import annotations

import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from pwl_analysis._atomic import write_json
from pwl_analysis.free_runs import free_run
from pwl_analysis.loading import load_model
from pwl_analysis.lyapunov import maximal_lyapunov_exponents
from pwl_analysis.pwl_map import PWLMap
from training import checkpoint
from training.config import TrainConfig
from training.data import Series, check_fit, load_series
from training.evaluation import robust_evaluation, spread_starts
from training.model import ALRNN
from training.series_lyapunov import lyapunov_record


class DivergenceError(RuntimeError):
    """The training loss became NaN or infinite; the last good checkpoint was kept.

    :func:`train` checks the loss of every step.  On a non-finite loss it writes the state
    after the last completed epoch and stops, so the run folder still holds finite weights
    (``model.npz``) and a checkpoint; the message names the epoch and suggests a smaller
    ``lr_start`` or gradient clipping.

    Examples
    --------
    A learning rate of 10⁴ throws the weights far out in the first RAdam step; the loss
    overflows in the first epoch, and the folder keeps the initial weights (epoch 0):

    >>> import tempfile
    >>> import numpy as np
    >>> from pwl_analysis import load_model
    >>> from training import DivergenceError, TrainConfig, train
    >>> config = TrainConfig(length=1000, M=3, P=1, epochs=3, batches_per_epoch=3,
    ...                      batch_size=4, seq_len=20, lr_start=1e4, lr_end=1e4, eval_every=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     try:
    ...         train(config, folder, progress=False)
    ...     except DivergenceError as error:
    ...         print(error)  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
    ...     kept = load_model(folder)
    the training loss became ... in epoch 1; stopped and kept the checkpoint of epoch 0
    (try a smaller lr_start or grad_clip > 0)
    >>> bool(np.isfinite(kept.W).all())
    True
    """


@dataclass(frozen=True)
class TrainResult:
    """A finished run: where it was written, what it did and how the exported model scores.

    Attributes
    ----------
    run_dir : Path
        The run folder (config, checkpoint, ``model.npz``, ``metrics.json``, ``loss.png``).
    config : TrainConfig
        The options of the run.
    epochs, steps : int
        Completed epochs and optimisation steps.
    wall_time : float
        Seconds spent in optimisation (data generation and final metrics excluded).
    losses : ndarray, shape (epochs,)
        Mean training loss per epoch.
    selected_epoch : int
        The epoch whose weights were exported (lowest training-data D_stsp), or ``epochs``.
    metrics : dict
        Held-out DSR metrics with their settings (empty without held-out data): D_stsp,
        D_H, λ_max and the prediction error, each the median over free runs from different
        held-out points (:func:`training.robust_evaluation`).

    Examples
    --------
    Twelve steps on 1,000 Lorenz-63 samples (a check of the loop, not a reconstruction),
    evaluated every two epochs, so the exported weights are those of epoch 2 or 4:

    >>> import tempfile
    >>> import numpy as np
    >>> from training import TrainConfig, train
    >>> config = TrainConfig(length=1000, M=3, P=1, epochs=4, batches_per_epoch=3,
    ...                      batch_size=4, seq_len=20, eval_every=2, eval_steps=200,
    ...                      eval_runs=2, test_steps=200)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     result = train(config, folder, progress=False)
    ...     m = result.pwl_map()  # read back from the folder's model.npz
    >>> result.epochs, result.steps, result.losses.shape, result.selected_epoch in (2, 4)
    (4, 12, (4,), True)
    >>> bool(np.isfinite(result.losses).all()), (m.M, m.P)
    (True, (3, 1))
    >>> sorted(result.metrics)
    ['D_H', 'D_stsp', 'lambda_max', 'prediction_error']
    >>> result.to_dict()["config"] == config.to_dict()
    True
    """

    run_dir: Path
    config: TrainConfig
    epochs: int
    steps: int
    wall_time: float
    losses: np.ndarray = field(repr=False)
    selected_epoch: int
    metrics: dict = field(repr=False)

    def pwl_map(self) -> PWLMap:
        """The trained map, read back from the run folder."""
        return load_model(self.run_dir)

    def __repr__(self) -> str:
        summary = ", ".join(f"{k}={v['value']:.4g}" for k, v in self.metrics.items())
        return (
            f"TrainResult({self.run_dir}: {self.epochs} epochs, {self.steps} steps, "
            f"{self.wall_time:.1f} s, final loss {self.losses[-1]:.4g}, "
            f"selected epoch {self.selected_epoch}; {summary})"
        )

    def to_dict(self) -> dict:
        return {
            "run_dir": str(self.run_dir),
            "config": self.config.to_dict(),
            "epochs": self.epochs,
            "steps": self.steps,
            "wall_time_s": self.wall_time,
            "final_loss": float(self.losses[-1]),
            "selected_epoch": self.selected_epoch,
            "metrics": self.metrics,
        }


def series_for(config: TrainConfig) -> Series:
    """Load the configured data and check that it fits the model and window length."""
    source = config.system if config.system is not None else config.data_path
    series = load_series(source, config.length, config.dt, config.test_fraction, config.data_seed)
    check_fit(source, series.N, len(series.train), config.M, config.seq_len)
    return series


def _sample_batch(train: np.ndarray, rng: np.random.Generator, config: TrainConfig):
    """Forcing inputs (with noise) and clean targets, time-major: (T+1, B, N) and (T, B, N)."""
    starts = rng.integers(0, len(train) - config.seq_len, config.batch_size)
    x = train[starts[None, :] + np.arange(config.seq_len + 1)[:, None]]
    noisy = x + config.noise * rng.standard_normal(x.shape, dtype=np.float32)
    return torch.from_numpy(noisy), torch.from_numpy(x[1:])


def _optimizer_arrays(model: ALRNN, optimizer: torch.optim.Optimizer) -> dict[str, np.ndarray]:
    arrays = {}
    for name, p in model.named_parameters():
        for key, value in optimizer.state.get(p, {}).items():
            arrays[f"{name}.{key}"] = value.detach().numpy().copy()
    return arrays


def _load_optimizer(model: ALRNN, optimizer: torch.optim.Optimizer, arrays: dict) -> None:
    for name, p in model.named_parameters():
        keys = [k.split(".", 1)[1] for k in arrays if k.startswith(f"{name}.")]
        if keys:
            optimizer.state[p] = {k: torch.from_numpy(arrays[f"{name}.{k}"].copy()) for k in keys}


def _snapshot(model, optimizer, rng, previous: checkpoint.TrainingState, **changes):
    """The state after an epoch: current weights, optimizer and generator, plus ``changes``."""
    return replace(
        previous,
        weights=model.arrays(),
        optimizer=_optimizer_arrays(model, optimizer),
        rng_state=rng.bit_generator.state,
        **changes,
    )


def _run_epoch(model, optimizer, series, rng, config, step) -> tuple[float, int]:
    """``batches_per_epoch`` RAdam steps; returns the mean loss and the new step count."""
    total = 0.0
    for _ in range(config.batches_per_epoch):
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate(step)
        inputs, targets = _sample_batch(series.train, rng, config)
        loss = torch.mean((model(inputs, config.forcing) - targets) ** 2)
        value = loss.item()
        if not np.isfinite(value):
            return value, step
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        total += value
        step += 1
    return total / config.batches_per_epoch, step


def _progress_metrics(model: ALRNN, series: Series, config: TrainConfig) -> dict[str, float]:
    """D_stsp, D_H and λ_max over ``eval_runs`` free runs from different *training* points.

    Each run is iterated ``eval_steps`` // 5 steps as a transient, then ``eval_steps`` steps are
    compared with the whole training part (:func:`training.evaluation.robust_evaluation`).
    The selection score is the *worst* run's D_stsp: a model whose attractor coexists with a
    periodic orbit or a fixed point that some starts fall into is not selected because one
    lucky run looked good.  The held-out part stays unseen.
    """
    steps = min(config.eval_steps, len(series.train))
    evaluation = robust_evaluation(
        model.to_pwl_map(),
        series.train,
        B=model.arrays()["B"],
        dt=series.dt,
        n_runs=config.eval_runs,
        steps=steps,
        transient=steps // 5,
        window=steps // 2,
        n_bins=config.n_bins,
        sigma=config.sigma,
        n_steps=0,  # no prediction error: it is not shown and costs more than the runs
        lyapunov_steps=steps // 5,  # λ_max is only shown: a short estimate
    )
    return {
        "D_stsp": evaluation.d_stsp.median,
        "D_stsp_worst": evaluation.d_stsp.high,
        "D_H": evaluation.d_h.median,
        "lambda_max": evaluation.lambda_max.median,
    }


def _agrees(value: float, data_lambda: float, band: float) -> bool:
    """|λ − λ_data| ≤ band · |λ_data| (False for NaN)."""
    return bool(abs(value - data_lambda) <= band * abs(data_lambda))


def select_epoch(
    history,
    tolerance: float,
    data_lambda: float | None = None,
    lambdas: dict | None = None,
    band: float = 0.05,
) -> tuple[int | None, list[int]]:
    """The epoch to export and the epochs still eligible, from the progress evaluations.

    The near-best epochs are those whose worst free run has a training-data D_stsp within
    ``tolerance`` of the lowest, s_e ≤ (1 + tolerance) · min_e' s_e'.  Given the data's own
    λ_max estimate and the λ_max of near-best epochs (``lambdas``), the epoch with the lowest
    s_e among those whose λ_max agrees with the data's within ``band``,
    |λ_e − λ_data| ≤ band · |λ_data|, is chosen; if none agrees, the one with |λ_e − λ_data|
    smallest (ties by the lower s_e).  Without them, the lowest s_e.

    Parameters
    ----------
    history : sequence of dict
        Evaluations ``{"epoch", "D_stsp_worst", ...}``.
    tolerance : float
        Relative slack on the lowest worst-run D_stsp.
    data_lambda : float, optional
        λ_max per step estimated from the training data.
    lambdas : dict of int to float, optional
        λ_max per step of near-best epochs' maps (an epoch missing or NaN is never
        preferred for its λ_max).
    band : float
        Relative agreement with ``data_lambda`` within which D_stsp decides.

    Returns
    -------
    epoch : int or None
        The chosen epoch (None when no evaluation has a finite score).
    near : list of int
        The near-best epochs, whose weights must be kept.

    Examples
    --------
    Epoch 20 has the lowest D_stsp; 30 and 40 are within 50 % of it, and both agree with the
    data's λ_max of 0.0090 within 5 %, so the lower D_stsp of the two, 30, is chosen; 50 is
    too far off in D_stsp however good its λ_max.  With a band of 1 % no epoch agrees and
    the nearest λ_max, 40, is chosen:

    >>> history = [
    ...     {"epoch": 10, "D_stsp_worst": 9.0},
    ...     {"epoch": 20, "D_stsp_worst": 3.0},
    ...     {"epoch": 30, "D_stsp_worst": 3.5},
    ...     {"epoch": 40, "D_stsp_worst": 4.0},
    ...     {"epoch": 50, "D_stsp_worst": 5.0},
    ... ]
    >>> lambdas = {20: 0.0110, 30: 0.0093, 40: 0.0091, 50: 0.0090}
    >>> select_epoch(history, 0.5, data_lambda=0.0090, lambdas=lambdas)
    (30, [20, 30, 40])
    >>> select_epoch(history, 0.5, data_lambda=0.0090, lambdas=lambdas, band=0.01)
    (40, [20, 30, 40])
    >>> select_epoch(history, 0.5)
    (20, [20, 30, 40])
    """
    scored = [h for h in history if np.isfinite(h.get("D_stsp_worst", np.nan))]
    if not scored:
        return None, []
    best = min(h["D_stsp_worst"] for h in scored)
    near = [h for h in scored if h["D_stsp_worst"] <= (1 + tolerance) * best]
    if data_lambda is None or lambdas is None:
        return min(near, key=lambda h: h["D_stsp_worst"])["epoch"], [h["epoch"] for h in near]

    def gap(h):
        value = abs(lambdas.get(h["epoch"], np.nan) - data_lambda)
        return value if np.isfinite(value) else np.inf

    agreeing = [h for h in near if _agrees(lambdas.get(h["epoch"], np.nan), data_lambda, band)]
    if agreeing:
        chosen = min(agreeing, key=lambda h: h["D_stsp_worst"])
    else:
        chosen = min(near, key=lambda h: (gap(h), h["D_stsp_worst"]))
    return chosen["epoch"], [h["epoch"] for h in near]


def _selection(state, history, weights, epoch, config) -> dict:
    """State changes after an evaluation: the near-best weights kept (the candidates of
    the final choice by λ_max) and, until then, the lowest worst-run D_stsp exported."""
    if not config.select_best:
        return {}
    tolerance = config.select_tolerance if config.select_lambda else 0.0
    chosen, near = select_epoch(history, tolerance)
    if chosen is None:
        return {}
    pool = {**state.candidates, epoch: weights}
    candidates = {e: pool[e] for e in near}
    return {
        "candidates": candidates,
        "best_weights": candidates[chosen],
        "best_epoch": chosen,
        "best_score": min(h["D_stsp_worst"] for h in history if h["epoch"] in candidates),
    }


#: Free runs × steps of the λ_max of each near-best epoch in the final choice: finite-time
#: exponents of 10,000 steps scatter by ±15 % on Lorenz-63, 4 × 50,000 by a few per cent
SELECT_RUNS, SELECT_STEPS = 4, 50_000


def data_lambda_for(series: Series, config: TrainConfig) -> float | None:
    """λ_max per step of the training data (:func:`lyapunov_record`), the target of
    ``select_lambda``; None when selection by λ_max is off or the data have no exponent to read."""
    if not (config.select_best and config.select_lambda and config.eval_every):
        return None
    record = lyapunov_record(series.train)
    return record["per_step"]["median"] if "per_step" in record else None


def _candidate_lambda(weights: dict, series: Series, config: TrainConfig) -> float:
    """λ_max per step of a kept epoch's map: median over ``SELECT_RUNS`` free runs of
    ``SELECT_STEPS`` steps from different training points (after 2,000 transient steps)."""
    m = PWLMap.from_alrnn(weights["A"], weights["W"], weights["h"], config.P)
    z0 = spread_starts(series.train, SELECT_RUNS, m.M, weights["B"])
    runs = free_run(m, SELECT_STEPS, 2000, z0, bounded=False)
    return float(np.median(maximal_lyapunov_exponents(m, runs)))


def _choose_by_lambda(state, series, config, data_lambda) -> tuple:
    """The state with the chosen near-best epoch exported, and the λ_max computed.

    λ_max is computed for the kept epochs in order of their worst-run D_stsp and the search
    stops at the first that agrees with the data's within ``select_band``: that epoch is
    the one :func:`select_epoch` chooses, and the others' λ_max are not needed.
    """
    if data_lambda is None or not state.candidates:
        return state, {}
    score = {h["epoch"]: h["D_stsp_worst"] for h in state.history}
    lambdas = {}
    for epoch in sorted(state.candidates, key=lambda e: (score.get(e, np.inf), e)):
        lambdas[epoch] = _candidate_lambda(state.candidates[epoch], series, config)
        if _agrees(lambdas[epoch], data_lambda, config.select_band):
            break
    chosen, _near = select_epoch(
        state.history, config.select_tolerance, data_lambda, lambdas, config.select_band
    )
    if chosen is None or chosen not in state.candidates:
        return state, lambdas
    return replace(state, best_epoch=chosen, best_weights=state.candidates[chosen]), lambdas


def _formatted(metrics: dict) -> dict[str, str]:
    return {k: f"{v:.3f}" for k, v in metrics.items() if k != "epoch"}


def _final_metrics(model: ALRNN, series: Series, config: TrainConfig) -> dict:
    """Held-out measures: five free runs of ``test_steps`` steps from different held-out points
    (:func:`training.evaluation.robust_evaluation`), medians with their ranges."""
    steps = min(config.test_steps, len(series.test))
    if steps < 2 * config.forcing_interval:
        return {}
    evaluation = robust_evaluation(
        model.to_pwl_map(),
        series.test,
        B=model.arrays()["B"],
        dt=series.dt,
        n_runs=5,
        steps=steps,
        transient=min(1000, steps),
        window=max(2, steps // 2),
        n_bins=config.n_bins,
        sigma=config.sigma,
    )
    return evaluation.to_metrics()


@contextmanager
def _one_thread():
    """Run numpy's BLAS and torch on one thread each.

    Every operation of a step is tiny; thread hand-offs cost more than they save, and on a
    busy machine torch's OpenMP pool can slow a step by orders of magnitude.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(threads)


def _fresh_state(model: ALRNN) -> checkpoint.TrainingState:
    return checkpoint.TrainingState(
        weights=model.arrays(), optimizer={}, epoch=0, step=0, rng_state={},
        losses=np.zeros(0), wall_time=0.0,
    )  # fmt: skip


def _start(run_dir: Path, config: TrainConfig, N: int, resume: bool):
    """Model, optimizer, generator and state, fresh or restored from the run folder."""
    model = ALRNN(config.M, config.P, N, seed=config.seed)
    optimizer = torch.optim.RAdam(model.parameters(), lr=config.lr_start)
    rng = np.random.default_rng(config.seed)
    if not resume:
        return model, optimizer, rng, _snapshot(model, optimizer, rng, _fresh_state(model))
    state = checkpoint.load_state(run_dir)
    checkpoint.check_state(run_dir, state, config, N)
    model.load_arrays(state.weights)
    _load_optimizer(model, optimizer, state.optimizer)
    rng.bit_generator.state = state.rng_state
    return model, optimizer, rng, state


def _prepare_folder(run_dir: Path, config: TrainConfig) -> None:
    """Create the run folder; refuse to train over an existing run."""
    if (run_dir / checkpoint.TRAINING_STATE).exists() or (run_dir / checkpoint.CONFIG).exists():
        raise FileExistsError(
            f"{run_dir} already holds a training run: resume it or choose another folder"
        )
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(run_dir / checkpoint.CONFIG, config.to_dict())


def train(
    config: TrainConfig, out_dir: str | Path, progress: bool = True, resume: bool = False
) -> TrainResult:
    """Fit an AL-RNN to the configured data and write the run folder.

    Parameters
    ----------
    config : TrainConfig
        All options (data, model size, recipe).
    out_dir : str or Path
        The run folder; it must not hold a run already unless ``resume`` is set.
    progress : bool
        Show a tqdm bar with the loss and the latest D_stsp, D_H.
    resume : bool
        Continue the run in ``out_dir`` from its last checkpoint (see :func:`resume`).

    Returns
    -------
    TrainResult
        The run folder, the loss per epoch, the selected epoch and the held-out metrics.

    Raises
    ------
    DataError
        Bad data (NaNs, constant column, too short for ``seq_len``, N > M), before training.
    FileExistsError
        ``out_dir`` already holds a run and ``resume`` is not set.
    DivergenceError
        The loss became NaN or infinite; ``out_dir`` keeps the last good checkpoint.
    KeyboardInterrupt
        After writing the last completed epoch as a checkpoint, so :func:`resume` continues.

    See Also
    --------
    TrainResult : what a run returns, with its folder.

    References
    ----------
    Brenner, M., Hemmer, C. J., Monfared, Z., Durstewitz, D. (2024). Almost-Linear RNNs Yield
    Highly Interpretable Symbolic Codes in Dynamical Systems Reconstruction. NeurIPS 2024.

    Mikhaeil, J., Monfared, Z., Durstewitz, D. (2022). On the difficulty of learning chaotic
    dynamics with RNNs. NeurIPS 2022 (sparse teacher forcing).

    Examples
    --------
    Four epochs of three steps on 1,000 Lorenz-63 samples with M = 3, P = 1 write a complete
    run folder; training into it again is refused:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from training import TrainConfig, train
    >>> config = TrainConfig(length=1000, M=3, P=1, epochs=4, batches_per_epoch=3,
    ...                      batch_size=4, seq_len=20, eval_every=2, eval_steps=200,
    ...                      eval_runs=2, test_steps=200)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     result = train(config, folder, progress=False)
    ...     written = sorted(path.name for path in Path(folder).iterdir())
    ...     try:
    ...         train(config, folder, progress=False)
    ...     except FileExistsError as error:
    ...         print(str(error).replace(folder, "FOLDER"))
    FOLDER already holds a training run: resume it or choose another folder
    >>> written
    ['checkpoint.npz', 'config.json', 'loss.png', 'metrics.json', 'model.npz']
    >>> result.epochs, result.steps
    (4, 12)
    """
    run_dir = Path(out_dir)
    series = series_for(config)
    torch.set_num_threads(min(2, torch.get_num_threads()))  # fewer if the caller set fewer
    model, optimizer, rng, state = _start(run_dir, config, series.N, resume)  # before any file
    save = lambda s: checkpoint.save_state(run_dir, s, config.P, series.mean, series.std)  # noqa: E731
    if not resume:
        _prepare_folder(run_dir, config)
        save(state)
    bar = tqdm(total=config.epochs, initial=state.epoch, disable=not progress, unit="epoch")
    try:
        with _one_thread():
            while state.epoch < config.epochs:
                state = _next_epoch(model, optimizer, rng, series, config, state, save)
                shown = state.history[-1] if state.history else {}
                bar.set_postfix(loss=f"{state.losses[-1]:.4f}", **_formatted(shown))
                bar.update()
    except KeyboardInterrupt:
        save(state)
        raise
    finally:
        bar.close()
    return _finish(run_dir, config, model, series, state, save)


def _next_epoch(model, optimizer, rng, series, config, state, save) -> checkpoint.TrainingState:
    """One epoch, its bookkeeping and checkpoint; raises DivergenceError on a non-finite loss."""
    started = time.perf_counter()
    loss, step = _run_epoch(model, optimizer, series, rng, config, state.step)
    if not np.isfinite(loss):
        save(state)
        raise DivergenceError(
            f"the training loss became {loss} in epoch {state.epoch + 1}; stopped and kept the "
            f"checkpoint of epoch {state.epoch} (try a smaller lr_start or grad_clip > 0)"
        )
    epoch = state.epoch + 1
    changes = {
        "epoch": epoch,
        "step": step,
        "losses": np.append(state.losses, loss),
        "wall_time": state.wall_time + time.perf_counter() - started,
    }
    if config.eval_every and epoch % config.eval_every == 0:
        metrics = _progress_metrics(model, series, config)
        history = (*state.history, {"epoch": epoch, **metrics})
        changes["history"] = history
        changes |= _selection(state, history, model.arrays(), epoch, config)
    state = _snapshot(model, optimizer, rng, state, **changes)
    if epoch % config.checkpoint_every == 0 or epoch == config.epochs:
        save(state)
    return state


def _finish(run_dir, config, model, series, state, save) -> TrainResult:
    data_lambda = data_lambda_for(series, config)
    state, lambdas = _choose_by_lambda(state, series, config, data_lambda)
    if lambdas:
        save(state)  # model.npz now holds the chosen epoch
    model.load_arrays(state.exported_weights)
    metrics = _final_metrics(model, series, config)
    result = TrainResult(
        run_dir=run_dir,
        config=config,
        epochs=state.epoch,
        steps=state.step,
        wall_time=state.wall_time,
        losses=state.losses,
        selected_epoch=state.best_epoch or state.epoch,
        metrics=metrics,
    )
    diverged = [h["epoch"] for h in state.history if not np.isfinite(h.get("D_stsp_worst", np.nan))]
    if state.history and 2 * len(diverged) > len(state.history):
        warnings.warn(
            f"{len(diverged)} of {len(state.history)} evaluations had a free run from the "
            f"training data that diverges; the exported epoch "
            f"{state.best_epoch or state.epoch} was chosen from the other "
            f"{len(state.history) - len(diverged)}",
            stacklevel=3,
        )
    selection = {
        "evaluations_diverged": diverged,
        "rule": "lowest worst-run D_stsp"
        if data_lambda is None
        else "lowest worst-run D_stsp among the near-best epochs whose λ_max agrees with the "
        "data's within the band, else the λ_max nearest the data's",
        "tolerance": config.select_tolerance if data_lambda is not None else 0.0,
        "band": config.select_band if data_lambda is not None else None,
        "data_lambda_max_per_step": data_lambda,
        "near_best_epochs": sorted(state.candidates),
        "near_best_lambda_max_per_step": {str(e): v for e, v in lambdas.items()},  # as computed
    }
    summary = result.to_dict() | {
        "selection": selection,
        "progress": list(state.history),
        "data": series.to_dict(),
    }
    write_json(run_dir / checkpoint.METRICS, summary)
    checkpoint.plot_losses(run_dir, state.losses)
    return result


def resume(run_dir: str | Path, progress: bool = True) -> TrainResult:
    """Continue the run in ``run_dir`` from its last checkpoint with its stored config.

    The data are rebuilt from the config and the random generator, weights and RAdam state
    are restored, so an interrupted run continues exactly as if it had not been stopped.

    Parameters
    ----------
    run_dir : str or Path
        A run folder written by :func:`train` (its ``config.json`` and ``checkpoint.npz``).
    progress : bool
        Show a tqdm bar with the loss and the latest D_stsp, D_H.

    Returns
    -------
    TrainResult
        The whole run, the epochs before the interruption included.

    Raises
    ------
    FileNotFoundError
        ``run_dir`` has no ``config.json`` or no ``checkpoint.npz``.
    UserInputError
        A ``config.json`` or checkpoint that cannot be read.
    DataError, DivergenceError, KeyboardInterrupt
        As in :func:`train`.

    Examples
    --------
    Ctrl-C in the third of four epochs (simulated by an epoch function that raises it) keeps
    the checkpoint of epoch 2; resuming finishes the run with the losses and weights of a
    run that was never stopped:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from unittest import mock
    >>> import numpy as np
    >>> from training import TrainConfig, loop, resume, train
    >>> from training.checkpoint import load_state
    >>> config = TrainConfig(length=1000, M=3, P=1, epochs=4, batches_per_epoch=3,
    ...                      batch_size=4, seq_len=20, eval_every=2, eval_steps=200,
    ...                      eval_runs=2, test_steps=200)
    >>> def ctrl_c_in_epoch_3(model, optimizer, series, rng, config, step):
    ...     if step == 2 * config.batches_per_epoch:
    ...         raise KeyboardInterrupt
    ...     return run_epoch(model, optimizer, series, rng, config, step)
    >>> run_epoch = loop._run_epoch
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     straight = train(config, Path(folder, "straight"), progress=False)
    ...     stopped = Path(folder, "stopped")
    ...     with mock.patch.object(loop, "_run_epoch", ctrl_c_in_epoch_3):
    ...         try:
    ...             train(config, stopped, progress=False)
    ...         except KeyboardInterrupt:
    ...             print("stopped; checkpoint of epoch", load_state(stopped).epoch)
    ...     resumed = resume(stopped, progress=False)
    ...     same_map = np.array_equal(resumed.pwl_map().W, straight.pwl_map().W)
    stopped; checkpoint of epoch 2
    >>> resumed.epochs, resumed.steps, same_map
    (4, 12, True)
    >>> np.array_equal(resumed.losses, straight.losses)
    True
    """
    run_dir = Path(run_dir)
    return train(checkpoint.load_config(run_dir), run_dir, progress=progress, resume=True)
