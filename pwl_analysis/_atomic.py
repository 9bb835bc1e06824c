"""Atomic file writes: a temporary file in the target folder, flushed to disk, then
:func:`os.replace`.  Every file this project writes goes through :func:`write_atomically`."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import suppress
from pathlib import Path

from pwl_analysis._filesystem import shown, translated

#: The temporary file is named ``.NAME.XXXXXXXX.tmp`` after at most this many characters of
#: NAME, so a name that fits the file system still has a temporary name that fits.
_TEMPORARY_PREFIX = 64


def write_atomically(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes reach the disk (``fsync``) before the rename, so a crash or power loss leaves the
    old file or the complete new one.  Text is encoded as UTF-8, the undecodable bytes of a
    file name in it (Python's surrogate escapes) as ``\\xNN``, as error messages show them
    (:func:`~pwl_analysis._filesystem.shown`).  Returns the path written.

    Raises
    ------
    IsADirectoryError
        ``path`` is a folder.
    FileNotFoundError
        The folder ``path`` should be written into does not exist.
    FileSystemFault
        The file system refused the write (the disk is full, it is read-only, the name is too
        long, …; :data:`pwl_analysis._filesystem.FAULTS`): the temporary file is removed and
        ``path`` is as it was, which the message says.
    """
    path = Path(path)
    payload = _utf8(data) if isinstance(data, str) else data
    kept = f"{shown(path.name)} is unchanged" if os.path.exists(path) else "nothing was written"
    with translated(path, kept, file=path):  # the fault is this file's, not its temporary's
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder: give the name of the file to write")
        if not path.parent.is_dir():
            raise FileNotFoundError(f"no folder {path.parent} to write {path.name} into")
        prefix = f".{path.name[:_TEMPORARY_PREFIX]}."
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(payload)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o666 & ~_umask())
            os.replace(temporary, path)
        except BaseException:
            with suppress(OSError):  # the fault being raised says more than this one
                Path(temporary).unlink(missing_ok=True)
            raise
    return path


def write_json(path: str | Path, value) -> Path:
    """Write ``value`` atomically as indented JSON (one space per level, a final newline)."""
    return write_atomically(path, json.dumps(value, indent=1) + "\n")


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a file name's undecodable bytes, written as \xNN
        return shown(text).encode("utf-8")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
