"""Large problems: choose each person's site first, then roster every site, with an honest bound.

1. **Site choice** (:mod:`.choice`; at city scale :mod:`.city`): each person to one site, at
   most their capacity in duties there (:mod:`dutyplan.compile.capacity`), cover first, with
   some headroom at every site so the rosters have room for the rest rules, then commute.
2. **Rostering** (:mod:`.runner`, :mod:`.sites`): each site is its own small problem (the
   same model, every rule and level) rostered as a job on an executor, in rounds, each round
   to the sites whose most important unproven level comes first, from their current plan;
   finished sites are kept in a checkpoint.
3. **Repair** (:mod:`.repair`): sites left short take people who may work there.
4. **Merge and bound** (:mod:`.merge`): one plan of the whole problem with exact figures; the
   bound comes from relaxations of the whole problem (:mod:`dutyplan.solver.bounds`, and the
   transportation dual at city scale), never from the chosen sites.

:func:`solve_decomposed` (:mod:`.run`) runs the whole of it.
"""

from dutyplan.decompose.choice import choose_sites
from dutyplan.decompose.merge import fairness_value, idle_costs
from dutyplan.decompose.run import solve_decomposed

__all__ = ["choose_sites", "fairness_value", "idle_costs", "solve_decomposed"]
