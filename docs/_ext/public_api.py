"""``.. public-api:: [PACKAGE]``: autodoc entries for every name in ``PACKAGE.__all__``.

PACKAGE is ``pwl_analysis`` (the exact core) unless given, e.g. ``pwl_analysis.app``.  The
list is read from the package at build time, so the API reference cannot fall behind the
exports.
"""

from __future__ import annotations

import importlib
import inspect

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


def _entry(package, name: str) -> list[str]:
    if inspect.isclass(getattr(package, name)):
        return [f".. autoclass:: {package.__name__}.{name}", "   :members:", ""]
    return [f".. autofunction:: {package.__name__}.{name}", ""]


class PublicAPI(SphinxDirective):
    """Document each public name of a package, classes first, in alphabetical order."""

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        """Parse the exported names into autodoc entries."""
        package = importlib.import_module(self.arguments[0] if self.arguments else "pwl_analysis")
        is_class = {name: inspect.isclass(getattr(package, name)) for name in package.__all__}
        names = sorted(package.__all__, key=lambda n: (not is_class[n], n))
        lines = [line for name in names for line in _entry(package, name)]
        container = nodes.section()
        container.document = self.state.document
        source = f"{package.__name__}.__all__"
        self.state.nested_parse(StringList(lines, source=source), 0, container)
        return container.children


def setup(app):
    """Register this extension with Sphinx."""
    app.add_directive("public-api", PublicAPI)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
