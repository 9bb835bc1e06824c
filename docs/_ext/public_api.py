"""The API reference from the packages themselves, and references that find it.

- ``.. public-api:: [PACKAGE]``: autodoc entries for every name in ``PACKAGE.__all__``;
  PACKAGE is ``pwl_analysis`` (the exact core) unless given, e.g. ``pwl_analysis.app``.
- ``.. public-modules::``: the docstring of every public module of ``pwl_analysis`` and
  ``training`` (a dotted name without a part starting with ``_``), where each module states
  its mathematics and its sources.
- References written with a module path resolve to where the object is documented: an
  exported name (``pwl_analysis.rational.rationalize``) to its entry
  (``pwl_analysis.rationalize``); another public function or class of a module
  (``pwl_analysis.words.least_rotation``, or ``minimal_P`` from a docstring) to that
  module's entry.

The lists are read from the packages at build time, so the reference cannot fall behind the
code.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

#: Packages whose ``__all__`` the API page lists, each name documented as PACKAGE.NAME.
API_PACKAGES = ("pwl_analysis", "pwl_analysis.app", "training")
#: Packages whose modules the modules page lists.
MODULE_PACKAGES = ("pwl_analysis", "training")


def _entry(package, name: str) -> list[str]:
    if inspect.isclass(getattr(package, name)):
        return [f".. autoclass:: {package.__name__}.{name}", "   :members:", ""]
    return [f".. autofunction:: {package.__name__}.{name}", ""]


@cache
def public_modules() -> tuple[str, ...]:
    """Every module of :data:`MODULE_PACKAGES` with no dotted part starting with ``_``.

    A package's own docstring is listed too, except where the API page already declares it.
    """
    names = [package for package in MODULE_PACKAGES if package not in API_PACKAGES]
    for package in MODULE_PACKAGES:
        root = importlib.import_module(package)
        names += [info.name for info in pkgutil.walk_packages(root.__path__, f"{package}.")]
    return tuple(sorted(n for n in names if not any(p.startswith("_") for p in n.split("."))))


@cache
def _exported() -> dict[str, str]:
    """Exported name -> the package it is documented under (the first that exports it)."""
    owners = {}
    for package in reversed(API_PACKAGES):
        owners |= dict.fromkeys(importlib.import_module(package).__all__, package)
    return owners


def _defined_in(module: str, name: str) -> bool:
    obj = getattr(importlib.import_module(module), name, None)
    return getattr(obj, "__module__", None) == module


def _parse(directive: SphinxDirective, lines: list[str], source: str) -> list[nodes.Node]:
    container = nodes.section()
    container.document = directive.state.document
    nested_parse_with_titles(directive.state, StringList(lines, source=source), container)
    return container.children


class PublicAPI(SphinxDirective):
    """Document each public name of a package, classes first, in alphabetical order."""

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        """Parse the exported names into autodoc entries."""
        package = importlib.import_module(self.arguments[0] if self.arguments else "pwl_analysis")
        is_class = {name: inspect.isclass(getattr(package, name)) for name in package.__all__}
        names = sorted(package.__all__, key=lambda n: (not is_class[n], n))
        lines = [line for name in names for line in _entry(package, name)]
        return _parse(self, lines, f"{package.__name__}.__all__")


class PublicModules(SphinxDirective):
    """A section per public module holding its docstring."""

    def run(self) -> list[nodes.Node]:
        """Parse the modules into titled ``automodule`` entries."""
        lines = []
        for module in public_modules():
            title = f":mod:`{module}`"
            lines += [title, "-" * len(title), "", f".. automodule:: {module}", ""]
        return _parse(self, lines, "public modules")


def _owner(target: str, context: str | None) -> tuple[str, str] | None:
    """(where it is documented, kind) for a dotted target inside the packages, or None.

    ``kind`` is ``"obj"`` for an exported name and ``"mod"`` for a module's entry; a bare
    name belongs to the module whose docstring mentions it (``context``) when that module
    has it, else to the one module that defines it.
    """
    parts = target.split(".")
    for i, part in enumerate(parts):
        if part in _exported():
            return ".".join([_exported()[part], *parts[i:]]), "obj"
    if parts[0] not in MODULE_PACKAGES:
        if context in public_modules() and hasattr(importlib.import_module(context), target):
            return context, "mod"
        holders = [m for m in public_modules() if _defined_in(m, target)]
        return (holders[0], "mod") if len(holders) == 1 else None
    for cut in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:cut])
        if module in public_modules():
            return module, "mod"
    return None


def _resolve(app, env, node, contnode):
    """Send a Python reference that found no target to where its object is documented."""
    if node.get("refdomain") != "py" or node["reftarget"].split(".")[-1].startswith("_"):
        return None
    owner = _owner(node["reftarget"], node.get("py:module"))
    if owner is None:
        return None
    target, kind = owner
    domain = env.get_domain("py")
    return domain.resolve_xref(env, node["refdoc"], app.builder, kind, target, node, contnode)


def setup(app):
    """Register this extension with Sphinx."""
    app.add_directive("public-api", PublicAPI)
    app.add_directive("public-modules", PublicModules)
    app.connect("missing-reference", _resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
