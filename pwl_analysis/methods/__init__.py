"""The cycle searches: one protocol, one module per method, one registry.

Every method is a :class:`~pwl_analysis.methods.base.SearchMethod`, a frozen dataclass of its
options, passed as a value to :meth:`PWLMap.cycles` and :func:`~pwl_analysis.search.find_cycles`
(``m.cycles(8, method=Scyfi(n_starts=500))``) or named on the command line
(``pwl-analysis cycles MODEL --method scyfi --n-starts 500``):

- ``exhaustive`` (:mod:`~pwl_analysis.methods.exhaustive`, the default): every Lyndon region
  word of each period, verified float screen, exact decision; *complete*.
- ``admissible-tree`` (:mod:`~pwl_analysis.methods.admissible_tree`): a depth-first tree over
  the admissible prefixes of Lyndon words; *complete*, and fast for long periods in low
  dimension when given a box.
- ``scyfi`` (:mod:`~pwl_analysis.methods.scyfi`): SCYFI's word → solve → visited word, from
  random starts, for large P; not complete.
- ``seeded`` (:mod:`~pwl_analysis.methods.seeded`): SCYFI's step from a free run's
  near-returns, for the long cycles of flow-like models; not complete.

Adding a method is one new module defining a subclass and one line in
:data:`SEARCH_METHODS`.
"""

from pwl_analysis.methods.admissible_tree import AdmissibleTree
from pwl_analysis.methods.base import MAX_PERIOD, SearchMethod
from pwl_analysis.methods.exhaustive import Exhaustive
from pwl_analysis.methods.scyfi import Scyfi
from pwl_analysis.methods.seeded import TrajectorySeeded

#: Every search method by its name (``--method NAME``), the default first.
SEARCH_METHODS: dict[str, type[SearchMethod]] = {
    Exhaustive.name: Exhaustive,
    AdmissibleTree.name: AdmissibleTree,
    Scyfi.name: Scyfi,
    TrajectorySeeded.name: TrajectorySeeded,
}

__all__ = [
    "MAX_PERIOD",
    "SEARCH_METHODS",
    "AdmissibleTree",
    "Exhaustive",
    "Scyfi",
    "SearchMethod",
    "TrajectorySeeded",
]
