"""The forced AL-RNN recurrence with a hand-written backward pass (numpy, batched over sequences).

For a batch of B sequences x_0, …, x_T (time-major, shape (T+1, B, N)) the forward pass is

    z̃_0 = (x_0, (x_0 Binit)_{N+1:M})                      initial state,
    z̃_t = (α x_t + (1 − α) z_t^{1:N}, z_t^{N+1:M})  if t ≡ 0 (mod τ), else z̃_t = z_t,
    z_{t+1} = A ⊙ z̃_t + W Φ*(z̃_t) + h,        Φ*(z) = (z_1, …, z_{M−P}, max(0, z_{M−P+1:M})),

and the predictions are x̂_{t+1} = z_{t+1}^{1:N}, t = 0, …, T−1.  α = 1 is sparse teacher
forcing (the observed units are replaced by the data every τ steps), 0 < α < 1 generalised
teacher forcing (GTF), and τ = 1 forces every step.

Only the recurrence itself is sequential.  Back-propagation through time carries
g_t = ∂L/∂z_t backwards,

    ĝ_t = A ⊙ g_{t+1} + diag(Φ*'(z̃_t)) Wᵀ g_{t+1}          (∂L/∂z̃_t),
    g_t = ĝ_t with its first N entries scaled by (1 − α) at forcing times, plus ∂L/∂x̂_t,

and the weight gradients are sums over all steps done as one matrix product each:
∂L/∂W = Σ_t g_{t+1} Φ*(z̃_t)ᵀ, ∂L/∂A = Σ_t g_{t+1} ⊙ z̃_t, ∂L/∂h = Σ_t g_{t+1}.  With A, W and h
fused into one matrix Θ (:func:`fused_weights`) a forward step is one ReLU and one matrix
product, a backward step one masking and one matrix product: two numpy calls each way
instead of an autograd graph of tens of nodes, where the plain PyTorch implementation spends
its time (about 9× less per step of the published recipe, see benchmarks/bench_training.py).

References
----------
Mikhaeil, J., Monfared, Z., Durstewitz, D. (2022). On the difficulty of learning chaotic
dynamics with RNNs. NeurIPS 2022 (sparse teacher forcing).
Hess, F., Monfared, Z., Brenner, M., Durstewitz, D. (2023). Generalized teacher forcing for
learning chaotic dynamics. ICML 2023.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pwl_analysis.errors import UserInputError


@dataclass(frozen=True)
class Forcing:
    """Teacher forcing every τ steps with weight α: sparse (α = 1) or generalised (α < 1).

    At the forcing times t = τ, 2τ, … of a training window the observed units of the latent
    state are pulled towards the data and left alone at every other step,

        z̃_t^{1:N} = α x_t + (1 − α) z_t^{1:N}   if t ≡ 0 (mod τ),   z̃_t = z_t otherwise,

    after the window's first state was built from x_0.  α = 1 replaces the observed units by
    the data (sparse teacher forcing), 0 < α < 1 mixes model and data (generalised teacher
    forcing, GTF), α = 0 never forces; τ = 1 forces every step.  A τ near the predictability
    time of the system keeps the gradients of chaotic dynamics bounded without hiding the
    chaos from the loss.

    Parameters
    ----------
    interval : int
        τ ≥ 1, the number of steps between two forcing times.
    alpha : float
        α in [0, 1], the weight of the data at a forcing time.

    Raises
    ------
    UserInputError
        τ is not a positive integer or α lies outside [0, 1].

    References
    ----------
    Mikhaeil, J., Monfared, Z., Durstewitz, D. (2022). On the difficulty of learning chaotic
    dynamics with RNNs. NeurIPS 2022 (sparse teacher forcing).

    Hess, F., Monfared, Z., Brenner, M., Durstewitz, D. (2023). Generalized teacher forcing
    for learning chaotic dynamics. ICML 2023.

    Examples
    --------
    The identity map z ↦ z (M = N = 1, P = 0) holds its state, so its predictions
    x̂_1 … x̂_12 show the schedule: with τ = 4 the state changes only at t = 4 and t = 8.
    With α = 1 it jumps to the data x_t = t; with α = 1/2 halfway, z̃_4 = (4 + 0) / 2 = 2
    and z̃_8 = (8 + 2) / 2 = 5:

    >>> import numpy as np
    >>> from training import Forcing
    >>> from training.recurrence import forward
    >>> x = np.arange(13.0).reshape(13, 1, 1)  # x_0 … x_12: T = 12, one sequence, N = 1
    >>> identity = dict(A=np.ones(1), W=np.zeros((1, 1)), h=np.zeros(1), Binit=np.ones((1, 1)))
    >>> def predictions(forcing):
    ...     return forward(**identity, x=x, P=0, forcing=forcing)[0].ravel().tolist()
    >>> predictions(Forcing(interval=4, alpha=1.0))
    [0.0, 0.0, 0.0, 0.0, 4.0, 4.0, 4.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    >>> predictions(Forcing(interval=4, alpha=0.5))
    [0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 2.0, 5.0, 5.0, 5.0, 5.0]
    >>> Forcing(interval=4, alpha=1.5)
    Traceback (most recent call last):
    ...
    pwl_analysis.errors.UserInputError: GTF weight α must be in [0, 1], got 1.5
    """

    interval: int = 16
    alpha: float = 1.0

    def __post_init__(self):
        if int(self.interval) != self.interval or self.interval < 1:
            raise UserInputError(
                f"forcing interval τ must be a positive integer, got {self.interval}"
            )
        if not 0.0 <= self.alpha <= 1.0:
            raise UserInputError(f"GTF weight α must be in [0, 1], got {self.alpha}")

    def __repr__(self) -> str:
        return f"Forcing(τ={self.interval}, α={self.alpha})"


@dataclass(frozen=True)
class Trace:
    """What the backward pass needs from the forward pass (time-major)."""

    features: np.ndarray  # (T, B, M + P + 1): rows (z̃_t, max(0, z̃_t^{K+1:M}), 1)
    inputs: np.ndarray  # (B, N): x_0, which built the initial state


def fused_weights(A, W, h, P: int) -> np.ndarray:
    """Θ of shape (M + P + 1, M) with z_{t+1} = (z̃_t, max(0, z̃_t^{K+1:M}), 1) Θ, K = M − P.

    Rows 1…M hold diag(A) plus the columns of W acting on the linear units, rows M+1…M+P
    the columns of W acting on the ReLU units, the last row h.  One step of the recurrence is
    then a single (B, M + P + 1) × (M + P + 1, M) matrix product.
    """
    M = h.shape[0]
    K = M - P
    theta = np.zeros((M + P + 1, M), dtype=h.dtype)
    theta[:K] = W[:, :K].T
    theta[np.arange(M), np.arange(M)] += A
    theta[M : M + P] = W[:, K:].T
    theta[M + P] = h
    return theta


def forward(A, W, h, Binit, x, P: int, forcing: Forcing) -> tuple[np.ndarray, Trace]:
    """Predictions x̂_1…x̂_T, shape (T, B, N), from inputs x of shape (T+1, B, N).

    ``Binit`` (N, M) maps x_0 to the initial latent state; only its last M − N columns matter.
    """
    T, B, N = x.shape[0] - 1, x.shape[1], x.shape[2]
    M = h.shape[0]
    theta = fused_weights(A, W, h, P)
    features = np.empty((T + 1, B, M + P + 1), dtype=h.dtype)
    features[:, :, M + P] = 1.0
    features[0, :, :M] = x[0] @ Binit
    features[0, :, :N] = x[0]
    forced = {}
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught by the loss check
        _iterate(features, theta, x, forced, P, forcing)
    predictions = features[1:, :, :N].copy()
    for t, observed in forced.items():
        predictions[t - 1] = observed
    return predictions, Trace(features[:T], x[0])


def _iterate(features, theta, x, forced: dict, P: int, forcing: Forcing) -> None:
    """The sequential part of :func:`forward`, in place on ``features``.

    ``forced`` receives z_t^{1:N} before forcing at each forcing time t.
    """
    N, M, alpha = x.shape[2], theta.shape[1], forcing.alpha
    K = M - P
    for t in range(x.shape[0] - 1):
        if t and t % forcing.interval == 0:
            observed = features[t, :, :N]
            forced[t] = observed.copy()
            observed *= 1.0 - alpha
            observed += alpha * x[t]
        np.maximum(features[t, :, K:M], 0.0, out=features[t, :, M : M + P])
        np.matmul(features[t], theta, out=features[t + 1, :, :M])


def backward(A, W, grad_predictions: np.ndarray, trace: Trace, P: int, forcing: Forcing):
    """Gradients (∂L/∂A, ∂L/∂W, ∂L/∂h, ∂L/∂Binit) from ∂L/∂x̂, shape (T, B, N).

    The data x are constants: no gradient flows into them.  Each step is one masking and one
    matrix product on the row u_s = (∂L/∂z̃_s^{lin}, ∂L/∂max(0, z̃_s^{relu}) ⊙ d_s, ∂L/∂x̂_s):

        ∂L/∂features_{s−1} = u_s Θ_big,   Θ_big = [Θᵀ; Θᵀ_{K+1:M}; Θᵀ_{1:N}],

    where Θᵀ (M, M + P) is the transpose of the first M + P rows of :func:`fused_weights`, so
    the three blocks route the linear, the ReLU and the prediction gradients back to z_s.
    """
    T, B, N = grad_predictions.shape
    M = A.shape[0]
    K, width = M - P, M + P
    theta_T = fused_weights(A, W, np.zeros_like(A), P)[:width].T
    theta_big = np.ascontiguousarray(np.concatenate([theta_T, theta_T[K:], theta_T[:N]]))
    active = trace.features[:, :, K:M] > 0
    rows = np.zeros((T + 1, B, width + N), dtype=A.dtype)
    rows[1:, :, width:] = grad_predictions
    observed = np.r_[np.arange(N), M + np.arange(max(N - K, 0))]  # z^{1:N} in the row
    keep = 1.0 - forcing.alpha
    for s in range(T, 0, -1):
        if s < T:
            rows[s, :, M:width] *= active[s]
            if s % forcing.interval == 0:
                rows[s, :, observed] *= keep
        np.matmul(rows[s], theta_big, out=rows[s - 1, :, :width])
    rows[0, :, M:width] *= active[0]
    grads = rows[:, :, :M].copy()  # ∂L/∂z_s (s ≥ 1, before forcing) and ∂L/∂z̃_0 (s = 0)
    grads[:, :, K:] += rows[:, :, M:width]
    grads[1:, :, :N] += grad_predictions
    grad_theta = trace.features.reshape(-1, width + 1).T @ grads[1:].reshape(-1, M)
    grad_A = np.diagonal(grad_theta).copy()
    grad_W = np.concatenate([grad_theta[:K], grad_theta[M:width]]).T
    grad_h = grad_theta[width].copy()
    grad_Binit = np.zeros((N, M), dtype=A.dtype)
    grad_Binit[:, N:] = trace.inputs.T @ grads[0][:, N:]
    return grad_A, np.ascontiguousarray(grad_W), grad_h, grad_Binit
