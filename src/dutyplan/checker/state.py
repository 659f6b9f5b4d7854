"""What every check works on: the problem's lookups, the duties of the plan read once, and the
findings recorded so far (violations, itemised costs, level values), with the words that
name people, places and times in them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from dutyplan.checker.calendar import DAY_MINUTES, Duty, Instance, InstanceKey
from dutyplan.checker.context import CheckContext
from dutyplan.checker.report import Penalty, Violation
from dutyplan.plan import Assignment, Caseload
from dutyplan.problem import LEVELS, Household, Limit, Person, Problem, ShiftType

__all__ = ["CheckState"]


class CheckState:
    """The problem's lookups and the findings while one plan is checked.

    Next to every violation and penalty it keeps the shift instances the finding is about
    (``violation_refs``, ``penalty_refs``: overlap, rest, shifts per day, successions,
    duplicates), so that a caller can name the other duty involved.
    """

    def __init__(
        self,
        problem: Problem,
        assignments: Sequence[Assignment],
        context: CheckContext | None = None,
        caseload_list: Sequence[Caseload] = (),
    ) -> None:
        ctx = context if context is not None else CheckContext(problem)
        if ctx.problem is not problem:
            raise ValueError("the check context was built for another problem")
        self.problem = problem
        self.context = ctx
        self.assignments = assignments
        self.caseload_list = caseload_list  # the plan's caseloads (docs/rules.md, "Caseloads")
        self.dates = ctx.dates
        self.n_days = ctx.n_days
        self.day_labels = ctx.day_labels
        self.origin = ctx.origin
        self.shifts = ctx.shifts
        self.person_index = ctx.person_index
        self.site_index = ctx.site_index
        self.gate_index = ctx.gate_index
        self.round_km = ctx.round_km
        self.commute_min = ctx.commute_min
        self.rules = ctx.rules
        self.demand = ctx.demand
        self.violations: list[Violation] = []
        self.penalties: list[Penalty] = []
        self.violation_refs: list[tuple[InstanceKey, ...]] = []
        self.penalty_refs: list[tuple[InstanceKey, ...]] = []
        self.levels = dict.fromkeys(LEVELS, 0)
        self.duties: list[Duty] = []
        self.by_person: list[list[Duty]] = [[] for _ in problem.people]
        self.instances: list[list[Instance]] = [[] for _ in problem.people]
        # caseloads (read by dutyplan.checker.caseloads): who answers for each household, the
        # households of each person-date, the caseload minutes of each person-date
        self.answered: dict[int, int] = {}
        self.households_on: dict[tuple[int, int], list[int]] = {}
        self.caseload_min: list[list[int]] = [[0] * self.n_days for _ in problem.people]
        self.visit_commute: dict[tuple[int, int], tuple[int, int]] = {}

    # ------------------------------------------------------------------ recording
    def violate(
        self,
        rule: str,
        detail: str,
        person: int | None = None,
        day: int | dt.date | None = None,
        site: int | None = None,
        refs: tuple[InstanceKey, ...] = (),
    ) -> None:
        self.violation_refs.append(refs)
        self.violations.append(
            Violation(rule=rule, detail=detail, **self._where(person, day, site))
        )

    def _where(self, person: int | None, day: int | dt.date | None, site: int | None) -> dict[str, Any]:
        """The person, date and site a violation or a cost is about, by id."""
        return {
            "person": None if person is None else self.problem.people[person].id,
            "date": self._date(day),
            "site": None if site is None else self.problem.sites[site].id,
        }

    def penalise(
        self,
        level: str,
        rule: str,
        cost: int,
        detail: str,
        person: int | None = None,
        day: int | dt.date | None = None,
        site: int | None = None,
        refs: tuple[InstanceKey, ...] = (),
    ) -> None:
        if cost == 0:
            return
        self.levels[level] += int(cost)
        self.penalty_refs.append(refs)
        self.penalties.append(
            Penalty(level=level, rule=rule, cost=int(cost), detail=detail, **self._where(person, day, site))
        )

    def limit(
        self,
        rule: str,
        limit: Limit | None,
        excess: int,
        what: str,
        person: int | None = None,
        day: int | dt.date | None = None,
        site: int | None = None,
        refs: tuple[InstanceKey, ...] = (),
    ) -> None:
        """Record ``excess`` units of a Limit: a violation if hard, a rules cost if soft."""
        if limit is None or excess <= 0:
            return
        if limit.weight is None:
            self.violate(rule, what, person, day, site, refs)
        else:
            detail = f"{what} (cost {limit.weight} x {excess})"
            self.penalise("rules", rule, limit.weight * excess, detail, person, day, site, refs)

    # ------------------------------------------------------------------ caseloads
    def watched(self, household: Household) -> list[int]:
        """Horizon day indices from the household's ``arrival`` for ``watch_days`` dates."""
        first = (household.arrival - self.problem.horizon.start).days
        return [d for d in range(first, first + household.watch_days) if 0 <= d < self.n_days]

    def why_not(self, person: Person, household: Household) -> str | None:
        """Why the person may not answer for the household (docs/rules.md, "Caseloads"), or
        None when they may: on a date they are away, their deputy must be able to."""
        reason = self._unfit(person, household)
        if reason is not None:
            return reason
        deputy = self.deputy_of(person)
        deputy_unfit = None if deputy is None else self._unfit(deputy, household)
        away = {item.date for item in person.unavailable if item.shift is None}
        for d in self.watched(household):
            if self.dates[d] not in away:
                continue
            if deputy is None:
                return f"is unavailable on {self.dates[d]}, a watched date, and has no deputy"
            if deputy_unfit is not None:
                return f"is unavailable on {self.dates[d]}, a watched date, and their deputy {deputy.id} {deputy_unfit}"
            if any(item.date == self.dates[d] and item.shift is None for item in deputy.unavailable):
                return f"is unavailable on {self.dates[d]}, a watched date, and so is their deputy {deputy.id}"
        return None

    def deputy_of(self, person: Person) -> Person | None:
        if person.deputy is None or person.deputy not in self.person_index:
            return None
        return self.problem.people[self.person_index[person.deputy]]

    def worker(self, p: int, d: int) -> int:
        """Who does the caseload work of person p on day d: p, or their deputy when p is away."""
        person = self.problem.people[p]
        day = self.dates[d]
        if any(item.date == day and item.shift is None for item in person.unavailable):
            deputy = self.deputy_of(person)
            if deputy is not None:
                return self.person_index[deputy.id]
        return p

    @staticmethod
    def _unfit(person: Person, household: Household) -> str | None:
        if person.max_households is None and person.max_household_people is None:
            return "has no caseload capacity (max_households or max_household_people)"
        if person.communities is not None and household.site not in person.communities:
            return f"may take households in {', '.join(person.communities) or 'no community'} only"
        if household.role is not None and household.role not in person.roles:
            return f"does not have the role {household.role!r} the household asks for"
        if household.language is not None and household.language not in person.languages:
            return f"does not speak {household.language!r}"
        return None

    # ------------------------------------------------------------------ labels
    def _date(self, day: int | dt.date | None) -> dt.date | None:
        if day is None or isinstance(day, dt.date):
            return day
        return self.problem.horizon.start + dt.timedelta(days=day)

    def who(self, p: int) -> str:
        person = self.problem.people[p]
        return person.id if person.name is None else f"{person.name} ({person.id})"

    def where(self, s: int, g: int | None = None) -> str:
        site = self.problem.sites[s]
        if g is None:
            return site.label
        return f"{site.label} / {site.gates[g].label}"

    def day(self, d: int) -> str:
        if 0 <= d < self.n_days:
            return self.day_labels[d]
        return self._date(d).isoformat()  # type: ignore[union-attr]

    def clock(self, minute: int) -> str:
        return (self.origin + dt.timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M")

    def span(self, start: int, end: int) -> str:
        first, last = self.clock(start), self.clock(end)
        if first[:10] == last[:10]:
            return f"{first}-{last[11:]}"
        return f"{first} - {last}"

    def inst(self, shift: ShiftType, d: int) -> str:
        return f"{shift.label} on {self.day(d)}"

    def read_assignments(self) -> None:
        """``unknown`` and ``times``; builds the duties and each person's worked instances."""
        problem = self.problem
        first, last = problem.horizon.start, problem.last_date
        for a in self.assignments:
            wrong: list[str] = []
            p = self.person_index.get(a.person)
            s = self.site_index.get(a.site)
            shift = self.shifts.get(a.shift)
            g = None if s is None else self.gate_index[s].get(a.gate)
            if p is None:
                wrong.append(f"unknown person {a.person!r}")
            if s is None:
                wrong.append(f"unknown site {a.site!r}")
            elif g is None:
                wrong.append(f"unknown gate {a.gate!r} of site {problem.sites[s].label}")
            if shift is None:
                wrong.append(f"unknown shift type {a.shift!r}")
            if not first <= a.date <= last:
                wrong.append(f"date {a.date} outside the horizon {first}..{last}")
            if wrong:
                self.violation_refs.append(())
                self.violations.append(
                    Violation(
                        rule="unknown",
                        person=a.person,
                        date=a.date,
                        site=a.site,
                        detail=(
                            f"assignment of {a.person!r} at {a.site!r}/{a.gate!r} on {a.date} "
                            f"shift {a.shift!r}: " + "; ".join(wrong)
                        ),
                    )
                )
                continue
            assert p is not None and s is not None and g is not None and shift is not None
            d = problem.day_index(a.date)
            start = d * DAY_MINUTES + shift.start_minute
            duty = Duty(a, p, s, g, d, shift, start, start + shift.minutes)
            self.duties.append(duty)
            self.by_person[p].append(duty)
            real_start = dt.datetime.combine(a.date, shift.start)
            real_end = real_start + dt.timedelta(minutes=shift.minutes)
            if a.start != real_start or a.end != real_end:
                self.violate(
                    "times",
                    f"{self.who(p)} at {self.where(s, g)}: {self.inst(shift, d)} is written "
                    f"{a.start.isoformat(' ')} to {a.end.isoformat(' ')}, but the shift runs "
                    f"{real_start.isoformat(' ')} to {real_end.isoformat(' ')}",
                    p,
                    d,
                    s,
                )
        # whole km and minutes of the round trip of each duty
        commute = self.context.pair_commute((duty.person, duty.site) for duty in self.duties)
        for duty in self.duties:
            duty.km, duty.cmin = commute[(duty.person, duty.site)]
        # worked instances and duplicates (people without duties have none)
        for p in sorted({duty.person for duty in self.duties}):
            duties = self.by_person[p]
            seen: dict[tuple[int, str], list[Duty]] = {}
            for duty in duties:
                seen.setdefault((duty.day, duty.shift.id), []).append(duty)
            for (d, _), group in seen.items():
                shift = group[0].shift
                self.instances[p].append(
                    Instance(d, shift, group[0].start, group[0].end)
                )
                if len(group) > 1:
                    places = ", ".join(self.where(x.site, x.gate) for x in group)
                    self.violate(
                        "duplicate",
                        f"{self.who(p)} is assigned {len(group)} times to "
                        f"{self.inst(shift, d)} ({places})",
                        p,
                        d,
                        refs=((d, shift.id),),
                    )
            self.instances[p].sort(key=lambda i: (i.start, i.end, i.shift.id))
