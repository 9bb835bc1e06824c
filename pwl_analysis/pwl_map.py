"""Piecewise-linear RNNs as piecewise-affine maps, and their linear regions.

Every piecewise-linear RNN is a map f(z) = A z + W₁ relu(W₂ z + h₂) + h₁, affine on each
non-empty cell of the hyperplane arrangement W₂ z + h₂ = 0.  :class:`PWLMap` is that map's
interface, with a constructor per model class; the general map is
:class:`~pwl_analysis.shallow_map.ShallowPWLMap`, and the AL-RNN, whose regions are simply
the sign patterns of its last P units, is :class:`ALRNNMap`, defined here.

An AL-RNN with M latent units, the last P of them piecewise linear, iterates

    z_{t+1} = A z_t + W Φ*(z_t) + h,
    Φ*(z) = (z_1, …, z_{M-P}, max(0, z_{M-P+1}), …, max(0, z_M)).

The sign pattern d ∈ {0, 1}^P of the last P units labels one of 2^P linear subregions

    Ω_d = {z : z_{M-P+i} > 0 if d_i = 1,  z_{M-P+i} ≤ 0 if d_i = 0},

inside which the map is exactly affine, z ↦ J_d z + h with J_d = A + W diag(1, …, 1, d).
Points on a switching boundary (z_{M-P+i} = 0) belong to the region with d_i = 0; the map is
continuous, so both neighbouring affine maps agree there.

Regions are indexed by the integer whose binary digits are d (most significant first) and
labelled by the bit string itself: region 2 of a P = 2 model is ``"10"``.  (For every map
class: regions in the lexicographic order of their sign vectors, labelled by them.)

References
----------
Brenner, M., Hemmer, C. J., Monfared, Z., Durstewitz, D. (2024). Almost-Linear RNNs Yield
Highly Interpretable Symbolic Codes in Dynamical Systems Reconstruction. NeurIPS 2024.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import sympy
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from pwl_analysis import _exact
from pwl_analysis.errors import BudgetError, Remedy, UserInputError

#: A free run holds at most this many floats (800 MB): beyond, ``trajectory`` raises
#: :class:`~pwl_analysis.errors.BudgetError` instead of exhausting memory.
MAX_TRAJECTORY_VALUES = 10**8


class ModelError(UserInputError):
    """Weights or a model file that do not describe a valid model.

    Raised by the constructors of :class:`PWLMap` and :func:`~pwl_analysis.load_model` with one
    sentence naming the bad value; a :class:`~pwl_analysis.errors.UserInputError`.

    Examples
    --------
    >>> from pwl_analysis import ModelError, PWLMap
    >>> try:
    ...     PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=2)
    ... except ModelError as error:
    ...     print(error)
    P = 2 piecewise-linear units is out of range 0…M = 0…1
    """


class AlrnnOnlyError(UserInputError):
    """An analysis not yet written for the general map was given one (a shPLRNN, a PLRNN…).

    Raised by :func:`require_alrnn` in one sentence; callers that can do without the
    analysis (``analyze`` without its entropy bounds) catch it and say why it is missing.
    """


def require_alrnn(m: PWLMap, what: str) -> ALRNNMap:
    """``m`` itself if it is an AL-RNN, else a one-sentence error: ``what`` is AL-RNN only.

    For the analyses not yet written for the general map (their rows, labels or weights are
    an AL-RNN's), so that a shPLRNN gets a sentence instead of a missing attribute.

    Raises
    ------
    AlrnnOnlyError
        ``m`` is not an :class:`ALRNNMap`.
    """
    if not isinstance(m, ALRNNMap):
        raise AlrnnOnlyError(f"{what} works on AL-RNNs only so far, and this map is {m!r}")
    return m


@dataclass(frozen=True)
class Region:
    """One linear subregion Ω_d and the affine map z ↦ J z + c that holds inside it.

    Attributes
    ----------
    index : int
        Position of the region (for an AL-RNN the integer whose binary digits are ``d``).
    label : str
        The bit string of ``d``, e.g. ``"01"``.
    bits : tuple of int
        d ∈ {0, 1}^H: which ReLU units are active (positive); H = P for an AL-RNN.
    jacobian : ndarray, shape (M, M)
        J_d = A + W₁ D_d W₂ (an AL-RNN's A + W diag(1, …, 1, d)), float64.
    offset : ndarray, shape (M,)
        c_d = h₁ + W₁ D_d h₂ (an AL-RNN's h), float64.
    exact_jacobian, exact_offset : sympy.Matrix
        The same, as exact Rationals.

    See Also
    --------
    PWLMap.region : builds it from a label or index.

    Examples
    --------
    The Lozi map x' = 1 − 1.7|x| + y, y' = x/2 on z = (y, x), rational weights: for x > 0
    (region ``1``) it is the affine map with J = [[0, 1/2], [1, −17/10]]:

    >>> from pwl_analysis import PWLMap
    >>> lozi = PWLMap.from_rationals([[0, "1/2"], [1, "17/10"]], [[0, 0], [0, "-17/5"]],
    ...                              [0, 1], P=1)
    >>> region = lozi.region("1")
    >>> region
    Region(Ω_1: z ↦ J z + c, M=2)
    >>> region.bits, region.exact_jacobian, region.exact_offset.T
    ((1,), Matrix([
    [0,    1/2],
    [1, -17/10]]), Matrix([[0, 1]]))
    """

    index: int
    label: str
    bits: tuple[int, ...]
    jacobian: np.ndarray
    offset: np.ndarray
    exact_jacobian: sympy.Matrix
    exact_offset: sympy.Matrix

    def __repr__(self) -> str:
        return f"Region(Ω_{self.label}: z ↦ J z + c, M={self.jacobian.shape[0]})"

    def _latex(self, printer=None) -> str:
        J = sympy.latex(self.exact_jacobian.evalf(4))
        h = sympy.latex(self.exact_offset.evalf(4))
        return rf"\Omega_{{{self.label}}}:\; z \mapsto {J} z + {h}"

    def _repr_latex_(self) -> str:
        return f"${self._latex()}$"

    def to_dict(self) -> dict:
        """The record as a JSON-ready dict."""
        return {
            "index": self.index,
            "label": self.label,
            "bits": list(self.bits),
            "jacobian": self.jacobian.tolist(),
            "offset": self.offset.tolist(),
        }


def _real_array(name: str, value) -> np.ndarray:
    """``value`` as a float64 array of finite reals; anything else is a ModelError."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise ModelError(f"{name} is ragged or not made of numbers") from error
    if array.dtype.kind not in "iufO":
        raise ModelError(f"{name} holds {array.dtype} values, not real numbers")
    try:
        array = array.astype(np.float64)
    except (TypeError, ValueError, OverflowError) as error:
        raise ModelError(f"{name} holds a value that is not a float64 real ({error})") from error
    if not np.all(np.isfinite(array)):
        bad = int(np.sum(~np.isfinite(array)))
        raise ModelError(f"{name} contains {bad} NaN or infinite value(s)")
    return array


def _as_float_array(name: str, value, shape: tuple[int, ...]) -> np.ndarray:
    array = _real_array(name, value)
    if array.shape != shape:
        raise ModelError(f"{name} has shape {array.shape}, expected {shape}")
    return array


def linear_part_latex(A: np.ndarray, exact_A: DomainMatrix) -> tuple[str, np.ndarray, DomainMatrix]:
    """A for printing: its diagonal as a row when A is diagonal, else the whole matrix."""
    if exact_A.is_diagonal:
        diagonal = [exact_A[i, i].element for i in range(A.shape[0])]
        return (
            r"\operatorname{diag}(A)^\top",
            np.diag(A)[None, :],
            DomainMatrix([diagonal], (1, A.shape[0]), QQ),
        )
    return "A", A, exact_A


def _check_P(P, M: int) -> int:
    """``P`` as an int, if it is an integer (not a bool) in 0…M."""
    if isinstance(P, (bool, np.bool_)) or not isinstance(P, (int, np.integer)):
        raise ModelError(f"P must be an integer, got {type(P).__name__} {P!r}")
    if not 0 <= P <= M:
        raise ModelError(f"P = {P} piecewise-linear units is out of range 0…M = 0…{M}")
    return int(P)


class PWLMap(abc.ABC):
    """A continuous piecewise-affine map, z ↦ J_d z + c_d on each linear region Ω_d.

    Every piecewise-linear RNN is the map

        f(z) = A z + W₁ relu(W₂ z + h₂) + h₁,

    A (M×M), W₁ (M×H), W₂ (H×M), h₁ (M), h₂ (H).  Its regions are the non-empty cells Ω_d of
    the hyperplane arrangement W₂ z + h₂ = 0, labelled by the signs d ∈ {0, 1}^H
    (:mod:`pwl_analysis.arrangement`), and on Ω_d

        f(z) = J_d z + c_d,   J_d = A + W₁ D_d W₂,   c_d = h₁ + W₁ D_d h₂,   D_d = diag(d).

    Build one with a constructor: :meth:`from_alrnn` and :meth:`from_rationals` (an
    :class:`ALRNNMap`: W₂ = [0 | I_P], h₂ = 0, all 2^P cells non-empty, with fast paths),
    :meth:`from_plrnn`, :meth:`from_shplrnn`, :meth:`from_clipped_shplrnn` and
    :meth:`from_dendplrnn` (a :class:`~pwl_analysis.shallow_map.ShallowPWLMap`).  Every
    analysis (cycles, transitions, Lyapunov spectra, LaTeX) reads a map through the members
    below, so it works on every model class.

    Regions are indexed 0 … q−1 in the lexicographic order of their sign vectors and labelled
    by the bit string of d (``"01"``).

    Examples
    --------
    The tent map u ↦ 2u + 1/2 − 4 max(0, u), once as an AL-RNN and once as a shallow PLRNN
    (H = 1, W₂ = [1], h₂ = 0); both have the same two fixed points, −1/2 and 1/6:

    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> shallow = PWLMap.from_shplrnn([[2.0]], [[-4.0]], [[1.0]], [0.5], [0.0])
    >>> type(tent).__name__, type(shallow).__name__
    ('ALRNNMap', 'ShallowPWLMap')
    >>> [str(c.exact_points[0]) for c in tent.fixed_points()]
    ['-1/2', '1/6']
    >>> [str(c.exact_points[0]) for c in shallow.fixed_points()]
    ['-1/2', '1/6']
    """

    # ---- constructors ------------------------------------------------------------------

    @classmethod
    def from_alrnn(cls, A, W, h, P: int) -> ALRNNMap:
        """Check and wrap AL-RNN weights: z ↦ A z + W Φ*(z) + h, ReLU on the last P units.

        Parameters
        ----------
        A : array_like, shape (M,) or (M, M)
            Diagonal of the linear part (AL-RNN) or the full matrix (PLRNN).
        W : array_like, shape (M, M)
            Weights acting on Φ*(z).
        h : array_like, shape (M,)
            Bias.
        P : int
            Number of piecewise-linear units, 0 ≤ P ≤ M; they are the last P.

        Raises
        ------
        ModelError
            Wrong shapes, weights that are not finite reals (NaN, ±inf, complex, text), or P
            not an integer in 0…M (2.7, True, a list).
        """
        h = _real_array("h", h)
        if h.ndim != 1 or h.size == 0:
            raise ModelError(f"h must be a non-empty vector, got shape {h.shape}")
        M = h.shape[0]
        A = _real_array("A", A)
        if A.ndim == 1:
            A = np.diag(_as_float_array("A", A, (M,)))
        A = _as_float_array("A", A, (M, M))
        W = _as_float_array("W", W, (M, M))
        P = _check_P(P, M)
        for array in (A, W, h):
            array.setflags(write=False)
        return ALRNNMap(A=A, W=W, h=h, P=P)

    @classmethod
    def from_rationals(cls, A, W, h, P: int) -> ALRNNMap:
        """AL-RNN with exact rational weights (``Fraction``, sympy ``Rational``, int or "p/q").

        Shapes as in :meth:`from_alrnn`.  The exact analysis uses these rationals; the float
        weights, used only to screen, are their nearest floats.

        Examples
        --------
        The Lozi map with a = 17/10, b = 1/2 (see :func:`pwl_analysis.rational.rationalize`):

        >>> m = PWLMap.from_rationals([[0, "1/2"], [1, "17/10"]], [[0, 0], [0, "-17/5"]],
        ...                           [0, 1], P=1)
        >>> [c.exact_points.row(0).tolist() for c in m.fixed_points()]
        [[[-5/12, -5/6]], [[5/22, 5/11]]]
        """
        A, W, h = (_exact.rational_array(x) for x in (A, W, h))
        if A.shape == h.shape:  # the diagonal of A, as a column
            A = DomainMatrix.diag(_exact.column_entries(A), QQ)
        m = cls.from_alrnn(_exact.to_float(A), _exact.to_float(W), _exact.to_float(h)[:, 0], P)
        return replace(m, rational_weights=(A, W, h))

    @classmethod
    def from_shplrnn(cls, A, W1, W2, h1, h2) -> PWLMap:
        """The shallow PLRNN z ↦ A z + W₁ relu(W₂ z + h₂) + h₁ (Hess et al. 2023).

        Parameters
        ----------
        A : array_like, shape (M,) or (M, M)
            The diagonal of A (as the shPLRNN has it) or the full matrix.
        W1 : array_like, shape (M, H)
        W2 : array_like, shape (H, M)
        h1 : array_like, shape (M,)
        h2 : array_like, shape (H,)

        Every weight is taken as the exact rational it is: a float as its dyadic value, a
        ``Fraction``, sympy ``Rational``, int or ``"p/q"`` string as written (the float
        weights are then its nearest floats).

        Raises
        ------
        ModelError
            Wrong shapes or weights that are not finite reals.

        References
        ----------
        Hess, F., Monfared, Z., Brenner, M., Durstewitz, D. (2023). Generalized teacher
        forcing for learning chaotic dynamics. ICML 2023.

        Examples
        --------
        The tent map u ↦ 2u + 1/2 − 4 max(0, u) with one hidden unit, W₂ = 1, h₂ = 0:

        >>> m = PWLMap.from_shplrnn([2], [[-4]], [[1]], ["1/2"], [0])
        >>> [c.exact_points[0, 0] for c in m.fixed_points()]
        [-1/2, 1/6]
        """
        from pwl_analysis.shallow_map import shallow_map

        return shallow_map("shPLRNN", A, W1, W2, h1, h2)

    @classmethod
    def from_plrnn(cls, A, W, h) -> PWLMap:
        """The PLRNN z ↦ A z + W relu(z) + h, every unit piecewise linear (Durstewitz 2017).

        The shallow form with W₁ = W, W₂ = I, h₁ = h, h₂ = 0; its regions are the 2^M
        orthants.  Weights as in :meth:`from_shplrnn`; ``A`` may be its diagonal.

        References
        ----------
        Durstewitz, D. (2017). A state space approach for piecewise-linear recurrent neural
        networks for identifying computational dynamics from neural measurements. PLoS
        Comput. Biol. 13, e1005542.
        """
        from pwl_analysis.shallow_map import exact_array, shallow_map

        h = exact_array("h", h)
        M = h.shape[0]
        identity = DomainMatrix.eye(M, QQ)
        return shallow_map("PLRNN", A, W, identity, h, DomainMatrix.zeros((M, 1), QQ))

    @classmethod
    def from_clipped_shplrnn(cls, A, W1, W2, h1, h2) -> PWLMap:
        """The clipped shPLRNN z ↦ A z + W₁ (relu(W₂ z + h₂) − relu(W₂ z)) + h₁.

        Its 2H hidden units in the shallow form are W₁' = (W₁ | −W₁), W₂' = (W₂; W₂),
        h₂' = (h₂; 0): two hyperplanes per unit, parallel, so the cells are found by the
        incremental construction.  Weights as in :meth:`from_shplrnn`.

        References
        ----------
        Hess, F., Monfared, Z., Brenner, M., Durstewitz, D. (2023). Generalized teacher
        forcing for learning chaotic dynamics. ICML 2023 (``clippedShallowPLRNN`` of its
        code, DurstewitzLab/GTF-shPLRNN, ``src/models/shallow_plrnn.jl``).
        """
        from pwl_analysis.shallow_map import exact_array, shallow_map

        W1, W2, h2 = exact_array("W1", W1), exact_array("W2", W2), exact_array("h2", h2)
        zeros = DomainMatrix.zeros(h2.shape, QQ)
        return shallow_map(
            "clipped shPLRNN", A, W1.hstack(-W1), W2.vstack(W2), h1, h2.vstack(zeros)
        )

    @classmethod
    def from_dendplrnn(cls, A, W, h, alphas, thresholds) -> PWLMap:
        """The dendritic PLRNN z ↦ A z + W Σ_b α_b relu(z − θ_b) + h (Brenner et al. 2022).

        Parameters
        ----------
        A : array_like, shape (M,) or (M, M)
        W : array_like, shape (M, M)
        h : array_like, shape (M,)
        alphas : array_like, shape (B,)
            Weights α_b of the B basis functions.
        thresholds : array_like, shape (M, B)
            Column b is θ_b (the matrix ``H`` of DurstewitzLab/GTF-shPLRNN's ``dendPLRNN``;
            the PyTorch code of DurstewitzLab/dendPLRNN stores ``thetas`` = −θ).

        The shallow form has M·B hidden units, unit (b, i) being relu(z_i − θ_{i,b}):
        W₁ = (α_1 W | … | α_B W), W₂ = (I; …; I), h₂ = (−θ_1; …; −θ_B), h₁ = h.

        References
        ----------
        Brenner, M., Hess, F., Mikhaeil, J. M., Bereska, L., Monfared, Z., Kuo, P.-C.,
        Durstewitz, D. (2022). Tractable dendritic RNNs for reconstructing nonlinear
        dynamical systems. ICML 2022.
        """
        from pwl_analysis.shallow_map import exact_array, shallow_map

        W, alphas = exact_array("W", W), exact_array("alphas", alphas)
        thresholds = exact_array("thresholds", thresholds)
        M = W.shape[0]
        if W.shape != (M, M) or thresholds.shape[0] != M or thresholds.shape[1] != alphas.shape[0]:
            raise ModelError(
                f"W {W.shape}, alphas ({alphas.shape[0]},) and thresholds {thresholds.shape} "
                "do not fit: expected (M, M), (B,) and (M, B)"
            )
        alpha = _exact.column_entries(alphas)
        W1 = W * alpha[0]
        for a in alpha[1:]:
            W1 = W1.hstack(W * a)
        W2 = DomainMatrix.eye(M, QQ)
        h2 = -thresholds[:, 0]
        for b in range(1, len(alpha)):
            W2, h2 = W2.vstack(DomainMatrix.eye(M, QQ)), h2.vstack(-thresholds[:, b])
        return shallow_map("dendPLRNN", A, W1, W2, h, h2)

    # ---- what every map provides ----------------------------------------------------------

    @property
    @abc.abstractmethod
    def M(self) -> int:
        """Number of latent units."""

    @property
    @abc.abstractmethod
    def n_regions(self) -> int:
        """Number of linear regions (non-empty cells)."""

    @property
    @abc.abstractmethod
    def region_bits(self) -> np.ndarray:
        """(q, H) array of 0/1: row r holds the sign vector d of region r."""

    @abc.abstractmethod
    def region_label(self, index: int) -> str:
        """Bit-string label of region ``index``."""

    @abc.abstractmethod
    def region_index(self, label: str | int) -> int:
        """Index of a region given by its label or index; raises on anything else."""

    @property
    @abc.abstractmethod
    def jacobians(self) -> np.ndarray:
        """(q, M, M) float64: J_d of every region, in index order."""

    @property
    @abc.abstractmethod
    def offsets(self) -> np.ndarray:
        """(q, M) float64: c_d of every region, in index order."""

    @abc.abstractmethod
    def exact_region_jacobian(self, index: int) -> DomainMatrix:
        """J_d of region ``index`` as an exact ``DomainMatrix`` over QQ."""

    @abc.abstractmethod
    def exact_region_offset(self, index: int) -> DomainMatrix:
        """c_d of region ``index`` as an exact column ``DomainMatrix`` over QQ."""

    @property
    @abc.abstractmethod
    def relu_layer(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(W₁, W₂, h₂) in float64: the ReLU layer of the shallow form."""

    @property
    @abc.abstractmethod
    def exact_relu_layer(self) -> tuple[DomainMatrix, DomainMatrix, DomainMatrix]:
        """(W₁, W₂, h₂) over QQ (h₂ a column); J_d − J_b = W₁ (D_d − D_b) W₂."""

    @abc.abstractmethod
    def region_of(self, z) -> np.ndarray:
        """Region index of each state: z of shape (..., M) gives an int array of shape (...)."""

    @abc.abstractmethod
    def __call__(self, z) -> np.ndarray:
        """f(z) for z of shape (..., M)."""

    @abc.abstractmethod
    def region_witness(self, index: int) -> DomainMatrix | None:
        """An exact point of Ω_d (a column over QQ), None where the cell was kept unproven."""

    @abc.abstractmethod
    def _formula_latex(self) -> str:
        """The map's defining formula, for a display too large to list every region."""

    @property
    @abc.abstractmethod
    def model(self) -> str:
        """The model class the weights came from: ``"AL-RNN"``, ``"shPLRNN"``, ``"PLRNN"``…."""

    @abc.abstractmethod
    def _definition_latex(self) -> tuple[str, list[tuple[str, np.ndarray, DomainMatrix]]]:
        r"""The model's equation and regions in LaTeX text, and its weights to print.

        Each weight is (LaTeX name, float matrix, the same over QQ); a vector is a row
        (``h^\\top``).  :func:`pwl_analysis.latex.map_to_latex` prints them.
        """

    # ---- regions -----------------------------------------------------------------------

    @property
    def H(self) -> int:
        """Number of switching functions (hidden ReLU units): the length of a sign vector d."""
        return self.relu_layer[2].shape[0]

    def switching_functions(self) -> sympy.Matrix:
        """s(z) = W₂ z + h₂ as an H×1 sympy Matrix in z_1 … z_M, exact rationals.

        Region Ω_d is {s_i(z) > 0 where d_i = 1, s_i(z) ≤ 0 where d_i = 0}; an AL-RNN's
        s_i is its unit z_{M−P+i}.

        Examples
        --------
        >>> from pwl_analysis import PWLMap
        >>> PWLMap.from_alrnn([0.5, 0.5], [[0, 1], [1, 0]], [0, 0], P=1).switching_functions()
        Matrix([[z_2]])
        >>> m = PWLMap.from_shplrnn([[0.5, 0], [0, 0.5]], [[1], [0]], [["1/2", -1]], [0, 0], [3])
        >>> m.switching_functions()
        Matrix([[z_1/2 - z_2 + 3]])
        """
        _, W2, h2 = self.exact_relu_layer
        z = sympy.Matrix(sympy.symbols(f"z_1:{self.M + 1}"))
        return _exact.to_sympy(W2) * z + _exact.to_sympy(h2)

    def exact_preactivations(self, z: DomainMatrix) -> list:
        """W₂ z + h₂ over QQ for a column z: the values whose signs give z's region."""
        _, W2, h2 = self.exact_relu_layer
        return _exact.column_entries(W2 * z + h2)

    def exact_region_bits(self, z: DomainMatrix) -> tuple[int, ...]:
        """The sign vector d of an exact column z (d_i = 1 where (W₂ z + h₂)_i > 0)."""
        return tuple(1 if x > 0 else 0 for x in self.exact_preactivations(z))

    def region_constraints(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """cl Ω_d as G z ≤ g in floats: −s_i (W₂ z + h₂)_i ≤ 0, s_i = ±1 from d_i."""
        _, W2, h2 = self.relu_layer
        sign = np.where(self.region_bits[index] == 1, 1.0, -1.0)
        return -sign[:, None] * W2, sign * h2

    def exact_region_constraints(self, index: int) -> tuple[DomainMatrix, DomainMatrix]:
        """The rows of :meth:`region_constraints` over QQ (the closed cell, exactly)."""
        _, W2, h2 = self.exact_relu_layer
        signs = [QQ(1 if b == 1 else -1) for b in self.region_bits[index]]
        rows, h = W2.to_list(), _exact.column_entries(h2)
        G = [[-s * x for x in row] for s, row in zip(signs, rows)]
        return (
            DomainMatrix(G, W2.shape, QQ),
            DomainMatrix([[s * x] for s, x in zip(signs, h)], (len(h), 1), QQ),
        )

    def region(self, label: str | int) -> Region:
        """The region given by label (``"01"``) or index, with its float and exact affine map."""
        index = self.region_index(label)
        return Region(
            index=index,
            label=self.region_label(index),
            bits=tuple(int(b) for b in self.region_bits[index]),
            jacobian=self.jacobians[index],
            offset=self.offsets[index],
            exact_jacobian=_exact.to_sympy(self.exact_region_jacobian(index)),
            exact_offset=_exact.to_sympy(self.exact_region_offset(index)),
        )

    @property
    def regions(self) -> list[Region]:
        """All regions in index order."""
        return [self.region(i) for i in range(self.n_regions)]

    # ---- evaluation --------------------------------------------------------------------

    def _check_states(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        if z.ndim == 0 or z.shape[-1] != self.M:
            raise UserInputError(
                f"states must have last dimension M = {self.M}, got shape {z.shape}"
            )
        return z

    def jacobian(self, z) -> np.ndarray:
        """Df(z) = J_{d(z)}, shape (..., M, M), the Jacobian of the region holding z."""
        return self.jacobians[self.region_of(z)]

    def trajectory(self, z0, steps: int) -> np.ndarray:
        """Free run z_0, f(z_0), …, f^{steps-1}(z_0).

        Parameters
        ----------
        z0 : array_like, shape (M,) or (B, M)
        steps : int
            Number of states returned, the first being ``z0``.

        Returns
        -------
        ndarray, shape (steps, M) or (steps, B, M)

        Raises
        ------
        BudgetError
            steps × z0.size > ``MAX_TRAJECTORY_VALUES``.
        """
        z = self._check_states(z0)
        if steps < 1:
            raise UserInputError(f"steps must be at least 1, got {steps}")
        if steps * z.size > MAX_TRAJECTORY_VALUES:
            raise BudgetError(
                f"a free run of {steps} steps × {z.size} values exceeds the budget of "
                f"{MAX_TRAJECTORY_VALUES:.0e} floats in memory",
                (Remedy("steps", "lower", MAX_TRAJECTORY_VALUES // z.size),),
            )
        out = np.empty((steps, *z.shape))
        out[0] = z
        for t in range(1, steps):
            out[t] = self(out[t - 1])
        return out

    def exact_step(self, z: DomainMatrix) -> DomainMatrix:
        """f(z) in exact rational arithmetic for a column ``DomainMatrix`` z over QQ."""
        label = "".join(str(b) for b in self.exact_region_bits(z))
        index = self.region_index(label)
        return self.exact_region_jacobian(index) * z + self.exact_region_offset(index)

    # ---- orbits ------------------------------------------------------------------------

    def fixed_points(self, include_virtual: bool = False, method=None):
        """Every fixed point, decided exactly; see :func:`pwl_analysis.search.find_cycles`.

        With ``include_virtual`` the result's ``virtual`` field also lists each region's
        virtual fixed point (the solution of z = J_d z + h lying outside Ω_d).
        """
        from pwl_analysis.search import find_cycles, virtual_fixed_points

        result = find_cycles(self, 1, method)
        if include_virtual:
            result = replace(result, virtual=virtual_fixed_points(self))
        return result

    def cycles(self, max_period: int, method=None, progress: bool = False):
        """Every orbit of minimal period 1…``max_period``: a :class:`CycleSet`.

        A k-cycle through the regions d_0 … d_{k-1} solves the cycle equation
        (I − Π) z_0 = c, Π = J_{d_{k-1}} ⋯ J_{d_0}, and is kept when every iterate lies in its
        region, decided in exact rationals.

        Parameters
        ----------
        max_period : int
            Largest period K ≥ 1 searched.
        method : SearchMethod, optional
            The search, as a value (:data:`pwl_analysis.methods.SEARCH_METHODS`):
            ``Exhaustive()`` (default) and ``AdmissibleTree()`` are complete up to K;
            ``Scyfi()`` (for large P) and ``TrajectorySeeded()`` (long cycles of flow-like
            models) are heuristics and their result says so.
        progress : bool, default False
            Show a progress bar over periods.

        Returns
        -------
        CycleSet
            The cycles sorted by period and region word, the degenerate cycle families, and
            whether the answer is complete.

        Raises
        ------
        UserInputError
            ``max_period`` is not a positive integer.
        TypeError
            ``method`` is not a :class:`~pwl_analysis.methods.base.SearchMethod`.
        SearchTooLargeError
            ``max_period`` is beyond the longest period the method searches, or its words,
            letters or nodes exceed its budget.

        See Also
        --------
        pwl_analysis.search.find_cycles : the same search as a function.

        References
        ----------
        Eisenmann, L., Monfared, Z., Göring, N., Durstewitz, D. (2023). Bifurcations and loss
        jumps in RNN training. NeurIPS 2023 (SCYFI).

        Examples
        --------
        The tent map u ↦ 1/2 − 2|u| = 2u + 1/2 − 4 max(0, u) has 2^k points of period
        dividing k: two fixed points, one 2-cycle and two 3-cycles, all exact rationals.

        >>> m = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
        >>> orbits = m.cycles(3)
        >>> orbits.complete
        True
        >>> [(c.period, c.regions) for c in orbits]
        [(1, ('0',)), (1, ('1',)), (2, ('0', '1')), (3, ('0', '0', '1')), (3, ('0', '1', '1'))]
        >>> orbits[2].exact_points.T
        Matrix([[-1/10, 3/10]])
        >>> print(orbits[2].stability)
        repelling node (index 1)
        """
        from pwl_analysis.search import find_cycles

        return find_cycles(self, max_period, method, progress)

    def cycle_of_word(self, regions):
        """Exact solution of one region word's cycle equation.

        Returns a ``Cycle`` when the word is realised, a ``DegenerateCycle`` when its cycle
        equation is singular, and None otherwise.  ``regions`` are labels or indices and must
        not be a power of a shorter word.
        """
        from pwl_analysis.cycle_equation import exact_cycle
        from pwl_analysis.words import primitive_period

        word = tuple(self.region_index(r) for r in regions)
        if not word or primitive_period(word) != len(word):
            raise UserInputError(f"region word {regions!r} is empty or a power of a shorter word")
        return exact_cycle(self, word)

    def _latex(self, printer=None) -> str:
        """f as a ``cases`` display of every region's affine map (M ≤ 6), else its formula."""
        if self.M > 6:
            return self._formula_latex()
        rows = [
            sympy.latex(region.exact_jacobian.evalf(4))
            + rf" z + {sympy.latex(region.exact_offset.evalf(4))}"
            + rf" & z \in \Omega_{{{region.label}}}"
            for region in self.regions
        ]
        return r"f(z) = \begin{cases}" + r" \\ ".join(rows) + r"\end{cases}"

    def _repr_latex_(self) -> str:
        return f"$${self._latex()}$$"

    def admissible(self, regions, box=None):
        """Whether some orbit segment follows a region word.

        An ``Admissibility`` with a witness or an exact Farkas certificate; see
        :func:`pwl_analysis.admissibility.admissible`.
        """
        from pwl_analysis.admissibility import admissible

        return admissible(self, regions, box)

    def to_latex(self, **options) -> str:
        """The map as a LaTeX document or fragment; see :func:`pwl_analysis.latex.map_to_latex`."""
        from pwl_analysis.latex import map_to_latex

        return map_to_latex(self, **options)


@dataclass(frozen=True, eq=False)
class ALRNNMap(PWLMap):
    """The AL-RNN map z ↦ A z + W Φ*(z) + h with ReLU on the last P of M units.

    Build it with :meth:`PWLMap.from_alrnn` (float weights, each taken as the dyadic rational
    it is) or :meth:`PWLMap.from_rationals` (exact rational weights; the float arrays are
    their nearest floats and only screen, the rationals decide).  ``A`` is stored as a full
    M×M matrix (a diagonal AL-RNN's vector becomes ``diag(A)``).  In the shallow form of
    :class:`PWLMap` it is W₁ = W_{:, M−P:}, W₂ = (0 | I_P), h₁ = h, h₂ = 0: all 2^P cells are
    non-empty, every region has the offset h, and regions, Jacobians and steps are read off
    the last P coordinates directly.

    Attributes
    ----------
    A : ndarray, shape (M, M)
        The linear part (diagonal for an AL-RNN).
    W : ndarray, shape (M, M)
        Weights acting on Φ*(z).
    h : ndarray, shape (M,)
        Bias.
    P : int
        Number of piecewise-linear units, the last P of the M.
    rational_weights : (DomainMatrix, DomainMatrix, DomainMatrix) or None
        The exact A, W, h of :meth:`from_rationals`; None for float weights, whose exact
        values are the dyadic rationals of the floats.

    Examples
    --------
    The tent map u ↦ 2u + 1/2 − 4 max(0, u) on [−1/2, 1/2] as an AL-RNN with M = P = 1:

    >>> m = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> m.M, m.P, m.n_regions
    (1, 1, 2)
    >>> float(m([0.25])[0])
    0.0
    >>> m.region_of([[0.25], [-0.25]]).tolist()
    [1, 0]
    """

    A: np.ndarray
    W: np.ndarray
    h: np.ndarray
    P: int
    rational_weights: tuple[DomainMatrix, DomainMatrix, DomainMatrix] | None = field(
        default=None, repr=False
    )

    @property
    def M(self) -> int:
        """Number of latent units."""
        return self.h.shape[0]

    @property
    def n_regions(self) -> int:
        """Number of linear subregions, 2^P."""
        return 2**self.P

    @property
    def H(self) -> int:
        """Number of switching units, P."""
        return self.P

    @property
    def model(self) -> str:
        """``"AL-RNN"``."""
        return "AL-RNN"

    # ---- regions -----------------------------------------------------------------------

    @cached_property
    def region_bits(self) -> np.ndarray:
        """(2^P, P) array of 0/1: row r holds d for region r (most significant bit first)."""
        indices = np.arange(self.n_regions)
        shifts = np.arange(self.P - 1, -1, -1)
        return ((indices[:, None] >> shifts[None, :]) & 1).astype(np.int8)

    def region_label(self, index: int) -> str:
        """Bit-string label of region ``index`` (``""`` when P = 0)."""
        return "".join(str(int(b)) for b in self.region_bits[int(index)])

    def region_index(self, label: str | int) -> int:
        """Index of a region given by its label or index; raises on anything else."""
        if isinstance(label, (int, np.integer)):
            index = int(label)
        elif isinstance(label, str) and len(label) == self.P and set(label) <= {"0", "1"}:
            index = int(label, 2) if self.P else 0
        else:
            raise UserInputError(f"{label!r} is not a region of this map (P = {self.P})")
        if not 0 <= index < self.n_regions:
            raise UserInputError(f"region index {index} out of range 0…{self.n_regions - 1}")
        return index

    @cached_property
    def jacobians(self) -> np.ndarray:
        """(2^P, M, M) float64: J_d for every region, in index order."""
        diagonal = np.ones((self.n_regions, self.M))
        diagonal[:, self.M - self.P :] = self.region_bits
        return self.A[None, :, :] + self.W[None, :, :] * diagonal[:, None, :]

    @cached_property
    def exact_weights(self) -> tuple[DomainMatrix, DomainMatrix, DomainMatrix]:
        """(A, W, h) as exact ``DomainMatrix`` over QQ; h is a column.

        The rational weights of :meth:`from_rationals`, else the dyadic rationals the float
        weights are.
        """
        if self.rational_weights is not None:
            return self.rational_weights
        return _exact.exact_matrix(self.A), _exact.exact_matrix(self.W), _exact.exact_matrix(self.h)

    def exact_region_jacobian(self, index: int) -> DomainMatrix:
        """J_d of region ``index`` as an exact ``DomainMatrix`` over QQ."""
        A, W, _ = self.exact_weights
        return A + W * self._exact_unit_mask(self.region_bits[index])

    def _exact_unit_mask(self, bits) -> DomainMatrix:
        """diag(1, …, 1, d) over QQ."""
        mask = [1] * (self.M - self.P) + [int(b) for b in bits]
        return DomainMatrix.diag([QQ(x) for x in mask], QQ)

    def exact_region_offset(self, index: int) -> DomainMatrix:
        """h over QQ (a column): the offset of every region."""
        return self.exact_weights[2]

    @cached_property
    def offsets(self) -> np.ndarray:
        """(2^P, M) float64: h in every row (read-only)."""
        return np.broadcast_to(self.h, (self.n_regions, self.M))

    @cached_property
    def relu_layer(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(W_{:, M−P:}, (0 | I_P), 0) in float64."""
        select = np.eye(self.M)[self.M - self.P :]
        return self.W[:, self.M - self.P :], select, np.zeros(self.P)

    @cached_property
    def exact_relu_layer(self) -> tuple[DomainMatrix, DomainMatrix, DomainMatrix]:
        """(W_{:, M−P:}, (0 | I_P), 0) over QQ."""
        _, W, _ = self.exact_weights
        return (
            W[:, self.M - self.P :],
            _exact.exact_matrix(self.relu_layer[1]),
            DomainMatrix.zeros((self.P, 1), QQ),
        )

    def exact_preactivations(self, z: DomainMatrix) -> list:
        """The last P coordinates of the exact column z."""
        return _exact.column_entries(z)[self.M - self.P :]

    def region_witness(self, index: int) -> DomainMatrix:
        """The point with z_{M−P+i} = d_i and every other coordinate 0."""
        entries = [0] * (self.M - self.P) + [int(b) for b in self.region_bits[int(index)]]
        return DomainMatrix([[QQ(x)] for x in entries], (self.M, 1), QQ)

    # ---- evaluation --------------------------------------------------------------------

    def region_of(self, z) -> np.ndarray:
        """Region index of each state: z of shape (..., M) gives an int array of shape (...)."""
        z = self._check_states(z)
        active = z[..., self.M - self.P :] > 0
        weights = 1 << np.arange(self.P - 1, -1, -1)
        return (active * weights).sum(axis=-1).astype(np.int64)

    def __call__(self, z) -> np.ndarray:
        """f(z) = A z + W Φ*(z) + h for z of shape (..., M)."""
        z = self._check_states(z)
        phi = z.copy()
        phi[..., self.M - self.P :] = np.maximum(phi[..., self.M - self.P :], 0.0)
        return z @ self.A.T + phi @ self.W.T + self.h

    def exact_step(self, z: DomainMatrix) -> DomainMatrix:
        """f(z) in exact rational arithmetic for a column ``DomainMatrix`` z over QQ."""
        A, W, h = self.exact_weights
        pwl_units = _exact.column_entries(z)[self.M - self.P :]
        bits = [1 if x > 0 else 0 for x in pwl_units]
        return A * z + W * (self._exact_unit_mask(bits) * z) + h

    def _definition_latex(self) -> tuple[str, list[tuple[str, np.ndarray, DomainMatrix]]]:
        text = (
            f"An AL-RNN with $M = {self.M}$ latent units, the last $P = {self.P}$ piecewise "
            "linear:\n\\[ z_{t+1} = f(z_t) = A z_t + W \\Phi^*(z_t) + h, \\qquad "
            "\\Phi^*(z) = \\bigl(z_1, \\dots, z_{M-P}, \\max(0, z_{M-P+1}), \\dots, "
            "\\max(0, z_M)\\bigr). \\]\n"
            "In the linear subregion $\\Omega_d$, $d \\in \\{0, 1\\}^P$ the sign pattern of "
            "the last $P$ units, $f(z) = J_d z + h$ with $J_d = A + W D_d$, "
            "$D_d = \\operatorname{diag}(1, \\dots, 1, d_1, \\dots, d_P)$.\n"
        )
        A, W, h = self.exact_weights
        weights = [
            linear_part_latex(self.A, A),
            ("W", self.W, W),
            ("h^\\top", self.h[None, :], h.transpose()),
        ]
        return text, weights

    def _formula_latex(self) -> str:
        return (
            rf"f(z) = J_d z + h \text{{ on }} \Omega_d,\; J_d = A + W D_d,\; "
            rf"d \in \{{0, 1\}}^{{{self.P}}},\; M = {self.M}"
        )

    def __repr__(self) -> str:
        rational = ", rational weights" if self.rational_weights is not None else ""
        return f"PWLMap(M={self.M}, P={self.P}, regions={self.n_regions}{rational})"
