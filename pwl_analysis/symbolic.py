"""Symbolic coding: a trajectory as the word of linear subregions it passes through.

A trajectory z_0, …, z_{T-1} of shape (T, M) is coded by the region of each state,

    s_t = d(z_t) ∈ {0, …, 2^P − 1},

the symbol sequence of the partition into linear subregions Ω_d (Brenner et al. 2024 call the
resulting transition graph the "geometrical graph").  The sequence is a
:class:`SymbolicSequence`; it compresses into runs (symbol, length) and counts how often each
region is occupied and each transition a → b is taken.

References
----------
Brenner, M., Hemmer, C. J., Monfared, Z., Durstewitz, D. (2024). Almost-Linear RNNs Yield
Highly Interpretable Symbolic Codes in Dynamical Systems Reconstruction. NeurIPS 2024.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pwl_analysis.errors import UserInputError
from pwl_analysis.pwl_map import PWLMap, require_alrnn


@dataclass(frozen=True)
class SymbolicSequence:
    """The region word s_0, …, s_{T-1} of a trajectory.

    Attributes
    ----------
    symbols : ndarray of int64, shape (T,)
        Region index of each state.
    P : int
        Number of piecewise-linear units (region labels have P bits).

    See Also
    --------
    symbolic_sequence : codes a trajectory.

    Examples
    --------
    The tent map u ↦ 1/2 − 2|u| has the 3-cycle −5/18 → −1/18 → 7/18 through the regions
    0 0 1; three turns of it:

    >>> from pwl_analysis import PWLMap, symbolic_sequence
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> s = symbolic_sequence(tent, tent.trajectory([-5 / 18], 9))
    >>> s
    SymbolicSequence(T=9, 2 regions: 0^2 1 0^2 1 0^2 1)
    >>> s.occupation() == {0: 2 / 3, 1: 1 / 3}
    True
    >>> s.transition_counts()
    {(0, 0): 3, (0, 1): 3, (1, 0): 2}
    """

    symbols: np.ndarray
    P: int

    def label(self, index: int) -> str:
        """Bit-string label of region ``index``."""
        return format(int(index), f"0{self.P}b") if self.P else ""

    @property
    def labels(self) -> list[str]:
        """The word as region labels, one per state."""
        return [self.label(s) for s in self.symbols]

    @property
    def visited(self) -> tuple[int, ...]:
        """Indices of the regions the trajectory visits, ascending."""
        return tuple(int(s) for s in np.unique(self.symbols))

    def runs(self) -> tuple[np.ndarray, np.ndarray]:
        """Run-length compression: (symbols, lengths), each of shape (R,).

        Consecutive equal symbols collapse into one run, so ``np.repeat(symbols, lengths)``
        restores the sequence.
        """
        starts = np.flatnonzero(np.diff(self.symbols, prepend=-1))
        lengths = np.diff(np.append(starts, self.symbols.size))
        return self.symbols[starts], lengths

    def occupation(self) -> dict[int, float]:
        """Fraction of states in each visited region: {index: fraction}, summing to 1."""
        regions, counts = np.unique(self.symbols, return_counts=True)
        return {int(r): float(c) / self.symbols.size for r, c in zip(regions, counts)}

    def transition_counts(self) -> dict[tuple[int, int], int]:
        """How often each transition s_t = a → s_{t+1} = b occurs (self-loops included)."""
        if self.symbols.size < 2:
            return {}
        pairs, counts = np.unique(
            np.stack([self.symbols[:-1], self.symbols[1:]], axis=1), axis=0, return_counts=True
        )
        return {(int(a), int(b)): int(c) for (a, b), c in zip(pairs, counts)}

    def __len__(self) -> int:
        return int(self.symbols.size)

    def __repr__(self) -> str:
        symbols, lengths = self.runs()
        shown = " ".join(
            f"{self.label(s)}^{n}" if n > 1 else self.label(s)
            for s, n in zip(symbols[:8], lengths[:8])
        )
        more = " …" if symbols.size > 8 else ""
        return f"SymbolicSequence(T={len(self)}, {len(self.visited)} regions: {shown}{more})"

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        symbols, lengths = self.runs()
        return {
            "P": self.P,
            "length": len(self),
            "runs": [[self.label(s), int(n)] for s, n in zip(symbols, lengths)],
            "occupation": {self.label(r): f for r, f in self.occupation().items()},
        }


def check_trajectory(m: PWLMap, trajectory) -> np.ndarray:
    """A (T, M) float array of finite states with T ≥ 1, or a ValueError naming the problem."""
    z = np.asarray(trajectory, dtype=np.float64)
    if z.ndim != 2 or z.shape[1] != m.M:
        raise UserInputError(f"trajectory must have shape (T, M) = (T, {m.M}), got {z.shape}")
    if z.shape[0] == 0:
        raise UserInputError("trajectory is empty (T = 0 states)")
    if not np.all(np.isfinite(z)):
        bad = int(np.argmax(~np.all(np.isfinite(z), axis=1)))
        raise UserInputError(f"trajectory contains NaN or infinite values (first at step {bad})")
    return z


def symbolic_sequence(m: PWLMap, trajectory) -> SymbolicSequence:
    """Code a trajectory by its regions: s_t = d(z_t).

    Parameters
    ----------
    m : PWLMap
        The map whose regions code the states.
    trajectory : array_like, shape (T, M)
        States of the model, or data mapped into its latent space.

    Returns
    -------
    SymbolicSequence
        The region index of every state.

    Raises
    ------
    ValueError
        Wrong width, no states, or NaN / infinite values.

    Examples
    --------
    >>> from pwl_analysis import PWLMap
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> s = symbolic_sequence(tent, tent.trajectory([0.01], 8))
    >>> s.labels
    ['1', '1', '0', '0', '0', '0', '1', '1']
    >>> [x.tolist() for x in s.runs()]
    [[1, 0, 1], [2, 4, 2]]
    """
    m = require_alrnn(m, "the symbolic coding (symbolic_sequence and the graphs)")
    return SymbolicSequence(symbols=m.region_of(check_trajectory(m, trajectory)), P=m.P)
