"""Reading trained AL-RNN weights from disk, without executing pickled code.

Formats
-------
- ``.pt`` / ``.pth``: a PyTorch ``state_dict`` as saved by the official AL-RNN Python code,
  keys ``A`` (M,), ``W`` (M, M), ``h`` (M,) (and ``B`` (N, M), unused here).  P is not stored,
  so it must be given.  The file is read by a *restricted* unpickler that rebuilds tensors as
  numpy arrays and refuses every other global: torch is not needed and no code in the file
  runs.
- ``.npz``: arrays ``A``, ``W``, ``h`` and scalar ``P``.
- a run folder written by ``pwl-analysis train``: its ``model.npz``.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np

from pwl_analysis.pwl_map import ModelError, PWLMap

#: The checkpoint file inside a training run folder.
RUN_CHECKPOINT = "model.npz"

_STORAGE_DTYPES = {
    "DoubleStorage": np.float64,
    "FloatStorage": np.float32,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}
_TORCH_DTYPES = {"float64": np.float64, "float32": np.float32, "float16": np.float16}


class _StateDict(dict):
    """A dict that accepts the ``_metadata`` attribute torch attaches to state_dicts."""


def _rebuild_tensor(storage, offset, size, stride, *_):
    itemsize = storage.dtype.itemsize
    if offset + sum((n - 1) * s for n, s in zip(size, stride)) >= max(storage.size, 1) and size:
        raise ModelError("a tensor in the checkpoint points outside its storage")
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride)
    )
    return np.array(view)


def _rebuild_parameter(data, *_):
    return data


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickler that knows tensors and ordered dicts and nothing else."""

    def __init__(self, file, archive: zipfile.ZipFile, prefix: str):
        super().__init__(file)
        self._archive = archive
        self._prefix = prefix

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return _StateDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        if module == "torch" and name in _TORCH_DTYPES:
            return _TORCH_DTYPES[name]
        if (module, name) == ("torch", "UntypedStorage"):
            return np.uint8
        raise ModelError(
            f"checkpoint contains {module}.{name}, which a plain state_dict does not; "
            "refusing to run code from the file"
        )

    def persistent_load(self, pid):
        kind, dtype, key, _location, _numel = pid[:5]
        if kind != "storage":
            raise ModelError(f"unknown persistent object {kind!r} in checkpoint")
        try:
            raw = self._archive.read(f"{self._prefix}data/{key}")
        except KeyError as error:
            raise ModelError(f"checkpoint is missing tensor data {key!r}") from error
        return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Tensors of a PyTorch state_dict file as numpy arrays (no torch, no code execution)."""
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [n for n in archive.namelist() if n.endswith("data.pkl")]
            if len(pickles) != 1:
                raise ModelError(f"{path} is not a PyTorch zip checkpoint (no data.pkl)")
            prefix = pickles[0][: -len("data.pkl")]
            with archive.open(pickles[0]) as file:
                state = _StateDictUnpickler(file, archive, prefix).load()
    except (zipfile.BadZipFile, EOFError, pickle.UnpicklingError, ValueError, OSError) as error:
        if isinstance(error, ModelError):
            raise
        raise ModelError(f"cannot read {path} as a PyTorch checkpoint: {error}") from error
    if not isinstance(state, dict):
        raise ModelError(f"{path} holds a {type(state).__name__}, not a state_dict")
    return state


def _weights_from(mapping, source: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    missing = [key for key in ("A", "W", "h") if key not in mapping]
    if missing:
        raise ModelError(
            f"{source} lacks {', '.join(missing)} (found keys: {', '.join(sorted(mapping))})"
        )
    return tuple(np.asarray(mapping[key], dtype=np.float64) for key in ("A", "W", "h"))


def _read_npz(path: Path, P: int | None) -> PWLMap:
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise ModelError(f"cannot read {path} as an .npz archive: {error}") from error
    A, W, h = _weights_from(arrays, str(path))
    if "P" in arrays:
        stored = int(arrays["P"])
        if P is not None and P != stored:
            raise ModelError(f"{path} stores P = {stored}, but P = {P} was given")
        P = stored
    if P is None:
        raise ModelError(f"{path} has no P: pass the number of piecewise-linear units")
    return PWLMap.from_alrnn(A, W, h, P)


def load_model(path: str | Path, P: int | None = None) -> PWLMap:
    """Load trained AL-RNN weights as a :class:`PWLMap`.

    Parameters
    ----------
    path : str or Path
        A ``.pt``/``.pth`` state_dict, an ``.npz`` archive, or a training run folder.
    P : int, optional
        Number of piecewise-linear units; required for ``.pt`` files, checked against the
        stored value otherwise.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ModelError
        Unreadable or truncated file, missing keys, disallowed pickled objects, bad weights.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no model at {path}")
    if path.is_dir():
        checkpoint = path / RUN_CHECKPOINT
        if not checkpoint.exists():
            raise ModelError(f"{path} is a folder without a {RUN_CHECKPOINT} checkpoint")
        return _read_npz(checkpoint, P)
    if path.suffix == ".npz":
        return _read_npz(path, P)
    if P is None:
        raise ModelError(f"{path.name} does not store P: pass P (e.g. --P 2)")
    A, W, h = _weights_from(read_state_dict(path), str(path))
    return PWLMap.from_alrnn(A, W, h, P)
