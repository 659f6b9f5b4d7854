"""Re-planning: duties before the freeze are exactly the published ones (``frozen``), and the
cost of each changed duty after it, the ``changes`` level (docs/rules.md, "Re-planning")."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from dutyplan.checker.state import CheckState
from dutyplan.plan import Assignment, Plan
from dutyplan.rulebook import SITE_MOVE_FACTOR, change_weight


def check_changes(checker: CheckState, published: Plan, freeze_until: dt.datetime | None) -> None:
    """The re-plan rules: a frozen past, and the cost of each changed duty after it."""
    problem = checker.problem
    moment = freeze_until or dt.datetime.combine(problem.horizon.start, dt.time(0))
    moment = moment.replace(tzinfo=None)
    person = {p.id: i for i, p in enumerate(problem.people)}

    def duty(a: Assignment) -> tuple[str, dt.date, str, str, str]:
        return (a.person, a.date, a.shift, a.site, a.gate)

    clock = {s.id: s.start for s in problem.shift_types}

    def start(a: Assignment) -> dt.datetime:  # from the shift type, as every other check
        return dt.datetime.combine(a.date, clock[a.shift])

    old = {duty(a): a for a in published.assignments if a.shift in clock}
    new = {duty(a): a for a in checker.assignments if a.shift in clock}
    before_old = {k for k, a in old.items() if start(a) < moment}
    before_new = {k for k, a in new.items() if start(a) < moment}
    for key in sorted(before_old - before_new, key=str):
        checker.violate("frozen", f"published duty {key[2]} at {key[3]}/{key[4]} before the "
                        f"freeze ({moment:%Y-%m-%d %H:%M}) is gone", person.get(key[0]), key[1])
    for key in sorted(before_new - before_old, key=str):
        checker.violate("frozen", f"new duty {key[2]} at {key[3]}/{key[4]} before the freeze "
                        f"({moment:%Y-%m-%d %H:%M})", person.get(key[0]), key[1])
    after_old = set(old) - before_old
    after_new = set(new) - before_new
    sites_of: dict[str, set[str]] = defaultdict(set)
    for who, _, _, site, _ in after_old:
        sites_of[who].add(site)
    site_index = {s.id: i for i, s in enumerate(problem.sites)}

    def weight(day: dt.date) -> int:  # days to the end of the horizon: sooner weighs more
        return change_weight(problem.horizon.days, (day - problem.horizon.start).days)

    for who, day, shift, site, gate in sorted(after_old - after_new, key=str):
        checker.penalise("changes", "dropped_duty", weight(day), f"published {shift} at {site}/{gate} dropped",
                         person.get(who), day, site_index.get(site))
    for who, day, shift, site, gate in sorted(after_new - after_old, key=str):
        factor = 1 if site in sites_of[who] else SITE_MOVE_FACTOR
        checker.penalise("changes", "added_duty", factor * weight(day),
                         f"new {shift} at {site}/{gate}" + ("" if factor == 1 else " (a site new to them)"),
                         person.get(who), day, site_index.get(site))
    _caseload_changes(checker, published, moment)


def _caseload_changes(checker: CheckState, published: Plan, moment: dt.datetime) -> None:
    """A household whose watch ended before the freeze date keeps its published person (or
    nobody), and so does one still watched while that person may answer for it (``frozen``);
    one whose person may not any more costs ``change_weight`` per watched date from the freeze
    date on."""
    problem = checker.problem
    person = {p.id: i for i, p in enumerate(problem.people)}
    before = {c.household: c.person for c in published.caseloads}
    after = {c.household: c.person for c in checker.caseload_list}
    for household in problem.households:
        old, new = before.get(household.id), after.get(household.id)
        if old == new:
            continue
        first = max(household.arrival, problem.horizon.start, moment.date())
        last = min(household.last_date, problem.last_date)
        left = max(0, (last - first).days + 1)
        if left == 0:
            checker.violate("frozen", f"household {household.label}: its watch ended before the freeze "
                            f"({moment:%Y-%m-%d %H:%M}) with {old or 'nobody'} answering, the plan says "
                            f"{new or 'nobody'}", person.get(new or old or ""))
        elif old is not None and old in person and checker.why_not(problem.people[person[old]], household) is None:
            checker.violate("frozen", f"household {household.label}: a running caseload moved from {old} "
                            f"to {new or 'nobody'} although {old} may still answer for it", person[old])
        elif old is not None:
            checker.penalise("changes", "moved_household", problem.caseload.change_weight * left,
                             f"household {household.label} moved from {old} to {new or 'nobody'} "
                             f"for {left} watched date(s)", person.get(old))
