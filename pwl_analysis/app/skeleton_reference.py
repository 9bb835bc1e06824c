"""What a model's skeleton is compared with: the true flow's orbits, or a recording's returns.

``pwl-analysis skeleton MODEL --coding lorenz --against lorenz63`` puts the model's cycles by
word beside the Lorenz-63 flow's periodic orbits, computed from its equations
(:func:`training.truth.flow_reference`); ``--against DATA.npy`` beside the close returns of a
recording (Lathrop & Kostelich 1989, :func:`pwl_analysis.close_returns`), named by the model's
own section coding carried to the observed coordinates, so a user with real data and no
equations gets the same table against the data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pwl_analysis.close_return import close_returns
from pwl_analysis.coarse import SectionCoding
from pwl_analysis.errors import UserInputError
from pwl_analysis.skeleton_comparison import close_return_reference
from pwl_analysis.words import lyndon_strings

#: Built-in systems whose periodic orbits are computed from their equations.
FLOW_SYSTEMS = ("lorenz63", "rossler")


def run_time_step(model: Path) -> float | None:
    """Δt of a training run folder's series (its config, else its system's default).

    None for a model that is not a run folder (a ``.pt`` or ``.npz`` file): its Δt is unknown.
    """
    from training.checkpoint import load_config
    from training.data import SYSTEMS

    if not (Path(model) / "config.json").is_file():
        return None
    config = load_config(model)
    if config.dt is not None:
        return float(config.dt)
    system = SYSTEMS.get(config.system)
    return None if system is None else float(system[1])


def reference_for(against: str, coding, max_word_length: int, time_step: float | None):
    """The :class:`~pwl_analysis.skeleton_comparison.Reference` named by ``against``.

    Parameters
    ----------
    against : str
        A built-in system (:data:`FLOW_SYSTEMS`) or the path of a recorded (T, N) series
        (``.npy``/``.csv``) in the model's observed coordinates.
    coding : SectionCoding or LoopRegionCoding
        The model's coding; a recording is named by a :class:`SectionCoding` only (its
        section and anchors, read in the observed coordinates).
    max_word_length : int
        Longest word.
    time_step : float or None
        Δt of the recording (and of a map step); needed for a recording.

    Raises
    ------
    UserInputError
        A recording without ``time_step``, or with a coding that names loops by the model's
        regions (which a recording does not have), or a file that is not a usable series.
    """
    if against in FLOW_SYSTEMS:
        from training.truth import flow_reference

        return flow_reference(against, max_word_length)
    from training.data import read_series

    series = read_series(Path(against))
    if time_step is None:
        raise UserInputError(
            f"comparing with the recording {against} needs its sampling interval: give "
            "time_step (the map's Δt)"
        )
    if not isinstance(coding, SectionCoding):
        raise UserInputError(
            "a recording has no model regions to name its loops by: compare it under a "
            "section coding (coding='lorenz')"
        )
    d = coding.observation.shape[0]
    if series.shape[1] < d:
        raise UserInputError(
            f"the recording {against} has {series.shape[1]} columns; the coding reads {d}"
        )
    section = (coding.origin, coding.normal, coding.anchors, coding.letters)
    observed = SectionCoding(*section, np.eye(d))
    starts, _ = observed.loops(series[:, :d])
    if len(starts) < 3:
        raise UserInputError(
            f"the recording {against} crosses the coding's section fewer than 3 times: it "
            "names no loops"
        )
    longest = int(np.ceil((max_word_length + 1) * np.diff(starts).mean()))
    max_period = min(longest, len(series) // 2)
    returns = close_returns(series[:, :d], time_step, observed, max_period=max_period)
    kept = [record for record in returns if len(record.word) <= max_word_length]
    searched = lyndon_strings(observed.letters, max_word_length)
    name = f"close returns of {Path(against).name} (absent: not seen)"
    return close_return_reference(kept, name, searched)
