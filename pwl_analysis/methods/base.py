"""The protocol every cycle search follows: one base class, its options as values.

A search method is a frozen dataclass whose fields are its options (budgets, a seed, a box)
and which subclasses :class:`SearchMethod`, as diffrax's solvers subclass ``AbstractSolver``.
It says

- ``name``: its key in :data:`pwl_analysis.methods.SEARCH_METHODS` and on the command line
  (``pwl-analysis cycles --method NAME``);
- ``complete``: whether its answer is provably every orbit of minimal period ≤ K (the claim
  its :class:`~pwl_analysis.orbits.CycleSet` carries as ``complete``);
- ``describe(m)``: one line naming it and its settings, for reports;
- ``costs(m, K)``: its estimated work up to each period, in the unit its budget counts
  (region words, letters, tree nodes), from the map and its options alone;
- ``check_budget(K, m)``: refuses, in one sentence and before the search, a bad period or
  one whose estimated cost exceeds the budget, naming the parameters that would fit
  (a :class:`~pwl_analysis.errors.BudgetError` with its :class:`~pwl_analysis.errors.Remedy`
  values: ``lower max_period= to 12``);

and implements ``_find(m, K, progress)``, the search itself, which :meth:`SearchMethod.find`
calls once the budget is checked.  Adding a method is one new module defining a subclass and
one line in the registry (:mod:`pwl_analysis.methods`); ``m.cycles``,
:func:`~pwl_analysis.search.find_cycles` and the command line, whose options are generated
from the fields and the ``Parameters`` section of the class docstring, need no change.
"""

from __future__ import annotations

import inspect
import numbers
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from pwl_analysis.errors import Remedy, UserInputError
from pwl_analysis.orbits import CycleSet
from pwl_analysis.pwl_map import PWLMap
from pwl_analysis.words import SearchTooLargeError

#: Longest period the word searches accept: a period-K word costs products of K matrices in
#: exact rationals, and the searches loop over every period up to K.
MAX_PERIOD = 1_000


@dataclass(frozen=True)
class SearchMethod(ABC):
    """A cycle search: its options as fields, ``find`` to run it, ``complete`` to trust it.

    Subclasses are frozen dataclasses that set the class attributes ``name`` and
    ``complete`` and implement :meth:`describe` and ``_find(m, max_period, progress)``,
    which returns a :class:`~pwl_analysis.orbits.CycleSet` (usually through
    ``self._result``); every field has a default and an entry in the class docstring's
    ``Parameters`` section, which the command line shows as its help.

    Attributes
    ----------
    name : str
        Key in :data:`pwl_analysis.methods.SEARCH_METHODS` and on the command line.
    complete : bool
        Whether the method's answer is provably every orbit of minimal period ≤ K.
    longest_period : int or None
        Longest period K the method accepts (:data:`MAX_PERIOD`); None: no limit of its own.
    budget : str or None
        The field holding the budget that :meth:`costs` is measured against; None: no
        budget that depends on the map.
    unit : str
        What :meth:`costs` counts, for messages (``"region words"``).
    remedies : tuple of Remedy
        Besides a lower ``max_period`` and a larger budget, what else fits (another
        method).

    See Also
    --------
    pwl_analysis.search.find_cycles : runs a method, ``Exhaustive()`` by default.

    Examples
    --------
    Every method is run the same way, and says whether its answer is complete:

    >>> from pwl_analysis import Exhaustive, PWLMap, Scyfi
    >>> tent = PWLMap.from_alrnn([2.0], [[-4.0]], [0.5], P=1)
    >>> for method in (Exhaustive(), Scyfi()):
    ...     found = method.find(tent, 3)
    ...     print(method.name, len(found), found.complete)
    exhaustive 5 True
    scyfi 5 False

    A new method is a subclass; this one decides every Lyndon word exactly, without the
    screen, the pruning or the power families of :class:`Exhaustive`:

    >>> from dataclasses import dataclass
    >>> from pwl_analysis.cycle_equation import exact_cycles
    >>> from pwl_analysis.methods import SearchMethod
    >>> from pwl_analysis.words import lyndon_words
    >>> @dataclass(frozen=True)
    ... class EveryLyndonWord(SearchMethod):
    ...     name = "every-lyndon-word"
    ...     complete = False  # a line of cycles through a power word is not looked for
    ...
    ...     def describe(self, m):
    ...         return "every Lyndon word, decided exactly"
    ...
    ...     def _find(self, m, max_period, progress):
    ...         words = [lyndon_words(m.n_regions, k) for k in range(1, max_period + 1)]
    ...         found = [c for w in words for c in exact_cycles(m, w)]
    ...         return self._result(m, found, max_period, sum(map(len, words)))
    >>> found = EveryLyndonWord().find(tent, 3)
    >>> found.cycles == Exhaustive().find(tent, 3).cycles, found.words_tried
    (True, 5)
    """

    name: ClassVar[str]
    complete: ClassVar[bool]
    longest_period: ClassVar[int | None] = MAX_PERIOD
    budget: ClassVar[str | None] = None
    unit: ClassVar[str] = "region words"
    remedies: ClassVar[tuple[Remedy, ...]] = ()

    def find(self, m: PWLMap, max_period: int, progress: bool = False) -> CycleSet:
        """Every orbit of minimal period 1…``max_period`` the method finds.

        Parameters
        ----------
        m : PWLMap
            The map.
        max_period : int
            Largest period K ≥ 1.
        progress : bool, default False
            Show a progress bar.

        Returns
        -------
        CycleSet
            The orbits found, sorted by period and region word; its ``complete`` is the
            method's.

        Raises
        ------
        UserInputError
            ``max_period`` is not a positive integer.
        SearchTooLargeError
            The search is over the method's budget (:meth:`check_budget`, decided from the
            estimate :meth:`costs` before the search starts), or passes a budget the
            estimate could not foresee while it runs.
        """
        self.check_budget(max_period, m)
        return self._find(m, int(max_period), progress)

    @abstractmethod
    def _find(self, m: PWLMap, max_period: int, progress: bool) -> CycleSet:
        """The search itself, ``max_period`` already checked."""

    @abstractmethod
    def describe(self, m: PWLMap) -> str:
        """One line naming the method and its settings on ``m``, for reports."""

    def costs(self, m: PWLMap | None, max_period: int) -> np.ndarray | None:
        """Estimated work of the search up to each period 1…K, in :attr:`unit`.

        Entry k − 1 is the work of the whole search up to period k (non-decreasing in k).
        The estimate may stop after its first entry over the budget (the array is then
        shorter than K).  None: the method has no budget that depends on the map (or on
        ``m``, which is None where the map is not known yet).

        Parameters
        ----------
        m : PWLMap or None
            The map.
        max_period : int
            Largest period K.
        """
        return None

    def check_budget(self, max_period: int, m: PWLMap | None = None) -> None:
        """Refuse, before it starts, a search with a bad period or over the budget.

        Subclasses with budgets of their own extend this (and call it first).

        Parameters
        ----------
        max_period : int
            Largest period K of the search.
        m : PWLMap, optional
            The map, for the budgets whose cost depends on it (:meth:`costs`).

        Raises
        ------
        UserInputError
            ``max_period`` is not a positive integer.
        SearchTooLargeError
            ``max_period`` exceeds :attr:`longest_period`, or the estimated cost
            :meth:`costs` exceeds the budget; its remedies name the largest ``max_period``
            that fits.
        """
        if not _is_positive_integer(max_period):
            raise UserInputError(f"max_period must be a positive integer, got {max_period!r}")
        limit = self.longest_period
        if limit is not None and max_period > limit:
            raise SearchTooLargeError(
                f"period {max_period} is beyond the longest the {self.name} search takes, {limit}",
                (Remedy("max_period", "lower", limit), Remedy("method", "use", "TrajectorySeeded")),
            )
        costs = self.costs(m, int(max_period))
        if costs is None or self.budget is None:
            return
        budget = getattr(self, self.budget)
        if len(costs) == max_period and costs[-1] <= budget:
            return
        fits = int(np.count_nonzero(np.asarray(costs) <= budget))
        needed = f"{costs[-1]:.3g}" if len(costs) == max_period else f"more than {budget:.3g}"
        by = "" if len(costs) == max_period else f" (already by period {len(costs)})"
        remedies = (Remedy("max_period", "lower", fits),) if fits else ()
        raise SearchTooLargeError(
            f"the {self.name} search up to period {max_period} would take {needed} "
            f"{self.unit}{by}, over its budget of {budget:.3g}",
            (*remedies, *self.remedies, Remedy(self.budget, "raise")),
        )

    def _result(self, m: PWLMap, found: list, max_period: int, words_tried: int) -> CycleSet:
        """The :class:`CycleSet` of the decided records ``found``, claiming ``complete``."""
        return CycleSet.of_found(
            found, max_period, self.describe(m), self.complete, int(words_tried)
        )

    def _require(self, positive: tuple[str, ...] = (), non_negative: tuple[str, ...] = ()):
        """Raise :class:`UserInputError` naming the first option out of its range."""
        for names, least, what in ((positive, 1, "at least 1"), (non_negative, 0, "≥ 0")):
            for option in names:
                value = getattr(self, option)
                if not _is_integer(value) or value < least:
                    raise UserInputError(
                        f"{option} of {type(self).__name__} must be an integer {what}, "
                        f"got {value!r}"
                    )

    @classmethod
    def option_docs(cls) -> dict[str, str]:
        """Each option's description from the class docstring's ``Parameters`` section.

        Returns
        -------
        dict
            Field name → its description as one line (Sphinx roles and literals unwrapped;
            empty where the docstring does not describe the field).

        Examples
        --------
        >>> from pwl_analysis import Scyfi
        >>> Scyfi.option_docs()["n_starts"]
        'Random initial words per period.'
        """
        section = re.search(
            r"^Parameters\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)",
            inspect.getdoc(cls) or "",
            re.MULTILINE | re.DOTALL,
        )
        entries: dict[str, list[str]] = {}
        lines = [] if section is None else section.group(1).splitlines()
        for line in lines:
            if line and not line[0].isspace():
                current = entries.setdefault(line.split(" : ")[0].strip(), [])
            elif line.strip() and entries:
                current.append(line.strip())
        plain = {name: _plain(" ".join(words)) for name, words in entries.items()}
        return {f.name: plain.get(f.name, "") for f in fields(cls)}


def _is_integer(value) -> bool:
    """An int (not a bool) or a float with an integer value; not inf or NaN."""
    if isinstance(value, bool):
        return False
    return isinstance(value, numbers.Integral) or (isinstance(value, float) and value.is_integer())


def _is_positive_integer(value) -> bool:
    return _is_integer(value) and value >= 1


def _plain(text: str) -> str:
    """Docstring markup as plain text: ``:class:`~a.B``` → B, ````x```` → x."""
    text = re.sub(r":\w+:`~?([^`]*?)`", lambda match: match.group(1).split(".")[-1], text)
    return text.replace("``", "")
