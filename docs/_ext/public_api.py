"""``.. public-api::``: autodoc entries for every name in ``pwl_analysis.__all__``.

The list is read from the package at build time, so the API reference cannot fall behind
the exports.
"""

from __future__ import annotations

import inspect

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

import pwl_analysis


def _entry(name: str) -> list[str]:
    obj = getattr(pwl_analysis, name)
    if inspect.isclass(obj):
        return [f".. autoclass:: pwl_analysis.{name}", "   :members:", ""]
    return [f".. autofunction:: pwl_analysis.{name}", ""]


def _is_function(name: str) -> bool:
    return not inspect.isclass(getattr(pwl_analysis, name))


class PublicAPI(SphinxDirective):
    """Document each public name, classes first, in alphabetical order."""

    def run(self) -> list[nodes.Node]:
        """Parse the exported names into autodoc entries."""
        names = sorted(pwl_analysis.__all__, key=lambda n: (_is_function(n), n))
        lines = [line for name in names for line in _entry(name)]
        container = nodes.section()
        container.document = self.state.document
        self.state.nested_parse(StringList(lines, source="pwl_analysis.__all__"), 0, container)
        return container.children


def setup(app):
    """Register this extension with Sphinx."""
    app.add_directive("public-api", PublicAPI)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
