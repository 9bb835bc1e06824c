"""Convex polygons (and intervals) cut by half-planes: 2-D (1-D) prefix polyhedra, no LP.

A polygon is held as its vertices v_0, …, v_{k−1} (counter-clockwise) and, for each edge
v_i → v_{i+1}, the index of the row a·z ≤ β of the polyhedron's system A z ≤ b that the
edge lies on.  Cutting by a new row is one pass of Sutherland–Hodgman.  When a cut leaves
nothing, the vertex v* of least a·v and its two edges' rows give the candidate support of a
Farkas certificate: a·z ≥ a·v* holds on the cone of those two rows exactly when
a = −(y_1 a_1 + y_2 a_2) with y ≥ 0, which the caller checks in rational arithmetic.  The
polygon is float: "non-empty" is a claim in the safe direction, "empty" is only believed
with that exact certificate.  An interval [lo, hi] is the same in one dimension: its two
ends' rows contradict when it empties.

References
----------
Sutherland, I. E., Hodgman, G. W. (1974). Reentrant polygon clipping. Comm. ACM 17, 32–42.
"""

from __future__ import annotations

import numpy as np


class Polygon:
    """Vertices (k, 2) and the row index of each edge v_i → v_{i+1}."""

    __slots__ = ("rows", "vertices")

    def __init__(self, vertices: np.ndarray, rows: list[int]):
        self.vertices, self.rows = vertices, rows

    @classmethod
    def box(cls, lower, upper, upper_rows, lower_rows) -> Polygon:
        """The rectangle [l_1, u_1] × [l_2, u_2]; rows of z_i ≤ u_i and −z_i ≤ −l_i."""
        (l1, l2), (u1, u2) = lower, upper
        vertices = np.array([[l1, l2], [u1, l2], [u1, u2], [l1, u2]], dtype=np.float64)
        return cls(vertices, [lower_rows[1], upper_rows[0], upper_rows[1], lower_rows[0]])

    def cut(self, a: np.ndarray, beta: float, row: int) -> Polygon | tuple[int, int]:
        """The polygon ∩ {a·z ≤ β}, or, when that is empty, the rows of the edges at v*."""
        s = self.vertices @ a - beta
        inside = s <= 0
        if inside.all():
            return self
        if not inside.any():
            i = int(np.argmin(s))
            return self.rows[i - 1], self.rows[i]
        vertices, rows = [], []
        k = len(s)
        for i in range(k):
            j = (i + 1) % k
            if inside[i]:
                vertices.append(self.vertices[i])
                rows.append(self.rows[i])
            if inside[i] != inside[j]:
                t = s[i] / (s[i] - s[j])
                vertices.append(self.vertices[i] + t * (self.vertices[j] - self.vertices[i]))
                rows.append(row if inside[i] else self.rows[i])
        return Polygon(np.array(vertices), rows)

    def centroid(self) -> np.ndarray:
        """Mean of the vertices (a point of the polygon, up to rounding)."""
        return self.vertices.mean(axis=0)


class Interval:
    """The 1-D analogue: [lo, hi] and the rows of its two ends."""

    __slots__ = ("hi", "lo", "rows")

    def __init__(self, lo: float, hi: float, rows: tuple[int, int]):
        self.lo, self.hi, self.rows = lo, hi, rows

    @classmethod
    def box(cls, lower, upper, upper_rows, lower_rows) -> Interval:
        """[l, u]; rows of z ≤ u and −z ≤ −l."""
        return cls(float(lower[0]), float(upper[0]), (lower_rows[0], upper_rows[0]))

    def cut(self, a: np.ndarray, beta: float, row: int) -> Interval | tuple[int, ...]:
        """The interval ∩ {a z ≤ β}, or, when that is empty, the rows that contradict."""
        a = float(a[0])
        lo, hi, (row_lo, row_hi) = self.lo, self.hi, self.rows
        if a == 0:
            return self if beta >= 0 else (row,)
        if a > 0 and beta / a < hi:
            hi, row_hi = beta / a, row
        elif a < 0 and beta / a > lo:
            lo, row_lo = beta / a, row
        return Interval(lo, hi, (row_lo, row_hi)) if lo <= hi else (row_lo, row_hi)

    def centroid(self) -> np.ndarray:
        return np.array([(self.lo + self.hi) / 2])
