"""Budgets decided before the work (issue 28): every probe refused at once, in one sentence.

Each command-line probe asserts exit status 2 and one sentence on stderr naming the option
that would fit, spelled as the command's option (never a Python parameter or class name);
"before the work" is guarded by making the expensive inner function fail if it is called.
The Python API's :class:`~pwl_analysis.errors.BudgetError` names the Python parameter.
"""

import json
import re
from math import comb

import numpy as np
import pytest

import pwl_analysis.admissibility
import pwl_analysis.arrangement
import pwl_analysis.methods.admissible_tree
import pwl_analysis.methods.exhaustive
from pwl_analysis import AdmissibleTree, Exhaustive, PWLMap, entropy_bounds
from pwl_analysis._exact import exact_matrix
from pwl_analysis.app.cli import _sentence, main
from pwl_analysis.arrangement import arrangement_cells, arrangement_cost
from pwl_analysis.errors import BudgetError, Remedy, UserInputError
from pwl_analysis.methods.exhaustive import word_counts
from pwl_analysis.words import lyndon_words

import cli_checks
from systems import reference_file, tent_map

TENT_BOX = ([-0.5], [0.5])


def one_sentence(capsys, command: str) -> str:
    """The error line, checked to be one sentence in the command line's words."""
    err = cli_checks.one_sentence(capsys, command)
    # no Python class name (Scyfi()) or parameter spelling (max_period= ) in it
    assert "()" not in err and not re.search(r"\w=( |,|$)", err), err
    return err


def fail_if_called(monkeypatch, module, name: str) -> None:
    def called(*args, **kwargs):
        raise AssertionError(f"{name} ran: the budget was not decided before the work")

    monkeypatch.setattr(module, name, called)


# ---- probe 1: the exhaustive search on the tent map ---------------------------------------


def test_cycles_tent_max_period_40_refused_before_search(tent, capsys, monkeypatch):
    fail_if_called(monkeypatch, pwl_analysis.methods.exhaustive, "lyndon_words")
    assert main(["cycles", tent, "--max-period", "40"]) == 2
    err = one_sentence(capsys, "cycles")
    # Σ_{k≤23} Lyndon words ≤ 5·10⁶ but the 1 + 2^23 partial words of length 24 are not
    assert "lower --max-period to 23" in err and "--method scyfi" in err
    with pytest.raises(BudgetError) as error:
        Exhaustive().find(tent_map(), 40)
    assert error.value.remedies[0] == Remedy("max_period", "lower", 23)
    assert "lower max_period= to 23" in str(error.value)


@pytest.mark.parametrize("allowed", ["all", "cycle", "sparse"])
def test_exhaustive_word_counts_equal_the_enumeration(allowed):
    # the estimate the budget is decided on counts exactly the words the search then lists
    q = 4
    matrices = {
        "all": np.ones((q, q), dtype=bool),
        "cycle": np.roll(np.eye(q, dtype=bool), 1, axis=1) | np.eye(q, dtype=bool),
        "sparse": np.random.default_rng(1).random((q, q)) < 0.6,
    }
    A = matrices[allowed]
    listed = np.cumsum([len(lyndon_words(q, k, A)) for k in range(1, 8)])
    assert word_counts(A, 7, np.inf, lyndon_only=True).tolist() == listed.tolist()


def test_exhaustive_counts_are_the_necklace_numbers():
    # primitive binary necklaces (OEIS A001037): 2, 1, 2, 3, 6, 9, 18, 30, and 1 + 2^{k−1}
    # partial words of length k; the cost is the larger of the running sums
    lyndon = np.cumsum([2, 1, 2, 3, 6, 9, 18, 30])
    partial = [1 + 2 ** (k - 1) for k in range(1, 9)]
    assert Exhaustive().costs(tent_map(), 8).tolist() == np.maximum(lyndon, partial).tolist()


# ---- probe 2: entropy bounds of a model with many regions ---------------------------------


def test_entropy_of_1024_regions_refused_before_any_lp(capsys, monkeypatch):
    path = reference_file("lorenz_m30_p10.pt")
    fail_if_called(monkeypatch, pwl_analysis.admissibility, "_decide")
    assert main(["entropy", str(path), "--P", "10", "--json"]) == 2
    err = one_sentence(capsys, "entropy")
    # 1024 roots and 1024² candidates of length 2: not even --max-length 2 fits
    assert "1024 regions" in err and "raise --max-decisions" in err
    assert "--max-length" not in err


def test_entropy_default_length_on_lorenz_names_the_length_that_fits(capsys, monkeypatch):
    path = reference_file("lorenz_m20_p2.pt")
    decided = []
    decide = pwl_analysis.admissibility._decide
    monkeypatch.setattr(
        pwl_analysis.admissibility, "_decide", lambda *a: decided.append(1) or decide(*a)
    )
    assert main(["entropy", str(path), "--P", "2", "--json"]) == 2
    # every word admissible in the run's box: 4^n candidates, 5460 up to length 6
    assert "lower --max-length to 6" in one_sentence(capsys, "entropy")
    assert len(decided) <= 4 + 16  # refused before length 3, from the growth 16 → 64


# ---- probe 3: the word tree on the tent map -----------------------------------------------


def test_admissible_tree_max_period_999_refused_before_the_tree(tent, capsys, monkeypatch):
    fail_if_called(monkeypatch, pwl_analysis.methods.admissible_tree, "_leaf_cycle")
    assert main(["cycles", tent, "--method", "admissible-tree", "--max-period", "999"]) == 2
    err = one_sentence(capsys, "cycles")
    assert "lower --max-period to " in err and "raise --max-nodes" in err
    with pytest.raises(BudgetError) as error:
        AdmissibleTree().find(tent_map(), 999)
    remedy = error.value.remedies[0]
    assert remedy.parameter == "max_period" and 15 <= remedy.value <= 30  # 2^k/k nodes


def test_admissible_tree_estimate_is_near_the_tree_it_searches():
    # Knuth's estimate against the tree the search walks: in its interval the tent map
    # realises every binary word, so the nodes of depth n are the binary prenecklaces of
    # length n, Σ_{i≤n} L_i with L_i the Lyndon words (OEIS A001037; Ruskey, Savage & Wang
    # 1992), less the word 1^n for n ≥ 2; within a factor 2 at every depth up to 10
    lyndon = np.array([2, 1, 2, 3, 6, 9, 18, 30, 56, 99])
    per_depth = np.cumsum(lyndon) - np.r_[0, np.ones(9)]
    estimate = AdmissibleTree(box=TENT_BOX).costs(tent_map(), 10)
    exact = np.cumsum(per_depth)
    assert np.all(estimate <= 2 * exact) and np.all(exact <= 2 * estimate)


# ---- probe 4: LaTeX export with a long period ---------------------------------------------


def test_latex_max_period_999_refused_before_the_search(tmp_path, capsys, monkeypatch):
    path = reference_file("lorenz_m20_p2.pt")
    fail_if_called(monkeypatch, pwl_analysis.methods.exhaustive, "lyndon_words")
    out = tmp_path / "x.tex"
    assert main(["latex", str(path), "--P", "2", "--max-period", "999", "-o", str(out)]) == 2
    err = one_sentence(capsys, "latex")
    # latex has no --method: only the option it offers is named
    assert "lower --max-period to 12" in err and "--method" not in err and "Scyfi" not in err
    assert not out.exists()


# ---- probe 5: entropy lengths -------------------------------------------------------------


def test_entropy_huge_max_length_refused_at_once(tent, capsys, monkeypatch):
    fail_if_called(monkeypatch, pwl_analysis.admissibility, "_decide")
    assert main(["entropy", tent, "--max-length", "100000"]) == 2
    assert "lower --max-length to 1000" in one_sentence(capsys, "entropy")


def test_entropy_negative_max_length_is_one_sentence(tent, capsys):
    assert main(["entropy", tent, "--max-length", "-3"]) == 2
    err = capsys.readouterr().err
    assert err == "pwl-analysis entropy: error: max_length must be an integer ≥ 2, got -3\n"
    with pytest.raises(UserInputError, match="max_length"):
        entropy_bounds(tent_map(), 2.5)


def test_entropy_length_over_budget_refused_from_the_growth(monkeypatch):
    # the tent map realises all 2^n words in its interval: 2 + 4 + … + 2^n candidates, so
    # 10⁶ polygon cuts fit n = 18 (2^19 − 2), and the growth is known after two lengths
    decided = []
    decide = pwl_analysis.admissibility._decide
    monkeypatch.setattr(
        pwl_analysis.admissibility, "_decide", lambda *a: decided.append(1) or decide(*a)
    )
    with pytest.raises(BudgetError) as error:
        entropy_bounds(tent_map(), 1000, box=TENT_BOX)
    assert error.value.remedies[0] == Remedy("max_length", "lower", 18)
    assert len(decided) == 2 + 4
    with pytest.raises(BudgetError) as error:
        entropy_bounds(tent_map(), 12, box=TENT_BOX, max_decisions=100)
    assert error.value.remedies[0] == Remedy("max_length", "lower", 5)  # 62 ≤ 100 < 126


# ---- probe 6: large general maps ----------------------------------------------------------


def _shplrnn_400(path):
    rng = np.random.default_rng(0)
    M, H = 3, 400
    np.savez(
        path,
        A=rng.uniform(-0.5, 0.5, M),
        W1=0.01 * rng.normal(size=(M, H)),
        W2=rng.normal(size=(H, M)),
        h1=rng.normal(size=M),
        h2=rng.normal(size=H),
    )


def _dendplrnn_60(path):
    rng = np.random.default_rng(0)
    M, B = 3, 60
    np.savez(
        path,
        A=rng.uniform(-0.5, 0.5, M),
        W=0.1 * rng.normal(size=(M, M)),
        h=rng.normal(size=M),
        alphas=0.01 * rng.normal(size=B),
        thresholds=rng.normal(size=(M, B)),
    )


@pytest.mark.parametrize("build", [_shplrnn_400, _dendplrnn_60])
@pytest.mark.parametrize("command", ["cycles", "graph", "analyze"])
def test_large_general_map_refused_before_its_arrangement(
    tmp_path, capsys, monkeypatch, build, command
):
    build(tmp_path / "big.npz")
    fail_if_called(monkeypatch, pwl_analysis.arrangement, "decide_polyhedron")
    extra = ["--out", str(tmp_path / "report")] if command == "analyze" else []
    assert main([command, str(tmp_path / "big.npz"), *extra]) == 2
    assert "fewer hidden units" in one_sentence(capsys, command)
    assert not (tmp_path / "report").exists()


@pytest.mark.parametrize("build", [_shplrnn_400, _dendplrnn_60])
def test_entropy_of_a_large_general_map_is_one_sentence(tmp_path, capsys, build):
    build(tmp_path / "big.npz")
    assert main(["entropy", str(tmp_path / "big.npz")]) == 2
    assert "AL-RNNs only" in one_sentence(capsys, "entropy")


def test_arrangement_bound_is_the_general_position_count():
    # H hyperplanes in general position in R^M cut it into Σ_{j≤M} C(H, j) cells
    # (Zaslavsky 1975); the bound is attained, and the construction's LPs stay under theirs
    rng = np.random.default_rng(3)
    W2, h2 = rng.normal(size=(7, 2)), rng.normal(size=7)
    cells, lps = arrangement_cost(exact_matrix(W2))
    found = arrangement_cells(W2, h2, exact_matrix(W2), exact_matrix(h2))
    assert cells == sum(comb(7, j) for j in range(3)) == len(found.bits)
    assert found.lps <= lps == sum(sum(comb(i, j) for j in range(3)) for i in range(7))


def test_arrangement_bound_of_a_dendritic_plrnn_is_a_grid():
    # M·B axis-parallel thresholds make a grid of (B + 1)^M cells
    m = PWLMap.from_dendplrnn(
        [0.5, 0.5], np.eye(2), [0.0, 0.0], [1.0, 1.0, 1.0], [[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]]
    )
    assert arrangement_cost(m.exact_weights[2])[0] == 16 == m.n_regions


def test_arrangement_over_the_lp_budget_refused_before_any_lp(monkeypatch):
    fail_if_called(monkeypatch, pwl_analysis.arrangement, "decide_polyhedron")
    W2, h2 = np.random.default_rng(0).normal(size=(40, 3)), np.zeros(40)
    with pytest.raises(BudgetError, match="fewer hidden units"):
        arrangement_cells(W2, h2, exact_matrix(W2), exact_matrix(h2))


# ---- probe 7: the exact graph of the reflection -------------------------------------------


def test_exact_graph_of_the_reflection_is_a_graph(tmp_path, capsys):
    # z ↦ −z + 1 from z = 0 runs 0, 1, 0, 1, …: the box [0, 1], region 0 met only at z = 0
    np.savez(tmp_path / "refl.npz", A=[-1.0], W=[[0.0]], h=[1.0], P=1)
    assert main(["graph", str(tmp_path / "refl.npz"), "--exact", "--json"]) == 0
    graph = json.loads(capsys.readouterr().out)
    edges = {(e["source"], e["target"]) for e in graph["edges"]}
    assert edges == {("0", "1"), ("1", "0"), ("1", "1")}  # 0 ↦ 1 ∉ cl Ω_0: no loop at 0


def test_exact_graph_in_a_box_of_zero_width(tmp_path, capsys):
    # z ↦ z/2 + 1 settles on its fixed point 2: the run's box is the point, one region
    np.savez(tmp_path / "contract.npz", A=[0.5], W=[[0.0]], h=[1.0], P=1)
    assert main(["graph", str(tmp_path / "contract.npz"), "--exact"]) == 0
    assert "1 regions, 1 transitions" in capsys.readouterr().out


# ---- the translation, in one place --------------------------------------------------------


def test_budget_sentence_is_translated_also_when_wrapped():
    budget = BudgetError(
        "too many words",
        (Remedy("max_period", "lower", 3), Remedy("method", "use", "Scyfi"), Remedy("x", "raise")),
    )
    flags = {"max_period": "--max-period", "method": "--method"}
    assert (
        _sentence(budget, flags) == "too many words: lower --max-period to 3, or use --method scyfi"
    )
    try:
        raise UserInputError(f"{budget}; the model is kept") from budget
    except UserInputError as wrapped:
        assert _sentence(wrapped, flags) == (
            "too many words: lower --max-period to 3, or use --method scyfi; the model is kept"
        )
