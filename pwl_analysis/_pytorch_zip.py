"""A torch-free, bounded reader of PyTorch's zip checkpoints of plain state_dicts.

``torch.save`` writes a zip archive: ``<name>/data.pkl`` pickles an ``OrderedDict`` whose values
are ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)``
calls, and each storage is a persistent id ``("storage", torch.FloatStorage, key, location,
numel)`` naming the raw little-endian record ``<name>/data/<key>``.  Element ``(i_1, …, i_n)``
of a tensor sits at index ``offset + Σ_k i_k stride_k`` of its storage.

Nothing in the file runs and nothing is read or allocated beyond declared, checked sizes:

1. Before anything is read, the archive must declare at most :data:`MAX_RECORDS` records, an
   uncompressed size (the sum of its records' sizes) of at most ``limit`` bytes and a
   ``data.pkl`` of at most :data:`MAX_PICKLE_BYTES`; every record is read at exactly its
   declared size.
2. The pickle may use only the opcodes and globals a state_dict needs; every argument of a
   rebuild call and every persistent id is type-checked.
3. A storage of ``numel`` elements must be a record of exactly ``numel × itemsize`` bytes.
4. A tensor's offset, sizes and strides are integers ≥ 0 and every element it reaches, from
   index ``offset`` to ``offset + Σ_k (size_k − 1) stride_k``, lies inside its storage; the
   tensors together materialise at most ``limit`` bytes as float64.

Any violation is a :class:`~pwl_analysis.pwl_map.ModelError` naming the file and the fault.
"""

from __future__ import annotations

import io
import math
import pickle
import pickletools
import reprlib
import struct
import zipfile
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pwl_analysis.pwl_map import ModelError

#: Pickle opcodes that ``torch.save`` writes for a state_dict (protocols 2 to 4).
_OPCODES = frozenset(
    "PROTO FRAME STOP MARK GLOBAL STACK_GLOBAL REDUCE BUILD BINPERSID "
    "BINPUT LONG_BINPUT MEMOIZE BINGET LONG_BINGET "
    "NONE NEWTRUE NEWFALSE BININT BININT1 BININT2 LONG1 BINUNICODE SHORT_BINUNICODE "
    "EMPTY_TUPLE TUPLE TUPLE1 TUPLE2 TUPLE3 EMPTY_DICT SETITEM SETITEMS".split()
)

#: Opcodes that store or fetch a memo entry by an index given in the pickle.
_MEMO_OPCODES = frozenset({"BINPUT", "LONG_BINPUT", "BINGET", "LONG_BINGET"})

#: Storage classes of real-number tensors and the little-endian dtype of their records.
_STORAGE_DTYPES = {
    "DoubleStorage": "<f8",
    "FloatStorage": "<f4",
    "HalfStorage": "<f2",
    "LongStorage": "<i8",
    "IntStorage": "<i4",
    "ShortStorage": "<i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
}

#: Most bytes of ``data.pkl``: a state_dict needs about 100 per tensor, and every byte may
#: push an object on the unpickler's stack.
MAX_PICKLE_BYTES = 1 << 20

#: Most records an archive may hold: a checkpoint has one per storage and a few more.
MAX_RECORDS = 1 << 16

#: How far from its end a zip archive's end-of-directory record may start (22 bytes and a
#: comment of up to 65535).
_EOCD_SEARCH = 22 + 65535

#: Most dimensions a tensor may have.
_MAX_NDIM = 32


class _Sealed:
    """Base of every object a global or persistent id yields: opcode BUILD cannot modify it."""

    def __setstate__(self, state):
        raise ModelError(f"the pickle tries to modify a {type(self).__name__.lstrip('_')}")


class _StateDict(dict):
    """An ``OrderedDict`` of the file; BUILD may attach torch's ``_metadata`` dict to it."""

    def __setstate__(self, state):
        if not isinstance(state, dict):
            raise ModelError(f"a state_dict's attributes are {_kind(state)}, not a dict")


@dataclass(frozen=True)
class _Function(_Sealed):
    """A function the pickle may call, standing in for the torch function of that name."""

    function: Callable

    def __call__(self, *args):
        return self.function(*args)


@dataclass(frozen=True)
class _StorageType(_Sealed):
    """A storage class of the file, ``torch.FloatStorage`` etc."""

    name: str
    dtype: np.dtype


@dataclass(frozen=True)
class _Storage(_Sealed):
    """A storage named by a persistent id: record ``data/<key>`` of ``numel`` elements."""

    key: str
    dtype: np.dtype
    numel: int


@dataclass(frozen=True)
class _Tensor(_Sealed):
    """A strided view of a storage, checked when materialised."""

    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_tuple(value, what: str) -> tuple[int, ...]:
    if not isinstance(value, tuple) or not all(_is_int(n) for n in value):
        raise ModelError(f"a tensor's {what} is {_kind(value)}, not a tuple of integers")
    if len(value) > _MAX_NDIM:
        raise ModelError(f"a tensor has {len(value)} dimensions, more than {_MAX_NDIM}")
    return value


def _kind(value) -> str:
    """``"an int"``, ``"a tuple of (str, int)"``: what a value from the file is, never its repr.

    A repr could be huge or nested beyond the recursion limit.
    """
    if isinstance(value, tuple):
        names = ", ".join(type(item).__name__ for item in value[:4])
        return f"a tuple of ({names}{', …' if len(value) > 4 else ''})"
    name = type(value).__name__.lstrip("_")
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _rebuild_tensor(storage, offset, size, stride, requires_grad, hooks, metadata=None):
    if not isinstance(storage, _Storage):
        raise ModelError(f"a tensor's storage is {_kind(storage)}, not a storage")
    if not _is_int(offset):
        raise ModelError(f"a tensor's storage offset is {_kind(offset)}, not an integer")
    size, stride = _int_tuple(size, "size"), _int_tuple(stride, "stride")
    if len(size) != len(stride):
        raise ModelError(f"a tensor has {len(size)} sizes but {len(stride)} strides")
    if not isinstance(requires_grad, bool) or not isinstance(hooks, _StateDict) or hooks:
        raise ModelError("a tensor's requires_grad or backward hooks are not those of a state_dict")
    if metadata is not None and not isinstance(metadata, dict):
        raise ModelError(f"a tensor's metadata is {_kind(metadata)}, not a dict")
    return _Tensor(storage, offset, size, stride)


def _rebuild_parameter(data, requires_grad, hooks):
    if not isinstance(data, _Tensor):
        raise ModelError(f"a parameter holds {_kind(data)}, not a tensor")
    if not isinstance(requires_grad, bool) or not isinstance(hooks, _StateDict) or hooks:
        raise ModelError("a parameter's requires_grad or backward hooks are not a state_dict's")
    return data


_GLOBALS = {
    ("collections", "OrderedDict"): _Function(_StateDict),
    ("torch._utils", "_rebuild_tensor_v2"): _Function(_rebuild_tensor),
    ("torch._utils", "_rebuild_parameter"): _Function(_rebuild_parameter),
    **{
        ("torch", name): _StorageType(name, np.dtype(code))
        for name, code in _STORAGE_DTYPES.items()
    },
}


class _Unpickler(pickle.Unpickler):
    """Unpickler that knows state_dicts, tensors and storages and nothing else."""

    def find_class(self, module: str, name: str):
        found = _GLOBALS.get((module, name))
        if found is None:
            raise ModelError(
                f"the pickle names {module}.{name}, which a state_dict of real-number tensors "
                "does not need; refusing to run code from the file"
            )
        return found

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise ModelError(f"a persistent id is {_kind(pid)}, not a storage reference")
        _, kind, key, location, numel = pid
        if not isinstance(kind, _StorageType):
            raise ModelError(f"a storage's type is {_kind(kind)}, not a storage class")
        if not (isinstance(key, str) and isinstance(location, str) and _is_int(numel)):
            raise ModelError("a storage reference lacks a string key or an integer size")
        if numel < 0:
            raise ModelError(f"storage {reprlib.repr(key)} has a negative size {numel}")
        return _Storage(key, kind.dtype, numel)


def _check_opcodes(data: bytes) -> None:
    """Refuse a pickle with an opcode that a state_dict does not need, before running it.

    Memo indices are bounded too: the C unpickler keeps its memo in an array as long as the
    largest index, so one ``LONG_BINPUT 2**31`` would allocate gigabytes.  ``torch.save``
    numbers memo entries 0, 1, 2, …, so they never exceed the pickle's length.
    """
    for opcode, arg, position in pickletools.genops(data):
        if opcode.name not in _OPCODES:
            raise ModelError(f"the pickle uses opcode {opcode.name} at byte {position}")
        if opcode.name in _MEMO_OPCODES and arg > len(data):
            raise ModelError(f"the pickle uses memo index {arg} at byte {position}")


def open_zip(path: str | Path) -> zipfile.ZipFile:
    """``zipfile.ZipFile(path)``, once its directory declares at most :data:`MAX_RECORDS` records.

    :mod:`zipfile` builds an object per record as it opens an archive, so a directory of
    millions of records is refused beforehand, from the end-of-directory record(s) alone.
    """
    with open(path, "rb") as file:
        size = file.seek(0, io.SEEK_END)
        file.seek(max(0, size - _EOCD_SEARCH))
        tail = file.read()
        end = tail.rfind(b"PK\x05\x06")
        if end < 0 or len(tail) < end + 22:
            raise zipfile.BadZipFile("it is not a zip archive (no end-of-directory record)")
        (records,) = struct.unpack_from("<H", tail, end + 10)
        locator = end - 20
        if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
            (offset,) = struct.unpack_from("<Q", tail, locator + 8)
            file.seek(offset)
            zip64 = file.read(56)
            if len(zip64) < 56 or zip64[:4] != b"PK\x06\x06":
                raise zipfile.BadZipFile("its zip64 end-of-directory record is damaged")
            (records,) = struct.unpack_from("<Q", zip64, 32)
    if records > MAX_RECORDS:
        raise ModelError(f"its directory declares {records} records, more than {MAX_RECORDS}")
    return zipfile.ZipFile(path)


def check_expanded_size(archive: zipfile.ZipFile, limit: int) -> None:
    """Refuse a zip archive whose records add up to more than ``limit`` bytes once expanded.

    The sizes come from the archive's directory, and :mod:`zipfile` never returns more bytes
    of a record than its directory entry declares, so nothing beyond ``limit`` is ever read.
    """
    total = sum(info.file_size for info in archive.infolist())
    if total > limit:
        raise ModelError(f"it would expand to {total} bytes, more than the limit of {limit} bytes")


class _Archive:
    """The records of one checkpoint, read at their declared and bounded sizes."""

    def __init__(self, archive: zipfile.ZipFile, limit: int):
        infos = archive.infolist()
        check_expanded_size(archive, limit)
        folders = [i.filename for i in infos if i.filename.endswith("/") or i.external_attr & 0x10]
        if folders:
            raise ModelError(f"record {reprlib.repr(folders[0])} is marked as a folder")
        pickles = [info for info in infos if info.filename.endswith("data.pkl")]
        if len(pickles) != 1:
            raise ModelError(f"it has {len(pickles)} data.pkl records instead of one")
        if pickles[0].file_size > MAX_PICKLE_BYTES:
            raise ModelError(
                f"its data.pkl has {pickles[0].file_size} bytes, more than the "
                f"{MAX_PICKLE_BYTES} a state_dict needs"
            )
        self.prefix = pickles[0].filename[: -len("data.pkl")]
        self._archive = archive
        self._storages: dict[str, tuple[_Storage, np.ndarray]] = {}
        self._names = frozenset(info.filename for info in infos)
        self._byteorder: str | None = None

    def read(self, name: str) -> bytes:
        """Record ``<prefix><name>``, exactly as long as the archive declares."""
        try:
            info = self._archive.getinfo(self.prefix + name)
        except KeyError as error:
            raise ModelError(f"record {reprlib.repr(name)} is missing") from error
        with self._archive.open(info) as record:
            data = record.read(info.file_size)
        if len(data) != info.file_size:
            raise ModelError(f"record {reprlib.repr(name)} is shorter than declared")
        return data

    def byteorder(self) -> str:
        """``"<"`` or ``">"``: the byte order of the storages (little when unrecorded)."""
        if self._byteorder is None:
            recorded = self.prefix + "byteorder" in self._names
            order = self.read("byteorder") if recorded else b"little"
            if order not in (b"little", b"big"):
                raise ModelError("its byteorder record is neither 'little' nor 'big'")
            self._byteorder = "<" if order == b"little" else ">"
        return self._byteorder

    def storage(self, storage: _Storage) -> np.ndarray:
        """The elements of ``storage``, after checking its record holds exactly that many."""
        if storage.key in self._storages:
            declared, array = self._storages[storage.key]
            if declared != storage:
                key = reprlib.repr(storage.key)
                raise ModelError(f"storage {key} is declared twice, differently")
            return array
        name = f"data/{storage.key}"
        expected = storage.numel * storage.dtype.itemsize
        try:
            size = self._archive.getinfo(self.prefix + name).file_size
        except KeyError as error:
            raise ModelError(f"storage record {reprlib.repr(name)} is missing") from error
        if size != expected:
            raise ModelError(
                f"storage {reprlib.repr(storage.key)} declares {storage.numel} elements "
                f"({expected} bytes) but its record holds {size} bytes"
            )
        dtype = storage.dtype.newbyteorder(self.byteorder())
        array = np.frombuffer(self.read(name), dtype=dtype)
        self._storages[storage.key] = (storage, array)
        return array


def check_fits(name: str, size: tuple[int, ...], budget: int) -> None:
    """Refuse tensor ``name`` unless a float64 array of shape ``size`` fits in ``budget`` bytes.

    Each size alone must fit too, so that an empty tensor of shape (0, 2^40) is refused.
    """
    if math.prod(size) * 8 > budget or any(n * 8 > budget for n in size):
        raise ModelError(
            f"tensor {name} of shape {size} would fill more than the remaining "
            f"{budget} bytes of the limit as float64"
        )


def _materialise(name: str, tensor: _Tensor, archive: _Archive, budget: int) -> np.ndarray:
    """Tensor ``name`` (quoted) as a new float64 array, after checking it lies in its storage."""
    if tensor.offset < 0:
        raise ModelError(f"tensor {name} has a negative storage offset {tensor.offset}")
    for what, values in (("size", tensor.size), ("stride", tensor.stride)):
        negative = [n for n in values if n < 0]
        if negative:
            raise ModelError(f"tensor {name} has a negative {what} {negative[0]}")
    check_fits(name, tensor.size, budget)
    storage = archive.storage(tensor.storage)
    if math.prod(tensor.size) == 0:
        return np.zeros(tensor.size)
    last = tensor.offset + sum((n - 1) * s for n, s in zip(tensor.size, tensor.stride))
    if last >= storage.size:
        raise ModelError(
            f"tensor {name} reaches element {last} of storage {reprlib.repr(tensor.storage.key)}, "
            f"which has {storage.size}"
        )
    itemsize = storage.dtype.itemsize
    strides = tuple(s * itemsize if n > 1 else 0 for n, s in zip(tensor.size, tensor.stride))
    view = np.lib.stride_tricks.as_strided(
        storage[tensor.offset :], shape=tensor.size, strides=strides, writeable=False
    )
    return view.astype(np.float64)


def read_state_dict(path: str | Path, limit: int) -> dict[str, np.ndarray]:
    """Tensors of the PyTorch state_dict file ``path`` as float64 arrays, without torch.

    Parameters
    ----------
    path : str or Path
        A zip checkpoint written by ``torch.save(state_dict, path)``.
    limit : int
        Most bytes the archive may expand to, and most bytes its tensors may fill as float64.

    Returns
    -------
    dict of str to ndarray
        Each entry's tensor, a new float64 array of the tensor's shape.

    Raises
    ------
    ModelError
        The file is not such a checkpoint, exceeds ``limit``, or breaks any rule of the
        module docstring; the message names the file and the fault.
    """
    with _named(path), open_zip(path) as file:
        archive = _Archive(file, limit)
        state = _unpickle(archive.read("data.pkl"))
        return _arrays_of(state, archive, limit)


def check_archive(path: str | Path, limit: int) -> None:
    """Refuse ``path`` unless it is a zip checkpoint expanding to at most ``limit`` bytes.

    Only the archive's directory is read: nothing is decompressed.

    Raises
    ------
    ModelError
        Not a zip archive, not exactly one ``data.pkl`` record, or too large once expanded.
    """
    with _named(path), open_zip(path) as file:
        _Archive(file, limit)


@contextmanager
def _named(path: str | Path):
    """Turn every refusal and zip failure inside into one ModelError naming ``path``."""
    try:
        yield
    except ModelError as error:
        raise ModelError(f"{path} is refused: {error}") from None
    except _ZIP_ERRORS as error:
        raise ModelError(f"cannot read {path} as a PyTorch checkpoint: {_reason(error)}") from error


#: What :mod:`zipfile` raises on a damaged, encrypted or oddly compressed archive.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    struct.error,
)

#: What the unpickler and :func:`pickletools.genops` raise on a malformed opcode stream
#: (a wrong number of arguments to a rebuild call, an unhashable key, BUILD on a tuple, …).
_PICKLE_ERRORS = (
    pickle.UnpicklingError,
    EOFError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    struct.error,
    RecursionError,
)


def _reason(error: Exception) -> str:
    lines = str(error).splitlines()
    return lines[0] if lines else type(error).__name__


def _unpickle(data: bytes):
    """The object pickled in ``data``, using only allowed opcodes, globals and storages."""
    try:
        _check_opcodes(data)
        return _Unpickler(io.BytesIO(data)).load()
    except ModelError:
        raise
    except _PICKLE_ERRORS as error:
        raise ModelError(f"its pickle is malformed ({_reason(error)})") from error


def _arrays_of(state, archive: _Archive, limit: int) -> dict[str, np.ndarray]:
    if not isinstance(state, dict):
        raise ModelError(f"it holds {_kind(state)}, not a state_dict")
    arrays = {}
    budget = limit
    for name, value in state.items():
        if not isinstance(name, str):
            raise ModelError(f"a state_dict key is {_kind(name)}, not a string")
        if not isinstance(value, _Tensor):
            raise ModelError(f"entry {reprlib.repr(name)} is {_kind(value)}, not a tensor")
        arrays[name] = _materialise(reprlib.repr(name), value, archive, budget)
        budget -= arrays[name].nbytes
    return arrays
