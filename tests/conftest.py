"""Fixtures the command-line tests share."""

import pytest

from systems import tent_file


@pytest.fixture
def tent(tmp_path) -> str:
    """The path of the tent map saved as an ``.npz`` archive (:func:`systems.tent_file`)."""
    return str(tent_file(tmp_path))


@pytest.fixture
def no_training(monkeypatch):
    """Training that fails the test if it starts: the input must be refused before."""
    pytest.importorskip("torch")
    import training.loop

    def started(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(training.loop, "train", started)
    monkeypatch.setattr(training.loop, "resume", started)
