"""How the gallery runs the scripts in ``examples/``: their output folder and their figures.

Each example is run with ``--out`` a fresh folder of its own; the PNG files it writes there
(figures drawn with :mod:`pwl_analysis.app.figures`, which never go through ``pyplot``) are
embedded below its code, in the order of their paths.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from sphinx_gallery.scrapers import figure_rst

#: Output folders of this build, removed when the build's process ends.
_OUTPUT = tempfile.TemporaryDirectory(prefix="pwl-analysis-gallery-")


def output_folder(src_file: str) -> Path:
    """The folder an example writes into: a fresh one per build, named after the script."""
    return Path(_OUTPUT.name) / Path(src_file).stem


def reset_argv(gallery_conf, script_vars) -> list[str]:
    """``--out`` an empty folder of the example's own."""
    folder = output_folder(script_vars["src_file"])
    shutil.rmtree(folder, ignore_errors=True)
    return ["--out", str(folder)]


def png_scraper(block, block_vars, gallery_conf) -> str:
    """Embed the PNG files the example wrote into its output folder (each once)."""
    folder = output_folder(block_vars["src_file"])
    embedded = block_vars.setdefault("embedded_pngs", set())
    new = [png for png in sorted(folder.rglob("*.png")) if png not in embedded]
    images = []
    for png, target in zip(new, block_vars["image_path_iterator"]):
        shutil.copyfile(png, target)
        embedded.add(png)
        images.append(target)
    return figure_rst(images, gallery_conf["src_dir"])
