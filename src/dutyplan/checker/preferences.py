"""Preferences of a person: preferred and avoided shifts, dates and sites (docs/rules.md, the
preferences level). The model side is :mod:`dutyplan.model.preferences`."""

from __future__ import annotations



from dutyplan.checker.calendar import Days
from dutyplan.checker.state import CheckState


def check_preferences(checker: CheckState, p: int, days: Days) -> None:
    """The preferences level for one person."""
    problem = checker.problem
    person = problem.people[p]
    who = checker.who(p)
    for pref in person.preferences:
        d = None if pref.date is None else problem.day_index(pref.date)
        on = "" if d is None else f" on {checker.day(d)}"
        count = 0
        if pref.kind == "site":
            target = checker.site_index[pref.site]  # type: ignore[index]
            for duty in checker.by_person[p]:
                if d is not None and duty.day != d:
                    continue
                if (duty.site != target) == pref.want:
                    count += 1
            where = "other sites than" if pref.want else "site"
            what = f"{who}: {count} shift(s){on} at {where} {problem.sites[target].label}"
            rule = "site_preference"
        elif pref.kind == "shift":
            shift = checker.shifts[pref.shift]  # type: ignore[index]
            if d is not None:
                works = (d, shift.id) in days.worked_set
                count = int(works != pref.want)
                verb = "does not work" if pref.want else "works"
                what = f"{who} {verb} {checker.inst(shift, d)}"
            else:
                count = sum(
                    1 for (_, sid) in days.worked_set if (sid != shift.id) == pref.want
                )
                kind = "other than" if pref.want else "of type"
                what = f"{who}: {count} shift(s) {kind} {shift.label}"
            rule = "shift_preference"
        else:  # day_off
            assert d is not None
            count = int(days.worked[d] == pref.want)
            if pref.want:
                what = f"{who} works on {checker.day(d)}, wished off"
            else:
                what = f"{who} is off on {checker.day(d)}, wished to work"
            rule = "day_off_preference"
        if count:
            wish = "wants" if pref.want else "does not want"
            checker.penalise(
                "preferences",
                rule,
                pref.weight * count,
                f"{what} ({wish}; cost {pref.weight} x {count})",
                p,
                d,
            )
