"""Command-line arguments of the examples the gallery runs (in ``examples/``)."""


def reset_argv(gallery_conf, script_vars) -> list[str]:
    """Write figures to the ignored ``examples/output/``."""
    return ["--out", "output"]
