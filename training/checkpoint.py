"""Run folders: config, checkpoints, metrics and the loss plot, all written atomically.

A run folder holds

- ``config.json``  the :class:`~training.config.TrainConfig` as plain values;
- ``model.npz``    the export read by :func:`pwl_analysis.load_model`: ``A`` (M,), ``W`` (M, M),
  ``h`` (M,), ``B`` (N, M) (initial-state map), scalars ``P``, ``M``, ``N`` and the data
  normalisation ``data_mean``, ``data_std`` (N,);
- ``checkpoint.npz``  everything :func:`training.resume` needs: the weights, the RAdam moments,
  the random generator state, the loss history and the progress counters;
- ``metrics.json`` and ``loss.png``.

Everything is npz or JSON: readable without torch and free of pickled code.  Each file is
written by ``pwl_analysis._atomic.write_atomically`` (a temporary name in the same folder,
flushed to disk, then :func:`os.replace`), so a crash or Ctrl-C never leaves a half-written
file and never loses the previous version.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pwl_analysis._atomic import write_atomically
from pwl_analysis.errors import UserInputError
from pwl_analysis.loading import RUN_CHECKPOINT

TRAINING_STATE = "checkpoint.npz"
CONFIG = "config.json"
METRICS = "metrics.json"
LOSS_PLOT = "loss.png"


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """All arrays of an npz file, refusing pickled objects."""
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def load_config(run_dir: Path):
    """The :class:`~training.config.TrainConfig` stored in ``run_dir/config.json``.

    Raises
    ------
    FileNotFoundError
        No ``config.json``: not a training run.
    UserInputError
        A ``config.json`` that is not a valid configuration.
    """
    from training.config import TrainConfig

    path = Path(run_dir) / CONFIG
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} has no {CONFIG}: not a training run")
    try:
        return TrainConfig.from_dict(json.loads(path.read_text()))
    except UserInputError as error:
        raise UserInputError(f"{path} is not a valid training configuration: {error}") from error
    except ValueError as error:  # not JSON, or not text
        raise UserInputError(f"{path} is not a valid training configuration ({error})") from error


def resumable_config(run_dir: Path):
    """The configuration of the run in ``run_dir``, checked against its data and checkpoint.

    What :func:`training.resume` will find, read and checked before it imports torch:
    ``config.json`` (:func:`load_config`), the data it names
    (:func:`training.data.check_data`) and ``checkpoint.npz`` (:func:`check_state`).

    Raises
    ------
    FileNotFoundError, UserInputError
        A missing or unreadable file, or one that does not match the others, named.
    """
    from training.data import check_data

    config = load_config(run_dir)
    N = check_data(config)
    check_state(run_dir, load_state(run_dir), config, N)
    return config


def check_state(run_dir: Path, state: TrainingState, config, N: int) -> None:
    """Raise UserInputError unless the checkpoint in ``run_dir`` fits its configuration.

    The weights must have the shapes of an AL-RNN with the configuration's M units on N data
    dimensions, A (M,), W (M, M), h (M,), B (N, M), and the ``model.npz`` export the
    configuration's P: a ``config.json`` edited after the run started, or data with another
    number of columns, are refused before training resumes.
    """
    run_dir = Path(run_dir)
    shapes = {name: np.shape(state.weights.get(name)) for name in ("A", "W", "h", "B")}
    M = shapes["h"][0] if len(shapes["h"]) == 1 else None
    if M is None or shapes != {"A": (M,), "W": (M, M), "h": (M,), "B": shapes["B"]}:
        raise UserInputError(
            f"{run_dir / TRAINING_STATE} is not a readable training checkpoint (weights of "
            f"shapes {shapes}); start a new run instead of resuming"
        )
    problem = None
    if M != config.M:
        problem = f"it was trained with M = {M} units, but {CONFIG} says M = {config.M}"
    elif shapes["B"] != (N, M):
        problem = f"it was trained on {shapes['B'][0]} data dimensions, the data now have {N}"
    elif (run_dir / RUN_CHECKPOINT).is_file():
        P = int(read_npz(run_dir / RUN_CHECKPOINT).get("P", config.P))
        if P != config.P:
            problem = f"it was trained with P = {P}, but {CONFIG} says P = {config.P}"
    if problem is not None:
        raise UserInputError(
            f"{run_dir / TRAINING_STATE} no longer matches its configuration: {problem}; "
            f"restore {CONFIG} or start a new run"
        )


@dataclass(frozen=True)
class TrainingState:
    """A resumable snapshot of a run.

    Attributes
    ----------
    weights : dict of str to ndarray
        ``A``, ``W``, ``h``, ``B`` (float64).
    optimizer : dict of str to ndarray
        RAdam moments ``<name>.exp_avg``, ``<name>.exp_avg_sq`` and ``<name>.step``.
    epoch, step : int
        Completed epochs and optimisation steps.
    rng_state : dict
        ``numpy.random.Generator.bit_generator.state`` after the last step.
    losses : ndarray, shape (epoch,)
        Mean training loss of each completed epoch.
    wall_time : float
        Seconds spent training so far.
    history : tuple of dict
        Progress metrics ``{"epoch", "D_stsp", "D_H"}`` computed so far.
    best_weights : dict of str to ndarray
        The weights of the selected epoch (empty if none selected).
    best_epoch : int
        That epoch (0 if none).
    best_score : float
        The lowest worst-run D_stsp of the evaluations so far (inf if none).
    candidates : dict of int to dict
        Epoch → weights of the evaluated epochs whose worst-run D_stsp is within the
        selection tolerance of ``best_score``: the epochs a later, lower score can still
        leave to choose from (:func:`training.loop.select_epoch`).
    """

    weights: dict
    optimizer: dict
    epoch: int
    step: int
    rng_state: dict
    losses: np.ndarray
    wall_time: float
    history: tuple = ()
    best_weights: dict = field(default_factory=dict)
    best_epoch: int = 0
    best_score: float = float("inf")
    candidates: dict = field(default_factory=dict)

    @property
    def exported_weights(self) -> dict:
        """The weights written to ``model.npz``: the selected epoch's, else the latest."""
        return self.best_weights or self.weights

    def __repr__(self) -> str:
        return (
            f"TrainingState(epoch={self.epoch}, step={self.step}, wall_time={self.wall_time:.1f}s)"
        )


def save_state(run_dir: Path, state: TrainingState, P: int, data_mean, data_std) -> None:
    """Write ``checkpoint.npz`` and the ``model.npz`` export (each atomically)."""
    counters = {
        "epoch": state.epoch,
        "step": state.step,
        "rng_state": state.rng_state,
        "wall_time": state.wall_time,
        "history": list(state.history),
        "best_epoch": state.best_epoch,
        "best_score": state.best_score,
    }
    arrays = {f"weights.{k}": v for k, v in state.weights.items()}
    arrays |= {f"optimizer.{k}": v for k, v in state.optimizer.items()}
    arrays |= {f"best.{k}": v for k, v in state.best_weights.items()}
    for epoch, weights in state.candidates.items():
        arrays |= {f"candidate.{int(epoch)}.{k}": v for k, v in weights.items()}
    arrays |= {"losses": np.asarray(state.losses, dtype=np.float64)}
    arrays |= {"counters": np.array(json.dumps(counters))}
    write_atomically(Path(run_dir) / TRAINING_STATE, _npz_bytes(arrays))
    write_atomically(
        Path(run_dir) / RUN_CHECKPOINT, _npz_bytes(model_arrays(state, P, data_mean, data_std))
    )


def model_arrays(state: TrainingState, P: int, data_mean, data_std) -> dict[str, np.ndarray]:
    """The ``model.npz`` contents: weights, sizes and data normalisation."""
    weights = state.exported_weights
    return {
        **weights,
        "P": np.array(P),
        "M": np.array(weights["h"].shape[0]),
        "N": np.array(weights["B"].shape[0]),
        "data_mean": np.asarray(data_mean, dtype=np.float64),
        "data_std": np.asarray(data_std, dtype=np.float64),
    }


def load_state(run_dir: Path) -> TrainingState:
    """Read ``checkpoint.npz`` back into a :class:`TrainingState`."""
    path = Path(run_dir) / TRAINING_STATE
    if not path.exists():
        raise FileNotFoundError(f"{run_dir} has no {TRAINING_STATE} to resume from")
    try:
        return _state_from_arrays(read_npz(path))
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError, TypeError) as error:
        raise UserInputError(
            f"{path} is not a readable training checkpoint ({type(error).__name__}: {error}); "
            "start a new run instead of resuming"
        ) from error


def _state_from_arrays(arrays: dict[str, np.ndarray]) -> TrainingState:
    counters = json.loads(str(arrays["counters"]))
    candidates: dict[int, dict] = {}
    for key, value in arrays.items():
        if key.startswith("candidate."):
            _, epoch, name = key.split(".", 2)
            candidates.setdefault(int(epoch), {})[name] = value
    return TrainingState(
        weights={k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("weights.")},
        optimizer={k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("optimizer.")},
        epoch=counters["epoch"],
        step=counters["step"],
        rng_state=counters["rng_state"],
        losses=arrays["losses"],
        wall_time=counters["wall_time"],
        history=tuple(counters["history"]),
        best_weights={k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("best.")},
        best_epoch=counters["best_epoch"],
        best_score=counters["best_score"],
        candidates=candidates,
    )


def plot_losses(run_dir: Path, losses: np.ndarray) -> None:
    """Write ``loss.png``: training loss per epoch on a log scale (matplotlib Agg)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.semilogy(np.arange(1, len(losses) + 1), losses)
    axes.set_xlabel("epoch")
    axes.set_ylabel("training loss (MSE)")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    write_atomically(Path(run_dir) / LOSS_PLOT, buffer.getvalue())
