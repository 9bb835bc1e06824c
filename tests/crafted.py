"""Hand-written PyTorch checkpoints, valid or hostile, built without torch.

A checkpoint is a zip archive holding ``<name>/data.pkl`` (a pickle of the state_dict) and one
record ``<name>/data/<key>`` of raw little-endian bytes per storage.  The pickle is written here
opcode by opcode (protocol 2), so a test can put any value anywhere: a negative stride, a dict
where a storage belongs, a global no state_dict needs.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Global:
    """A reference ``module.name`` (opcode GLOBAL)."""

    module: str
    name: str


@dataclass(frozen=True)
class Call:
    """``function(*args)`` (opcode REDUCE)."""

    function: object
    args: tuple


@dataclass(frozen=True)
class Build:
    """``target`` with ``state`` applied by opcode BUILD (``__setstate__`` or ``__dict__``)."""

    target: object
    state: object


@dataclass(frozen=True)
class PersistentId:
    """An object loaded by the unpickler's ``persistent_load(pid)`` (opcode BINPERSID)."""

    pid: object


def opcodes(obj) -> bytes:
    """Pickle opcodes that push ``obj``."""
    if obj is None:
        return b"N"
    if isinstance(obj, bool):
        return b"\x88" if obj else b"\x89"
    if isinstance(obj, int):
        size = (obj.bit_length() + 8) // 8
        return b"\x8a" + bytes([size]) + obj.to_bytes(size, "little", signed=True)
    if isinstance(obj, float):
        return b"G" + struct.pack(">d", obj)
    if isinstance(obj, str):
        encoded = obj.encode("utf-8", "surrogatepass")
        return b"X" + struct.pack("<I", len(encoded)) + encoded
    if isinstance(obj, bytes):
        return b"B" + struct.pack("<I", len(obj)) + obj
    if isinstance(obj, tuple):
        return b"(" + b"".join(opcodes(item) for item in obj) + b"t"
    if isinstance(obj, list):
        return b"](" + b"".join(opcodes(item) for item in obj) + b"e"
    if isinstance(obj, dict):
        items = b"".join(opcodes(k) + opcodes(v) for k, v in obj.items())
        return b"}(" + items + b"u"
    if isinstance(obj, Global):
        return b"c" + f"{obj.module}\n{obj.name}\n".encode()
    if isinstance(obj, Call):
        return opcodes(obj.function) + opcodes(tuple(obj.args)) + b"R"
    if isinstance(obj, PersistentId):
        return opcodes(obj.pid) + b"Q"
    if isinstance(obj, Build):
        return opcodes(obj.target) + opcodes(obj.state) + b"b"
    raise TypeError(f"cannot write {type(obj).__name__} as pickle opcodes")


def pickle_bytes(root) -> bytes:
    """A complete protocol-2 pickle of ``root``."""
    return b"\x80\x02" + opcodes(root) + b"."


def ordered_dict() -> Call:
    """``collections.OrderedDict()``."""
    return Call(Global("collections", "OrderedDict"), ())


def storage(key: str, numel: int, kind: str = "FloatStorage") -> PersistentId:
    """The persistent id torch writes for storage ``data/<key>`` of ``numel`` elements."""
    return PersistentId(("storage", Global("torch", kind), key, "cpu", numel))


def tensor(source, offset: int, size: tuple, stride: tuple) -> Call:
    """``torch._utils._rebuild_tensor_v2(source, offset, size, stride, False, OrderedDict())``."""
    rebuild = Global("torch._utils", "_rebuild_tensor_v2")
    return Call(rebuild, (source, offset, size, stride, False, ordered_dict()))


def state_dict_pickle(entries: dict) -> bytes:
    """Pickle of an OrderedDict state_dict with ``entries`` (name → pushed object)."""
    items = b"".join(opcodes(k) + opcodes(v) for k, v in entries.items())
    return b"\x80\x02" + opcodes(ordered_dict()) + b"(" + items + b"u."


def write_checkpoint(
    path: Path, data_pkl: bytes, records: dict[str, bytes], byteorder: str = "little"
) -> Path:
    """Zip ``data_pkl`` and the storage ``records`` (key → bytes) as torch lays them out."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        for key, data in records.items():
            archive.writestr(f"archive/data/{key}", data)
        archive.writestr("archive/byteorder", byteorder)
        archive.writestr("archive/version", "3\n")
    return path


def float32_records(*arrays) -> dict[str, bytes]:
    """Records ``"0"``, ``"1"``, … holding the given float sequences as little-endian float32."""
    return {str(i): struct.pack(f"<{len(a)}f", *a) for i, a in enumerate(arrays)}


def alrnn_checkpoint(path: Path, W_entry=None, W_record: bytes | None = None) -> Path:
    """A 2-unit AL-RNN state_dict (A, W, h) whose entry or storage for W can be replaced.

    A = (0.5, 0.5), W = [[0, 1], [1, 0]], h = (1, 1); ``W_entry`` replaces W's rebuilt tensor
    in the pickle and ``W_record`` the bytes of W's storage.
    """
    records = float32_records([0.5, 0.5], [0.0, 1.0, 1.0, 0.0], [1.0, 1.0])
    if W_record is not None:
        records["1"] = W_record
    entries = {
        "A": tensor(storage("0", 2), 0, (2,), (1,)),
        "W": tensor(storage("1", 4), 0, (2, 2), (2, 1)) if W_entry is None else W_entry,
        "h": tensor(storage("2", 2), 0, (2,), (1,)),
    }
    return write_checkpoint(path, state_dict_pickle(entries), records)


def zip_bomb(path: Path, expanded_bytes: int) -> Path:
    """A checkpoint whose W storage is ``expanded_bytes`` (< 4 GiB) of deflated zeros.

    On disk it is about a thousandth of that.  The deflate stream repeats one independently
    decodable segment (1 MiB of zeros ended by a full flush), so nothing here compresses or
    holds gigabytes: the record is written stored, then its headers are patched to say
    "deflated, ``expanded_bytes`` long".
    """
    chunk = 1 << 20
    count = expanded_bytes // chunk
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = segment * count + b"\x03\x00"  # an empty final block ends the stream
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(bytes(chunk), crc)
    W = tensor(storage("1", count * chunk // 4), 0, (2, 2), (2, 1))
    alrnn_checkpoint(path, W_entry=W, W_record=stream)
    _declare_deflated(path, "archive/data/1", count * chunk, crc)
    return path


def _declare_deflated(path: Path, name: str, size: int, crc: int) -> None:
    """Mark stored record ``name`` of ``path`` as deflated, ``size`` bytes long once expanded."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    central = data.index(b"PK\x01\x02")  # the first central-directory record
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    for header, method_at in ((local, 8), (central, 10)):
        struct.pack_into("<H", data, header + method_at, zipfile.ZIP_DEFLATED)
        struct.pack_into("<I", data, header + method_at + 6, crc)
        struct.pack_into("<I", data, header + method_at + 14, size)
    path.write_bytes(bytes(data))
