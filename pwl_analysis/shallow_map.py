"""The general piecewise-linear RNN: z ↦ A z + W₁ relu(W₂ z + h₂) + h₁.

Every piecewise-linear RNN of the field is this map for some weights (the constructors on
:class:`~pwl_analysis.pwl_map.PWLMap` write each model in this form):

- PLRNN, z ↦ A z + W relu(z) + h: W₁ = W, W₂ = I, h₂ = 0 (Durstewitz 2017);
- shallow PLRNN (shPLRNN): as written (Hess et al. 2023);
- clipped shPLRNN, z ↦ A z + W₁ (relu(W₂ z + h₂) − relu(W₂ z)) + h₁: 2H hidden units;
- dendritic PLRNN, z ↦ A z + W Σ_b α_b relu(z − θ_b) + h: M·B hidden units
  (Brenner et al. 2022);
- AL-RNN: W₂ = (0 | I_P), h₂ = 0 (it has its own class with fast paths,
  :class:`~pwl_analysis.pwl_map.ALRNNMap`).

Its linear regions are the non-empty cells Ω_d of the hyperplane arrangement W₂ z + h₂ = 0
(:mod:`pwl_analysis.arrangement`), found exactly the first time they are needed; on Ω_d the
map is z ↦ J_d z + c_d with J_d = A + W₁ D_d W₂ and c_d = h₁ + W₁ D_d h₂: unlike the
AL-RNN's, the offset depends on the region.

The weights are exact rationals (a float is the dyadic rational it is); the float weights,
their nearest floats, evaluate the map fast, and every decision (a region of a point near a
hyperplane, a cycle, a transition) is made in rationals.

References
----------
Durstewitz, D. (2017). A state space approach for piecewise-linear recurrent neural networks
for identifying computational dynamics from neural measurements. PLoS Comput. Biol. 13.
Hess, F., Monfared, Z., Brenner, M., Durstewitz, D. (2023). Generalized teacher forcing for
learning chaotic dynamics. ICML 2023.
Brenner, M., Hess, F., Mikhaeil, J. M., Bereska, L., Monfared, Z., Kuo, P.-C., Durstewitz, D.
(2022). Tractable dendritic RNNs for reconstructing nonlinear dynamical systems. ICML 2022.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np
import sympy
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from pwl_analysis import _exact
from pwl_analysis.arrangement import Arrangement, arrangement_cells
from pwl_analysis.cycle_equation import rounding_gamma
from pwl_analysis.errors import UserInputError
from pwl_analysis.pwl_map import ModelError, PWLMap


def _exact_entry(name: str, x):
    """One weight as an element of QQ; a float is its dyadic value."""
    if isinstance(x, (bool, np.bool_)):
        raise ModelError(f"{name} holds a boolean, not a real number")
    if isinstance(x, (int, np.integer)):
        return QQ(int(x))
    if isinstance(x, (float, np.floating)):
        if not np.isfinite(x):
            raise ModelError(f"{name} contains a NaN or infinite value")
        return _exact.exact_scalar(x)
    if isinstance(x, (Fraction, sympy.Rational)):
        value = sympy.Rational(x)
        return QQ(int(value.p), int(value.q))
    if isinstance(x, str):
        try:
            value = sympy.Rational(x)
        except (TypeError, ValueError, SyntaxError) as error:
            raise ModelError(f"{name} holds {x!r}, not a rational number") from error
        return QQ(int(value.p), int(value.q))
    raise ModelError(f"{name} holds {type(x).__name__} {x!r}, not a real number")


def exact_array(name: str, value) -> DomainMatrix:
    """A weight vector or matrix as an exact ``DomainMatrix`` over QQ (a vector as a column).

    Entries may be floats (taken as their dyadic values), ints, ``Fraction``, sympy
    ``Rational`` or ``"p/q"`` strings; a ``DomainMatrix`` passes through.

    Raises
    ------
    ModelError
        Ragged or empty input, more than two dimensions, or an entry that is not a finite
        real number.
    """
    if isinstance(value, DomainMatrix):
        return value
    try:
        array = np.asarray(value, dtype=object)
    except ValueError as error:
        raise ModelError(f"{name} is ragged or not made of numbers") from error
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.size == 0:
        raise ModelError(f"{name} must be a non-empty vector or matrix, got shape {array.shape}")
    rows = [[_exact_entry(name, x) for x in row] for row in array]
    return DomainMatrix(rows, array.shape, QQ)


def _read_only(matrix: DomainMatrix, vector: bool = False) -> np.ndarray:
    array = _exact.to_float(matrix)
    array = array[:, 0] if vector else array
    array.setflags(write=False)
    return array


def _check_shape(name: str, matrix: DomainMatrix, shape: tuple[int, int]) -> None:
    if matrix.shape != shape:
        raise ModelError(f"{name} has shape {matrix.shape}, expected {shape}")


def shallow_map(model: str, A, W1, W2, h1, h2) -> ShallowPWLMap:
    """Check the weights of z ↦ A z + W₁ relu(W₂ z + h₂) + h₁ and build the map.

    ``A`` may be the diagonal (shape (M,)); see :meth:`PWLMap.from_shplrnn` for the rest.
    """
    h1 = exact_array("h1", h1)
    M = h1.shape[0]
    _check_shape("h1", h1, (M, 1))
    A = exact_array("A", A)
    if A.shape == (M, 1) and M > 1:
        A = DomainMatrix.diag(_exact.column_entries(A), QQ)
    _check_shape("A", A, (M, M))
    W1 = exact_array("W1", W1)
    H = W1.shape[1]
    _check_shape("W1", W1, (M, H))
    W2, h2 = exact_array("W2", W2), exact_array("h2", h2)
    _check_shape("W2", W2, (H, M))
    _check_shape("h2", h2, (H, 1))
    return ShallowPWLMap(
        A=_read_only(A),
        W1=_read_only(W1),
        W2=_read_only(W2),
        h1=_read_only(h1, vector=True),
        h2=_read_only(h2, vector=True),
        exact_weights=(A, W1, W2, h1, h2),
        model=model,
    )


@dataclass(frozen=True, eq=False)
class ShallowPWLMap(PWLMap):
    """z ↦ A z + W₁ relu(W₂ z + h₂) + h₁ on the cells of W₂ z + h₂ = 0.

    Build it with :meth:`PWLMap.from_shplrnn`, :meth:`PWLMap.from_plrnn`,
    :meth:`PWLMap.from_clipped_shplrnn` or :meth:`PWLMap.from_dendplrnn`.

    Attributes
    ----------
    A : ndarray, shape (M, M)
    W1 : ndarray, shape (M, H)
    W2 : ndarray, shape (H, M)
    h1 : ndarray, shape (M,)
    h2 : ndarray, shape (H,)
        The nearest floats of the exact weights.
    exact_weights : tuple of DomainMatrix
        (A, W₁, W₂, h₁, h₂) over QQ, h₁ and h₂ as columns: the map the analysis decides.
    model : str
        The model the weights came from ("shPLRNN", "PLRNN", "clipped shPLRNN",
        "dendPLRNN").

    Examples
    --------
    SCYFI's shPLRNN example of a 2-D map has two 2-cycles and a 4-cycle; here a smaller
    one, a PLRNN with one unit, is the tent map:

    >>> m = PWLMap.from_plrnn([2.0], [[-4.0]], [0.5])
    >>> m.n_regions, [c.period for c in m.cycles(2)]
    (2, [1, 1, 2])
    """

    A: np.ndarray
    W1: np.ndarray
    W2: np.ndarray
    h1: np.ndarray
    h2: np.ndarray
    exact_weights: tuple = field(repr=False)
    model: str = "shPLRNN"

    @property
    def M(self) -> int:
        """Number of latent units."""
        return self.h1.shape[0]

    @property
    def H(self) -> int:
        """Number of hidden ReLU units (hyperplanes)."""
        return self.h2.shape[0]

    # ---- regions -----------------------------------------------------------------------

    @cached_property
    def arrangement(self) -> Arrangement:
        """The non-empty cells of W₂ z + h₂ = 0, decided exactly (computed on first use)."""
        _, _, W2, _, h2 = self.exact_weights
        return arrangement_cells(self.W2, self.h2, W2, h2)

    @property
    def n_regions(self) -> int:
        """Number of non-empty cells."""
        return len(self.arrangement.bits)

    @property
    def region_bits(self) -> np.ndarray:
        """(q, H) array of 0/1: row r holds the sign vector d of region r."""
        return self.arrangement.bits

    @cached_property
    def _index_of(self) -> dict[bytes, int]:
        return {row.tobytes(): i for i, row in enumerate(self.region_bits)}

    def region_label(self, index: int) -> str:
        """Bit-string label of region ``index``."""
        return "".join(str(int(b)) for b in self.region_bits[int(index)])

    def region_index(self, label: str | int) -> int:
        """Index of a region given by its label (its sign vector) or index."""
        if isinstance(label, (int, np.integer)):
            index = int(label)
            if not 0 <= index < self.n_regions:
                raise UserInputError(f"region index {index} out of range 0…{self.n_regions - 1}")
            return index
        if not (isinstance(label, str) and len(label) == self.H and set(label) <= {"0", "1"}):
            raise UserInputError(f"{label!r} is not a sign vector of this map (H = {self.H})")
        key = np.array([int(c) for c in label], dtype=np.int8).tobytes()
        if key not in self._index_of:
            raise UserInputError(f"{label!r} is an empty cell, not a region of this map")
        return self._index_of[key]

    @cached_property
    def _exact_maps(self) -> list:
        """(J_d, c_d) over QQ for every region."""
        A, W1, W2, h1, h2 = self.exact_weights
        maps = []
        for bits in self.region_bits:
            W1_d = W1 * DomainMatrix.diag([QQ(int(b)) for b in bits], QQ)
            maps.append((A + W1_d * W2, h1 + W1_d * h2))
        return maps

    def exact_region_jacobian(self, index: int) -> DomainMatrix:
        """J_d = A + W₁ D_d W₂ over QQ."""
        return self._exact_maps[int(index)][0]

    def exact_region_offset(self, index: int) -> DomainMatrix:
        """c_d = h₁ + W₁ D_d h₂ over QQ (a column)."""
        return self._exact_maps[int(index)][1]

    @cached_property
    def jacobians(self) -> np.ndarray:
        """(q, M, M) float64: the nearest floats of the exact J_d."""
        return np.array([_exact.to_float(J) for J, _ in self._exact_maps]).reshape(
            self.n_regions, self.M, self.M
        )

    @cached_property
    def offsets(self) -> np.ndarray:
        """(q, M) float64: the nearest floats of the exact c_d."""
        return np.array([_exact.to_float(c)[:, 0] for _, c in self._exact_maps]).reshape(
            self.n_regions, self.M
        )

    @property
    def relu_layer(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(W₁, W₂, h₂) in float64."""
        return self.W1, self.W2, self.h2

    @property
    def exact_relu_layer(self) -> tuple[DomainMatrix, DomainMatrix, DomainMatrix]:
        """(W₁, W₂, h₂) over QQ."""
        _, W1, W2, _, h2 = self.exact_weights
        return W1, W2, h2

    def region_witness(self, index: int) -> DomainMatrix | None:
        """An exact point of region ``index`` (from the arrangement's construction)."""
        return self.arrangement.witnesses[int(index)]

    # ---- evaluation --------------------------------------------------------------------

    def _active(self, z: np.ndarray) -> np.ndarray:
        """d(z) for states of shape (..., M), exact: near a hyperplane decided in rationals.

        |fl(W₂ z + h₂) − (W₂ z + h₂)| ≤ γ_{M+3} (|W₂| |z| + |h₂|) covers the float dot
        product and the rounding of rational weights; inside that bound the sign is taken
        from the exact value of the float z.
        """
        pre = z @ self.W2.T + self.h2
        bound = (np.abs(z) @ np.abs(self.W2).T + np.abs(self.h2)) * rounding_gamma(self.M + 3)
        active = pre > 0
        doubtful = np.flatnonzero((np.abs(pre) <= bound).any(axis=-1).ravel())
        if doubtful.size:
            flat, states = active.reshape(-1, self.H), z.reshape(-1, self.M)
            for i in doubtful:
                if np.all(np.isfinite(states[i])):
                    point = _exact.exact_matrix(states[i])
                    flat[i] = np.array(self.exact_region_bits(point), dtype=bool)
        return active

    @cached_property
    def _codes(self) -> np.ndarray | None:
        """The sign vectors as integers (ascending, as the cells are sorted); None if H > 62."""
        if self.H > 62:
            return None
        return self.region_bits.astype(np.int64) @ (1 << np.arange(self.H - 1, -1, -1))

    def region_of(self, z) -> np.ndarray:
        """Region index of each state: z of shape (..., M) gives an int array of shape (...).

        Raises
        ------
        UserInputError
            A state whose sign vector is no region (a NaN or infinite coordinate).
        """
        z = self._check_states(z)
        active = self._active(z).reshape(-1, self.H).astype(np.int8)
        if self._codes is not None:
            codes = active.astype(np.int64) @ (1 << np.arange(self.H - 1, -1, -1))
            index = np.minimum(np.searchsorted(self._codes, codes), len(self._codes) - 1)
            found = self._codes[index] == codes
        else:
            index = np.array([self._index_of.get(row.tobytes(), -1) for row in active])
            found = index >= 0
        if not found.all():
            raise UserInputError(
                "a state lies in no region of the map (it has NaN or infinite coordinates)"
            )
        return index.astype(np.int64).reshape(z.shape[:-1])

    def __call__(self, z) -> np.ndarray:
        """f(z) = A z + W₁ relu(W₂ z + h₂) + h₁ for z of shape (..., M)."""
        z = self._check_states(z)
        hidden = np.maximum(z @ self.W2.T + self.h2, 0.0)
        return z @ self.A.T + hidden @ self.W1.T + self.h1

    def _formula_latex(self) -> str:
        return (
            r"f(z) = A z + W_1 \max(0, W_2 z + h_2) + h_1,\; "
            rf"M = {self.M},\; H = {self.H} \text{{ ({self.model})}}"
        )

    def __repr__(self) -> str:
        return f"PWLMap({self.model}, M={self.M}, H={self.H})"
