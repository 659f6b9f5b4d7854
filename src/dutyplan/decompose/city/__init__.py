"""The whole problem at city scale, without a people x sites (or people x gate-shifts) array.

A city (74,000 people, 7,120 sites) is too large for :func:`dutyplan.model.build_index`:
its eligibility array alone would hold hundreds of billions of cells, and its commute matrix
4 GB. :class:`CityView` keeps only what the site choice and the bound need, as flat arrays:

- each site's demand in person-shifts and the cheapest cost of missing one there;
- each person's **capacity**: an upper bound on the duties they can do anywhere over the
  horizon under their hard rules (as :func:`dutyplan.compile.capacity.person_capacity`, with the
  dates and shifts they are available for instead of their eligibility at given sites);
- **candidate sites** per person: the ``K`` nearest sites they may work at (hard commute and
  working-day caps, gate roles), with the whole km of a duty there.

:func:`flow_site_choice` sends duties from people to sites by a min-cost flow on the
candidates (cover first, then a headroom of spare capacity at every site, roles each site
needs around the clock, then km), rounds it to one site per person, and gives sites still
short free people from anywhere within reach; with ``unit_sites_weight`` it keeps units
together (:func:`_units_together`).

:func:`transport_bound` proves a lower bound on commute (given full cover) or on cover for
the whole problem: the transportation LP over **every** admissible (person, site) pair, by
column generation on its dual. The LP on the pairs so far is solved as a min-cost flow, its
dual read from exact node potentials (shortest distances in the residual network); every
person is priced against every site (in blocks of neighbours, each skipping the sites out of
its reach), which makes the dual feasible for the full LP (``mu[p] = max(0, max_k pi[k] -
km[p, k])``: a bound by weak duality) and finds the pairs whose reduced cost is negative.
They join the flow and it is solved again, until no pair prices in: the bound is then the
full LP's optimum, whatever the candidates missed.

Preferences and fairness get bounds over cells (a date and a shift type, every site summed):
a min-cost flow of the duties that cost a preference, and water-filling of the demand under
each person's capacity (:mod:`dutyplan.decompose.city.levels`).

The parts: ``view`` (the city as flat arrays, distances, candidate pairs, who may work
where), ``flow`` (the site choice by min-cost flow, units kept together, free people near a
site), ``bound`` (the transportation bound on the whole city's plan) and ``levels`` (the
preferences and fairness bounds).
"""

from __future__ import annotations

from dutyplan.decompose.city.bound import (
    could_work,
    transport_bound,
)
from dutyplan.decompose.city.flow import (
    SPARE_ROUNDS,
    UNIT_ROUNDS,
    flow_site_choice,
    free_people_near,
    unit_codes,
    unit_site_pairs,
)
from dutyplan.decompose.city.levels import (
    fairness_bound,
    least_squares,
    needed_cells,
    preference_bound,
    water_level,
)
from dutyplan.decompose.city.view import (
    CANDIDATES,
    CHUNK,
    FLOW_HEADROOM,
    KM_PER_DEG,
    CityView,
    admissible,
    candidate_pairs,
    capacities,
    city_view,
    distance_block,
    look_up,
    plane_coordinates,
    plane_distance,
    role_demand,
    with_pairs,
)

__all__ = [
    "CANDIDATES",
    "CHUNK",
    "CityView",
    "FLOW_HEADROOM",
    "KM_PER_DEG",
    "SPARE_ROUNDS",
    "UNIT_ROUNDS",
    "admissible",
    "candidate_pairs",
    "capacities",
    "city_view",
    "could_work",
    "distance_block",
    "fairness_bound",
    "flow_site_choice",
    "free_people_near",
    "least_squares",
    "look_up",
    "needed_cells",
    "plane_coordinates",
    "plane_distance",
    "preference_bound",
    "role_demand",
    "transport_bound",
    "unit_codes",
    "unit_site_pairs",
    "water_level",
    "with_pairs",
]
