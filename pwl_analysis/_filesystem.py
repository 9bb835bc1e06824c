"""File-system faults and special files, said in one sentence.

Three kinds of trouble come from the file system rather than from the mathematics:

- a path it cannot name: not valid UTF-8 (Python hands undecodable bytes over as surrogate
  escapes, ``b"out\\xff"`` → ``"out\\udcff"``, which no report can print), or a name longer than
  the file system's ``NAME_MAX`` bytes, or a path longer than ``PATH_MAX``;
- a fault while writing: the disk is full, the file system is read-only, permission is
  denied, a folder is a mount point (``EBUSY`` on renaming it, ``EXDEV`` on renaming across
  it), … (:data:`FAULTS`);
- a special file where a regular file is read: a named pipe (opening it blocks until a writer
  comes), a socket, a device.

:func:`check_path_fits` and :func:`check_writable` refuse the first and the most common of the
second before any work; :func:`translated` turns a fault met while writing into a
:class:`FileSystemFault` that names the path, the fault in words and what was kept;
:func:`special_kind` tells a special file from its ``stat`` alone, without opening it.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pwl_analysis.errors import UserInputError

#: The faults of a writer that are the file system's, not a bug: errno → the fault in words.
FAULTS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is larger than the file system allows",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission is denied",
    errno.EPERM: "the operation is not permitted",
    errno.EBUSY: "a folder is a mount point or in use",
    errno.EXDEV: "a rename would cross file systems (a mount point)",
    errno.ENAMETOOLONG: "a name is too long for the file system",
    errno.EIO: "the device reported an input/output error",
}

#: Names of the special files, by the ``stat`` test that recognises them.
_SPECIAL = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class FileSystemFault(UserInputError):
    """The file system refused a write: the message names the path, the fault and what was kept.

    Attributes
    ----------
    path : Path
        The file or folder being written.
    fault : str
        The fault in words (a value of :data:`FAULTS`, or why a name cannot be written).
    file : Path
        The file the fault was met on: ``path`` or a file inside it.
    """

    def __init__(self, message: str, path: Path, fault: str, file: Path | None = None):
        super().__init__(message)
        self.path = Path(path)
        self.fault = fault
        self.file = self.path if file is None else Path(file)


def shown(path: str | Path) -> str:
    r"""``path`` as printable text: undecodable bytes as ``\xNN``, as ``ls -b`` shows them.

    >>> import os
    >>> shown(os.fsdecode(b"out\xff"))
    'out\\xff'
    """
    text = str(path)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that no byte stands for
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def fault_of(error: BaseException) -> str | None:
    """The file-system fault ``error`` stands for, in words; None when it is no such fault.

    >>> fault_of(OSError(errno.ENOSPC, "No space left on device"))
    'the disk is full'
    >>> fault_of(ValueError("not a fault")) is None
    True
    """
    if isinstance(error, FileSystemFault):
        return error.fault
    if isinstance(error, UnicodeEncodeError):
        return "a name cannot be encoded for the file system"
    if isinstance(error, OSError):
        return FAULTS.get(error.errno)
    return None


def as_fault(
    error: BaseException, path: str | Path, kept: str, file: str | Path | None = None
) -> FileSystemFault | None:
    """``error`` said as ``cannot write PATH: FAULT (writing NAME); KEPT``, or None.

    ``kept`` says what is left of the user's files (``"PATH is unchanged"``).  NAME is the
    file the fault was met on: ``file`` if given, else the one the error names (a
    :class:`FileSystemFault` from a writer further in keeps its file), left out when it is
    ``path`` itself.  An error that is no file-system fault (:func:`fault_of`) gives None.

    >>> print(as_fault(OSError(errno.EROFS, "Read-only", "out/a.json"), "out", "out is as it was"))
    cannot write out: the file system is read-only (writing a.json); out is as it was
    """
    fault = fault_of(error)
    if fault is None:
        return None
    if file is None:
        named = error.file if isinstance(error, FileSystemFault) else None
        file = named or getattr(error, "filename", None)
    inner = Path(path) if file is None else Path(file)
    detail = f" (writing {shown(inner.name)[:60]})" if inner != Path(path) else ""
    return FileSystemFault(
        f"cannot write {shown(path)}: {fault}{detail}; {kept}", Path(path), fault, inner
    )


@contextmanager
def translated(path: str | Path, kept: str, file: str | Path | None = None) -> Iterator[None]:
    """Raise a file-system fault met inside the block as :func:`as_fault` says it.

    Other errors pass unchanged.
    """
    try:
        yield
    except (OSError, UnicodeEncodeError, FileSystemFault) as error:
        fault = as_fault(error, path, kept, file)
        if fault is None:
            raise
        raise fault from error


def _existing_ancestor(path: Path) -> tuple[Path, list[str]]:
    """The deepest existing folder on ``path``'s way, and the names below it still to make."""
    missing = []
    while True:
        try:
            os.stat(path)
        except OSError:
            missing.append(path.name)
            path = path.parent
            continue
        return path, missing[::-1]


def _limit(folder: Path, name: str, default: int) -> int:
    try:
        return os.pathconf(folder, name)
    except (OSError, ValueError):
        return default


def check_path_fits(path: str | Path, role: str, room: int = 0) -> Path:
    """Refuse, before any work, a path the file system cannot name or a report cannot print.

    Parameters
    ----------
    path : str or Path
        The file or folder to be written.
    role : str
        What it is, for the message (``"output folder"``).
    room : int
        Bytes the last name needs beyond its own length, for names derived from it
        (``OUT.run`` beside an output folder ``OUT``: 4).

    Returns
    -------
    Path
        The deepest folder of ``path`` that exists (where the first new name is made).

    Raises
    ------
    UserInputError
        ``path`` is not valid UTF-8, or one of its new names is longer than the file system's
        ``NAME_MAX`` bytes less ``room`` (``PATH_MAX`` for the whole path).

    Examples
    --------
    >>> check_path_fits("x" * 300, "output folder")
    Traceback (most recent call last):
    ...
    pwl_analysis.errors.UserInputError: the output folder name xxxxxxxxxxxxxxxxxxxxxxxx… is \
300 bytes long, more than the 255 bytes this file system allows for a name: give a shorter \
name; nothing was written
    """
    path = Path(path)
    try:
        os.fsencode(path)
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise UserInputError(
            f"the {role} {shown(path)} is not valid UTF-8 (its undecodable bytes are shown as "
            r"\xNN): give a name in UTF-8; nothing was written"
        ) from None
    whole = path.absolute()
    ancestor, missing = _existing_ancestor(whole)
    name_max = _limit(ancestor, "PC_NAME_MAX", 255)
    lengths = [(name, len(os.fsencode(name))) for name in missing]
    if room:  # the names made from the last one, whether it exists yet or not
        lengths.append((whole.name, len(os.fsencode(whole.name)) + room))
    for index, (name, needed) in enumerate(lengths):
        if needed > name_max:
            more = f" (with {room} for the names made from it)" if index == len(missing) else ""
            raise UserInputError(
                f"the {role} name {shown(name)[:24]}… is {needed} bytes long{more}, more than "
                f"the {name_max} bytes this file system allows for a name: give a shorter name; "
                "nothing was written"
            )
    path_max = _limit(ancestor, "PC_PATH_MAX", 4096)
    if len(os.fsencode(whole)) + room >= path_max:
        raise UserInputError(
            f"the {role} {shown(path)[:40]}… is longer than the {path_max} bytes this file "
            "system allows for a path: give a shorter one; nothing was written"
        )
    return ancestor


def check_writable(folder: str | Path) -> None:
    """Refuse, before any work, a folder this process may not create files in.

    Raises
    ------
    FileSystemFault
        ``folder`` is on a read-only file system, or its permissions deny writing.
    """
    folder = Path(folder)
    if os.access(folder, os.W_OK | os.X_OK):
        return
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    fault = FAULTS[errno.EROFS] if read_only else FAULTS[errno.EACCES]
    raise FileSystemFault(
        f"cannot write in {shown(folder)}: {fault}; nothing was written", folder, fault
    )


def special_kind(path: str | Path) -> str | None:
    """``"a named pipe"``, ``"a socket"``, … for a special file; None for a file or folder.

    Decided by ``os.stat`` (following links), which never opens the file: opening a named
    pipe waits for a writer.

    Raises
    ------
    FileNotFoundError
        Nothing is at ``path``.
    """
    mode = os.stat(path).st_mode
    return next((kind for test, kind in _SPECIAL if test(mode)), None)
