"""Three layers, imports pointing one way (issue "One exact core … in three clean layers").

The exact core (``pwl_analysis`` without ``pwl_analysis.app``) imports only its mathematical
dependencies; training (``training``) imports the core; the application
(``pwl_analysis.app``) alone imports both.  The contracts live in pyproject.toml
(``[tool.importlinter]``); this file runs them and checks what they cannot say.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent

#: What the exact core may import besides the standard library (pyproject's dependencies);
#: gmpy2 is sympy's and python-flint's integer type, tqdm draws the core's progress bars.
CORE_DEPENDENCIES = {"numpy", "scipy", "sympy", "gmpy2", "flint", "networkx", "tqdm"}
#: The one exception, also an ignore_imports entry of the contract: loading cross-checks a
#: .pt file with torch.load where PyTorch is installed, importing it on use.
OPTIONAL_IMPORTS = {("pwl_analysis.loading", "torch")}


def _environment() -> dict[str, str]:
    """This checkout first on the path, so the contracts see its modules, not an install."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return os.environ | {"PYTHONPATH": path}


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    command = [str(lint)] if lint.exists() else ["lint-imports"]
    result = subprocess.run(
        [*command, "--no-cache"],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_core_imports_only_its_dependencies():
    graph = grimp.build_graph("pwl_analysis", include_external_packages=True)
    core = [m for m in graph.modules if m.split(".")[:2] != ["pwl_analysis", "app"]]
    imported = {
        (module, name.split(".")[0])
        for module in core
        if module.startswith("pwl_analysis")
        for name in graph.find_modules_directly_imported_by(module)
        if not name.startswith("pwl_analysis")
    }
    foreign = {
        (module, name)
        for module, name in imported
        if name not in sys.stdlib_module_names and name not in CORE_DEPENDENCIES
    }
    assert foreign == OPTIONAL_IMPORTS
    assert {name for _, name in imported} >= {"numpy", "scipy", "sympy", "flint", "networkx"}


def test_every_core_name_loads_without_training_plotting_or_dask():
    # all of pwl_analysis.__all__, not only the bare import: each name's module and its imports
    code = (
        "import sys, pwl_analysis\n"
        "for name in pwl_analysis.__all__: getattr(pwl_analysis, name)\n"
        "heavy = ('torch', 'matplotlib', 'dask', 'distributed', 'filelock', 'training')\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & set(heavy))\n"
        "app = [m for m in sys.modules if m.startswith('pwl_analysis.app')]\n"
        "assert not loaded and not app, (loaded, app)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=_environment())


def test_application_names_come_from_the_application():
    import pwl_analysis
    import pwl_analysis.app

    assert {"analyze", "analyze_many", "run_pipeline"} <= set(pwl_analysis.app.__all__)
    assert not set(pwl_analysis.__all__) & set(pwl_analysis.app.__all__)
    assert "analyze" not in dir(pwl_analysis)


def test_no_exported_name_hides_a_module():
    # a package exporting a function named like one of its modules makes
    # `import package.module` return the function once the package is imported
    import pkgutil

    import pwl_analysis
    import pwl_analysis.app
    import training

    for package in (pwl_analysis, pwl_analysis.app, training):
        modules = {info.name for info in pkgutil.iter_modules(package.__path__)}
        assert not modules & set(package.__all__), package.__name__
