"""Every exported name documents itself: numpy sections and a doctested example.

``pytest --doctest-modules`` (the project's default) runs the examples; these tests make sure
every name in ``pwl_analysis.__all__``, ``pwl_analysis.app.__all__`` and
``training.__all__`` has one, that functions document each parameter and what they return,
and that records document each field.  ``training``'s names need PyTorch (the ``train``
extra); without it their checks are skipped.  As a script it prints the count:

    python tests/test_docstrings.py
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re

import pytest

#: numpydoc validation codes every exported function must pass: a parameter undocumented
#: (PR01), documented but not in the signature (PR02), without a description (PR07) or with
#: a bad "name : type" line (PR10); no Returns section (RT01), or one without a description
#: (RT03).
FUNCTION_CHECKS = ("PR01", "PR02", "PR07", "PR10", "RT01", "RT03")


#: The packages whose exports the API reference lists (docs/_ext/public_api.py).
PACKAGES = ("pwl_analysis", "pwl_analysis.app", "training")

#: An optional dependency a package's exports import (``training`` loads them lazily).
REQUIRES = {"training": "torch"}


def _exported(package_name: str) -> list[tuple[str, object]]:
    """(qualified name, object) for every name in the package's ``__all__``."""
    package = importlib.import_module(package_name)
    return [(f"{package_name}.{name}", getattr(package, name)) for name in package.__all__]


@pytest.fixture(params=PACKAGES)
def exported(request) -> list[tuple[str, object]]:
    """One package's exports; skipped where its optional dependency is not installed."""
    if request.param in REQUIRES:
        pytest.importorskip(REQUIRES[request.param])
    return _exported(request.param)


def _section(doc: str, title: str) -> str:
    """The text of a numpy docstring section, up to the next section's underlined title."""
    match = re.search(rf"^{title}\n-+\n(.*?)(?=^\w[\w ]*\n-+\n|\Z)", doc, re.M | re.S)
    return match.group(1) if match else ""


def has_doctested_example(obj) -> bool:
    """Whether the docstring has an Examples section with a doctest that runs (no +SKIP)."""
    examples = _section(inspect.getdoc(obj) or "", "Examples")
    return ">>> " in examples and "+SKIP" not in examples


def test_every_exported_name_has_a_doctested_example(exported):
    missing = [name for name, obj in exported if not has_doctested_example(obj)]
    assert missing == []


def test_exported_functions_document_parameters_and_returns(exported):
    validate = pytest.importorskip("numpydoc.validate").validate
    problems = {
        name: codes
        for name, obj in exported
        if inspect.isfunction(obj)
        and (
            codes := sorted(
                {
                    code
                    for code, _ in validate(f"{obj.__module__}.{obj.__qualname__}")["errors"]
                    if code in FUNCTION_CHECKS
                }
            )
        )
    }
    assert problems == {}


def _documented_fields(doc: str) -> set[str]:
    """Names listed in the Attributes and Parameters sections (``a, b : type`` lists both)."""
    names = set()
    for title in ("Attributes", "Parameters"):
        for line in _section(doc, title).splitlines():
            if line and not line[0].isspace():
                names.update(n.strip() for n in line.split(" : ")[0].split(","))
    return names


def _own_fields(cls) -> set[str]:
    """A dataclass's fields less those it inherits (documented on the base record)."""
    inherited = {
        f.name
        for base in cls.__mro__[1:]
        if dataclasses.is_dataclass(base)
        for f in dataclasses.fields(base)
    }
    return {f.name for f in dataclasses.fields(cls)} - inherited


def test_exported_records_document_every_field(exported):
    undocumented = {
        name: sorted(_own_fields(obj) - _documented_fields(inspect.getdoc(obj)))
        for name, obj in exported
        if dataclasses.is_dataclass(obj)
    }
    assert {name: fields for name, fields in undocumented.items() if fields} == {}


def _documented(doc: str):
    def function():
        pass

    function.__doc__ = doc
    return function


def test_the_section_reader_itself():
    doc = (
        "Summary.\n\nAttributes\n----------\nlow, high : float\n    Range.\n\nExamples\n--------\n"
    )
    assert _documented_fields(doc) == {"low", "high"}
    assert has_doctested_example(_documented(doc + ">>> 1 + 1\n2\n"))
    assert not has_doctested_example(_documented(doc + ">>> 1 + 1  # doctest: +SKIP\n2\n"))
    assert not has_doctested_example(_documented(doc + "Shown, not run.\n"))
    assert not has_doctested_example(_documented("Summary.\n\n>>> 1 + 1\n2\n"))


if __name__ == "__main__":
    every = [pair for package in PACKAGES for pair in _exported(package)]
    names = [name for name, obj in every if has_doctested_example(obj)]
    print(f"{len(names)} of {len(every)} exported names have a doctested example")
