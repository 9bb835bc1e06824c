"""The API reference from the package itself, and references that find it.

- ``.. public-api::``: autodoc entries for every name in ``pwl_analysis.__all__``.
- ``.. public-modules::``: the docstring of every public module (a name without a leading
  ``_``), where each module states its mathematics and its sources.
- References written with a module path resolve to where the object is documented: an
  exported name (``pwl_analysis.rational.rationalize``) to its entry ``pwl_analysis.rationalize``;
  another public function or class of a module (``pwl_analysis.words.least_rotation``, or
  ``minimal_P`` from a docstring) to that module's entry.

The lists are read from the package at build time, so the reference cannot fall behind the
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

import pwl_analysis


def _entry(name: str) -> list[str]:
    obj = getattr(pwl_analysis, name)
    if inspect.isclass(obj):
        return [f".. autoclass:: pwl_analysis.{name}", "   :members:", ""]
    return [f".. autofunction:: pwl_analysis.{name}", ""]


def _is_function(name: str) -> bool:
    return not inspect.isclass(getattr(pwl_analysis, name))


@cache
def public_modules() -> tuple[str, ...]:
    """Every module of the package whose dotted name has no part starting with ``_``."""
    found = pkgutil.walk_packages(pwl_analysis.__path__, "pwl_analysis.")
    names = [info.name for info in found]
    return tuple(sorted(n for n in names if not any(p.startswith("_") for p in n.split("."))))


def _defined_in(module: str, name: str) -> bool:
    obj = getattr(importlib.import_module(module), name, None)
    return getattr(obj, "__module__", None) == module


def _parse(directive: SphinxDirective, lines: list[str], source: str) -> list[nodes.Node]:
    container = nodes.section()
    container.document = directive.state.document
    nested_parse_with_titles(directive.state, StringList(lines, source=source), container)
    return container.children


class PublicAPI(SphinxDirective):
    """Document each public name, classes first, in alphabetical order."""

    def run(self) -> list[nodes.Node]:
        """Parse the exported names into autodoc entries."""
        names = sorted(pwl_analysis.__all__, key=lambda n: (_is_function(n), n))
        lines = [line for name in names for line in _entry(name)]
        return _parse(self, lines, "pwl_analysis.__all__")


class PublicModules(SphinxDirective):
    """A section per public module holding its docstring."""

    def run(self) -> list[nodes.Node]:
        """Parse the modules into titled ``automodule`` entries."""
        lines = []
        for module in public_modules():
            title = f":mod:`{module}`"
            lines += [title, "-" * len(title), "", f".. automodule:: {module}", ""]
        return _parse(self, lines, "pwl_analysis modules")


def _owner(target: str, context: str | None) -> tuple[str, str] | None:
    """(where it is documented, kind) for a dotted target inside the package, or None.

    ``kind`` is ``"obj"`` for an exported name and ``"mod"`` for a module's entry; a bare
    name belongs to the module whose docstring mentions it (``context``) when that module
    has it, else to the one module that defines it.
    """
    parts = target.split(".")
    for i, part in enumerate(parts):
        if part in pwl_analysis.__all__:
            return ".".join(["pwl_analysis", *parts[i:]]), "obj"
    if parts[0] != "pwl_analysis":
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
