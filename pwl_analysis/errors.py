"""The errors a user can cause: raised where the input enters, reported as one sentence.

The command line prints a :class:`UserInputError` (and the file-system errors that name a
user's path) as ``pwl-analysis COMMAND: error: MESSAGE`` with a non-zero exit status; any other
exception is a bug and keeps its traceback.  ``UserInputError`` is a ``ValueError``, so code
written against ``except ValueError`` still catches it.
"""

from __future__ import annotations


class UserInputError(ValueError):
    """An option, file, model or folder the computation cannot use.

    The message says which value is wrong and what was expected, in one sentence.
    """


class BudgetError(UserInputError):
    """A request whose cost (memory, words to solve, periods to search) exceeds its budget.

    The message names the option to lower.
    """
