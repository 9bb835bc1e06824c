"""The application: the ``pwl-analysis`` command line and the pipelines behind it.

The top layer, the only one that imports both the exact core (:mod:`pwl_analysis`) and
training (:mod:`training`): the ``analyze`` pipeline and its figures, the ``run`` pipeline
from a time series to ``report.md``, sweeps and batches on Dask, the output folders.

- :mod:`~pwl_analysis.app.analysis`  ``analyze``: orbits, graphs, Lyapunov, LaTeX, figures.
- :mod:`~pwl_analysis.app.report`  ``report.md`` from an analysis and a training run.
- :mod:`~pwl_analysis.app.run`  ``pwl-analysis run``: train, analyse, report.
- :mod:`~pwl_analysis.app.train`  ``pwl-analysis train``.
- :mod:`~pwl_analysis.app.batch`, :mod:`~pwl_analysis.app.sweep`,
  :mod:`~pwl_analysis.app.sweep_summary`  many models on Dask, tabulated.
- :mod:`~pwl_analysis.app.figures`  matplotlib figures.
- :mod:`~pwl_analysis.app.cli`  the console script.

No name exported here is also a module's name (the function ``sweep`` stays in
:mod:`pwl_analysis.app.sweep`): ``import pwl_analysis.app.sweep`` must give the module.
"""

from pwl_analysis.app.analysis import Analysis, analyze
from pwl_analysis.app.batch import BatchAnalysis, ModelSummary, analyze_many, summarize_model
from pwl_analysis.app.run import PipelineResult, run_pipeline
from pwl_analysis.app.sweep import SweepConfig, SweepResult

__all__ = [
    "Analysis",
    "BatchAnalysis",
    "ModelSummary",
    "PipelineResult",
    "SweepConfig",
    "SweepResult",
    "analyze",
    "analyze_many",
    "run_pipeline",
    "summarize_model",
]
