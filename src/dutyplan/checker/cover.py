"""Cover: every gate-shift against its demand (short and over cover), and the per-duty
always-hard checks of a gate: ``closed_gate``, ``gate_role``, ``unavailable``, ``over_cover``
(docs/rules.md). The model side is :mod:`dutyplan.model.cover`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict


from dutyplan.checker.state import CheckState
from dutyplan.problem import Person


def check_gate_shifts(checker: CheckState) -> None:
    """``closed_gate``, ``gate_role``, ``unavailable``, ``over_cover`` and the cover level."""
    people_at = check_duties_at_gates(checker)
    check_cover(checker, people_at)


def check_duties_at_gates(checker: CheckState) -> dict[tuple[int, int, int, str], set[int]]:
    """``closed_gate``, ``gate_role``, ``unavailable`` per duty; the people at each
    gate-shift."""
    problem = checker.problem
    people_at: dict[tuple[int, int, int, str], set[int]] = defaultdict(set)
    for duty in checker.duties:
        key = (duty.site, duty.gate, duty.day, duty.shift.id)
        person = problem.people[duty.person]
        gate = problem.sites[duty.site].gates[duty.gate]
        if checker.demand[key] is None:
            label = f"{checker.who(duty.person)} at {checker.where(duty.site, duty.gate)}"
            checker.violate(
                "closed_gate",
                f"{label}: the gate is closed for {checker.inst(duty.shift, duty.day)}",
                duty.person,
                duty.day,
                duty.site,
            )
        people_at[key].add(duty.person)
        if gate.role is not None and gate.role not in person.roles:
            label = f"{checker.who(duty.person)} at {checker.where(duty.site, duty.gate)}"
            checker.violate(
                "gate_role",
                f"{label} on {checker.inst(duty.shift, duty.day)}: the gate needs role "
                f"{gate.role!r}, which this person does not have",
                duty.person,
                duty.day,
                duty.site,
            )
        if unavailable(person, duty.assignment.date, duty.shift.id):
            label = f"{checker.who(duty.person)} at {checker.where(duty.site, duty.gate)}"
            checker.violate(
                "unavailable",
                f"{label} on {checker.inst(duty.shift, duty.day)}, when this person is "
                "unavailable",
                duty.person,
                duty.day,
                duty.site,
            )
    return people_at


def check_cover(checker: CheckState, people_at: dict[tuple[int, int, int, str], set[int]]) -> None:
    """``over_cover`` and the cover level, from the people at each gate-shift."""
    for (s, g, d, shift_id), entry in checker.demand.items():
        if entry is None:
            continue
        n = len(people_at.get((s, g, d, shift_id), ()))
        shift = checker.shifts[shift_id]
        what = f"{checker.where(s, g)}, {checker.inst(shift, d)}"
        if n < entry.need:
            missing = entry.need - n
            under = entry.under_weight or 0
            checker.penalise(
                "cover",
                "under_cover",
                under * missing,
                f"{what}: {n} of {entry.need} people, {missing} missing "
                f"(cost {under} x {missing})",
                day=d,
                site=s,
            )
        elif n > entry.need:
            extra = n - entry.need
            if entry.over_weight is None:
                checker.violate(
                    "over_cover",
                    f"{what}: {n} people for a need of {entry.need}, and extra people "
                    "are not allowed there",
                    day=d,
                    site=s,
                )
            else:
                checker.penalise(
                    "cover",
                    "over_cover",
                    entry.over_weight * extra,
                    f"{what}: {n} people for a need of {entry.need}, {extra} extra "
                    f"(cost {entry.over_weight} x {extra})",
                    day=d,
                    site=s,
                )


def unavailable(person: Person, day: dt.date, shift_id: str) -> bool:
    return any(
        u.date == day and (u.shift is None or u.shift == shift_id) for u in person.unavailable
    )
