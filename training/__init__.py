"""Training AL-RNNs for dynamical systems reconstruction (PyTorch; imported lazily).

``import training`` does not import torch; the names below load their module on first use.
"""

from importlib import import_module

_EXPORTS = {
    "ALRNN": "training.model",
    "DataError": "training.data",
    "DivergenceError": "training.loop",
    "Forcing": "training.recurrence",
    "Series": "training.data",
    "TrainConfig": "training.config",
    "TrainResult": "training.loop",
    "load_series": "training.data",
    "resume": "training.loop",
    "train": "training.loop",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'training' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
