"""The Almost-Linear RNN as a torch module, trained through a hand-written BPTT.

    z_{t+1} = A ⊙ z_t + W Φ*(z_t) + h,   Φ*(z) = (z_1, …, z_{M−P}, max(0, z_{M−P+1:M})),

with identity observation x̂_t = z_t^{1:N} and initial state z_0 = (x_0, (x_0 B)_{N+1:M}).
:meth:`ALRNN.forward` runs the forced recurrence of :mod:`training.recurrence` as one
autograd node; :meth:`ALRNN.forward_autograd` is the same computation written step by step
in torch, the plain implementation the fast one is checked and timed against.

References
----------
Brenner, M., Hemmer, C. J., Monfared, Z., Durstewitz, D. (2024). Almost-Linear RNNs Yield
Highly Interpretable Symbolic Codes in Dynamical Systems Reconstruction. NeurIPS 2024.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from pwl_analysis.errors import UserInputError
from pwl_analysis.pwl_map import PWLMap
from training import recurrence
from training.recurrence import Forcing


def _initial_weights(M: int, N: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The AL-RNN initialisation of DurstewitzLab/ALRNN-DSR (``initialization.jl``), h = 0.

    A = diag(K) of K = RᵀR/M + I with R ~ N(0, 1), divided by its largest eigenvalue
    (Talathi & Vartak 2016), so 0 < A_i ≤ 1; W ~ N(0, 0.01²): the map starts close to the
    diagonal linear one.
    """
    R = rng.standard_normal((M, M))
    K = R.T @ R / M + np.eye(M)
    K /= np.linalg.eigvalsh(K)[-1]
    bound = 1.0 / np.sqrt(N)
    B = rng.uniform(-bound, bound, (N, M))
    W = 0.01 * rng.standard_normal((M, M))
    return {"A": np.diag(K).copy(), "W": W, "h": np.zeros(M), "B": B}


class _ForcedRecurrence(torch.autograd.Function):
    """Autograd node of the forced recurrence; forward and backward run in numpy."""

    @staticmethod
    def forward(ctx, A, W, h, B, x, P, forcing):
        arrays = [t.detach().numpy() for t in (A, W, h, B, x)]
        predictions, trace = recurrence.forward(*arrays, P, forcing)
        ctx.save = (arrays[0], arrays[1], trace, P, forcing)
        return torch.from_numpy(predictions)

    @staticmethod
    def backward(ctx, grad_predictions):
        A, W, trace, P, forcing = ctx.save
        grads = recurrence.backward(A, W, grad_predictions.numpy(), trace, P, forcing)
        return (*(torch.from_numpy(g) for g in grads), None, None, None)


class ALRNN(nn.Module):
    """AL-RNN with M latent units, the last P piecewise linear, observing the first N.

        z_{t+1} = A ⊙ z_t + W Φ*(z_t) + h,   Φ*(z) = (z_1, …, z_{M−P}, max(0, z_{M−P+1:M})),

    with predictions x̂_t = z_t^{1:N} and initial state z_0 = (x_0, (x_0 B)_{N+1:M}).  The
    initial A is the diagonal of a positive-definite matrix normalised to largest eigenvalue
    1 (Talathi & Vartak 2016), W ~ N(0, 0.01²), h = 0, as in DurstewitzLab/ALRNN-DSR.

    Parameters
    ----------
    M, P, N : int
        Latent units, piecewise-linear units (0 ≤ P ≤ M), observed dimensions (1 ≤ N ≤ M).
    seed : int
        Seed of the initial weights.

    Attributes
    ----------
    A : Parameter, shape (M,)
        The diagonal linear part.
    W : Parameter, shape (M, M)
        The weights of Φ*(z); zero diagonal at initialisation.
    h : Parameter, shape (M,)
        The bias.
    B : Parameter, shape (N, M)
        Maps x_0 to the initial state; its last M − N columns are used.

    Raises
    ------
    UserInputError
        P outside 0 … M or N outside 1 … M.

    See Also
    --------
    training.recurrence : the forced recurrence and its backward pass.

    References
    ----------
    Brenner, M., Hemmer, C. J., Monfared, Z., Durstewitz, D. (2024). Almost-Linear RNNs Yield
    Highly Interpretable Symbolic Codes in Dynamical Systems Reconstruction. NeurIPS 2024.

    Examples
    --------
    A batch of two windows of T = 10 steps of three observed dimensions gives ten predictions
    of each; the weights have the shapes above, A starts in (0, 1] and W small:

    >>> import numpy as np
    >>> import torch
    >>> from training import ALRNN, Forcing
    >>> model = ALRNN(M=4, P=2, N=3, seed=0)
    >>> model
    ALRNN(M=4, P=2, N=3)
    >>> x = torch.randn(11, 2, 3, generator=torch.Generator().manual_seed(0))  # (T+1, B, N)
    >>> tuple(model(x, Forcing(interval=5)).shape)
    (10, 2, 3)
    >>> {name: value.shape for name, value in model.arrays().items()}
    {'A': (4,), 'W': (4, 4), 'h': (4,), 'B': (3, 4)}
    >>> A, W = model.arrays()["A"], model.arrays()["W"]
    >>> bool(0 < A.min() and A.max() <= 1), bool(abs(W).max() < 0.05)
    (True, True)

    The fused numpy recurrence and the step-by-step torch graph agree to a few float32 units
    in the last place (2⁻²³ ≈ 1.2e-7 on values of order 1; the two sum in different orders),
    and the trained map is ready for exact analysis:

    >>> torch.allclose(model(x, Forcing(5)), model.forward_autograd(x, Forcing(5)), atol=1e-6)
    True
    >>> m = model.to_pwl_map()
    >>> m.M, m.P
    (4, 2)
    >>> ALRNN(M=4, P=5, N=3)
    Traceback (most recent call last):
    ...
    pwl_analysis.errors.UserInputError: P = 5 piecewise-linear units is out of range 0…M = 0…4
    """

    def __init__(self, M: int, P: int, N: int, seed: int = 0):
        super().__init__()
        if not 0 <= P <= M:
            raise UserInputError(f"P = {P} piecewise-linear units is out of range 0…M = 0…{M}")
        if not 1 <= N <= M:
            raise UserInputError(f"N = {N} observed dimensions need 1 ≤ N ≤ M = {M} latent units")
        self.M, self.P, self.N = M, P, N
        weights = _initial_weights(M, N, np.random.default_rng(seed))
        for name, value in weights.items():
            self.register_parameter(name, nn.Parameter(torch.tensor(value, dtype=torch.float32)))

    def forward(self, x: torch.Tensor, forcing: Forcing) -> torch.Tensor:
        """Predictions x̂_1…x̂_T (T, B, N) for forcing inputs x (T+1, B, N), time-major."""
        return _ForcedRecurrence.apply(self.A, self.W, self.h, self.B, x, self.P, forcing)

    def forward_autograd(self, x: torch.Tensor, forcing: Forcing) -> torch.Tensor:
        """The same predictions as :meth:`forward`, one torch operation graph per step."""
        N, K = self.N, self.M - self.P
        z = x[0] @ self.B
        z = torch.cat([x[0], z[:, N:]], dim=1)
        predictions = []
        for t in range(x.shape[0] - 1):
            if t and t % forcing.interval == 0:
                observed = forcing.alpha * x[t] + (1 - forcing.alpha) * z[:, :N]
                z = torch.cat([observed, z[:, N:]], dim=1)
            phi = torch.cat([z[:, :K], torch.relu(z[:, K:])], dim=1)
            z = self.A * z + phi @ self.W.T + self.h
            predictions.append(z[:, :N])
        return torch.stack(predictions)

    def arrays(self) -> dict[str, np.ndarray]:
        """The weights as float64 numpy arrays: A (M,), W (M, M), h (M,), B (N, M)."""
        return {name: p.detach().numpy().astype(np.float64) for name, p in self.named_parameters()}

    def load_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        """Set the weights from :meth:`arrays`-style numpy arrays (shapes checked by torch)."""
        with torch.no_grad():
            for name, p in self.named_parameters():
                p.copy_(torch.as_tensor(np.asarray(arrays[name]), dtype=p.dtype))

    def to_pwl_map(self) -> PWLMap:
        """The trained map z ↦ A ⊙ z + W Φ*(z) + h for exact analysis."""
        weights = self.arrays()
        return PWLMap.from_alrnn(weights["A"], weights["W"], weights["h"], self.P)

    def __repr__(self) -> str:
        return f"ALRNN(M={self.M}, P={self.P}, N={self.N})"
