"""The hand-written BPTT of the forced AL-RNN against autograd and finite differences."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from training.model import ALRNN, _ForcedRecurrence  # noqa: E402
from training.recurrence import Forcing  # noqa: E402


def _model(M=6, P=2, N=2, seed=0) -> ALRNN:
    model = ALRNN(M, P, N, seed=seed).double()
    with torch.no_grad():  # non-zero h and a stronger W so both ReLU branches occur
        model.h.copy_(torch.linspace(-0.3, 0.3, M, dtype=torch.float64))
        model.W.mul_(3.0)
    return model


def _loss_and_grads(model, outputs, targets):
    model.zero_grad()
    loss = torch.mean((outputs - targets) ** 2)
    loss.backward()
    return loss.item(), [p.grad.clone() for p in model.parameters()]


def _sparse_tf_by_replacement(model: ALRNN, x, interval: int):
    """Sparse teacher forcing written literally: the first N units are replaced by the data."""
    N, K = model.N, model.M - model.P
    z = torch.cat([x[0], (x[0] @ model.B)[:, N:]], dim=1)
    outputs = []
    for t in range(x.shape[0] - 1):
        if t and t % interval == 0:
            z = torch.cat([x[t], z[:, N:]], dim=1)
        phi = torch.cat([z[:, :K], torch.relu(z[:, K:])], dim=1)
        z = model.A * z + phi @ model.W.T + model.h
        outputs.append(z[:, :N])
    return torch.stack(outputs)


@pytest.mark.parametrize("forcing", [Forcing(16, 1.0), Forcing(5, 0.3), Forcing(1, 0.8)])
@pytest.mark.parametrize(("M", "P"), [(6, 2), (4, 3)])  # (4, 3): an observed unit is a ReLU
def test_fast_recurrence_equals_autograd(forcing, M, P):
    model = _model(M, P)
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(41, 5, 2, dtype=torch.float64, generator=generator)
    targets = torch.randn(40, 5, 2, dtype=torch.float64, generator=generator)
    fast = _loss_and_grads(model, model(x, forcing), targets)
    plain = _loss_and_grads(model, model.forward_autograd(x, forcing), targets)
    assert fast[0] == pytest.approx(plain[0], rel=1e-12)
    for a, b in zip(fast[1], plain[1]):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)  # float64 rounding only


def test_gtf_with_alpha_one_is_sparse_teacher_forcing():
    model = _model(seed=2)
    generator = torch.Generator().manual_seed(3)
    x = torch.randn(50, 4, 2, dtype=torch.float64, generator=generator)
    targets = torch.randn(49, 4, 2, dtype=torch.float64, generator=generator)
    gtf = _loss_and_grads(model, model(x, Forcing(7, alpha=1.0)), targets)
    sparse = _loss_and_grads(model, _sparse_tf_by_replacement(model, x, 7), targets)
    assert gtf[0] == pytest.approx(sparse[0], rel=1e-12)
    for a, b in zip(gtf[1], sparse[1]):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_gradient_matches_finite_differences():
    model = _model(M=4, P=2, N=1, seed=4)
    x = torch.randn(13, 3, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    forcing = Forcing(4, 0.6)

    def outputs(A, W, h, B):
        return _ForcedRecurrence.apply(A, W, h, B, x, model.P, forcing)

    inputs = tuple(p.detach().clone().requires_grad_(True) for p in model.parameters())
    assert torch.autograd.gradcheck(outputs, inputs, eps=1e-6, atol=1e-6)


def test_float32_training_precision_agrees_with_float64():
    model = _model(seed=6)
    x = torch.randn(61, 8, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(7))
    single = ALRNN(6, 2, 2)
    single.load_arrays(model.arrays())
    expected = model(x, Forcing(16)).detach()
    got = single(x.float(), Forcing(16)).detach().double()
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)  # float32 over 60 steps


def test_model_exports_its_map():
    model = ALRNN(5, 2, 3, seed=8)
    m = model.to_pwl_map()
    z = np.random.default_rng(9).normal(size=(7, 5))
    weights = model.arrays()
    phi = z.copy()
    phi[:, 3:] = np.maximum(phi[:, 3:], 0)
    np.testing.assert_allclose(m(z), weights["A"] * z + phi @ weights["W"].T + weights["h"])


@pytest.mark.parametrize(("M", "P", "N", "message"), [(4, 5, 2, "P = 5"), (3, 1, 4, "N = 4")])
def test_bad_sizes_rejected(M, P, N, message):
    with pytest.raises(ValueError, match=message):
        ALRNN(M, P, N)
