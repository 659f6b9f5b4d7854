"""The output: a duty timetable with its figures, saved and loaded as JSON."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from dutyplan.errors import PlanFileError
from dutyplan.problem import LEVELS, Problem, format_validation_error
from dutyplan.frames import (
    assignments_frame,
    coverage_frame,
    people_frame,
    person_sites_frame,
    roster_frame,
)
from dutyplan.report import plan_summary
from dutyplan.writing import write_atomic

Status = Literal["optimal", "feasible", "infeasible", "unknown"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Assignment(_Out):
    """One person on one shift at one gate."""

    person: str
    date: dt.date
    shift: str
    start: dt.datetime
    end: dt.datetime
    site: str
    gate: str


class Caseload(_Out):
    """One person answering for one household under watch (docs/rules.md, 'Caseloads'): on
    every watched date of the horizon, ``first`` to ``last``."""

    household: str
    person: str
    site: str
    first: dt.date
    last: dt.date


class UncoveredShift(_Out):
    """A gate-shift with fewer people than it needs."""

    site: str
    gate: str
    date: dt.date
    shift: str
    start: dt.datetime
    end: dt.datetime
    need: int
    assigned: int
    missing: int


class LevelResult(_Out):
    """One objective level: its value, the bound proven for it and whether it is optimal.

    In lexicographic mode a level's bound holds given the levels before it at their values.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)  # built once: a change is a copy

    name: str
    value: int
    bound: int | None = None
    optimal: bool = False
    weight: int = 1


class ProgressPoint(_Out):
    """A plan or bound the solver reported while solving (for convergence plots).

    ``seconds`` since the solve call, model build included; ``stage`` the lexicographic level
    being optimised (``weighted`` in weighted mode); ``value`` and ``bound`` that stage's
    objective and best bound at that moment.
    """

    seconds: float
    stage: str
    value: int
    bound: int


class Result(_Out):
    """How the plan was found and how good it provably is.

    ``objective`` is ``sum(weight * level value)``; ``best_bound`` the same sum of level
    bounds; ``gap = (objective - best_bound) / max(1, objective)``.

    A result is built once: it cannot be changed in place. A step that learns more (a better
    bound, the seconds it took, why the solve stopped) makes a copy with :meth:`updated`
    (:meth:`Plan.with_result` for a plan).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: Status
    objective: int | None = None
    best_bound: int | None = None
    gap: float | None = None
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    first_plan_seconds: float | None = None
    mode: str = "lexicographic"
    levels: list[LevelResult] = Field(default_factory=list)
    time_limit: float | None = None
    deterministic: bool = Field(
        default=False, description="the time limit counted CP-SAT's deterministic time"
    )
    deterministic_seconds: float | None = Field(
        default=None, description="CP-SAT deterministic time the solve used"
    )
    stop_reason: Literal["proven", "time limit", "interrupted", "no improvement"] | None = Field(
        default=None,
        description="why the solve ended: every level proven optimal (or no plan can exist), "
        "the time limit, a stop request (Ctrl-C), or no better plan for the seconds asked "
        "(solve's no_improvement)",
    )
    workers: int | None = None
    seed: int | None = None
    progress: list[ProgressPoint] = Field(
        default_factory=list, description="each improving plan found, in time order"
    )
    unmet: list[str] = Field(
        default_factory=list,
        description="hard rules the plan does not keep, in plain words, each with why (a "
        "decomposed solve leaves a site unstaffed when its hard rules admit no roster with the "
        "people who can work there; the status is then 'infeasible' when that is proven, else "
        "'unknown')",
    )

    def updated(self, **changes: Any) -> Result:
        """A copy of this result with ``changes`` (field name: new value)."""
        unknown = set(changes) - set(type(self).model_fields)
        if unknown:
            raise TypeError(f"Result has no field {', '.join(sorted(unknown))}")
        return self.model_copy(update=changes)


class PersonSummary(_Out):
    person: str
    name: str
    unit: str | None = None
    sites: list[str] = Field(default_factory=list)
    shifts: int = 0
    minutes: int = 0
    nights: int = 0
    weekend_shifts: int = 0
    commute_km: float = 0.0

    @property
    def hours(self) -> float:
        return self.minutes / 60


class GateCoverage(_Out):
    site: str
    gate: str
    need: int = Field(description="person-shifts needed over the horizon")
    assigned: int = Field(description="person-shifts assigned, up to need")
    uncovered: int


class Plan(_Out):
    """A duty timetable: assignments, what is left uncovered, per-person and per-gate figures."""

    problem: str
    assignments: list[Assignment] = Field(default_factory=list)
    uncovered: list[UncoveredShift] = Field(default_factory=list)
    people: list[PersonSummary] = Field(default_factory=list)
    coverage: list[GateCoverage] = Field(default_factory=list)
    caseloads: list[Caseload] = Field(default_factory=list)
    unwatched: list[str] = Field(
        default_factory=list, description="households under watch that nobody answers for"
    )
    result: Result

    @property
    def answers(self) -> dict[str, str]:
        """Who answers for each household (household id -> person id)."""
        return {c.household: c.person for c in self.caseloads}

    # ------------------------------------------------------------------ building
    def with_result(self, **changes: Any) -> Plan:
        """This plan with a copy of its result that has ``changes`` (see :meth:`Result.updated`)."""
        return self.model_copy(update={"result": self.result.updated(**changes)})

    @classmethod
    def build(cls, problem: Problem, assignments: list[Assignment], result: Result,
              answers: dict[str, str] | None = None) -> Plan:
        """Fill in the figures (uncovered, per person, per gate) from the assignments;
        ``answers``: who answers for each household (household id -> person id)."""
        assignments = sorted(assignments, key=lambda a: (a.start, a.site, a.gate, a.person))
        by_gate_shift: dict[tuple[str, str, dt.date, str], int] = defaultdict(int)
        for a in assignments:
            by_gate_shift[(a.site, a.gate, a.date, a.shift)] += 1
        short: list[dict[str, Any]] = []
        coverage: list[GateCoverage] = []
        shifts = problem.shift_types
        for site in problem.sites:
            for gate in site.gates:
                need_total = assigned_total = 0
                # (shift, need) of each demand table that needs people, resolved once per table
                # as Problem.demand does (need only)
                needs: dict[int, list[tuple[Any, int]]] = {}
                for day in problem.dates:
                    table = problem.table_for(gate, day)
                    rows = needs.get(id(table))
                    if rows is None:
                        rows = needs[id(table)] = [
                            (shift, table[shift.id].need) for shift in shifts
                            if shift.id in table and table[shift.id].need > 0
                        ]
                    for shift, need in rows:
                        got = by_gate_shift.get((site.id, gate.id, day, shift.id), 0)
                        need_total += need
                        assigned_total += min(got, need)
                        if got < need:
                            start = dt.datetime.combine(day, shift.start)
                            short.append({
                                "site": site.id, "gate": gate.id, "date": day, "shift": shift.id,
                                "start": start, "end": start + dt.timedelta(minutes=shift.minutes),
                                "need": need, "assigned": got, "missing": need - got,
                            })
                coverage.append(
                    GateCoverage(
                        site=site.id,
                        gate=gate.id,
                        need=need_total,
                        assigned=assigned_total,
                        uncovered=need_total - assigned_total,
                    )
                )
        short.sort(key=lambda u: (u["start"], u["site"], u["gate"]))
        uncovered = _UNCOVERED.validate_python(short)  # one call for a long list
        answers = answers or {}
        caseloads, unwatched = [], []
        for household in problem.households:
            person = answers.get(household.id)
            if person is None:
                unwatched.append(household.id)
                continue
            first, last = problem.watch_span(household)
            caseloads.append(Caseload(household=household.id, person=person, site=household.site,
                                      first=first, last=last))
        return cls(
            problem=problem.name,
            assignments=assignments,
            uncovered=uncovered,
            people=person_summaries(problem, assignments),
            coverage=coverage,
            caseloads=caseloads,
            unwatched=unwatched,
            result=result,
        )

    # ------------------------------------------------------------------ files
    def to_json(self, path: str | Path | None = None, indent: int = 2) -> str:
        """The plan as JSON text; with ``path``, also written there (atomically: the file is
        whole or untouched, whatever happens during the write)."""
        text = self.model_dump_json(indent=indent)
        if path is not None:
            write_atomic(path, text + "\n")
        return text

    @classmethod
    def from_json(cls, source: str | Path) -> Plan:
        """Read a plan from a JSON file (a :class:`~pathlib.Path`, or a string naming a file)
        or from JSON text (a string starting with ``{`` that names no file)."""
        text = None
        if isinstance(source, str) and source.lstrip().startswith("{"):
            try:
                names_a_file = Path(source).is_file()
            except (OSError, ValueError):  # too long for a file name, NUL...
                names_a_file = False
            if not names_a_file:
                text = source
        if text is None:
            try:
                text = Path(source).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError, ValueError) as error:
                raise PlanFileError(f"cannot read plan file {str(source)!r}: {error}") from None
        try:
            return cls.model_validate_json(text)
        except ValidationError as error:
            raise PlanFileError(format_validation_error(error, "invalid plan")) from None

    def ensure_fits(self, problem: Problem) -> None:
        """Raise :class:`PlanFileError` when an assignment names a person, site, gate or shift
        type the problem does not have, or a date outside its horizon (a plan of another
        problem). Rule violations are the checker's business, not this."""
        people = {p.id for p in problem.people}
        gates = {(s.id, g.id) for s in problem.sites for g in s.gates}
        shifts = {s.id for s in problem.shift_types}
        dates = set(problem.dates)
        wrong: list[str] = []
        for i, a in enumerate(self.assignments):
            if a.person not in people:
                wrong.append(f"assignments[{i}].person: unknown person {a.person!r}")
            if (a.site, a.gate) not in gates:
                wrong.append(f"assignments[{i}]: unknown site/gate {a.site!r}/{a.gate!r}")
            if a.shift not in shifts:
                wrong.append(f"assignments[{i}].shift: unknown shift type {a.shift!r}")
            if a.date not in dates:
                wrong.append(f"assignments[{i}].date: {a.date} is outside the horizon")
        if wrong:
            more = f" (and {len(wrong) - 5} more)" if len(wrong) > 5 else ""
            raise PlanFileError(
                f"the plan does not fit problem {problem.name!r}: " + "; ".join(wrong[:5]) + more
            )

    # ------------------------------------------------------------------ reading
    @property
    def missing_person_shifts(self) -> int:
        return sum(u.missing for u in self.uncovered)

    @property
    def people_on_duty(self) -> int:
        """How many people have at least one duty."""
        return sum(1 for p in self.people if p.shifts)

    # ------------------------------------------------------------------ frames (pandas)
    def to_frame(self, problem: Problem | None = None) -> Any:
        """One row per assignment (see :func:`dutyplan.frames.assignments_frame`)."""
        return assignments_frame(self, problem)

    def coverage_frame(self, problem: Problem) -> Any:
        """Gate x shift instance: demand, assigned, uncovered (:func:`dutyplan.frames.coverage_frame`)."""
        return coverage_frame(problem, self)

    def people_frame(self, problem: Problem | None = None) -> Any:
        """Shifts, hours, nights, weekend shifts, commute km per person
        (:func:`dutyplan.frames.people_frame`; the problem orders the id categories)."""
        return people_frame(self, problem)

    def person_sites_frame(self, problem: Problem | None = None) -> Any:
        """A row per person and site worked: shifts and hours there
        (:func:`dutyplan.frames.person_sites_frame`)."""
        return person_sites_frame(self, problem)

    def roster_frame(self, problem: Problem, site: str | None = None) -> Any:
        """Person x date with shift codes (:func:`dutyplan.frames.roster_frame`)."""
        return roster_frame(problem, self, site)

    def summary(self, problem: Problem | None = None, max_rows: int = 40) -> str:
        """A readable text summary (what the command line prints)."""
        return plan_summary(self, problem, max_rows=max_rows)

    # ------------------------------------------------------------------ in a notebook
    def __repr__(self) -> str:
        """One line: status, objective, gap and counts (the fields are all there, but a plan
        of a district is 40,000 characters long)."""
        r = self.result
        gap = "n/a" if r.gap is None else f"{100 * r.gap:.2f}%"
        households = f", {len(self.caseloads)} caseloads, {len(self.unwatched)} unwatched" \
            if self.caseloads or self.unwatched else ""
        return (f"Plan(problem={self.problem!r}, status={r.status!r}, objective={r.objective}, gap={gap}, "
                f"{len(self.assignments)} assignments, {self.missing_person_shifts} person-shifts uncovered"
                f"{households})")

    def _repr_html_(self) -> str:
        """A small table for notebooks: status and the levels (value, bound, proven)."""
        from html import escape

        r = self.result
        rows = "".join(
            f"<tr><td>{escape(lv.name)}</td><td>{lv.value}</td><td>{'' if lv.bound is None else lv.bound}</td>"
            f"<td>{'yes' if lv.optimal else 'no'}</td></tr>" for lv in r.levels
        )
        gap = "n/a" if r.gap is None else f"{100 * r.gap:.2f}%"
        head = (f"<p><b>plan for {escape(self.problem)}</b>: {escape(r.status)}, objective {r.objective}, "
                f"best bound {r.best_bound}, gap {gap}; {len(self.assignments)} assignments, "
                f"{self.missing_person_shifts} person-shifts uncovered"
                + (f", {len(self.caseloads)} caseloads, {len(self.unwatched)} households with nobody"
                   if self.caseloads or self.unwatched else "") + "</p>")
        table = ("<table><thead><tr><th>level</th><th>value</th><th>bound</th><th>optimal</th></tr></thead>"
                 f"<tbody>{rows}</tbody></table>") if rows else ""
        return head + table


_UNCOVERED = TypeAdapter(list[UncoveredShift])


def person_summaries(problem: Problem, assignments: list[Assignment]) -> list[PersonSummary]:
    """Shifts, minutes, nights, weekend shifts and commute km per person.

    The commute of each assignment is worked out for its own (person, site) pair, without a
    people x sites matrix.
    """
    site_index = {s.id: i for i, s in enumerate(problem.sites)}
    shift = {s.id: s for s in problem.shift_types}
    rows = {
        p.id: PersonSummary(person=p.id, name=p.label, unit=p.unit) for p in problem.people
    }
    person_index = {p.id: i for i, p in enumerate(problem.people)}
    people = np.empty(len(assignments), dtype=np.int64)
    sites = np.empty(len(assignments), dtype=np.int64)
    for k, a in enumerate(assignments):  # an unknown id raises the KeyError it always did
        people[k] = person_index[a.person]
        if a.shift not in shift:
            raise KeyError(a.shift)
        sites[k] = site_index[a.site]
    km = problem.commute_km_pairs(people, sites).tolist()
    for a, a_km in zip(assignments, km, strict=True):
        row = rows[a.person]
        st = shift[a.shift]
        row.shifts += 1
        row.minutes += st.minutes
        row.nights += int(st.is_night)
        row.weekend_shifts += int(problem.is_weekend(a.date))
        row.commute_km += a_km
        if a.site not in row.sites:
            row.sites.append(a.site)
    for row in rows.values():
        row.commute_km = round(row.commute_km, 1)
    return list(rows.values())


__all__ = [
    "LEVELS",
    "Assignment",
    "Caseload",
    "GateCoverage",
    "LevelResult",
    "PersonSummary",
    "Plan",
    "Result",
    "UncoveredShift",
]
