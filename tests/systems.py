"""Closed-form maps written as AL-RNNs, and the official reference models (skipped if absent)."""

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from pwl_analysis import PWLMap, SectionCoding

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


def tent_file(folder: Path) -> Path:
    """The tent map of :func:`tent_map` saved as ``folder/tent.npz``; its path."""
    path = Path(folder) / "tent.npz"
    np.savez(path, A=[2.0], W=[[-4.0]], h=[0.5], P=1)
    return path


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


#: A user's own coding of the Lozi map x' = 1 − 1.7|x| + y, y' = x/2 (z = (y, x)): a loop
#: starts where x crosses 0 upward, named a when it lands nearer x = 1/2 than x = 1, else b.
LOZI_CODING = SectionCoding(
    origin=np.zeros(1),
    normal=np.ones(1),
    anchors=np.array([[0.5], [1.0]]),
    letters="ab",
    observation=np.array([[0.0, 1.0]]),
)


def lozi_plrnn(a: str = "17/10", b: str = "1/2") -> PWLMap:
    """The Lozi map as a PLRNN on z = (x, y): A z + W relu(z) + h, regions the 4 quadrants.

    −a|x| = a x − 2a relu(x), so A = [[a, 1], [b, 0]], W = [[−2a, 0], [0, 0]], h = (1, 0);
    the split at y = 0 changes no affine map.  Its attractor is bounded (|z| < 2).
    """
    a, b = Fraction(a), Fraction(b)
    return PWLMap.from_plrnn([[a, 1], [b, 0]], [[-2 * a, 0], [0, 0]], [1, 0])


#: A rotation by arctan(4/3), exact in rationals: R⁻¹ = Rᵀ.
_ROTATION = np.array([[Fraction(3, 5), Fraction(-4, 5)], [Fraction(4, 5), Fraction(3, 5)]])


def lozi_shplrnn() -> PWLMap:
    """A shPLRNN with oblique hyperplanes and a bounded chaotic attractor on all 4 regions.

    The Lozi map (a = 17/10, b = 1/2) on u = (x, y) with a second hidden unit
    relu(x + y − 1/5) weighted (1/20, −1/20), written in the coordinates z = R u of a
    rotation: A = R Aᵤ Rᵀ, W₁ = R W₁ᵤ, W₂ = W₂ᵤ Rᵀ, h₁ = R h₁ᵤ, so neither hyperplane is
    a coordinate axis.  Exact rational weights.
    """
    a, b = Fraction(17, 10), Fraction(1, 2)
    A = np.array([[a, 1], [b, 0]], dtype=object)
    W1 = np.array([[-2 * a, Fraction(1, 20)], [0, Fraction(-1, 20)]], dtype=object)
    W2 = np.array([[1, 0], [1, 1]], dtype=object)
    R = _ROTATION
    return PWLMap.from_shplrnn(
        R.dot(A).dot(R.T), R.dot(W1), W2.dot(R.T), R.dot([1, 0]), [0, Fraction(-1, 5)]
    )


#: Small maps with several orbits each, for comparisons of two searches.
RICH_MAPS = {
    "tent": tent_map,
    "lozi": lozi_map,
    "random-12": lambda: random_map(12, M=3, P=2, scale=1.8),
    "random-1": lambda: random_map(1, M=3, P=2, scale=1.8),
}


# ---- SCYFI's shallow PLRNN examples --------------------------------------------------------


def _julia(text: str) -> np.ndarray:
    """A Julia array literal as SCYFI's test file writes it ("a b; c d", or "a, b")."""
    rows = [row.replace(",", " ").split() for row in text.strip().strip("[]").split(";")]
    array = np.array([[float(x) for x in row] for row in rows])
    return array[0] if len(rows) == 1 else array


# DurstewitzLab/SCYFI, test/shPLRNN_tests.jl (M = 2, H = 10), the weights copied as written:
# test_finding_2_cycle_4_cycle_M2_H10 and test_finding_2_cycle_4_cycle_M2_H10_nothing find
# two 2-cycles and one 4-cycle, no fixed point and no 3-cycle.
SCYFI_CYCLES = dict(
    A=_julia("[0.6172450705591427, 0.5261273846061184]"),
    W1=_julia(
        "[-1.022331291385995 -0.6068651009735164 0.005478115970447768 -0.6765758765817282 "
        "0.17667276783032312 -0.37241595029711383 -0.2799681077442852 1.6336122869854053 "
        "0.7388068389577566 0.43655916960874785; -0.23031703096807454 -0.155167269588236 "
        "1.1743020054655264 1.4693401983283279 -1.141192841208352 0.11938698490497139 "
        "0.6192500266755361 0.03950302999313116 -0.9179498107708933 -0.1216362805456489]"
    ),
    W2=_julia(
        "[1.753949852408234 -0.692574927107241; -0.45303568496148183 -0.5365936668032565; "
        "0.07984706960954363 -0.48651643130319855; -1.0455124065967838 -0.22986736948781128; "
        "0.048362883726876985 0.8959123953895494; -1.0545422354241465 0.5685368747406444; "
        "-0.43826625604171476 -2.1955495493951815; -0.8981129185384389 -0.6454540072455006; "
        "0.6162103523913983 -0.8644618121879155; -1.2236281701654421 -2.059927291272103]"
    ),
    h1=_julia("[-0.5480895548836227, -0.2922735885352696]"),
    h2=_julia(
        "[0.5352937111114038, -1.110030373073419, -1.3146036515301616, 0.2748467715335772, "
        "-1.4155203620983157, 0.7891282169615852, -0.13084812694281087, -0.40652418385647066, "
        "-0.9383323642698853, -0.9983356016811977]"
    ),
)

# The same file, test_finding_1_cycle_M2_H10(_val): a fixed point at (-0.03, 0.40) (2 digits).
SCYFI_FIXED_POINT = dict(
    A=_julia("[1.4799836250879086, -1.6945099980546405]"),
    W1=_julia(
        "[0.8900829721936014 0.24766868576521212 0.2554263710950393 -0.5771080679179108 "
        "-2.129379740761085 0.031728042646673976 -0.7740703525170001 0.04768259094291391 "
        "0.6792959504153095 -1.7781119769858111; 0.6297279024943379 0.5586975133684497 "
        "-0.18842627535543358 0.7152028558426154 2.238266026927219 1.0163441695005024 "
        "0.6115773461504028 1.8513040760318145 0.5127750227966122 -2.337416929726536]"
    ),
    W2=_julia(
        "[-0.7543485848832211 0.857424094861255; -0.12981333832339487 0.9290731862819631; "
        "0.06164740828503748 -1.6206522735934827; 0.1856635717214527 0.23370129970278428; "
        "1.4788242336217083 -1.4604870389877311; -0.04197765409809221 0.364736070574788; "
        "0.04390077093273831 -0.6840588607748522; 0.34236696876785494 -0.6110477480680268; "
        "0.11164936136447304 0.2509392315579666; 0.9314203111545968 0.18253806886914628]"
    ),
    h1=_julia("[0.18005923664630755, 0.42057092737475477]"),
    h2=_julia(
        "[-0.017897789466083707, 1.014731429962641, -0.3431368102401408, -2.3065949842414866, "
        "-0.7738820872835147, 0.009176181040445722, 0.6395596355828497, -0.3762485593614053, "
        "-0.12524612444111408, 0.25769322230050085]"
    ),
)
