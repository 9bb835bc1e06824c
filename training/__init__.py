"""Training AL-RNNs for dynamical systems reconstruction (PyTorch; imported lazily).

The middle layer: it builds on the exact core (:mod:`pwl_analysis`) and never on the
application (:mod:`pwl_analysis.app`).  Besides the model, the data and the loop it holds
the DSR measures (:mod:`training.metrics`, :mod:`training.evaluation`: D_stsp, D_H, λ_max
over several free runs) that training and the application's reports share.

``import training`` does not import torch; the names below load their module on first use.
"""

from importlib import import_module

_EXPORTS = {
    "ALRNN": "training.model",
    "DataError": "training.data",
    "DivergenceError": "training.loop",
    "Forcing": "training.recurrence",
    "RobustEvaluation": "training.evaluation",
    "Series": "training.data",
    "Spread": "training.evaluation",
    "TrainConfig": "training.config",
    "TrainResult": "training.loop",
    "load_series": "training.data",
    "resume": "training.loop",
    "robust_evaluation": "training.evaluation",
    "train": "training.loop",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'training' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
