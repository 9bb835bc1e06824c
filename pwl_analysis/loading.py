"""Reading trained AL-RNN weights from disk, without executing code from the file.

Formats
-------
- ``.pt`` / ``.pth``: a PyTorch ``state_dict`` as saved by the official AL-RNN Python code,
  keys ``A`` (M,), ``W`` (M, M), ``h`` (M,) (and ``B`` (N, M), unused here).  P is not stored,
  so it must be given.  The file is read by this package's bounded, torch-free reader
  (``pwl_analysis._pytorch_zip``) and, where PyTorch is installed, first by
  ``torch.load(weights_only=True)``, whose tensors must then equal the torch-free reader's.
  Either way no code in the file runs, the archive may expand to at most
  :data:`MAX_CHECKPOINT_BYTES`, and every tensor must be real-valued.
- ``.npz``: arrays ``A``, ``W``, ``h`` and an integer scalar ``P``.
- a run folder written by ``pwl-analysis train``: its ``model.npz``.

Other model classes (:data:`MODEL_TYPES`) are read from the same formats by their weights'
names: ``W1``, ``W2``, ``h1``, ``h2`` (and ``A``) a shallow PLRNN, ``alphas`` and
``thresholds`` (and ``A``, ``W``, ``h``) a dendritic PLRNN.  An ``.npz`` may say its type in a
string scalar ``model_type``; otherwise, where the names do not tell (a PLRNN's ``A``, ``W``,
``h`` read as an AL-RNN's; a clipped shPLRNN's read as a shPLRNN's), the caller says it.
"""

from __future__ import annotations

import math
import pickle
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pwl_analysis import _pytorch_zip
from pwl_analysis._filesystem import special_kind
from pwl_analysis.pwl_map import ModelError, PWLMap

#: The checkpoint file inside a training run folder.
RUN_CHECKPOINT = "model.npz"

#: Most bytes a ``.pt`` archive may expand to, and most bytes its tensors may fill as float64.
MAX_CHECKPOINT_BYTES = 1 << 30

#: What ``torch.load(weights_only=True)`` raises on a damaged or hostile file besides its
#: unpickler's refusal (pickle.UnpicklingError): torch's checks of storages, sizes and strides,
#: its unguarded assertions and look-ups, and its pure-Python unpickler's reads past the end.
_TORCH_ERRORS = (
    RuntimeError,
    AssertionError,
    AttributeError,
    TypeError,
    ValueError,
    KeyError,
    IndexError,
    EOFError,
    OSError,
    OverflowError,
    struct.error,
)


def _torch_module():
    """The ``torch`` module, or None where PyTorch is not installed (imported on first use)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def _torch_reason(error: Exception) -> str:
    """The first sentence of a torch error that says what is wrong (after torch's preamble)."""
    text = str(error)
    if "WeightsUnpickler error:" in text:
        text = text.split("WeightsUnpickler error:", 1)[1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0].split(". ")[0].rstrip(".:") if lines else type(error).__name__


def _read_with_torch(torch, path: Path) -> dict[str, np.ndarray]:
    _pytorch_zip.check_archive(path, MAX_CHECKPOINT_BYTES)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise ModelError(
            f"{path}: {_torch_reason(error)}; refusing to run code from the file"
        ) from error
    except _TORCH_ERRORS as error:
        raise ModelError(
            f"cannot read {path} as a PyTorch checkpoint: {_torch_reason(error)}"
        ) from error
    if not isinstance(state, dict):
        raise ModelError(f"{path} holds a {type(state).__name__}, not a state_dict")
    arrays = {}
    budget = MAX_CHECKPOINT_BYTES
    for name, value in state.items():
        arrays[name] = _tensor_as_array(torch, path, name, value, budget)
        budget -= arrays[name].nbytes
    _check_agrees(arrays, _pytorch_zip.read_state_dict(path, MAX_CHECKPOINT_BYTES), path)
    return arrays


def _check_agrees(arrays: dict, reference: dict, path: Path) -> None:
    """Refuse a file that torch.load reads differently from the torch-free reader.

    torch's zip reader trusts fields Python's :mod:`zipfile` checks (a record flagged as a
    folder is read as uninitialised memory), so every tensor is read a second, independent way.
    """
    for name in arrays.keys() | reference.keys():
        if not np.array_equal(arrays.get(name), reference.get(name), equal_nan=True):
            raise ModelError(
                f"{path} is refused: torch.load and the archive's records disagree on tensor "
                f"{name!r}, so the archive is inconsistent"
            )


def _tensor_as_array(torch, path: Path, name, value, budget: int) -> np.ndarray:
    """A real, dense CPU tensor of at most ``budget`` float64 bytes as a new float64 array."""
    if not isinstance(name, str):
        raise ModelError(f"{path} has a state_dict key of type {type(name).__name__}")
    if not isinstance(value, torch.Tensor):
        raise ModelError(f"{path}: entry {name!r} is a {type(value).__name__}, not a tensor")
    dense = value.layout == torch.strided and value.device.type == "cpu"
    real = not (value.is_quantized or value.dtype.is_complex or value.dtype == torch.bool)
    if not (dense and real):
        raise ModelError(
            f"{path}: tensor {name!r} is a {value.layout} {value.dtype} tensor on "
            f"{value.device}, not a dense tensor of real numbers"
        )
    if min(value.shape, default=0) < 0 or min(value.stride(), default=0) < 0:
        raise ModelError(
            f"{path}: tensor {name!r} has a negative size or stride "
            f"(sizes {tuple(value.shape)}, strides {value.stride()})"
        )
    try:
        _pytorch_zip.check_fits(repr(name), tuple(value.shape), budget)
    except ModelError as error:
        raise ModelError(f"{path}: {error}") from None
    return np.array(value.detach().to(torch.float64).numpy(), dtype=np.float64)


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Tensors of a PyTorch state_dict file as float64 arrays, without running code from it.

    Parameters
    ----------
    path : str or Path
        A zip checkpoint written by ``torch.save(state_dict, path)``.

    Returns
    -------
    dict of str to ndarray
        Each entry's tensor as a new float64 array.

    Raises
    ------
    ModelError
        The file is a named pipe, socket or device (refused without opening it), is
        unreadable, would expand beyond :data:`MAX_CHECKPOINT_BYTES`, holds
        anything but a dict of dense real tensors, or (torch-free reader) breaks a rule of
        ``pwl_analysis._pytorch_zip``.
    """
    path = Path(path)
    _require_regular(path, "a .pt state_dict file")
    torch = _torch_module()
    if torch is None:
        return _pytorch_zip.read_state_dict(path, MAX_CHECKPOINT_BYTES)
    return _read_with_torch(torch, path)


def _require_regular(path: Path, expected: str) -> None:
    """Refuse a named pipe, socket or device from its ``stat``: opening a pipe waits for ever."""
    kind = special_kind(path)
    if kind is not None:
        raise ModelError(f"{path} is {kind}, not a regular file: give {expected}")


@dataclass(frozen=True)
class ModelType:
    """A model class as it is stored: the names of its weights and the map they define."""

    keys: tuple[str, ...]
    build: Callable[..., PWLMap]
    takes_P: bool = False


#: Every model class a file can hold, by the name ``--model-type`` and ``model_type`` use.
MODEL_TYPES = {
    "alrnn": ModelType(("A", "W", "h"), PWLMap.from_alrnn, takes_P=True),
    "plrnn": ModelType(("A", "W", "h"), PWLMap.from_plrnn),
    "shplrnn": ModelType(("A", "W1", "W2", "h1", "h2"), PWLMap.from_shplrnn),
    "clipped-shplrnn": ModelType(("A", "W1", "W2", "h1", "h2"), PWLMap.from_clipped_shplrnn),
    "dendplrnn": ModelType(("A", "W", "h", "alphas", "thresholds"), PWLMap.from_dendplrnn),
}


def _type_of(mapping, stored: str | None, given: str | None, source: str) -> str:
    """The model type: given, stored in the file, or told by the weights' names."""
    for name in (given, stored):
        if name is not None and name not in MODEL_TYPES:
            raise ModelError(
                f"{source}: model type {name!r} is not one of {', '.join(MODEL_TYPES)}"
            )
    if given is not None and stored is not None and given != stored:
        raise ModelError(f"{source} stores model type {stored!r}, but {given!r} was given")
    if given or stored:
        return given or stored
    if "W1" in mapping:
        return "shplrnn"
    return "dendplrnn" if "alphas" in mapping else "alrnn"


def _weights_from(mapping, keys: tuple[str, ...], source: str) -> tuple:
    """The arrays named ``keys`` of ``mapping``, unchecked (the map's constructor checks them)."""
    missing = [key for key in keys if key not in mapping]
    if missing:
        raise ModelError(
            f"{source} lacks {', '.join(missing)} (found keys: {', '.join(sorted(mapping))})"
        )
    return tuple(mapping[key] for key in keys)


def _stored_type(stored: np.ndarray, path: Path) -> str:
    """The model type stored in an .npz archive, if it is a single string."""
    if stored.shape != () or stored.dtype.kind != "U":
        raise ModelError(
            f"{path} stores model_type as {stored.dtype} of shape {stored.shape}, not a string"
        )
    return str(stored)


def _stored_P(stored: np.ndarray, path: Path) -> int:
    """The P stored in an .npz archive, if it is a single integer (not a bool)."""
    if stored.shape != () or stored.dtype.kind not in "iu":
        raise ModelError(
            f"{path} stores P as {stored.dtype} of shape {stored.shape}, not a single integer"
        )
    return int(stored)


def _check_npz_sizes(path: Path) -> None:
    """Refuse an .npz archive too large once expanded, or with an array larger than its data.

    ``np.load`` allocates the shape an ``.npy`` header declares before reading the data, so a
    header claiming terabytes is refused here, from the header alone.
    """
    with _pytorch_zip.open_zip(path) as archive:
        _pytorch_zip.check_expanded_size(archive, MAX_CHECKPOINT_BYTES)
        for info in archive.infolist():
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                header = np.lib.format.read_array_header_1_0
                if version != (1, 0):
                    header = np.lib.format.read_array_header_2_0
                shape, _, dtype = header(member)
                held = info.file_size - member.tell()
            if math.prod(shape) * dtype.itemsize > held:
                raise ModelError(f"{info.filename} declares shape {shape} but holds {held} bytes")


def _checked_map(mapping, model_type: str, P, path: Path) -> PWLMap:
    """The map of ``mapping``'s weights, its refusal naming the file they came from."""
    kind = MODEL_TYPES[model_type]
    weights = _weights_from(mapping, kind.keys, str(path))
    if not kind.takes_P and P is not None:
        raise ModelError(f"{path}: P applies to AL-RNNs only, and this is a {model_type}")
    if kind.takes_P and P is None:
        raise ModelError(f"{path} has no P: pass the number of piecewise-linear units")
    try:
        return kind.build(*weights, P) if kind.takes_P else kind.build(*weights)
    except ModelError as error:
        raise ModelError(f"{path}: {error}") from None


def _read_npz(path: Path, P: int | None, model_type: str | None) -> PWLMap:
    try:
        _check_npz_sizes(path)
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except ModelError as error:
        raise ModelError(f"{path} is refused: {error}") from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise ModelError(f"cannot read {path} as an .npz archive: {error}") from error
    stored = _stored_type(arrays["model_type"], path) if "model_type" in arrays else None
    model_type = _type_of(arrays, stored, model_type, str(path))
    if "P" in arrays:
        stored_P = _stored_P(arrays["P"], path)
        if P is not None and P != stored_P:
            raise ModelError(f"{path} stores P = {stored_P}, but P = {P!r} was given")
        P = stored_P
    return _checked_map(arrays, model_type, P, path)


def load_model(path: str | Path, P: int | None = None, model_type: str | None = None) -> PWLMap:
    """Load a trained model's weights as a :class:`PWLMap`.

    Parameters
    ----------
    path : str or Path
        A ``.pt``/``.pth`` state_dict, an ``.npz`` archive, or a training run folder.
    P : int, optional
        Number of piecewise-linear units of an AL-RNN; required for ``.pt`` files, checked
        against the stored value otherwise.
    model_type : str, optional
        One of :data:`MODEL_TYPES` (``"alrnn"``, ``"plrnn"``, ``"shplrnn"``,
        ``"clipped-shplrnn"``, ``"dendplrnn"``), for a file that does not say; by default
        the type stored in an ``.npz``, else the one its weights' names tell (an AL-RNN for
        ``A``, ``W``, ``h``).

    Returns
    -------
    PWLMap
        The map of the stored weights (an :class:`~pwl_analysis.pwl_map.ALRNNMap`,
        z ↦ A z + W Φ*(z) + h, for an AL-RNN).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ModelError
        A named pipe, socket or device (refused without opening it, which would wait for a
        writer), an unreadable or truncated file, missing keys, disallowed pickled objects,
        bad weights, an unknown model type or one that contradicts the file.

    Examples
    --------
    The tent map u ↦ 2u + 1/2 − 4 max(0, u) stored as an ``.npz`` archive; its fixed points
    are u = −1/2 and u = 1/6:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from pwl_analysis import load_model
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder, "tent.npz")
    ...     np.savez(path, A=[2.0], W=[[-4.0]], h=[0.5], P=1)
    ...     m = load_model(path)
    >>> m
    PWLMap(M=1, P=1, regions=2)
    >>> [c.exact_points[0, 0] for c in m.fixed_points()]
    [-1/2, 1/6]
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no model at {path}")
    if path.is_dir():
        checkpoint = path / RUN_CHECKPOINT
        if not checkpoint.exists():
            raise ModelError(f"{path} is a folder without a {RUN_CHECKPOINT} checkpoint")
        _require_regular(checkpoint, f"a run folder whose {RUN_CHECKPOINT} is a file")
        return _read_npz(checkpoint, P, model_type)
    _require_regular(path, "a model file (.npz, .pt) or a training run folder")
    if path.suffix == ".npz":
        return _read_npz(path, P, model_type)
    state = read_state_dict(path)
    model_type = _type_of(state, None, model_type, str(path))
    if model_type == "alrnn" and P is None:
        raise ModelError(f"{path.name} does not store P: pass P (e.g. --P 2)")
    return _checked_map(state, model_type, P, path)
