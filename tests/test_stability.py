"""Stability kinds, indices and moduli: closed-form 2×2 matrices and the Lozi map's orbits."""

import numpy as np
import pytest
import sympy
from sympy.polys.matrices import DomainMatrix

from pwl_analysis import Stability, StabilityKind
from pwl_analysis.stability import classify

from systems import lozi_map

K = StabilityKind


def _eigen(matrix) -> np.ndarray:
    return np.linalg.eigvals(np.array(matrix, dtype=float))


@pytest.mark.parametrize(
    ("matrix", "kind", "index"),
    [
        ([[0.5, 0], [0, -0.2]], K.ATTRACTING_NODE, 0),  # λ = 0.5, −0.2
        ([[0.5, -0.5], [0.5, 0.5]], K.ATTRACTING_FOCUS, 0),  # λ = 0.5 ± 0.5i, |λ| = 0.707
        ([[2, 0], [0, -3]], K.REPELLING_NODE, 2),  # λ = 2, −3
        ([[1, -1], [1, 1]], K.REPELLING_FOCUS, 2),  # λ = 1 ± i, |λ| = √2
        ([[2, 0], [0, 0.5]], K.SADDLE, 1),  # λ = 2, 0.5
        ([[-2, 0], [0, 0.5]], K.FLIP_SADDLE, 1),  # λ = −2, 0.5
        ([[2, 0], [0, -0.5]], K.SADDLE, 1),  # λ = 2, −0.5: the flip is in the stable direction
        ([[0, -1], [1, 0]], K.MARGINAL, 0),  # λ = ±i, on the unit circle
        ([[1, 0], [0, 0.5]], K.MARGINAL, 0),  # λ = 1
    ],
)
def test_two_by_two_closed_forms(matrix, kind, index):
    exact = DomainMatrix.from_Matrix(sympy.Matrix(matrix).applyfunc(sympy.nsimplify))
    stability = classify(_eigen(matrix), lambda: exact.convert_to(sympy.QQ))
    assert stability.kind == kind and stability.index == index


def test_saddle_focus_in_three_dimensions():
    # rotation-scaling by 1.2 in the (x, y) plane, contraction 0.3 along z: λ = 1.2 e^{±iπ/4}, 0.3
    c = 1.2 / np.sqrt(2)
    stability = classify(_eigen([[c, -c, 0], [c, c, 0], [0, 0, 0.3]]))
    assert stability.kind == K.SADDLE_FOCUS and str(stability) == "saddle-focus (index 2)"
    assert stability.moduli == pytest.approx((1.2, 1.2, 0.3))  # |λ| in decreasing order


def test_names_read_like_the_literature():
    assert str(Stability(K.SADDLE, 1, (2.0, 0.5))) == "saddle (index 1)"
    assert str(Stability(K.FLIP_SADDLE, 1, (2.0, 0.5))) == "flip saddle (index 1)"
    assert str(Stability(K.ATTRACTING_FOCUS, 0, (0.5, 0.5))) == "attracting focus"
    assert f"{Stability(K.SADDLE, 1, (2.0, 0.5)):<20}|" == "saddle (index 1)    |"
    assert "saddle node" not in {kind.value for kind in K}  # a bifurcation, not an orbit


def test_lozi_orbits_are_saddles_and_flip_saddles():
    # Lozi map a = 1.7, b = 0.5.  Fixed points: multipliers (±a ± √(a² + 4b))/2 = ±1.956, ∓0.256;
    # x < 0 (Ω_0) has +1.956 (saddle), x > 0 (Ω_1) has −1.956 (flip saddle).
    cycles = lozi_map().cycles(4)
    fixed = {c.regions[0]: c.stability for c in cycles.of_period(1)}
    assert fixed["0"].kind == K.SADDLE and fixed["1"].kind == K.FLIP_SADDLE
    assert str(fixed["0"]) == "saddle (index 1)" and str(fixed["1"]) == "flip saddle (index 1)"
    # 2-cycle 0 → 1: Π = J_1 J_0 has trace −(a² − 2b) = −1.89 and determinant b² = 1/4, so
    # λ = (−1.89 − √(1.89² − 1))/2 = −1.747 (and −0.143).
    (two,) = cycles.of_period(2)
    assert two.multipliers[0].real == pytest.approx(-1.7468884, abs=1e-7)
    # 4-cycle 0 → 1 → 1 → 1: det Π = b⁴ = 1/16, leading multiplier −7.844 (and −0.00797).
    (four,) = cycles.of_period(4)
    assert four.multipliers[0].real == pytest.approx(-7.8441323, abs=1e-7)
    for cycle in (two, four):
        assert cycle.stability.kind == K.FLIP_SADDLE and cycle.stability.index == 1
        assert str(cycle.stability) == "flip saddle (index 1)"
        assert cycle.stability.moduli[0] == pytest.approx(abs(cycle.multipliers[0]))
        assert np.prod(cycle.stability.moduli) == pytest.approx(0.5**cycle.period)  # |det J_d| = b
    assert not any(c.stable for c in cycles)


def test_json_carries_name_index_and_moduli():
    record = next(c for c in lozi_map().fixed_points() if c.regions == ("1",)).to_dict()
    assert record["stability"]["kind"] == "flip saddle" and record["stability"]["index"] == 1
    assert record["stability"]["moduli"] == pytest.approx([1.9556672, 0.2556672])
    assert record["stable"] is False


def _block(real: float, pair_modulus: float) -> np.ndarray:
    """diag(−2, real) ⊕ a rotation by π/3 scaled to ``pair_modulus``: λ = −2, real, r e^{±iπ/3}."""
    c, s = pair_modulus * np.cos(np.pi / 3), pair_modulus * np.sin(np.pi / 3)
    matrix = np.zeros((4, 4))
    matrix[0, 0], matrix[1, 1] = -2.0, real
    matrix[2:, 2:] = [[c, -s], [s, c]]
    return matrix


def test_focus_is_decided_by_the_leading_multipliers():
    # leading stable multiplier 0.8 is real, the complex pair (0.3) is not leading: flip saddle
    assert classify(_eigen(_block(0.8, 0.3))).kind == K.FLIP_SADDLE
    # the complex pair 0.3 e^{±iπ/3} is the leading stable one (0.2 lies deeper): saddle-focus
    assert classify(_eigen(_block(0.2, 0.3))).kind == K.SADDLE_FOCUS
    # all stable, the leading 0.8 real: node, although a complex pair exists deeper inside
    assert classify(_eigen(_block(0.8, 0.3)[1:, 1:])).kind == K.ATTRACTING_NODE
