"""The errors a user can cause: raised where the input enters, reported as one sentence.

The command line prints a :class:`UserInputError` (and the file-system errors that name a
user's path) as ``pwl-analysis COMMAND: error: MESSAGE`` with a non-zero exit status; any other
exception is a bug and keeps its traceback.  ``UserInputError`` is a ``ValueError``, so code
written against ``except ValueError`` still catches it.

A :class:`BudgetError` says what the request would cost and carries its :class:`Remedy`
values: the parameters (by their Python names) whose change would bring it within budget.
Its message spells them as Python (``lower max_period= to 12``); the command line spells
them as its own options (``lower --max-period to 12``), in one place
(:func:`pwl_analysis.app.cli._sentence`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class UserInputError(ValueError):
    """An option, file, model or folder the computation cannot use.

    The message says which value is wrong and what was expected, in one sentence.
    """


@dataclass(frozen=True)
class Remedy:
    """One change of one parameter that brings a request within its budget.

    Attributes
    ----------
    parameter : str
        The Python parameter name (``"max_period"``, ``"max_words"``, ``"method"``).
    action : str
        ``"lower"``, ``"raise"`` or ``"use"`` (a value to pass, e.g. another method).
    value : int, str or None
        The value that fits (a number for lower/raise, a search method's class name for
        ``method``), or None where any change in that direction helps.

    Examples
    --------
    >>> str(Remedy("max_period", "lower", 12)), str(Remedy("method", "use", "Scyfi"))
    ('lower max_period= to 12', 'use method=Scyfi()')
    """

    parameter: str
    action: str
    value: int | str | None = None

    def __str__(self) -> str:
        if self.action == "use":
            value = f"{self.value}()" if self.parameter == "method" else self.value
            return f"use {self.parameter}={value}"
        target = "" if self.value is None else f" to {self.value}"
        return f"{self.action} {self.parameter}={target}"


class BudgetError(UserInputError):
    """A request whose cost (memory, words to solve, periods to search) exceeds its budget.

    Raised before the work where the cost can be estimated.  ``what`` says what the request
    would cost; ``remedies`` the parameters that would make it fit, in the order to try.

    Parameters
    ----------
    what : str
        The cost against the budget, one clause.
    remedies : tuple of Remedy
        Parameter changes that fit, each spelled ``lower max_period= to 12`` in the message.

    Examples
    --------
    >>> error = BudgetError("2^40 words", (Remedy("max_period", "lower", 22),))
    >>> str(error)
    '2^40 words: lower max_period= to 22'
    >>> error.sentence(lambda r: f"lower --max-period to {r.value}")
    '2^40 words: lower --max-period to 22'
    """

    def __init__(self, what: str, remedies: tuple[Remedy, ...] = ()):
        super().__init__(what, tuple(remedies))
        self.what, self.remedies = what, tuple(remedies)

    def sentence(self, spell: Callable[[Remedy], str | None] = str) -> str:
        """The message with each remedy spelled by ``spell`` (None: the remedy is left out)."""
        spelled = [text for text in map(spell, self.remedies) if text]
        if not spelled:
            return self.what
        return f"{self.what}: {', or '.join(spelled)}"

    def __str__(self) -> str:
        return self.sentence()
