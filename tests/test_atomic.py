"""Atomic writes: one implementation, flushed to disk before the rename."""

import os

import pytest

from pwl_analysis import _atomic


def test_atomic_write_reaches_the_disk_before_the_rename(tmp_path, monkeypatch):
    events = []
    fsync, replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: events.append("fsync") or fsync(fd))
    monkeypatch.setattr(os, "replace", lambda a, b: events.append("replace") or replace(a, b))
    _atomic.write_atomically(tmp_path / "f.txt", "new")
    assert events == ["fsync", "replace"]
    assert (tmp_path / "f.txt").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_training_checkpoints_use_the_same_atomic_write():
    from training import checkpoint

    assert checkpoint.write_atomically is _atomic.write_atomically


def test_writing_onto_a_folder_leaves_it_alone(tmp_path):
    (tmp_path / "kept.txt").write_text("x")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        _atomic.write_atomically(tmp_path, "text")
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]
