"""The general map z ↦ A z + W₁ relu(W₂ z + h₂) + h₁ and its model classes.

Each constructor is checked against its model's own equation written here in numpy, the
cycles against SCYFI's published shPLRNN cases, a brute force over all sign patterns solved
with sympy, and the AL-RNN class on the same map.
"""

import itertools
from fractions import Fraction

import numpy as np
import pytest
import sympy
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from pwl_analysis import PWLMap, Scyfi, lyapunov_spectrum
from pwl_analysis._exact import exact_matrix, to_sympy
from pwl_analysis.errors import UserInputError
from pwl_analysis.pwl_map import ModelError

from systems import SCYFI_CYCLES, SCYFI_FIXED_POINT


def _exact_orbit_closes(m, cycle) -> bool:
    """f^k(z_0) = z_0 in rationals, every iterate in its region (exact step)."""
    z = start = DomainMatrix.from_Matrix(cycle.exact_points.row(0).T).convert_to(QQ)
    for label in cycle.regions:
        if m.region_label(m.region_index(label)) != "".join(map(str, m.exact_region_bits(z))):
            return False
        z = m.exact_step(z)
    return z.to_Matrix() == start.to_Matrix()


@pytest.fixture(scope="module")
def scyfi_map():
    return PWLMap.from_shplrnn(**SCYFI_CYCLES)


def test_scyfi_shplrnn_cycles_found_completely(scyfi_map):
    result = scyfi_map.cycles(4)
    assert result.complete and "LP-pruned" in result.method
    assert [len(result.of_period(k)) for k in (1, 2, 3, 4)] == [0, 2, 0, 1]
    assert all(_exact_orbit_closes(scyfi_map, c) for c in result)
    assert scyfi_map.arrangement.proven and scyfi_map.n_regions <= 1 + 10 + 45  # Zaslavsky


def test_scyfi_shplrnn_fixed_point():
    m = PWLMap.from_shplrnn(**SCYFI_FIXED_POINT)
    (fixed_point,) = m.fixed_points()
    assert np.round(fixed_point.points[0], 2).tolist() == [-0.03, 0.40]
    assert _exact_orbit_closes(m, fixed_point)


def test_scyfi_heuristic_runs_on_a_shallow_map(scyfi_map):
    heuristic = scyfi_map.cycles(2, Scyfi(n_starts=50, seed=0))
    assert not heuristic.complete
    assert {c.regions for c in heuristic} <= {c.regions for c in scyfi_map.cycles(2)}


# ---- each constructor against its model's own equation ------------------------------------


def _relu(x):
    return np.maximum(x, 0.0)


def _random(rng, *shape):
    return rng.normal(size=shape)


def _models(rng):
    """(map, the model's step written independently) for every model class."""
    M, H, B = 3, 5, 2
    A, W, h = _random(rng, M) * 0.6, _random(rng, M, M), _random(rng, M)
    W1, W2, h1, h2 = _random(rng, M, H), _random(rng, H, M), _random(rng, M), _random(rng, H)
    alphas, thresholds = _random(rng, B), _random(rng, M, B)
    return [
        (PWLMap.from_plrnn(A, W, h), lambda z: A * z + _relu(z) @ W.T + h),
        (
            PWLMap.from_shplrnn(A, W1, W2, h1, h2),
            lambda z: A * z + _relu(z @ W2.T + h2) @ W1.T + h1,
        ),
        (
            PWLMap.from_clipped_shplrnn(A, W1, W2, h1, h2),
            lambda z: A * z + (_relu(z @ W2.T + h2) - _relu(z @ W2.T)) @ W1.T + h1,
        ),
        (
            # GTF-shPLRNN src/models/dendritic_plrnn.jl: A .* z .+ W * Σ_b α_b relu.(z .- H_b) .+ h
            PWLMap.from_dendplrnn(A, W, h, alphas, thresholds),
            lambda z: (
                A * z + np.einsum("b,nib->ni", alphas, _relu(z[:, :, None] - thresholds)) @ W.T + h
            ),
        ),
    ]


@pytest.mark.parametrize("seed", [0, 1])
def test_constructors_match_their_equations(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(200, 3)) * 2
    for m, step in _models(rng):
        # float evaluations of one sum in two orders: a few ulps of the largest term
        assert np.allclose(m(z), step(z), rtol=1e-12, atol=1e-12), m
        regions = m.region_of(z)
        affine = np.einsum("nij,nj->ni", m.jacobians[regions], z) + m.offsets[regions]
        assert np.allclose(affine, step(z), rtol=1e-12, atol=1e-12), m
        assert np.array_equal(m.jacobian(z), m.jacobians[regions])
        exact = m.exact_step(exact_matrix(z[0]))
        J, c = m.exact_region_jacobian(regions[0]), m.exact_region_offset(regions[0])
        assert exact.to_Matrix() == (J * exact_matrix(z[0]) + c).to_Matrix()


def test_every_region_has_a_witness_inside_it():
    rng = np.random.default_rng(3)
    for m, _ in _models(rng):
        for index in range(m.n_regions):
            witness = m.region_witness(index)
            assert "".join(map(str, m.exact_region_bits(witness))) == m.region_label(index)


def test_dendplrnn_is_its_expansion():
    # Brenner et al. 2022: Σ_b α_b relu(z − θ_b) is a shPLRNN with M·B hidden units
    rng = np.random.default_rng(4)
    M, B = 2, 3
    A, W, h = _random(rng, M) * 0.5, _random(rng, M, M), _random(rng, M)
    alphas, thresholds = _random(rng, B), _random(rng, M, B)
    dend = PWLMap.from_dendplrnn(A, W, h, alphas, thresholds)
    W1 = [[Fraction(alphas[b]) * Fraction(W[i, j]) for b in range(B) for j in range(M)]
          for i in range(M)]  # fmt: skip
    W2 = np.vstack([np.eye(M)] * B)
    h2 = np.concatenate([-thresholds[:, b] for b in range(B)])
    expanded = PWLMap.from_shplrnn(A, np.array(W1, dtype=object), W2, h, h2)
    assert dend.n_regions == expanded.n_regions == (B + 1) ** M  # a grid of B lines per axis
    for d in range(dend.n_regions):
        assert dend.region_label(d) == expanded.region_label(d)
        assert to_sympy(dend.exact_region_jacobian(d)) == to_sympy(
            expanded.exact_region_jacobian(d)
        )
        assert to_sympy(dend.exact_region_offset(d)) == to_sympy(expanded.exact_region_offset(d))
    assert [c.exact_points for c in dend.cycles(3)] == [c.exact_points for c in expanded.cycles(3)]


# ---- the AL-RNN in the general form -------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alrnn_as_shplrnn_has_the_same_cycles(seed):
    rng = np.random.default_rng(seed)
    M, P = 3, 2
    A, W, h = _random(rng, M) * 0.8, _random(rng, M, M) * 1.5, _random(rng, M)
    alrnn = PWLMap.from_alrnn(A, W, h, P)
    # W Φ*(z) = W_{:, :M−P} z_{:M−P} + W_{:, M−P:} relu(z_{M−P:}): the linear columns join A
    A_full = [[Fraction(A[i]) * (i == j) + Fraction(W[i, j]) * (j < M - P) for j in range(M)]
              for i in range(M)]  # fmt: skip
    W2 = np.hstack([np.zeros((P, M - P)), np.eye(P)])
    shallow = PWLMap.from_shplrnn(np.array(A_full, dtype=object), W[:, M - P :], W2, h, [0] * P)
    assert shallow.n_regions == alrnn.n_regions == 2**P
    ours, theirs = shallow.cycles(4), alrnn.cycles(4)
    assert ours.complete and theirs.complete
    assert [(c.regions, c.exact_points) for c in ours] == [
        (c.regions, c.exact_points) for c in theirs
    ]
    assert [c.stability.kind for c in ours] == [c.stability.kind for c in theirs]


def test_plrnn_fixed_points_against_every_sign_pattern():
    # brute force: each of the 2^M sign patterns d gives (I − A − W D_d) z = h, solved in
    # sympy; z is a fixed point when its signs are d (z_i > 0 exactly where d_i = 1)
    rng = np.random.default_rng(5)
    M = 3
    A = rng.integers(-4, 5, size=(M, M)) / 4
    W = rng.integers(-8, 9, size=(M, M)) / 4
    h = rng.integers(-4, 5, size=M) / 2
    m = PWLMap.from_plrnn(A, W, h)
    expected = set()
    A_, W_, h_ = (sympy.Matrix(x).applyfunc(sympy.nsimplify) for x in (A, W, h))
    for d in itertools.product((0, 1), repeat=M):
        lhs = sympy.eye(M) - A_ - W_ * sympy.diag(*d)
        if lhs.det() == 0:
            continue
        z = lhs.LUsolve(h_)
        if tuple(1 if x > 0 else 0 for x in z) == d:
            expected.add(tuple(z))
    found = {tuple(c.exact_points.row(0)) for c in m.fixed_points()}
    assert found == expected and found


# ---- regions, printing, errors ------------------------------------------------------------


def test_regions_and_labels(scyfi_map):
    region = scyfi_map.region(scyfi_map.region_label(3))
    assert region.index == 3 and len(region.label) == 10
    assert np.array_equal(region.offset, scyfi_map.offsets[3])
    assert region.exact_offset == to_sympy(scyfi_map.exact_region_offset(3))
    empty = next(
        "".join(map(str, bits))
        for bits in itertools.product((0, 1), repeat=10)
        if "".join(map(str, bits)) not in {r.label for r in scyfi_map.regions}
    )
    with pytest.raises(UserInputError, match="empty cell"):
        scyfi_map.region(empty)
    with pytest.raises(UserInputError, match="sign vector"):
        scyfi_map.region("01")


def test_region_of_decides_points_near_a_hyperplane_exactly():
    # z = (1e16, 1) against z_1 + z_2 − 1e16: exactly 1 > 0, but in floats 1e16 + 1 rounds to
    # 1e16 and the difference is 0 (region d = 0); the exact recheck near the hyperplane
    # finds d = 1
    m = PWLMap.from_shplrnn([0.5, 0.5], [[1], [0]], [[1, 1]], [0, 0], [-1e16])
    assert (np.array([1e16, 1.0]) @ m.W2.T + m.h2)[0] == 0.0
    assert m.region_of([[1e16, 1.0], [1e16, -1.0], [1e16, 0.0]]).tolist() == [1, 0, 0]


def test_lyapunov_spectrum_of_a_plrnn_tent_map():
    tent = PWLMap.from_plrnn([2.0], [[-4.0]], [0.5])  # |f'| = 2 everywhere
    assert lyapunov_spectrum(tent, [0.1234], steps=50, transient=0).maximal == pytest.approx(
        np.log(2), abs=1e-12
    )


def test_latex_of_a_shallow_map(scyfi_map):
    text = sympy.latex(scyfi_map)
    assert text.startswith(r"f(z) = \begin{cases}") and text.count(r"\Omega_") == 56
    big = PWLMap.from_shplrnn(np.eye(7) * 0.5, np.ones((7, 2)), np.ones((2, 7)), [0] * 7, [1, 0])
    assert "W_1" in sympy.latex(big) and "H = 2" in sympy.latex(big)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (dict(A=[1, 1], W1=np.ones((2, 3)), W2=np.ones((2, 2)), h1=[0, 0], h2=[0, 0, 0]), "W2"),
        (dict(A=[1, 1], W1=np.ones((2, 3)), W2=np.ones((3, 2)), h1=[0, 0], h2=[0, 0]), "h2"),
        (dict(A=[1, np.nan], W1=[[1], [1]], W2=[[1, 1]], h1=[0, 0], h2=[0]), "NaN"),
        (dict(A=[1, 1], W1=[[1], ["x"]], W2=[[1, 1]], h1=[0, 0], h2=[0]), "not a rational"),
        (dict(A=[1, 1], W1=[[1], [1j]], W2=[[1, 1]], h1=[0, 0], h2=[0]), "not a real"),
        (dict(A=np.ones((3, 3)), W1=[[1], [1]], W2=[[1, 1]], h1=[0, 0], h2=[0]), "A has shape"),
    ],
)
def test_bad_weights_are_one_sentence(weights, message):
    with pytest.raises(ModelError, match=message):
        PWLMap.from_shplrnn(**weights)


def test_bad_dendritic_shapes():
    with pytest.raises(ModelError, match="do not fit"):
        PWLMap.from_dendplrnn([1, 1], np.ones((2, 2)), [0, 0], [1, 2], np.ones((2, 3)))


def test_ball_arithmetic_certifies_the_scyfi_cycles(scyfi_map):
    # the trajectory-seeded search's certificate (pwl_analysis.methods.seeded) on a general map: the
    # balls hold the exact points
    from pwl_analysis.methods.seeded import certify_cycle

    for cycle in scyfi_map.cycles(4):
        word = np.array([scyfi_map.region_index(r) for r in cycle.regions])
        certified = certify_cycle(scyfi_map, word)
        assert certified.regions == cycle.regions
        exact = np.array(cycle.exact_points.evalf(30).tolist(), dtype=float)
        # radius of the balls plus the rounding of their midpoints to floats
        assert (
            np.abs(certified.points - exact).max() <= certified.radius + 1e-15 * np.abs(exact).max()
        )


def test_alrnn_only_analyses_say_so_in_one_sentence(tmp_path):
    # the symbolic graphs, the LaTeX document and analyze work on every map (test_graph.py,
    # test_latex.py, test_analysis.py); the admissible words and rationalize do not yet
    from pwl_analysis import admissible, entropy_bounds, rationalize
    from pwl_analysis.app import analyze

    m = PWLMap.from_plrnn([0.5, 0.5], np.eye(2), [0.1, -0.1])
    calls = [
        lambda: m.admissible([0, 1]),
        lambda: admissible(m, [0]),
        lambda: entropy_bounds(m, 3, box=([-1, -1], [1, 1])),
        lambda: rationalize(m),
        lambda: analyze(m, tmp_path / "report", rationalize=True),
    ]
    for call in calls:
        with pytest.raises(UserInputError, match=r"works on AL-RNNs only so far.*PLRNN") as error:
            call()
        assert "\n" not in str(error.value)
    assert not (tmp_path / "report").exists()
