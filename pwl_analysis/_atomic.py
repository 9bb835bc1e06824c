"""Atomic file writes: a temporary file in the target folder, flushed to disk, then
:func:`os.replace`.  Every file this project writes goes through :func:`write_atomically`."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def write_atomically(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes reach the disk (``fsync``) before the rename, so a crash or power loss leaves the
    old file or the complete new one.  Text is encoded as UTF-8.  Returns the path written.

    Raises
    ------
    IsADirectoryError
        ``path`` is a folder.
    FileNotFoundError
        The folder ``path`` should be written into does not exist.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder: give the name of the file to write")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"no folder {path.parent} to write {path.name} into")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_json(path: str | Path, value) -> Path:
    """Write ``value`` atomically as indented JSON (one space per level, a final newline)."""
    return write_atomically(path, json.dumps(value, indent=1) + "\n")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
