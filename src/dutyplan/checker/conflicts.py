"""Conflicts between one person's shift instances: ``overlap``, rest between shifts, shifts per
day, forbidden successions, and the seam with the history before the horizon (docs/rules.md).
The model side is :mod:`dutyplan.model.conflicts`."""

from __future__ import annotations

import bisect
import datetime as dt


from dutyplan.checker.calendar import Days, Past, hours_text
from dutyplan.checker.state import CheckState
from dutyplan.problem import Rules


def check_overlap_and_rest(checker: CheckState, p: int, rules: Rules, days: Days) -> None:
    """``overlap`` (always hard), ``max_shifts_per_day`` and ``min_rest_hours``."""
    who = checker.who(p)
    instances = days.instances  # sorted by start
    for k, a in enumerate(instances):
        for b in instances[k + 1 :]:
            if b.start >= a.end:
                break
            checker.violate(
                "overlap",
                f"{who} works {checker.inst(a.shift, a.day)} ({checker.span(a.start, a.end)}) and "
                f"{checker.inst(b.shift, b.day)} ({checker.span(b.start, b.end)}), which overlap",
                p,
                a.day,
                refs=((a.day, a.shift.id), (b.day, b.shift.id)),
            )

    limit = rules.max_shifts_per_day
    if limit is not None:
        for d, count in enumerate(days.shifts):
            if count <= limit.value:
                continue  # nothing to record
            checker.limit(
                "max_shifts_per_day",
                limit,
                count - limit.value,
                f"{who} works {count} shifts starting on {checker.day(d)}, "
                f"more than {limit.value}",
                p,
                d,
                refs=tuple((i.day, i.shift.id) for i in instances if i.day == d),
            )

    # min_rest_hours: ordered pairs with 0 <= start_j - end_i < 60 v
    limit = rules.min_rest_hours
    if limit is not None and limit.value > 0:
        starts = [i.start for i in instances]
        rest_min = 60 * limit.value
        for a in instances:
            lo = bisect.bisect_left(starts, a.end)
            hi = bisect.bisect_left(starts, a.end + rest_min)
            for b in instances[lo:hi]:
                checker.limit(
                    "min_rest_hours",
                    limit,
                    1,
                    f"{who} rests {hours_text(b.start - a.end)} between {checker.inst(a.shift, a.day)} "
                    f"(ends {checker.clock(a.end)}) and {checker.inst(b.shift, b.day)} "
                    f"(starts {checker.clock(b.start)}), less than {limit.value} h",
                    p,
                    a.day,
                    refs=((a.day, a.shift.id), (b.day, b.shift.id)),
                )


def check_successions(checker: CheckState, p: int, rules: Rules, days: Days) -> None:
    """``forbidden_successions``: first on d, then on d + 1, both in the horizon."""
    who = checker.who(p)
    for succ in rules.forbidden_successions:
        for d in range(checker.n_days - 1):
            if (d, succ.first) in days.worked_set and (d + 1, succ.then) in days.worked_set:
                first, then = checker.shifts[succ.first], checker.shifts[succ.then]
                what = (
                    f"{who} works {checker.inst(first, d)} then {checker.inst(then, d + 1)} "
                    f"(forbidden succession {succ.first} -> {succ.then})"
                )
                refs = ((d, succ.first), (d + 1, succ.then))
                if succ.weight is None:
                    checker.violate("forbidden_successions", what, p, d, refs=refs)
                else:
                    checker.penalise(
                        "rules",
                        "forbidden_successions",
                        succ.weight,
                        f"{what} (cost {succ.weight} x 1)",
                        p,
                        d,
                        refs=refs,
                    )


def check_seam(checker: CheckState, p: int, rules: Rules, days: Days, past: Past) -> None:
    """Shifts worked before the horizon against those in it: ``overlap``,
    ``min_rest_hours`` and ``forbidden_successions`` across the horizon start."""
    who = checker.who(p)
    rest = rules.min_rest_hours
    for a in past.instances:
        done = f"{a.shift.id} on {checker.problem.horizon.start + dt.timedelta(days=a.day)} (before the horizon)"
        for b in days.instances:
            if b.start < a.end:
                checker.violate("overlap", f"{who} works {checker.inst(b.shift, b.day)}, which overlaps "
                             f"{done}", p, b.day)
                continue
            if rest is not None and rest.value > 0 and b.start - a.end < 60 * rest.value:
                checker.limit("min_rest_hours", rest, 1, f"{who} rests {hours_text(b.start - a.end)} between "
                           f"{done} and {checker.inst(b.shift, b.day)}, less than {rest.value} h", p, b.day)
            for succ in rules.forbidden_successions:
                if a.day == -1 and b.day == 0 and a.shift.id == succ.first and b.shift.id == succ.then:
                    what = (f"{who} works {done} then {checker.inst(b.shift, 0)} "
                            f"(forbidden succession {succ.first} -> {succ.then})")
                    if succ.weight is None:
                        checker.violate("forbidden_successions", what, p, 0)
                    else:
                        checker.penalise("rules", "forbidden_successions", succ.weight,
                                      f"{what} (cost {succ.weight} x 1)", p, 0)
