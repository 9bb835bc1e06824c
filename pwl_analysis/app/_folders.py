"""Output folders that are replaced whole: marked, checked, locked, and swapped in at the end.

A folder this project builds and may later replace (the report folder of ``pwl-analysis run``)
carries a marker file, :data:`MARKER`, holding ``{"tool", "version", "kind"}`` as JSON.  The
rules, so that nothing this project did not write is ever deleted:

- :func:`check_output` (before any work): refuse ``/``, the home folder, the current folder and
  its parents; refuse a folder holding files unless ``overwrite`` is given *and* the folder
  carries the marker of the same kind; refuse a mount point (it cannot be renamed, so it
  cannot be replaced), a name the file system cannot hold, a folder that cannot be written.
  It returns a :func:`listing` of what is there.
- :func:`output_lock`: a lock (``filelock``) on the folder's resolved path, so a second writer
  fails at once instead of racing the first.  The lock file lives in the user's temporary
  folder, named by a hash of the path: it survives the folder's renames and leaves nothing
  beside the report.
- :func:`swap_into_place` (after the work): the finished folder replaces the output folder
  only if the output folder still holds exactly what was checked at the start; otherwise the
  new folder is kept beside it under a fresh name and :class:`OutputChangedError` says where.
  A rename the file system refuses leaves the old folder in place and the new one where it
  was built.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pwl_analysis._filesystem import check_path_fits, check_writable, shown
from pwl_analysis.errors import UserInputError

MARKER = ".pwl-analysis"
TOOL = "pwl-analysis"
#: Bytes the names made from an output folder's name add to it (``.OUT.new.XXXXXXXX``,
#: ``OUT.new-YYYYmmdd-HHMMSS-N``, ``OUT.run``): the name must leave room for them.
NAME_ROOM = 24


class OutputChangedError(UserInputError):
    """The output folder changed while the work ran; the new folder was kept beside it."""

    def __init__(self, message: str, kept: Path):
        super().__init__(message)
        self.kept = kept


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(TOOL)
    except PackageNotFoundError:
        return "unknown"


def write_marker(folder: Path, kind: str) -> Path:
    """Mark ``folder`` as written by this project (``kind``: what the folder is)."""
    from pwl_analysis._atomic import write_atomically

    record = {"tool": TOOL, "version": _version(), "kind": kind}
    return write_atomically(Path(folder) / MARKER, json.dumps(record) + "\n")


def marker_kind(folder: Path) -> str | None:
    """The ``kind`` in ``folder``'s marker, or None when it has no readable marker of ours."""
    try:
        record = json.loads((Path(folder) / MARKER).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("tool") != TOOL:
        return None
    return record.get("kind")


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every entry under ``folder`` (files, links, folders) → (size, mtime in ns); {} if absent."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    entries = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            stat = path.lstat()
            entries[path.relative_to(folder).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return entries


def _protected(out: Path) -> str | None:
    """Why ``out`` may never be an output folder that is replaced, or None."""
    resolved = out.resolve()
    cwd = Path.cwd().resolve()
    if resolved == Path(resolved.anchor):
        return "the root folder"
    if resolved == Path.home().resolve():
        return "the home folder"
    if resolved == cwd:
        return "the current folder"
    if resolved in cwd.parents:
        return "a parent of the current folder"
    return None


def check_output(out: Path, overwrite: bool, kind: str) -> dict[str, tuple[int, int]]:
    """Refuse an output folder that may not be (re)placed; return what it holds now.

    Raises
    ------
    UserInputError
        ``out`` is a file, a protected folder, a mount point, a name the file system cannot
        hold (:func:`~pwl_analysis._filesystem.check_path_fits`), or (with ``overwrite``) a
        folder with files that does not carry this project's marker of ``kind``.
    FileSystemFault
        ``out`` or the folder it is made in cannot be written (read-only, permissions).
    FileExistsError
        ``out`` holds files and ``overwrite`` is not given.
    """
    out = Path(out)
    ancestor = check_path_fits(out, f"{kind} folder", room=NAME_ROOM)
    protected = _protected(out)
    if protected is not None:
        raise UserInputError(f"{out} is {protected}: give a new folder for the report")
    if out.exists() and not out.is_dir():
        raise UserInputError(f"{out} exists and is not a folder")
    if out.is_dir():
        _check_renamable(out)
        check_writable(out)
        check_writable(Path(os.path.abspath(out)).parent)
    elif ancestor.is_dir():
        check_writable(ancestor)
    held = listing(out)
    if not held:
        return held
    if marker_kind(out) != kind:
        raise UserInputError(
            f"{out} holds files and is not a {kind} folder written by pwl-analysis (no "
            f"{MARKER} marker): it is never replaced; give a new folder"
        )
    if not overwrite:
        raise FileExistsError(f"{out} already holds a {kind}: pass --overwrite to replace it")
    return held


def _check_renamable(out: Path) -> None:
    """Refuse a mount point: the finished folder replaces ``out`` by renames, which it refuses.

    (A link to a mount point is renamed as a link, which works.)
    """
    if out.is_symlink():
        return
    parent = out.resolve().parent
    if os.path.ismount(out) or out.stat().st_dev != parent.stat().st_dev:
        raise UserInputError(
            f"{shown(out)} is a mount point (another file system than {shown(parent)}), and a "
            f"report folder is replaced whole by renaming it, which a mount point refuses: give "
            f"a folder inside it, such as {shown(out / 'report')}; nothing was written"
        )


def lock_path(out: Path) -> Path:
    """The lock file of the output folder ``out`` (same for every spelling of its path)."""
    key = hashlib.sha256(os.fsencode(Path(out).resolve())).hexdigest()[:20]
    folder = Path(tempfile.gettempdir()) / f"pwl-analysis-locks-{getpass.getuser()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"{key}.lock"


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the lock of the output folder ``out`` (see :func:`lock_path`) or fail at once."""
    from filelock import FileLock, Timeout

    lock = FileLock(lock_path(out), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise UserInputError(
            f"another pwl-analysis process is writing {out}: wait for it or choose another folder"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _fresh_name(out: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate, n = out.with_name(f"{out.name}.new-{stamp}"), 1
    while candidate.exists():
        candidate, n = out.with_name(f"{out.name}.new-{stamp}-{n}"), n + 1
    return candidate


def _keep_beside(staging: Path, out: Path) -> OutputChangedError:
    kept = _fresh_name(out)
    staging.rename(kept)
    return OutputChangedError(
        f"files in {out} appeared or changed while this run worked, so {out} was left as it "
        f"is and the new report was written to {kept}",
        kept,
    )


def swap_into_place(staging: Path, out: Path, checked: dict[str, tuple[int, int]]) -> None:
    """Rename the finished folder ``staging`` to ``out``, if ``out`` still holds ``checked``.

    The old folder is renamed aside first and compared once more (closing the window between
    the check and the rename); only then is the new folder renamed in and the old one deleted.

    Raises
    ------
    OutputChangedError
        ``out`` changed since :func:`check_output`; ``staging`` was kept as ``out.new-…``.
    OSError
        The file system refused a rename (full, read-only, a mount point): ``out`` is as it
        was and ``staging`` is where it was.
    """
    staging, out = Path(staging), Path(out)
    if listing(out) != checked:
        raise _keep_beside(staging, out)
    if not out.exists():
        staging.rename(out)
        return
    retired = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old."))
    try:
        out.rename(retired / out.name)
    except BaseException:
        retired.rmdir()
        raise
    if listing(retired / out.name) != checked:
        (retired / out.name).rename(out)
        retired.rmdir()
        raise _keep_beside(staging, out)
    try:
        staging.rename(out)
    except BaseException:
        (retired / out.name).rename(out)
        retired.rmdir()
        raise
    # the new folder is in place: an old one the file system will not delete stays, hidden,
    # in .OUT.old.*, rather than failing a run whose report is written
    shutil.rmtree(retired, ignore_errors=True)
