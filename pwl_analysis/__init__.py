"""pwl-analysis: trained Almost-Linear RNNs as exact piecewise-affine mathematics."""

from pwl_analysis.admissibility import (
    Admissibility,
    admissible,
    admissible_words,
    free_run_box,
)
from pwl_analysis.analysis import Analysis, analyze
from pwl_analysis.batch import BatchAnalysis, ModelSummary, analyze_many, summarize_model
from pwl_analysis.coarse import LoopRegionCoding, SectionCoding, lorenz_coding, rossler_coding
from pwl_analysis.entropy import EntropyBounds, entropy_bounds
from pwl_analysis.evaluation import RobustEvaluation, Spread, robust_evaluation
from pwl_analysis.graph import empirical_graph, exact_graph, write_graph
from pwl_analysis.latex import map_to_latex
from pwl_analysis.loading import load_model
from pwl_analysis.lyapunov import LyapunovSpectrum, cycle_lyapunov_spectrum, lyapunov_spectrum
from pwl_analysis.orbits import (
    CertifiedCycle,
    Cycle,
    CycleSet,
    DegenerateCycle,
    PeriodicOrbit,
    VirtualFixedPoint,
)
from pwl_analysis.pwl_map import ModelError, PWLMap, Region
from pwl_analysis.rational import Rationalization, rationalize
from pwl_analysis.return_map import ReturnMapFixedPoint, return_map_fixed_point, section_crossings
from pwl_analysis.roles import RegionRole, region_roles
from pwl_analysis.search import Exhaustive, Scyfi, find_cycles
from pwl_analysis.seeded import TrajectorySeeded
from pwl_analysis.stability import Stability, StabilityKind
from pwl_analysis.sweep import SweepConfig, SweepResult
from pwl_analysis.symbolic import SymbolicSequence, symbolic_sequence
from pwl_analysis.topology import Topology, graph_topology
from pwl_analysis.word_tree import AdmissibleTree
from pwl_analysis.words import SearchTooLargeError

__all__ = [
    "Admissibility",
    "AdmissibleTree",
    "Analysis",
    "BatchAnalysis",
    "CertifiedCycle",
    "Cycle",
    "CycleSet",
    "DegenerateCycle",
    "EntropyBounds",
    "Exhaustive",
    "LoopRegionCoding",
    "LyapunovSpectrum",
    "ModelError",
    "ModelSummary",
    "PWLMap",
    "PeriodicOrbit",
    "Rationalization",
    "Region",
    "RegionRole",
    "ReturnMapFixedPoint",
    "RobustEvaluation",
    "Scyfi",
    "SearchTooLargeError",
    "SectionCoding",
    "Spread",
    "Stability",
    "StabilityKind",
    "SweepConfig",
    "SweepResult",
    "SymbolicSequence",
    "Topology",
    "TrajectorySeeded",
    "VirtualFixedPoint",
    "admissible",
    "admissible_words",
    "analyze",
    "analyze_many",
    "cycle_lyapunov_spectrum",
    "empirical_graph",
    "entropy_bounds",
    "exact_graph",
    "find_cycles",
    "free_run_box",
    "graph_topology",
    "load_model",
    "lorenz_coding",
    "lyapunov_spectrum",
    "map_to_latex",
    "rationalize",
    "region_roles",
    "return_map_fixed_point",
    "robust_evaluation",
    "rossler_coding",
    "section_crossings",
    "summarize_model",
    "symbolic_sequence",
    "write_graph",
]
