"""Closed-form maps written as AL-RNNs, and the official reference models (skipped if absent)."""

from pathlib import Path

import numpy as np
import pytest

from pwl_analysis import PWLMap

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "alrnn-dsr"


def reference_file(name: str) -> Path:
    """Path of a file in ../shared/reference/alrnn-dsr, skipping the test when absent."""
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"reference file {name} not available at {REFERENCE}")
    return path


def tent_map() -> PWLMap:
    """Tent map u ↦ 1/2 − 2|u| on [−1/2, 1/2]: u ↦ 2u + 1/2 − 4 max(0, u)."""
    return PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)


def lozi_map(a: float = 1.7, b: float = 0.5) -> PWLMap:
    """Lozi map x' = 1 − a|x| + y, y' = b x as an AL-RNN on z = (y, x), ReLU on x.

    a x − 2a max(0, x) = −a|x|, so x' = y + a x − 2a max(0, x) + 1 and y' = b x.
    """
    A = np.array([[0.0, b], [1.0, a]])
    W = np.array([[0.0, 0.0], [0.0, -2 * a]])
    return PWLMap.from_alrnn(A, W, [0.0, 1.0], P=1)


def random_map(seed: int, M: int, P: int, scale: float = 0.9) -> PWLMap:
    rng = np.random.default_rng(seed)
    return PWLMap.from_alrnn(
        rng.uniform(-scale, scale, M),
        rng.normal(0, scale / np.sqrt(M), (M, M)),
        rng.normal(0, 1, M),
        P,
    )


#: Small maps with several orbits each, for comparisons of two searches.
RICH_MAPS = {
    "tent": tent_map,
    "lozi": lozi_map,
    "random-12": lambda: random_map(12, M=3, P=2, scale=1.8),
    "random-1": lambda: random_map(1, M=3, P=2, scale=1.8),
}
