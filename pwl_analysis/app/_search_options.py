"""The command line's search options, generated from the registered search methods.

``--method NAME`` picks a class from :data:`pwl_analysis.methods.SEARCH_METHODS`; each field
of a method's dataclass becomes ``--field-name`` (its type read from the annotation, its help
from the class docstring's ``Parameters`` section).  Methods that share a field share its
option; an option given for a method that does not have it is refused in one sentence.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import typing

from pwl_analysis.errors import UserInputError
from pwl_analysis.methods import SEARCH_METHODS, SearchMethod

#: The flags of the command line before ``--method``, kept as aliases.
METHOD_FLAGS = {"scyfi": "--scyfi", "seeded": "--seeded"}
OPTION_ALIASES = {"n_starts": "--starts", "n_steps": "--steps"}
#: Prefix of the options' ``dest`` in the parsed namespace.
_DEST = "search_option_"
#: Descriptions longer than this many characters are cut to their first sentence in --help.
_LONG_HELP = 160
#: What a box option reads.
_BOX_FORMAT = "LOWER and UPPER each a number, or comma-separated per coordinate"
#: The two values of a box option, in order.
_BOX = ("LOWER", "UPPER")


def add_search_options(parser: argparse.ArgumentParser) -> None:
    """``--method`` and every registered method's options, in two help groups."""
    group = parser.add_argument_group("search method")
    choice = group.add_mutually_exclusive_group()
    listing = "; ".join(
        f"{name}: {_summary(cls)}{' (complete)' if cls.complete else ''}"
        for name, cls in SEARCH_METHODS.items()
    )
    choice.add_argument(
        "--method",
        choices=list(SEARCH_METHODS),
        help=f"the search (default {next(iter(SEARCH_METHODS))}); {listing}",
    )
    for name, flag in METHOD_FLAGS.items():
        choice.add_argument(
            flag, dest="method", action="store_const", const=name, help=f"--method {name}"
        )
    options = parser.add_argument_group(
        "options of the search methods",
        "each applies to the methods in brackets; an option not given keeps its default",
    )
    for field, uses in _options().items():
        flags = [_flag(field), *([OPTION_ALIASES[field]] if field in OPTION_ALIASES else [])]
        reader = _reader(field, uses)
        helps = "; ".join(f"[{', '.join(names)}] {text}" for text, names in _helps(uses).items())
        helps += f" ({_BOX_FORMAT})" if reader.get("nargs") == 2 else ""
        options.add_argument(*flags, dest=_DEST + field, default=None, help=helps, **reader)


def search_method(args: argparse.Namespace) -> SearchMethod:
    """The method named by ``--method`` (default the registry's first) with the options given.

    Raises
    ------
    UserInputError
        An option given that the method does not have.
    """
    name = args.method or next(iter(SEARCH_METHODS))
    cls = SEARCH_METHODS[name]
    given = {
        key.removeprefix(_DEST): value
        for key, value in vars(args).items()
        if key.startswith(_DEST) and value is not None
    }
    own = {f.name for f in dataclasses.fields(cls)}
    foreign = sorted(set(given) - own)
    if foreign:
        options = _options()
        flags = ", ".join(
            f"{_flag(field)} (of --method {'/'.join(use[0] for use in options[field])})"
            for field in foreign
        )
        accepted = ", ".join(_flag(field) for field in sorted(own)) or "none"
        raise UserInputError(
            f"{flags} {'is not an option' if len(foreign) == 1 else 'are not options'} of "
            f"--method {name}, whose options are {accepted}"
        )
    hints = typing.get_type_hints(cls)
    return cls(**{key: _value(hints[key], value, key) for key, value in given.items()})


def _options() -> dict[str, list[tuple[str, object, object, str]]]:
    """Field → (method name, type, default, doc) of every registered method that has it."""
    options: dict[str, list] = {}
    for name, cls in SEARCH_METHODS.items():
        hints, docs = typing.get_type_hints(cls), cls.option_docs()
        for f in dataclasses.fields(cls):
            options.setdefault(f.name, []).append((name, hints[f.name], f.default, docs[f.name]))
    return options


def _helps(uses: list) -> dict[str, list[str]]:
    """One help text per distinct (doc, default), with the methods it belongs to.

    A long description is cut to its first sentence.
    """
    helps: dict[str, list[str]] = {}
    for name, _, default, doc in uses:
        text = doc if len(doc) <= _LONG_HELP else re.split(r"(?<=\.)\s+(?=[A-Z])", doc)[0]
        helps.setdefault(f"{text.rstrip('.')} (default {default})", []).append(name)
    return helps


def _reader(field: str, uses: list) -> dict:
    """argparse keywords reading a value of the field's type (shared by its methods)."""
    kinds = {hint for _, hint, _, _ in uses}
    if len(kinds) > 1:
        raise TypeError(f"methods give option {field!r} different types: {kinds}")
    hint = kinds.pop()
    if hint in (int, float):
        return {"type": hint, "metavar": field.upper()}
    if hint in (bool, bool | None):
        return {"action": argparse.BooleanOptionalAction}
    if hint in (tuple, tuple | None):
        return {"nargs": 2, "metavar": _BOX}
    raise TypeError(f"the command line cannot read option {field!r} of type {hint}")


def _value(hint, value, field: str):
    """The parsed value as the field holds it: a box as a (lower, upper) tuple."""
    return read_box(value, _flag(field)) if hint in (tuple, tuple | None) else value


def read_box(texts: list[str] | None, option: str = "--box") -> tuple | None:
    """The two texts of a box option, LOWER and UPPER, as a (lower, upper) pair of lists.

    Each text is one number (every coordinate) or comma-separated numbers, one per
    coordinate; the map's dimension, finiteness and lower ≤ upper are checked where the box
    meets the map (:func:`pwl_analysis.transitions.check_box`).

    Raises
    ------
    UserInputError
        A text that is not a number or a comma-separated list of numbers.
    """
    if texts is None:
        return None
    return tuple(read_numbers(text, f"{option} {name}") for name, text in zip(_BOX, texts))


def read_numbers(text: str, option: str = "--box") -> list[float]:
    """``"1.5"`` or ``"-1,-2.5"`` as a list of floats (one value: every coordinate).

    Raises
    ------
    UserInputError
        A part that is not a number, named with ``option``.
    """
    try:
        return [float(x) for x in text.split(",")]
    except ValueError:
        raise UserInputError(
            f"{option} must be a number, or numbers separated by commas (one per coordinate), "
            f"got {text!r}"
        ) from None


def parameter_of(dest: str) -> str:
    """The Python parameter an option's ``dest`` sets: a method's field, or the dest itself."""
    return dest.removeprefix(_DEST)


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def _summary(cls: type[SearchMethod]) -> str:
    """The first line of the class docstring, without its full stop."""
    return (cls.__doc__ or cls.__name__).strip().splitlines()[0].rstrip(".")
