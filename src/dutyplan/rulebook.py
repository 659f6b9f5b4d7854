"""Every rule and cost of dutyplan, named once.

``docs/rules.md`` is the contract; this table is the one place its names live in code. For
each rule or cost: the family it belongs to (one module of that name in :mod:`dutyplan.model`
and one in :mod:`dutyplan.checker`, side by side), the level its cost goes to (``hard``: always
hard, a violation), what one unit of its cost is, and the words explanations use for it:
``short`` names the rule in a list of reasons, ``limit`` says what a person's limit ``{v}``
means (both only where they apply). The model registers costs and the checker reports
penalties and violations under these names; ``tests/test_rulebook.py`` asserts that every
rule here has its model side, its checker side, its words and a test where it binds.

A new rule goes here first (see docs/architecture.md, "Where a new rule goes").
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FAMILIES", "RULES", "RULES_LEVEL", "SITE_MOVE_FACTOR", "Rule", "change_weight", "limit_words",
    "short_words",
]

RULES_LEVEL = "rules"  # the level every soft rule's cost goes to

#: the rule families, in the order the model states them (each a module in model/ and checker/)
FAMILIES = (
    "cover", "conflicts", "runs", "totals", "commute", "sites", "roles", "caseloads", "preferences",
    "fairness", "changes",
)

#: a re-plan's new duty at a site the person had no published duty at, after the freeze,
#: costs this many times a moved shift (docs/rules.md, "Re-planning")
SITE_MOVE_FACTOR = 2


@dataclass(frozen=True)
class Rule:
    name: str
    family: str
    level: str  # "hard" (always a violation), or the level its cost goes to
    unit: str
    short: str = ""  # a few words naming the rule among reasons (explain_uncovered)
    limit: str = ""  # what a person's limit {v} means (explain)


_TABLE = (
    # always hard: physical and data facts
    Rule("unknown", "cover", "hard", "-", short="unknown"),
    Rule("closed_gate", "cover", "hard", "-", short="gate closed"),
    Rule("times", "cover", "hard", "-", short="shift times"),
    Rule("duplicate", "conflicts", "hard", "-", short="already on that shift"),
    Rule("overlap", "conflicts", "hard", "-", short="overlapping duty"),
    Rule("gate_role", "cover", "hard", "-", short="gate role"),
    Rule("unavailable", "cover", "hard", "-", short="availability"),
    Rule("frozen", "changes", "hard", "-"),
    # rules, hard or soft (docs/rules.md, "Rules")
    Rule("max_shifts_per_day", "conflicts", RULES_LEVEL, "shift over, per date", short="shifts per day",
         limit="may work at most {v} shift(s) a day"),
    Rule("min_rest_hours", "conflicts", RULES_LEVEL, "pair of shifts", short="rest",
         limit="needs at least {v} hours of rest between shifts"),
    Rule("forbidden_successions", "conflicts", RULES_LEVEL, "occurrence", short="shift succession"),
    Rule("max_consecutive_days", "runs", RULES_LEVEL, "day over", short="consecutive days",
         limit="may work at most {v} days in a row"),
    Rule("min_consecutive_days", "runs", RULES_LEVEL, "day short", short="minimum run of days",
         limit="must work at least {v} days in a row once started"),
    Rule("min_consecutive_days_off", "runs", RULES_LEVEL, "day short", short="days off in a row",
         limit="must have at least {v} days off in a row"),
    Rule("max_consecutive_nights", "runs", RULES_LEVEL, "night over", short="consecutive nights",
         limit="may work at most {v} nights in a row"),
    Rule("min_days_off_per_7", "totals", RULES_LEVEL, "day short, per window", short="days off per 7",
         limit="must have at least {v} day(s) off in every 7 days"),
    Rule("max_hours_per_7", "totals", RULES_LEVEL, "minute over, per window", short="hours per 7 days",
         limit="may work at most {v} hours in any 7 days"),
    Rule("min_minutes", "totals", RULES_LEVEL, "minute short", short="minimum hours",
         limit="must work at least {v} minutes over the horizon"),
    Rule("max_minutes", "totals", RULES_LEVEL, "minute over", short="total hours",
         limit="may work at most {v} minutes over the horizon"),
    Rule("max_shifts", "totals", RULES_LEVEL, "shift over", short="shifts of a type"),
    Rule("max_weekends", "totals", RULES_LEVEL, "weekend over", short="weekends",
         limit="may work at most {v} weekends"),
    Rule("max_commute_km", "commute", RULES_LEVEL, "km over, per duty", short="commute cap",
         limit="may travel at most {v} km per duty"),
    Rule("max_day_minutes", "commute", RULES_LEVEL, "minute over, per duty", short="shift + commute length",
         limit="may spend at most {v} minutes a day on duty and travel"),
    Rule("keep_one_site", "sites", "hard", "-", short="site continuity"),
    Rule("unit_sites_weight", "sites", RULES_LEVEL, "site beyond the first, per unit"),
    Rule("roles", "roles", RULES_LEVEL, "missing person per minute"),
    # caseloads (docs/rules.md, "Caseloads")
    Rule("household_twice", "caseloads", "hard", "-", short="household already answered for"),
    Rule("household_person", "caseloads", "hard", "-", short="may not answer for the household"),
    Rule("visit_window", "caseloads", "hard", "-", short="evening visit"),
    Rule("max_households", "caseloads", RULES_LEVEL, "household over, per date", short="caseload",
         limit="may answer for at most {v} household(s) a day"),
    Rule("max_household_people", "caseloads", RULES_LEVEL, "person over, per date", short="caseload people",
         limit="may answer for at most {v} people in households a day"),
    # the other levels' costs
    Rule("under_cover", "cover", "cover", "missing person"),
    Rule("over_cover", "cover", "cover", "extra person (hard where no over weight is set)"),
    Rule("site_preference", "preferences", "preferences", "shift at an unwanted site"),
    Rule("shift_preference", "preferences", "preferences", "shift (not) worked as wished"),
    Rule("day_off_preference", "preferences", "preferences", "day (not) worked as wished"),
    Rule("commute", "commute", "commute", "km of a duty (whole km, round trip)"),
    Rule("households", "caseloads", "cover", "watched date of a household nobody answers for"),
    Rule("visit_trips", "caseloads", "commute", "km of a visit trip (whole km, round trip)"),
    Rule("fairness_nights", "fairness", "fairness", "night in the range"),
    Rule("fairness_weekends", "fairness", "fairness", "weekend shift in the range"),
    Rule("fairness_minutes", "fairness", "fairness", "minute in the range"),
    Rule("fairness_shift_squares", "fairness", "fairness", "squared shift count"),
    Rule("fairness_households", "caseloads", "fairness", "household-date in the range (balanced caseloads)"),
    Rule("dispatched", "caseloads", "fairness", "person and date with households to answer for"),
    Rule("dropped_duty", "changes", "changes", "published duty dropped, by how soon"),
    Rule("added_duty", "changes", "changes", "new duty, by how soon (a new site: x SITE_MOVE_FACTOR)"),
    Rule("moved_household", "changes", "changes", "watched date left of a household given to someone else"),
)

RULES: dict[str, Rule] = {rule.name: rule for rule in _TABLE}


def short_words(name: str) -> str:
    """A few words naming a rule among reasons (its name if it has none)."""
    rule = RULES.get(name)
    return rule.short if rule is not None and rule.short else name


def limit_words(name: str, value: object) -> str | None:
    """What a person's limit of ``value`` under rule ``name`` means, or None."""
    rule = RULES.get(name)
    return rule.limit.format(v=value) if rule is not None and rule.limit else None


def change_weight(horizon_days: int, day_index: int) -> int:
    """What changing a duty on day ``day_index`` of the horizon costs: ``max(1, days - day)``,
    a change sooner weighs more (docs/rules.md, "Re-planning")."""
    return max(1, horizon_days - day_index)
