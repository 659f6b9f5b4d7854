"""Synthetic districts for tests and benchmarks, in the spirit of the news reports.

:func:`generate` builds a city of ``sites`` communities grouped in a few districts (all within
about 15 km of the centre, so 20-30 km across), with ``gates`` checkpoints spread over them
(every site has a main gate; bigger sites get the extra ones). Most gates are staffed around the
clock in three 8-hour shifts (the default shift types); some side gates are open by day only
(demand in the day and evening shifts). One person per gate-shift, two at the morning peak of
some main gates on weekdays. People come from several units (agencies, township offices, a
health centre), live around the city (commute from coordinates, no matrix) and carry roles
``agency-cadre``, ``township-cadre`` or ``health``; some have unavailable days and preferences.

Demand is sized against the people: the total of required person-shifts is kept between
``LOW`` and ``HIGH`` (70-78 %) of ``people x 6 shifts per 7 days`` by downgrading gates
(peak -> 24 h -> day only -> morning only) or upgrading them, so that full cover is possible
under the rest rules. :func:`capacity_report` gives the arithmetic, including a check that the
people can be split over the sites under ``keep_one_site`` and the hard commute cap.

:func:`city` builds a whole city at Beijing's scale (74,000 cadres, 7,120 communities, 16
districts over a 50 km radius) from numpy arrays in seconds: 24-hour and 08:00-22:00 gates,
agencies of 5-200 staff, township offices and health centres per district, and with
``roles=True`` the Beijing rule (an agency cadre, a township cadre and a health professional
at every community around the clock). :func:`role_report` gives each required role's work
against its people.

Both generators are deterministic for a seed (numpy ``Generator``)::

    python -m dutyplan.synth --people 100 --sites 10 --gates 21 --days 28 --seed 1 --out p.json
    python -m dutyplan.synth city --people 74000 --sites 7120 --days 14 --seed 0 --out city.json

One module each: ``districts`` (:func:`generate`), ``cities`` (:func:`city`), ``reports``
(:func:`capacity_report`, :func:`role_report`) and ``command`` (the command line).
"""

from __future__ import annotations

from dutyplan.synth.cities import (
    BEIJING,
    BEIJING_DISTRICTS,
    CITY_PATTERNS,
    CITY_ROLES,
    CITY_SHIFTS,
    CUT,
    FAR_SHARE,
    HOME_SPREAD_KM,
    MAIN_LADDER,
    MAX_DISTRICTS,
    ROLE_MAX,
    ROLE_SHARES,
    SIDE_LADDER,
    SITE_SPREAD_KM,
    apportion,
    city,
    latlon,
    scatter,
    unit_sizes,
)
from dutyplan.synth.command import (
    city_main,
    main,
    summary,
    write_problem,
)
from dutyplan.synth.districts import (
    CENTRE,
    DAY,
    DISTRICT_NAMES,
    FULL,
    GATE_NAMES,
    GIVEN,
    HIGH,
    KM_PER_DEG_LAT,
    LOW,
    MAX_COMMUTE_KM,
    MORNING,
    PATTERNS,
    PEAK,
    RULES,
    SHIFTS_PER_WEEK,
    SURNAMES,
    DistrictGate,
    generate,
    offset_km,
    week_demand,
)
from dutyplan.synth.reports import (
    SPLIT_CELLS,
    capacity_report,
    fewest_covering,
    people_needed,
    role_report,
    split_people,
)

__all__ = [
    "BEIJING",
    "BEIJING_DISTRICTS",
    "CENTRE",
    "CITY_PATTERNS",
    "CITY_ROLES",
    "CITY_SHIFTS",
    "CUT",
    "DAY",
    "DISTRICT_NAMES",
    "DistrictGate",
    "FAR_SHARE",
    "FULL",
    "GATE_NAMES",
    "GIVEN",
    "HIGH",
    "HOME_SPREAD_KM",
    "KM_PER_DEG_LAT",
    "LOW",
    "MAIN_LADDER",
    "MAX_COMMUTE_KM",
    "MAX_DISTRICTS",
    "MORNING",
    "PATTERNS",
    "PEAK",
    "ROLE_MAX",
    "ROLE_SHARES",
    "RULES",
    "SHIFTS_PER_WEEK",
    "SIDE_LADDER",
    "SITE_SPREAD_KM",
    "SPLIT_CELLS",
    "SURNAMES",
    "apportion",
    "capacity_report",
    "city",
    "city_main",
    "fewest_covering",
    "generate",
    "latlon",
    "main",
    "offset_km",
    "people_needed",
    "role_report",
    "scatter",
    "split_people",
    "summary",
    "unit_sizes",
    "week_demand",
    "write_problem",
]
