"""Sphinx configuration of the documentation site.

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(DOCS / "_ext")]
# Every example runs in the gallery, on its small budget (seconds; see examples/_common.py).
os.environ["PWL_EXAMPLES_BUDGET"] = "small"

project = "pwl-analysis"
author = "pwl-analysis contributors"
copyright = "pwl-analysis contributors"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinxarg.ext",
    "sphinx_gallery.gen_gallery",
    "public_api",
]

exclude_patterns = ["_build", "gallery/*.ipynb", "gallery/*.py", "gallery/*.zip"]

html_theme = "pydata_sphinx_theme"
html_title = "pwl-analysis"
html_theme_options = {"navigation_with_keys": False}

autodoc_member_order = "bysource"
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "gallery",
    "filename_pattern": r"\.py$",
    "ignore_pattern": r"_common\.py$",
    "image_scrapers": ("gallery.png_scraper",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "reset_argv": "gallery.reset_argv",
}


def _escape_bars(app, what, name, obj, options, lines):
    """Escape the bars of plain-text absolute values, |x|, outside literals and roles.

    Docstrings write |x| as plain text; reST would read it as a substitution.
    """
    for i, line in enumerate(lines):
        parts = re.split(r"(``.*?``|:\w+:`[^`]*`)", line)
        parts[::2] = [part.replace("|", r"\|") for part in parts[::2]]
        lines[i] = "".join(parts)


def setup(app):
    """Register this extension with Sphinx."""
    app.connect("autodoc-process-docstring", _escape_bars)
