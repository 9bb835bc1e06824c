"""What a refusal of the command line looks like, and what it must leave alone."""

from pathlib import Path


def one_sentence(capsys, command: str, *fragments: str) -> str:
    """The one error line of a refusal of ``command``, checked to name ``fragments``."""
    err = capsys.readouterr().err
    assert err.startswith(f"pwl-analysis {command}: error: ") and err.count("\n") == 1, err
    assert all(fragment in err for fragment in fragments), err
    return err


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) → its bytes: what must not change."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
