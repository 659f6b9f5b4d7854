"""Commute: the caps of each duty (``max_commute_km``, ``max_day_minutes``) and the commute level
(docs/rules.md). The model side is :mod:`dutyplan.model.commute`."""

from __future__ import annotations

from collections import defaultdict


from dutyplan.checker.state import CheckState
from dutyplan.problem import Rules


def check_duty_caps(checker: CheckState, p: int, rules: Rules) -> None:
    """Per duty: ``max_commute_km``, ``max_day_minutes``."""
    who = checker.who(p)
    for duty in checker.by_person[p]:
        km, cmin = duty.km, duty.cmin
        caseload = checker.caseload_min[p][duty.day] if 0 <= duty.day < checker.n_days else 0
        day_minutes = duty.shift.minutes + cmin + caseload
        over_km = rules.max_commute_km is not None and km > rules.max_commute_km.value
        over_day = (
            rules.max_day_minutes is not None and day_minutes > rules.max_day_minutes.value
        )
        if not (over_km or over_day):
            continue  # nothing to record
        at = f"{who} at {checker.where(duty.site)} on {checker.inst(duty.shift, duty.day)}"
        if rules.max_commute_km is not None:
            checker.limit(
                "max_commute_km",
                rules.max_commute_km,
                km - rules.max_commute_km.value,
                f"{at}: round trip {km} km, more than {rules.max_commute_km.value} km",
                p,
                duty.day,
                duty.site,
            )
        if rules.max_day_minutes is not None:
            checker.limit(
                "max_day_minutes",
                rules.max_day_minutes,
                day_minutes - rules.max_day_minutes.value,
                f"{at}: {duty.shift.minutes} min shift + {cmin} min commute"
                + (f" + {caseload} min caseload" if caseload else "")
                + f" = {day_minutes} min, more than {rules.max_day_minutes.value}",
                p,
                duty.day,
                duty.site,
            )


def check_commute(checker: CheckState) -> None:
    """The commute level: whole km per duty, itemised per person and site."""
    count: dict[tuple[int, int], int] = defaultdict(int)
    km_of: dict[tuple[int, int], int] = {}
    for duty in checker.duties:
        count[(duty.person, duty.site)] += 1
        km_of[(duty.person, duty.site)] = duty.km
    for (p, s), n in sorted(count.items()):
        km = km_of[(p, s)]
        checker.penalise(
            "commute",
            "commute",
            km * n,
            f"{checker.who(p)}: {n} duty(ies) at {checker.where(s)} x {km} km round trip",
            p,
            site=s,
        )
