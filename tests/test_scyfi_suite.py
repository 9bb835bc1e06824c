"""SCYFI's public test suite as tests of the complete word-tree search.

Every model below is copied from DurstewitzLab/SCYFI, ``test/convPLRNN_tests.jl`` (commit
c02a2658), a PLRNN z ↦ A z + W max(0, z) + h with every unit piecewise linear (P = M).  Each
SCYFI test asserts two cycles of period k and none of a smaller period k′; here the complete
search lists *every* cycle of period ≤ k with all points in a box around the attractor
reached from the origin, so both assertions become consequences of one complete answer.

SCYFI's ``test/shPLRNN_tests.jl`` models (shallow PLRNNs, z ↦ A z + W₁ max(0, W₂ z + h₂) + h₁)
are not of this package's form: their regions are cells of a hyperplane arrangement, not sign
patterns of coordinates, so they are not included.
"""

import numpy as np
import pytest

from pwl_analysis import AdmissibleTree, PWLMap, Scyfi, free_run_box


def plrnn(a1, a2, w1, w2, h1, h2) -> PWLMap:
    """SCYFI's 2-D test model: A = diag(a1, a2), W = [0 w1; w2 0], h = (h1, h2)."""
    return PWLMap.from_alrnn([[a1, 0.0], [0.0, a2]], [[0.0, w1], [w2, 0.0]], [h1, h2], P=2)


# (period k with two cycles, period k′ with none, parameters a1, a2, w1, w2, h1, h2); the test
# function names in convPLRNN_tests.jl are test_finding_{k}_cycle_2D and ..._nothing.
CASES = {
    # test_finding_16_cycle_2D, test_finding_16_cycle_2D_nothing
    16: (
        15,
        (
            0.8377689000000008,
            0.96461297,
            -0.6437499999999996,
            0.52505308,
            0.37298253000000087,
            -0.97931491,
        ),
    ),
    # test_finding_27_cycle_2D, test_finding_27_cycle_2D_nothing
    27: (25, (0.9777689, 0.96461297, -0.14375, 0.52505308, 0.37298253, -0.97931491)),
    # test_finding_31_cycle_2D, test_finding_31_cycle_2D_nothing
    31: (30, (0.9777689, 0.96461297, -0.14375, 1.1750530800000014, 0.37298253, -0.97931491)),
    # test_finding_40_cycle_2D, test_finding_40_cycle_2D_nothing
    40: (
        38,
        (0.9777689, 0.96461297, -0.6437499999999996, 0.52505308, 0.37298253000000087, -0.97931491),
    ),
    # test_finding_53_cycle_2D, test_finding_53_cycle_2D_nothing
    53: (
        50,
        (
            0.9377689000000009,
            0.96461297,
            -0.6437499999999996,
            0.52505308,
            0.37298253000000087,
            -0.97931491,
        ),
    ),
    # test_finding_65_cycle_2D, test_finding_65_cycle_2D_nothing
    65: (60, (0.9777689, 0.96461297, -0.14375, 1.3250530800000015, 0.37298253, -0.97931491)),
    # test_finding_80_cycle_2D, test_finding_80_cycle_2D_nothing
    80: (70, (0.9777689, 0.96461297, -0.14375, 0.52505308, 0.37298253, -0.779314909999999)),
    # test_finding_83_cycle_2D, test_finding_83_cycle_2D_nothing
    83: (80, (0.9777689, 0.96461297, -0.14375, 0.675053080000001, 0.37298253, -0.97931491)),
}

# Every cycle of period ≤ k in the box, beyond SCYFI's assertions: one fixed point in each
# model, and for the 65-cycle model also a 32- and a 33-cycle pair (32 + 33 = 65).
OTHER_PERIODS = {k: {1: 1} for k in CASES}
OTHER_PERIODS[65] = {1: 1, 32: 2, 33: 2}


@pytest.mark.parametrize("k", CASES)
def test_complete_search_finds_scyfis_cycles_and_no_others(k):
    nothing, parameters = CASES[k]
    m = plrnn(*parameters)
    result = m.cycles(k, method=AdmissibleTree(box=free_run_box(m)))
    assert result.complete
    assert len(result.of_period(k)) == 2  # SCYFI: @test length(FPs[k]) == 2
    assert len(result.of_period(nothing)) == 0  # SCYFI: @test length(FPs[k′]) == 0
    counts = {p: len(result.of_period(p)) for p in range(1, k + 1) if result.of_period(p)}
    assert counts == {**OTHER_PERIODS[k], k: 2}
    # the attracting cycle (index 0) and its unstable partner, a saddle of index 1
    assert sorted(c.stability.index for c in result.of_period(k)) == [0, 1]
    assert sorted(c.stable for c in result.of_period(k)) == [False, True]


def test_fixed_point_2d_value():
    # test_finding_1_cycle_2D_val: one fixed point, rounded to (0.36, −22.26)
    m = plrnn(
        -0.022231099999999948,
        0.96461297,
        -0.6437499999999996,
        0.52505308,
        0.37298253000000087,
        -0.97931491,
    )
    result = m.cycles(1, method=AdmissibleTree())
    assert len(result) == 1 and result.complete
    assert np.round(result[0].points[0], 2).tolist() == [0.36, -22.26]


def test_fixed_point_2d_for_holes():
    # test_finding_1_cycle_2D_for_holes: a1 = 0.69999999999999999999999999999 (= 0.7 in floats)
    m = plrnn(0.7, -0.7, -0.14375, 0.52505308, 0.37298253, -0.97931491)
    result = m.cycles(1, method=AdmissibleTree())
    assert len(result) == 1 and result.complete


# test_finding_10_cycle_10D (and ..._nothing): A = 0.09658233076334 I, W and h below.
A_10D = 0.09658233076334
W_10D = [
    [
        1.7141654,
        0.90136945,
        0.7356431,
        -0.45661467,
        -1.0216872,
        -2.1104505,
        -0.1265201,
        0.8208984,
        -0.16492529,
        0.10196607,
    ],
    [
        1.2489663,
        0.36885896,
        0.47238302,
        -0.4648625,
        -0.8395844,
        -1.6625919,
        -0.27828497,
        0.4668116,
        0.2430289,
        0.43664113,
    ],
    [
        0.4888246,
        0.31421587,
        0.061512344,
        0.03574979,
        -0.43089348,
        -0.9017075,
        0.06113107,
        0.45323887,
        -0.12256672,
        -0.22407334,
    ],
    [
        -0.8275283,
        -0.6372472,
        -0.6524501,
        0.5350839,
        0.143212,
        0.3879285,
        0.17147072,
        0.18457298,
        0.33618844,
        -0.31503707,
    ],
    [
        0.4699096,
        0.36021802,
        0.40548527,
        -0.773131,
        -0.41375652,
        -0.45799288,
        -0.33785427,
        0.0071197264,
        -0.12557332,
        0.4461898,
    ],
    [
        1.7938753,
        0.933799,
        0.9427183,
        -0.4197829,
        -1.0978042,
        -2.340497,
        -0.60876435,
        0.8649732,
        -0.11037506,
        0.4225005,
    ],
    [
        -0.46095127,
        -0.282801,
        -0.14612287,
        0.23626074,
        0.43258965,
        0.68257767,
        0.36670405,
        -0.25161934,
        0.1560926,
        -0.09981756,
    ],
    [
        -0.1794313,
        -0.046297066,
        -0.23596726,
        0.60501343,
        0.077439524,
        -0.037234787,
        0.18110584,
        0.3498277,
        -0.007887238,
        -0.4353217,
    ],
    [
        -0.3996467,
        -0.28196895,
        -0.1993325,
        -0.027839307,
        0.20849963,
        0.4165471,
        0.17119904,
        -0.2667973,
        0.25180992,
        0.13836445,
    ],
    [
        0.4042766,
        0.52036214,
        0.21992852,
        -0.1569775,
        0.024118641,
        -0.08136176,
        -0.20892598,
        -0.1640525,
        -0.3731168,
        0.09140323,
    ],
]
H_10D = [
    -0.25387551903975236,
    -0.12912468150368078,
    -0.3746121660912428,
    0.5381540053468717,
    0.13797574730440254,
    -0.9145060467607822,
    -0.47008295657633226,
    0.23037773308426446,
    0.5373384681742799,
    0.32054443856805936,
]


def test_two_10_cycles_in_10d_by_the_heuristic():
    # 2^10 regions: the word tree is out of reach, so this case runs SCYFI's heuristic
    # (complete is False): both 10-cycles are found, as SCYFI's test asserts.
    m = PWLMap.from_alrnn(np.full(10, A_10D), W_10D, H_10D, P=10)
    result = m.cycles(10, method=Scyfi())
    assert len(result.of_period(10)) == 2  # SCYFI: @test length(FPs[10]) == 2
    assert len(result.of_period(9)) == 0  # SCYFI: @test length(FPs[9]) == 0 (heuristic here)
    assert not result.complete


def test_scyfi_finds_the_80_cycles_of_the_complete_search():
    # test_finding_80_cycle_2D by SCYFI's own method: the two 80-cycles, the same exact points
    # as the complete word tree (a second, independent search); seconds since each rotation
    # class is solved once with prefix/suffix products (135 s before, 2.8 s after: issue 15).
    m = plrnn(*CASES[80][1])
    heuristic = m.cycles(80, method=Scyfi())
    complete = m.cycles(80, method=AdmissibleTree(box=free_run_box(m)))
    assert not heuristic.complete
    found, listed = heuristic.of_period(80), complete.of_period(80)
    assert len(found) == len(listed) == 2
    assert [c.regions for c in found] == [c.regions for c in listed]
    assert all(a.exact_points == b.exact_points for a, b in zip(found, listed))
