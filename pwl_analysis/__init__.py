"""pwl-analysis: trained Almost-Linear RNNs as exact piecewise-affine mathematics.

This package is the exact core: the map, its orbits, graphs, entropy, Lyapunov exponents and
export, on numpy, scipy, sympy, python-flint and networkx.  It imports nothing of training
(:mod:`training`, PyTorch) or of the application (:mod:`pwl_analysis.app`: the command line,
``analyze``, reports, figures, sweeps), which build on it.

``import pwl_analysis`` loads no submodule; each name below loads its module on first use.
"""

from importlib import import_module

#: module -> the public names it defines
_MODULES = {
    "pwl_analysis.admissibility": (
        "Admissibility",
        "admissible",
        "admissible_words",
        "free_run_box",
    ),
    "pwl_analysis.bifurcation": (
        "BifurcationEvent",
        "Bifurcations",
        "EventKind",
        "RootInterval",
        "bifurcations",
    ),
    "pwl_analysis.close_return": ("CloseReturn", "close_returns"),
    "pwl_analysis.coarse": ("LoopRegionCoding", "SectionCoding", "lorenz_coding", "rossler_coding"),
    "pwl_analysis.entropy": ("EntropyBounds", "entropy_bounds"),
    "pwl_analysis.free_runs": ("free_run",),
    "pwl_analysis.graph": ("empirical_graph", "exact_graph", "write_graph"),
    "pwl_analysis.homoclinic": (
        "ConnectingPoint",
        "Connections",
        "heteroclinic_points",
        "homoclinic_points",
    ),
    "pwl_analysis.latex": ("map_to_latex",),
    "pwl_analysis.linking": (
        "Linking",
        "LinkingComparison",
        "LinkingMatrix",
        "compare_linking",
        "linking_matrix",
        "linking_number",
    ),
    "pwl_analysis.loading": ("load_model",),
    "pwl_analysis.lyapunov": (
        "LyapunovSpectrum",
        "cycle_lyapunov_spectrum",
        "lyapunov_spectrum",
        "maximal_lyapunov_exponents",
    ),
    "pwl_analysis.manifold": ("Manifold", "stable_manifold", "unstable_manifold"),
    "pwl_analysis.methods": (
        "AdmissibleTree",
        "Exhaustive",
        "Scyfi",
        "SearchMethod",
        "TrajectorySeeded",
    ),
    "pwl_analysis.orbits": (
        "CertifiedCycle",
        "Cycle",
        "CycleSet",
        "DegenerateCycle",
        "PeriodicOrbit",
        "VirtualFixedPoint",
    ),
    "pwl_analysis.pwl_map": ("ALRNNMap", "ModelError", "PWLMap", "Region"),
    "pwl_analysis.rational": ("Rationalization", "rationalize"),
    "pwl_analysis.return_map": (
        "ReturnMapFixedPoint",
        "return_map_fixed_point",
        "section_crossings",
    ),
    "pwl_analysis.roles": ("RegionRole", "region_roles"),
    "pwl_analysis.search": ("find_cycles",),
    "pwl_analysis.shallow_map": ("ShallowPWLMap",),
    "pwl_analysis.orbit_skeleton": (
        "NearReturn",
        "Skeleton",
        "WordCycle",
        "WordSkeleton",
        "skeleton",
    ),
    "pwl_analysis.skeleton_comparison": (
        "Reference",
        "ReferenceOrbit",
        "SkeletonComparison",
        "WordComparison",
        "close_return_reference",
        "compare_skeletons",
    ),
    "pwl_analysis.stability": ("Stability", "StabilityKind"),
    "pwl_analysis.symbolic": ("SymbolicSequence", "symbolic_sequence"),
    "pwl_analysis.topology": ("Topology", "graph_topology"),
    "pwl_analysis.words": ("SearchTooLargeError",),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'pwl_analysis' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
