"""The search methods behind one protocol (issue 16): every registered method keeps it, the
complete and the heuristic search agree on a closed form, and a method added in one place (a
class and one registry line) is run by ``m.cycles``, ``find_cycles`` and the command line."""

import dataclasses
import itertools
import json

import pytest
import sympy
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from pwl_analysis import CycleSet, Exhaustive, PWLMap, Scyfi, SearchMethod, find_cycles
from pwl_analysis.app.cli import main
from pwl_analysis.cycle_equation import exact_cycle
from pwl_analysis.errors import BudgetError, UserInputError
from pwl_analysis.methods import SEARCH_METHODS
from pwl_analysis.words import SearchTooLargeError, least_rotation, primitive_period

from systems import RICH_MAPS, SCYFI_CYCLES, lozi_map, tent_map


def _one_sentence(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert message and "\n" not in message, message
    return message


@pytest.mark.parametrize("name", list(SEARCH_METHODS))
def test_every_registered_method_keeps_the_protocol(name):
    cls = SEARCH_METHODS[name]
    method = cls()
    assert cls.name == name and isinstance(method, SearchMethod)
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    assert type(cls.complete) is bool
    assert all(cls.option_docs().values()), "every option is documented"
    m = lozi_map()
    description = method.describe(m)
    assert isinstance(description, str) and description and "\n" not in description
    result = method.find(m, 4)
    assert isinstance(result, CycleSet)
    assert result.complete is cls.complete and result.method == description
    exhaustive = Exhaustive().find(m, 4)
    assert set(result) <= set(exhaustive) and len(result) > 0
    if cls.complete:
        assert result.cycles == exhaustive.cycles


@pytest.mark.parametrize("name", list(SEARCH_METHODS))
@pytest.mark.parametrize("period", [0, -3, 2.5, "3", True, None])
def test_every_method_refuses_a_bad_period_in_one_sentence(name, period):
    with pytest.raises(UserInputError, match="max_period") as error:
        SEARCH_METHODS[name]().check_budget(period)
    _one_sentence(error)


@pytest.mark.parametrize("name", list(SEARCH_METHODS))
def test_every_method_refuses_an_absurd_budget_in_one_sentence(name):
    with pytest.raises(BudgetError) as error:
        SEARCH_METHODS[name]().find(tent_map(), 10**23)
    # the core speaks Python (style rule 23); the command line spells it --max-period
    assert "lower max_period= to " in _one_sentence(error)
    assert error.value.remedies[0].parameter == "max_period"


@pytest.mark.parametrize("options", [{"n_starts": 0}, {"max_iter": -1}, {"seed": -1}])
def test_a_bad_option_is_refused_where_it_enters(options):
    with pytest.raises(UserInputError, match=next(iter(options))) as error:
        Scyfi(**options)
    _one_sentence(error)


def _tent_periodic_points(k: int) -> set:
    """Fix(T^k) of the tent map T(u) = 1/2 − 2|u|, in closed form: 2^k points.

    With x = u + 1/2, T is the standard tent map τ(x) = 1 − |2x − 1|; τ^k is linear on each
    [i/2^k, (i+1)/2^k] with slope ±2^k and meets the diagonal once there, at i/(2^k − 1)
    (i even) or (i + 1)/(2^k + 1) (i odd).
    """
    even = {sympy.Rational(2 * j, 2**k - 1) for j in range(2 ** (k - 1))}
    odd = {sympy.Rational(2 * j, 2**k + 1) for j in range(1, 2 ** (k - 1) + 1)}
    return {x - sympy.Rational(1, 2) for x in even | odd}


def _periodic_points(result: CycleSet, k: int) -> set:
    return {
        point for cycle in result if k % cycle.period == 0 for point in cycle.exact_points.col(0)
    }


@pytest.mark.parametrize("k", range(1, 11))
def test_exhaustive_and_scyfi_find_the_tent_maps_2_to_the_k_periodic_points(k):
    closed_form = _tent_periodic_points(k)
    assert len(closed_form) == 2**k
    exhaustive = tent_map().cycles(k)
    scyfi = tent_map().cycles(k, method=Scyfi(n_starts=1_000))  # 200 starts miss some at k = 10
    assert _periodic_points(exhaustive, k) == closed_form
    assert _periodic_points(scyfi, k) == closed_form
    assert exhaustive.complete and not scyfi.complete


def test_the_shared_scyfi_step_on_scyfis_own_shallow_plrnn():
    # DurstewitzLab/SCYFI, test/shPLRNN_tests.jl (M = 2, H = 10, 56 regions with their own
    # offsets): two 2-cycles and one 4-cycle, no fixed point and no 3-cycle
    m = PWLMap.from_shplrnn(**SCYFI_CYCLES)
    found = m.cycles(4, method=Scyfi())
    assert [len(found.of_period(k)) for k in (1, 2, 3, 4)] == [0, 2, 0, 1]
    for cycle in found:  # decided exactly: f maps each exact point onto the next, in QQ
        points = [cycle.exact_points.row(j).T for j in range(cycle.period)]
        images = [m.exact_step(DomainMatrix.from_Matrix(p).convert_to(QQ)) for p in points]
        assert [image.to_Matrix() for image in images] == points[1:] + points[:1]


# ---- a method added in one file and one registry line --------------------------------------


@dataclasses.dataclass(frozen=True)
class EveryWord(SearchMethod):
    """Every region word of each period by itertools.product, each decided exactly.

    Parameters
    ----------
    budget : int
        Words of one period at most before SearchTooLargeError.
    """

    name = "every-word"
    complete = False  # families of cycles along power words are not looked for

    budget: int = 10_000

    def describe(self, m: PWLMap) -> str:
        return f"every word (at most {self.budget} per period)"

    def _find(self, m: PWLMap, max_period: int, progress: bool) -> CycleSet:
        found, classes = [], set()
        for k in range(1, max_period + 1):
            if m.n_regions**k > self.budget:
                raise SearchTooLargeError(f"{m.n_regions}^{k} words exceed --budget {self.budget}")
            for word in itertools.product(range(m.n_regions), repeat=k):
                if primitive_period(word) == k and least_rotation(word) not in classes:
                    classes.add(least_rotation(word))
                    found.append(exact_cycle(m, word))
        return self._result(m, [c for c in found if c is not None], max_period, len(classes))


@pytest.fixture
def every_word(monkeypatch):
    monkeypatch.setitem(SEARCH_METHODS, EveryWord.name, EveryWord)
    return EveryWord


@pytest.mark.parametrize("system", sorted(RICH_MAPS))
def test_a_new_method_finds_what_the_exhaustive_search_finds(every_word, system):
    m = RICH_MAPS[system]()
    found = find_cycles(m, 5, every_word())
    assert found.cycles == m.cycles(5).cycles and len(found) > 0
    assert m.cycles(5, method=every_word()).cycles == found.cycles


def test_a_new_method_is_on_the_command_line(every_word, tent, capsys):
    help_text = _cycles_help(capsys)
    assert "every-word" in help_text and "--budget BUDGET" in help_text
    assert main(["cycles", tent, "--method", "every-word", "--max-period", "3", "--json"]) == 0
    assert [o["period"] for o in json.loads(capsys.readouterr().out)] == [1, 1, 2, 3, 3]
    assert main(["cycles", tent, "--method", "every-word", "--max-period", "3", "--budget", "4"])
    assert "2^3 words exceed --budget 4" in capsys.readouterr().err


# ---- the command line: --method and options generated from the fields ----------------------


def _cycles_help(capsys) -> str:
    with pytest.raises(SystemExit):
        main(["cycles", "--help"])
    return capsys.readouterr().out


def test_cycles_help_lists_every_method_and_every_option(capsys):
    text = _cycles_help(capsys)
    for name, cls in SEARCH_METHODS.items():
        assert name in text
        for field in dataclasses.fields(cls):
            assert "--" + field.name.replace("_", "-") in text
    assert "--scyfi" in text and "--starts" in text and "--steps" in text  # the older flags


@pytest.mark.parametrize("name", list(SEARCH_METHODS))
def test_each_method_runs_from_the_command_line(name, tent, capsys):
    assert main(["cycles", tent, "--method", name, "--max-period", "2"]) == 0
    out = capsys.readouterr().out
    assert SEARCH_METHODS[name]().describe(tent_map()) in out
    assert ("complete." if SEARCH_METHODS[name].complete else "NOT a completeness") in out


def test_options_reach_the_method(tent, capsys):
    box = ["--method", "admissible-tree", "--box", "-0.5", "0.5", "--max-nodes", "1000"]
    assert main(["cycles", tent, *box, "--max-period", "3", "--json"]) == 0
    assert [o["period"] for o in json.loads(capsys.readouterr().out)] == [1, 1, 2, 3, 3]
    assert main(["cycles", tent, "--method", "exhaustive", "--no-prune", "--max-period", "2"]) == 0
    assert "exhaustive (unpruned)" in capsys.readouterr().out
    assert main(["cycles", tent, "--scyfi", "--starts", "7", "--max-iter", "3"]) == 0
    assert "SCYFI heuristic (7 starts × 3 iterations per period)" in capsys.readouterr().out


def test_an_option_of_another_method_is_one_sentence(tent, capsys):
    assert main(["cycles", tent, "--method", "scyfi", "--max-seeds", "3", "--box", "0", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--box (of --method exhaustive/admissible-tree), --max-seeds (of --method seeded)" in err
    assert "are not options of --method scyfi, whose options are --max-iter" in err
