"""The per-model summary, checkpoint discovery and the CSV table of pwl_analysis.app.batch."""

import csv

import numpy as np
import pytest

from pwl_analysis.app.batch import find_checkpoints, summarize_model, write_table
from pwl_analysis.app.sweep_summary import minimal_P
from pwl_analysis.pwl_map import PWLMap


def test_linear_map_has_one_region_one_fixed_point_and_no_entropy():
    # P = 0: z ↦ (A + W) z + h, a contraction, has the single fixed point (I − A − W)⁻¹ h,
    # no cycle, one region, and its one-node graph (a self-loop) has entropy log 1 = 0.
    A, W, h = np.array([0.5, 0.3]), np.array([[0.1, 0.2], [0.0, 0.1]]), np.array([1.0, 2.0])
    m = PWLMap.from_alrnn(A, W, h, P=0)
    s = summarize_model(m, max_period=3, steps=500)
    assert (s.regions_visited, s.fixed_points, s.cycles, s.diverged) == (1, 1, 0, False)
    assert s.topological_entropy == 0.0
    assert np.allclose(
        m.fixed_points()[0].points[0], np.linalg.solve(np.eye(2) - np.diag(A) - W, h)
    )


def test_expanding_map_is_marked_diverged():
    # u ↦ 2u + 1 from u_0 = 0 overflows after about 1024 steps.
    m = PWLMap.from_alrnn([2.0], [[0.0]], [1.0], P=0)
    s = summarize_model(m, max_period=1, steps=2_000, transient=100)
    assert s.diverged and s.regions_visited == 1 and s.fixed_points == 1  # u* = −1, unstable


def test_tent_map_summary_matches_the_full_two_shift():
    # Tent map: h_top = log 2; cycles of minimal period k number (2^k − Σ_{j|k, j<k} j N_j) / k:
    # 2 fixed points, 1 two-cycle, 2 three-cycles (Lind & Marcus 1995, Ex. 1.1.7).  The start
    # 0.01 is generic (0.3 would sit on the 2-cycle {−1/10, 3/10}).
    tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    s = summarize_model(tent, max_period=3, steps=5_000, transient=0, z0=[0.01])
    assert s.fixed_points == 2 and s.cycles == 1 + 2
    assert np.isclose(s.topological_entropy, np.log(2.0), rtol=1e-12)  # eigenvalue of [[1,1],[1,1]]


def test_bad_summary_settings_are_refused():
    with pytest.raises(ValueError, match="max_period"):
        summarize_model(PWLMap.from_alrnn([0.5], [[0.0]], [0.0], P=1), max_period=0)


def test_find_checkpoints_skips_hidden_folders_and_run_internals(tmp_path):
    run = tmp_path / "runs" / "a"
    run.mkdir(parents=True)
    for name in ("model.npz", "checkpoint.npz", "config.json"):
        (run / name).write_bytes(b"")
    (tmp_path / "runs" / ".tmp-b").mkdir()
    (tmp_path / "runs" / ".tmp-b" / "model.npz").write_bytes(b"")
    for name in ("official.pt", "weights.npz", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    found = [p.relative_to(tmp_path).as_posix() for p in find_checkpoints(tmp_path)]
    assert found == ["official.pt", "weights.npz", "runs/a"]
    assert find_checkpoints(run) == [run]  # a run folder on its own
    with pytest.raises(FileNotFoundError, match="no folder"):
        find_checkpoints(tmp_path / "missing")


def test_table_has_the_union_of_columns_in_first_appearance_order(tmp_path):
    write_table(tmp_path / "t.csv", [{"a": 1, "b": 2.5}, {"a": 3, "c": "x"}])
    with open(tmp_path / "t.csv") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["a", "b", "c"]
    assert rows == [{"a": "1", "b": "2.5", "c": ""}, {"a": "3", "b": "", "c": "x"}]


def test_minimal_P_per_group_with_medians_and_diverged_runs():
    def row(system, P, d):
        return {"status": "ok", "system": system, "P": P, "D_stsp": d}

    rows = [
        row("lorenz63", 0, 9.0), row("lorenz63", 0, 8.0),
        row("lorenz63", 1, 0.5), row("lorenz63", 1, float("nan")),  # median (0.5, ∞) = ∞
        row("lorenz63", 2, 0.31), row("lorenz63", 2, 0.29),
        row("lorenz63", 3, 0.30), row("lorenz63", 3, 0.28),
        row("rossler", 0, float("nan")),
        {"status": "failed", "system": "rossler", "P": 1, "error": "x"},
    ]  # fmt: skip
    assert minimal_P(rows, ["system"], tolerance=0.1) == {
        "system=lorenz63": 2,
        "system=rossler": None,
    }
    assert minimal_P(rows, ["system"], tolerance=0.0)["system=lorenz63"] == 3


def test_local_cluster_needs_a_worker():
    from pwl_analysis.app.batch import dask_client

    with pytest.raises(ValueError, match="workers must be at least 1"), dask_client(workers=0):
        pass
