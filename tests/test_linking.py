"""Linking numbers against closed forms and published links.

Sign convention, fixed once by hand: lk(a, b) = (1/4π) ∮∮ (r_a − r_b)·(dr_a × dr_b)/|r_a − r_b|³.
For a = the unit circle (cos t, sin t, 0) and b = the z-axis traversed upwards,
(r_a − r_b)·(dr_a × dr_b) = cos² t + sin² t = 1 and ∫ dz/(1 + z²)^{3/2} = 2, so
lk = (1/4π)·2π·2 = +1: b passes through a along a's right-hand normal (Rolfsen, Knots and
Links, 1976, §5.D).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import dblquad

import pwl_analysis.linking as linking_module
from pwl_analysis import (
    Linking,
    LinkingMatrix,
    compare_linking,
    linking_matrix,
    linking_number,
)
from pwl_analysis.errors import UserInputError
from pwl_analysis.linking import AGREEMENT, _pair_gauss


def circle(n: int, centre=(0.0, 0.0, 0.0), radius=1.0, plane="xy", phase=0.0) -> np.ndarray:
    """n points of a round circle, anticlockwise in its plane's (first, second) axes."""
    t = phase + np.linspace(0, 2 * np.pi, n, endpoint=False)
    axes = {"xy": (0, 1), "xz": (0, 2), "yz": (1, 2)}[plane]
    points = np.zeros((n, 3))
    points[:, axes[0]] = radius * np.cos(t)
    points[:, axes[1]] = radius * np.sin(t)
    return points + centre


def hopf(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """The unit circle in the xy-plane and the unit circle in the xz-plane around (1, 0, 0).

    b passes through the origin at s = π going in −z, so through a against a's normal +z.
    """
    return circle(n), circle(n, centre=(1, 0, 0), plane="xz")


def rotation(seed: int) -> np.ndarray:
    """A random proper rotation (det = +1)."""
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


# ---------------------------------------------------------------- the sign and the formula


def test_hopf_link_sign_agrees_with_a_quadrature_of_the_gauss_integral():
    # the smooth circles' Gauss integral by the midpoint rule (spectrally accurate for a
    # smooth periodic integrand): independent of the closed form per segment pair
    n = 400
    s = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ra, dra = np.c_[np.cos(s), np.sin(s), 0 * s], np.c_[-np.sin(s), np.cos(s), 0 * s]
    rb, drb = np.c_[1 + np.cos(s), 0 * s, np.sin(s)], np.c_[-np.sin(s), 0 * s, np.cos(s)]
    d = ra[:, None] - rb[None]
    integrand = np.einsum("ijk,ijk->ij", d, np.cross(dra[:, None], drb[None]))
    quadrature = (integrand / np.linalg.norm(d, axis=-1) ** 3).sum() * (2 * np.pi / n) ** 2
    assert quadrature / (4 * np.pi) == pytest.approx(-1, abs=1e-9)

    a, b = hopf()
    lk = linking_number(a, b)
    assert (lk.number, lk.crossings, lk.decided) == (-1, -1, True)
    assert lk.gauss == pytest.approx(-1, abs=1e-12)


def test_the_right_hand_rule():
    # b: the z-axis upwards from −100 to 100, closed far away at x = 50 (module docstring)
    b = [[0, 0, -100], [0, 0, 100], [50, 0, 100], [50, 0, -100]]
    assert linking_number(circle(32), b).number == 1
    assert linking_number(circle(32), b[::-1]).number == -1


def test_orientation_symmetry_and_mirror():
    a, b = hopf()
    assert linking_number(a[::-1], b).number == 1
    assert linking_number(a, b[::-1]).number == 1
    assert linking_number(a[::-1], b[::-1]).number == -1
    assert linking_number(b, a).number == -1  # lk is symmetric in R³
    mirror = np.diag([1.0, 1.0, -1.0])
    assert linking_number(a @ mirror, b @ mirror).number == 1


def test_pair_formula_against_numerical_double_integral():
    rng = np.random.default_rng(7)
    for _ in range(4):
        p, q = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
        A, B = p[1] - p[0], q[1] - q[0]

        def integrand(t, s, p=p, q=q, A=A, B=B):
            d = p[0] + s * A - q[0] - t * B
            return d @ np.cross(A, B) / np.linalg.norm(d) ** 3 / (4 * np.pi)

        value, error = dblquad(integrand, 0, 1, 0, 1, epsabs=1e-12)
        # within dblquad's own error estimate (≤ 1e-9 here; the values agree to ~1e-15)
        assert _pair_gauss(p, q)[0, 0] == pytest.approx(value, abs=error + 1e-13)


# ---------------------------------------------------------------- unlinked and coarse


def test_unlinked_circles():
    a = circle(50)
    assert linking_number(a, circle(50, centre=(5, 0, 0))).number == 0
    assert linking_number(a, circle(50, centre=(0, 0, 1), plane="xz")).number == 0
    # coplanar and concentric: every segment pair is coplanar, where the arcsine form of the
    # solid angle loses half its digits; the atan2 form keeps the sum at rounding level
    coplanar = linking_number(a, circle(70, radius=2.0))
    assert coplanar.number == 0
    assert abs(coplanar.gauss) < 1e-12


@pytest.mark.parametrize("n", [3, 4, 5, 7, 16, 101, 500])
def test_coarse_and_resampled_hopf_links_keep_their_number(n):
    # an inscribed n-gon of the unit circle still contains the point where b meets the plane
    # (the origin) in its disk, and b's n-gon still passes through it: the same link
    rng = np.random.default_rng(n)
    a = circle(n, phase=rng.uniform(0, 2 * np.pi))
    b = circle(max(n, 4), centre=(1, 0, 0), plane="xz", phase=np.pi)
    lk = linking_number(a, b)
    assert lk.number == -1
    assert abs(lk.gauss + 1) < AGREEMENT


def test_triangles():
    a = [[-1, -1, 0], [2, -1, 0], [-1, 2, 0]]  # contains the origin, anticlockwise
    b = [[0, 0, -1], [0, 0, 1], [5, 0, 0]]  # rises through the origin
    assert linking_number(a, b).number == 1


def test_rigid_motions_keep_the_number_and_reflections_flip_it():
    a, b = hopf(40)
    for seed in range(5):
        R, shift = rotation(seed), np.random.default_rng(seed).normal(0, 10, 3)
        assert linking_number(a @ R.T + shift, b @ R.T + shift).number == -1
        reflect = R @ np.diag([-1.0, 1.0, 1.0])
        assert linking_number(a @ reflect.T, b @ reflect.T).number == 1


# ---------------------------------------------------------------- links from braids


def closed_braid(word: list[int], strands: int, samples: int = 12) -> list[np.ndarray]:
    """The closure of a braid around the z-axis, one polygon per component.

    Step k of the word (generator σ_i^{±1}, written ±i) turns the strands through the angles
    [2πk/K, 2π(k + 1)/K]; strand positions are radii 3, 4, …; at σ_i the strands at
    positions i and i + 1 swap, the one moving outwards passing above (σ_i) or below
    (σ_i^{-1}) the other, at heights ±0.3.  Seen from +z the strands run anticlockwise; at a
    crossing of σ_i the outward strand has direction A ≈ (1, 1) and the inward one
    B ≈ (−1, 1) in (radial, tangential) coordinates, so v·(A × B) = +2 for v = +z and the
    height difference is +0.3 − (−0.3) > 0: every σ_i is a crossing of sign +1, every
    σ_i^{-1} of sign −1 (the module's ε = sign(h v·(A × B))).
    """
    K = len(word)
    occupant = list(range(strands))  # position -> strand
    tracks = [[] for _ in range(strands)]
    for k, generator in enumerate(word):
        i = abs(generator) - 1
        over = 1.0 if generator > 0 else -1.0
        for u in np.arange(samples) / samples:
            theta = 2 * np.pi * (k + u) / K
            for position, strand in enumerate(occupant):
                radius, height = float(position), 0.0
                if position == i:
                    radius, height = i + u, over * 0.3 * math.sin(math.pi * u)
                elif position == i + 1:
                    radius, height = i + 1 - u, -over * 0.3 * math.sin(math.pi * u)
                rho = 3.0 + radius
                tracks[strand].append((rho * math.cos(theta), rho * math.sin(theta), height))
        occupant[i], occupant[i + 1] = occupant[i + 1], occupant[i]
    end = {strand: position for position, strand in enumerate(occupant)}  # strand -> position
    components, seen = [], set()
    for first in range(strands):
        if first in seen:
            continue
        points, strand = [], first
        while strand not in seen:
            seen.add(strand)
            points.extend(tracks[strand])
            strand = end[strand]  # the strand starting at the position this one ends at
        components.append(np.array(points))
    return components


def exponent_linking(word: list[int], strands: int) -> dict[tuple[int, int], int]:
    """½ Σ of the exponents of the crossings between two components, per pair of components."""
    occupant = list(range(strands))
    crossings = []
    for generator in word:
        i = abs(generator) - 1
        crossings.append((occupant[i], occupant[i + 1], 1 if generator > 0 else -1))
        occupant[i], occupant[i + 1] = occupant[i + 1], occupant[i]
    end = {strand: position for position, strand in enumerate(occupant)}
    component, label = {}, 0
    for first in range(strands):
        if first not in component:
            strand = first
            while strand not in component:
                component[strand] = label
                strand = end[strand]
            label += 1
    total: dict[tuple[int, int], int] = {}
    for s, t, sign in crossings:
        a, b = sorted((component[s], component[t]))
        if a != b:
            total[(a, b)] = total.get((a, b), 0) + sign
    return {pair: value // 2 for pair, value in total.items()}


@pytest.mark.parametrize("q", [1, 2, 3, 4, -2])
def test_torus_link_2_2q_components_link_q_times(q):
    # the (2, 2q) torus link is the closure of σ₁^{2q}; its two components (each a (1, q)
    # curve on the torus, an unknot) have linking number q (Rolfsen 1976, §3.C torus links)
    a, b = closed_braid([1 if q > 0 else -1] * (2 * abs(q)), 2)
    lk = linking_number(a, b)
    assert lk.number == q
    assert abs(lk.gauss - q) < AGREEMENT


def test_whitehead_link_has_linking_number_zero():
    # the Whitehead link (Rolfsen 1976, Appendix C: 5²₁; L5a1) as the closure of the braid
    # σ₁²σ₂²σ₁⁻¹σ₂⁻²: linked, yet its linking number is 0 (the two σ₂² between the components
    # cancel; Rolfsen 1976, §7.C)
    word = [1, 1, 2, 2, -1, -2, -2]
    a, b = closed_braid(word, 3)
    assert exponent_linking(word, 3) == {(0, 1): 0}
    lk = linking_number(a, b)
    assert lk.number == 0 and lk.decided
    assert len(a) + len(b) == 3 * len(word) * 12  # all three strands used


def test_borromean_rings_link_pairwise_zero():
    # the Borromean rings, the closure of (σ₁σ₂⁻¹)³ (Rolfsen 1976, Appendix C: 6³₂): three
    # components, every two of them unlinked by lk
    rings = closed_braid([1, -2] * 3, 3)
    m = linking_matrix({f"c{k}": ring for k, ring in enumerate(rings)})
    assert len(rings) == 3
    assert [link.number for link in m.links.values()] == [0, 0, 0]


@given(st.lists(st.sampled_from([1, -1, 2, -2]), min_size=1, max_size=8))
@settings(max_examples=25, deadline=None)
def test_closed_braids_link_by_half_their_exponent_sums(word):
    components = closed_braid(word, 3, samples=6)
    expected = exponent_linking(word, 3)
    for (i, j), value in expected.items():
        assert linking_number(components[i], components[j]).number == value


# ---------------------------------------------------------------- Birman & Williams' (p, q) flow


def s3_orbit(p: int, q: int, radius: float, phase: float, n: int) -> np.ndarray:
    """An orbit of ż₁ = i p z₁, ż₂ = i q z₂ on S³ ⊂ C², through |z₁| = radius, projected.

    Birman & Williams (Topology 22, 1983, eqs. (1.1)–(1.2)): every orbit with 0 < radius < 1
    is a (p, q) torus knot on the torus |z₁| = radius; p = q = 1 is the Hopf fibration.
    Stereographic projection from a pole on the torus |z₁| = 1/√2, which none of the orbits
    used here lies on.
    """
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    z1 = radius * np.exp(1j * p * t)
    z2 = math.sqrt(1 - radius**2) * np.exp(1j * (q * t + phase))
    x = np.c_[z1.real, z1.imag, z2.real, z2.imag]
    pole = np.array([math.cos(0.3), math.sin(0.3), math.cos(1.1), math.sin(1.1)]) / math.sqrt(2)
    basis = np.linalg.qr(np.c_[pole, np.eye(4)[:, :3]])[0][:, 1:]  # orthonormal, ⊥ pole
    return (x @ basis) / (1 - x @ pole)[:, None]


def test_hopf_fibres_link_once():
    fibres = {f"{r}": s3_orbit(1, 1, r, 0.7 * k, 200) for k, r in enumerate((0.2, 0.5, 0.9))}
    fibres["core"] = s3_orbit(1, 1, 0.0, 0.0, 200)
    m = linking_matrix(fibres)
    numbers = {link.number for link in m.links.values()}
    assert len(numbers) == 1 and abs(numbers.pop()) == 1


@pytest.mark.parametrize(("p", "q"), [(1, 1), (2, 3), (3, 2), (1, 4), (3, 5)])
def test_torus_knot_orbits_link_pq_times(p, q):
    # two orbits on the tori |z₁| = 0.4 and 0.7: the inner one is homologous to q·C₂ in the
    # solid torus |z₁| < 0.7 around C₂ = {z₁ = 0}, and the outer winds p times around C₂ as
    # C₁ = {z₂ = 0} does once, so lk = p q · lk(C₁, C₂), lk(C₁, C₂) = ±1 (Birman & Williams
    # 1983, §1: any two of these orbits link; Rolfsen 1976, §3.C for the torus homology)
    n = 120 * max(p, q)
    reference = linking_number(s3_orbit(1, 0, 1.0, 0, 200), s3_orbit(0, 1, 0.0, 0, 200))
    assert abs(reference.number) == 1
    inner, outer = s3_orbit(p, q, 0.4, 0.5, n), s3_orbit(p, q, 0.7, 0.0, n)
    assert linking_number(inner, outer).number == p * q * reference.number


# ---------------------------------------------------------------- undecided, never wrong


def test_intersecting_curves_are_undecided():
    a = circle(40)
    b = circle(40, centre=(2, 0, 0), plane="xz")  # passes through (1, 0, 0), a vertex of a
    assert np.min(np.linalg.norm(a[:, None] - b[None], axis=-1)) < 1e-12
    lk = linking_number(a, b)
    assert not lk.decided and lk.number is None and lk.crossings is None
    assert "come within" in lk.reason
    assert lk.to_dict()["decided"] is False and "undecided" in repr(lk)


def test_curves_closer_than_tol_are_undecided():
    a, b = hopf(64)
    points = np.vstack([a, b])
    diagonal = np.linalg.norm(points.max(axis=0) - points.min(axis=0))
    distance = linking_number(a, b).distance
    assert linking_number(a, b, tol=0.99 * distance / diagonal).decided
    assert not linking_number(a, b, tol=1.01 * distance / diagonal).decided


def test_a_degenerate_projection_is_retried(monkeypatch):
    # seen from +z, b's top edge runs along the x-axis over the diamond's vertices (±1, 0):
    # not generic; the next direction is used, and with none left the result is undecided
    a = [[1, 0, 0], [0, 1, 0], [-1, 0, 0], [0, -1, 0]]
    b = [[0, 0, 1], [2, 0, 1], [2, 0, -1], [0, 0, -1]]  # rises through the diamond at 0
    up, generic = np.array([0.0, 0.0, 1.0]), np.array([0.36, -0.48, 0.8])
    monkeypatch.setattr(linking_module, "_directions", lambda: np.array([up, generic]))
    lk = linking_number(a, b)
    assert lk.number == 1 and lk.direction == tuple(generic)
    monkeypatch.setattr(linking_module, "_directions", lambda: np.array([up]))
    lk = linking_number(a, b)
    assert not lk.decided and lk.crossings is None and "no generic projection" in lk.reason
    assert lk.gauss == pytest.approx(1.0, abs=1e-12)  # the evidence is kept


def random_closed_walk(rng, n):
    return np.cumsum(rng.standard_normal((n, 3)), axis=0)


@given(st.integers(0, 10_000), st.integers(3, 40), st.integers(3, 40))
@settings(max_examples=40, deadline=None)
def test_random_polygons_the_two_methods_agree(seed, n, m):
    rng = np.random.default_rng(seed)
    a, b = random_closed_walk(rng, n), random_closed_walk(rng, m)
    lk = linking_number(a, b)
    if lk.decided:  # random walks come close only rarely; then undecided, never wrong
        assert lk.number == lk.crossings
        assert abs(lk.gauss - lk.number) < AGREEMENT
        assert linking_number(b, a).number == lk.number
        assert linking_number(a, b[::-1]).number == -lk.number
    else:  # undecided only where the curves come within tol × the bounding box's diagonal
        points = np.vstack([a, b])
        assert lk.distance <= 1e-9 * np.linalg.norm(points.max(axis=0) - points.min(axis=0))


def test_large_polygons():
    # 500 × 500 segment pairs; a wobbly Hopf link
    rng = np.random.default_rng(3)
    a, b = hopf(500)
    lk = linking_number(a + rng.normal(0, 0.01, a.shape), b + rng.normal(0, 0.01, b.shape))
    assert lk.number == -1


# ---------------------------------------------------------------- input


@pytest.mark.parametrize(
    ("curve", "message"),
    [
        (np.zeros((5, 2)), r"shape \(5, 2\)"),
        (np.zeros((1, 3)), r"shape \(1, 3\)"),
        (np.zeros((4, 3, 1)), "shape"),
        ([[0, 0, 0], [1, 0, np.nan], [0, 1, 0]], "NaN"),
        ([[1, 1, 1], [1, 1, 1], [1, 1, 1]], "distinct"),
    ],
)
def test_bad_curves_are_named(curve, message):
    with pytest.raises(UserInputError, match=f"curve_b.*{message}|curve_b has {message}"):
        linking_number(circle(8), curve)


def test_bad_tol():
    with pytest.raises(UserInputError, match="tol=-1"):
        linking_number(*hopf(8), tol=-1)


def test_repeated_points_and_a_closing_point_are_dropped():
    a, b = hopf(16)
    padded = np.vstack([a[:3], a[2:], a[:1]])  # a repeated vertex and the first one again
    assert linking_number(padded, b).gauss == pytest.approx(linking_number(a, b).gauss)


# ---------------------------------------------------------------- matrices


def words() -> dict[str, np.ndarray]:
    a, b = hopf(48)
    return {"LR": a, "LLR": b, "LRR": circle(48, centre=(10, 0, 0))}


def test_linking_matrix():
    m = linking_matrix(words())
    assert isinstance(m, LinkingMatrix) and m.names == ("LR", "LLR", "LRR")
    assert set(m.links) == {("LR", "LLR"), ("LR", "LRR"), ("LLR", "LRR")}
    assert m.number("LR", "LLR") == m.number("LLR", "LR") == -1
    assert isinstance(m.linking("LR", "LRR"), Linking)
    data = json.loads(json.dumps(m.to_dict()))
    assert data["numbers"] == [[None, -1, 0], [-1, None, 0], [0, 0, None]]
    assert len(data["pairs"]) == 3 and data["pairs"][0]["a"] == "LR"
    assert str(m).splitlines()[1].split() == ["LR", "·", "-1", "0"]
    with pytest.raises(UserInputError, match="'LR', 'LR'"):
        m.number("LR", "LR")
    with pytest.raises(UserInputError, match="'RRR'"):
        m.number("LR", "RRR")


def test_linking_matrix_names_a_bad_curve():
    with pytest.raises(UserInputError, match="curve 'LLR'"):
        linking_matrix({"LR": circle(8), "LLR": np.zeros((4, 2))})


def test_compare_linking_marks_disagreements_and_undecided():
    flow = linking_matrix(words())
    shifted = dict(words(), LLR=words()["LLR"] + [0, 0, 5], RRRL=circle(8))
    shifted["LRR"] = circle(48, centre=(2, 0, 0), plane="xz")  # meets LR at (1, 0, 0)
    model = linking_matrix(shifted)
    c = compare_linking(model, flow)
    assert c.names == ("LR", "LLR", "LRR")  # RRRL is not in the flow's matrix
    assert c.disagreements == (("LR", "LLR"),)
    assert c.undecided == (("LR", "LRR"),)
    assert c.agreements == 1
    assert c.cell("LR", "LLR") == "0≠-1" and c.cell("LR", "LRR") == "?/0"
    data = json.loads(json.dumps(c.to_dict()))
    assert data["pairs"][0] == {"a": "LR", "b": "LLR", "model": 0, "flow": -1, "agree": False}
    assert data["pairs"][1]["agree"] is None
    assert "1 pairs agree, 1 disagree, 1 undecided" in repr(c)
