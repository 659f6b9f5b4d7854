"""The input model: what a planner describes.

A :class:`Problem` holds a planning horizon, shift types, sites with their gates, people and
rules. Everything is a pydantic v2 model, so a problem can be written in Python, JSON or TOML
and every bad value is reported with the field that holds it.

Conventions (shared by the solver and the independent checker, documented in the README):

* A shift *instance* is a shift type on a date; it belongs to the date on which it starts and
  runs from ``date + start`` for ``minutes`` minutes (it may cross midnight).
* Commute figures are **round trip per duty**: ``commute_km[p][s]`` km and
  ``commute_minutes[p][s]`` minutes for person ``p`` to do one duty at site ``s``. From
  coordinates, km = 2 x great-circle distance, minutes = km / ``commute_speed_kmh`` x 60.
  The commute objective counts whole km per duty (rounded half up).
* A rule value ``Limit`` is hard unless it carries a ``weight``; a soft rule costs
  ``weight`` per unit of violation (the unit is given with each rule).

The parts, one module each: ``fields`` (the bounds of every value, text and number checks,
validation messages, the base model), ``geography`` (coordinates, great-circle distance),
``sites`` (shift types, demand, gates, sites), ``rules`` (limits, rules, objective settings),
``people`` (availability, preferences, past duties, people), ``households`` (caseloads:
households under watch and the daily tasks each asks), ``core`` (the horizon and the
whole problem) and ``magnitudes`` (the worst case of every objective level, kept below 2^53).
"""

from __future__ import annotations

from dutyplan.problem.core import (
    Horizon,
    Problem,
    fits_household,
)
from dutyplan.problem.fields import (
    FORBIDDEN_CHARS,
    LEVELS,
    MAX_COMMUTE_KM,
    MAX_COMMUTE_MINUTES,
    MAX_DAYS,
    MAX_LIMIT,
    MAX_NAME,
    MAX_NEED,
    MAX_OBJECTIVE,
    MAX_SPEED_KMH,
    MAX_WEIGHT,
    NIGHT_WINDOW,
    WEEKDAYS,
    Id,
    Level,
    Name,
    PositiveWeight,
    ProblemPart,
    Weekday,
    Weight,
    check_unique,
    format_details,
    format_validation_error,
    number_not_text,
    plain_text,
    problem_error,
    validation_details,
)
from dutyplan.problem.geography import (
    Coordinates,
    haversine_km,
    haversine_pairs,
)
from dutyplan.problem.magnitudes import (
    check_magnitudes,
    worst_case_levels,
)
from dutyplan.problem.households import (
    MAX_WATCH_DAYS,
    CaseloadTasks,
    Household,
)
from dutyplan.problem.people import (
    PastDuty,
    Person,
    Preference,
    Unavailable,
)
from dutyplan.problem.rules import (
    PERSON_ONLY_FORBIDDEN,
    Limit,
    LimitValue,
    ObjectiveConfig,
    RoleRequirement,
    Rules,
    Succession,
)
from dutyplan.problem.sites import (
    DemandEntry,
    DemandTable,
    DemandValue,
    Gate,
    ShiftType,
    Site,
    default_shift_types,
    parse_clock,
)

__all__ = [
    "Coordinates",
    "DemandEntry",
    "DemandTable",
    "DemandValue",
    "FORBIDDEN_CHARS",
    "Gate",
    "CaseloadTasks",
    "Horizon",
    "Household",
    "Id",
    "LEVELS",
    "Level",
    "Limit",
    "LimitValue",
    "MAX_COMMUTE_KM",
    "MAX_COMMUTE_MINUTES",
    "MAX_DAYS",
    "MAX_LIMIT",
    "MAX_NAME",
    "MAX_NEED",
    "MAX_WATCH_DAYS",
    "MAX_OBJECTIVE",
    "MAX_SPEED_KMH",
    "MAX_WEIGHT",
    "NIGHT_WINDOW",
    "Name",
    "ObjectiveConfig",
    "PERSON_ONLY_FORBIDDEN",
    "PastDuty",
    "Person",
    "PositiveWeight",
    "Preference",
    "Problem",
    "ProblemPart",
    "RoleRequirement",
    "Rules",
    "ShiftType",
    "Site",
    "Succession",
    "Unavailable",
    "WEEKDAYS",
    "Weekday",
    "Weight",
    "check_magnitudes",
    "check_unique",
    "default_shift_types",
    "format_details",
    "fits_household",
    "format_validation_error",
    "haversine_km",
    "haversine_pairs",
    "number_not_text",
    "parse_clock",
    "plain_text",
    "problem_error",
    "validation_details",
    "worst_case_levels",
]
