"""How many people are missing: the fewest extra people for full cover, and the cover curve.

:func:`staffing` adds candidate people to a problem and asks CP-SAT two things:

1. **the fewest extra people** (by site and role) with whom every gate-shift can be fully
   covered under the hard rules (proven minimal when the status is optimal);
2. **the cover curve**: the fewest uncovered person-shifts with 0, 1, 2 ... extra people, up to
   that minimum (a curve a planner can plot).

Candidates are a given ``pool`` (people with their homes or commutes, who may work at any site
their rules allow), or, by default, generated: for each site and each role its gates need (or
no role when none do), up to ``per_site`` people who live at the site and work only there.
Identical generated candidates are used in order (symmetry breaking), so the minimum is proven
quickly. Existing people keep every rule; extra people follow the problem's rules.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import time
from collections import Counter
from typing import Any

import numpy as np
from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from dutyplan import timing
from dutyplan.budget import Budget, check_solve_arguments, interruptible, run
from dutyplan.compile import build_index, person_capacity, site_demand_by_date, site_options
from dutyplan.errors import DutyplanError, ProblemError
from dutyplan.model import build_model
from dutyplan.plan import Plan, Result
from dutyplan.problem import Problem
from dutyplan.replan import Changes, apply_changes
from dutyplan.solver import extract_answers, extract_assignments, model_fits

MAX_PER_SITE = 1000  # generated candidates per site and role
MAX_CANDIDATES = 10_000  # candidates in all (each adds a person to the whole model)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExtraPeople(_Out):
    site: str | None = Field(description="the site they work at (a pool person: where the plan sends them)")
    role: str | None = None
    count: int
    people: list[str] = Field(default_factory=list, description="ids of the candidates used")
    units: dict[str, int] = Field(default_factory=dict, description="how many of them come from each unit")


class CurvePoint(_Out):
    extra: int = Field(description="at most this many extra people")
    uncovered: int | None = Field(
        description="fewest uncovered person-shifts found, plus households nobody answers for (None: no plan in time)")
    proven: bool = False


class Staffing(_Out):
    """The answer: the fewest extra people for full cover, which ones, and the cover curve."""

    minimum: int | None = Field(description="fewest extra people for full cover (None: not found)")
    proven: bool = Field(description="the minimum is proven (no fewer can do)")
    bound: int = Field(0, description="no fewer than this many extra people can give full cover")
    possible: bool = Field(description="full cover is possible with the candidates at all")
    extra: list[ExtraPeople] = Field(default_factory=list)
    curve: list[CurvePoint] = Field(default_factory=list)
    candidates: int = 0
    minimum_seconds: float = Field(0.0, description="seconds to the minimum (model build included)")
    seconds: float = Field(0.0, description="seconds in all, curve included")
    plan: Plan | None = Field(None, description="a fully covered plan with the extra people")
    problem: Problem | None = Field(None, description="the problem with the extra people used")
    reason: str = ""

    def summary(self) -> str:
        if not self.possible:
            return f"full cover is not possible with these candidates: {self.reason}"
        if self.minimum is None:
            return f"the fewest extra people for full cover were not found: {self.reason}"
        head = (
            f"full cover needs {self.minimum} extra people"
            + (" (proven minimal)" if self.proven else f" (at least {self.bound})")
        )
        lines = [head]
        for e in self.extra:
            units = ", ".join(f"{n} from {u}" for u, n in sorted(e.units.items()) if u != "extra")
            lines.append(f"  {e.count} at {e.site or 'any site'}" + (f" with role {e.role}" if e.role else "")
                         + (f" ({units})" if units else ""))
        what = "uncovered person-shifts and households" if self.problem is not None and self.problem.households \
            else "uncovered person-shifts"
        lines.append(f"extra people -> {what}: " + ", ".join(
            f"{p.extra}: {'?' if p.uncovered is None else p.uncovered}{'' if p.proven else '~'}" for p in self.curve
        ))
        return "\n".join(lines)


def _caseload_fields(problem: Problem) -> dict[str, Any]:
    """The caseload capacity generated candidates get: the largest hard ``max_households``
    and ``max_household_people`` among the people who take households (2 households when
    nobody does)."""
    fields: dict[str, Any] = {}
    for name in ("max_households", "max_household_people"):
        values = [getattr(p, name).value for p in problem.people
                  if getattr(p, name) is not None and getattr(p, name).hard]
        if values:
            fields[name] = max(values)
    if not fields:
        fields["max_households"] = 2
    return fields


def _most_watched(problem: Problem, site: str) -> int:
    """The most households of ``site`` watched on one date of the horizon."""
    counts = Counter()
    for household in problem.households:
        if household.site == site:
            first, last = problem.watch_span(household)
            for i in range((last - first).days + 1):
                counts[first + dt.timedelta(days=i)] += 1
    return max(counts.values(), default=0)


def _site_roles(problem: Problem, k: int) -> list[str | None]:
    site = problem.sites[k]
    roles: list[str | None] = sorted({g.role for g in site.gates if g.role is not None}
                                     | {h.role for h in problem.households if h.site == site.id and h.role})
    for requirement in problem.rules.roles:
        if requirement.sites is None or site.id in requirement.sites:
            if requirement.role not in roles:
                roles.append(requirement.role)
    return roles or [None]


def _generated(problem: Problem, per_site: int | None) -> list[tuple[dict[str, Any], int | None, str | None]]:
    """(person document, site index, role) of each generated candidate."""

    demand = site_demand_by_date(problem).sum(axis=1)
    km = problem.commute_km_matrix()
    far = float(km.max(initial=0.0)) + 1.0
    far_minutes = float(problem.commute_minutes_matrix().max(initial=0.0)) + 1.0
    candidates = []
    caseload = _caseload_fields(problem)
    for k, site in enumerate(problem.sites):
        roles = _site_roles(problem, k)
        # enough to staff the site alone: 6 shifts a week each, plus one; and enough to answer
        # for the most households watched there on one date at the capacity the others have
        count = per_site if per_site is not None else min(40, math.ceil(demand[k] * 7 / (6 * problem.horizon.days)) + 1)
        watched = _most_watched(problem, site.id)
        if per_site is None and watched:
            count = max(count, min(40, math.ceil(watched / max(1, caseload.get("max_households", 1))) + 1))
        languages = sorted({h.language for h in problem.households if h.site == site.id and h.language})
        for role in roles:
            for i in range(count):
                doc: dict[str, Any] = {
                    "id": f"extra-{site.id}-{role or 'any'}-{i + 1}",
                    "name": f"extra {i + 1} at {site.label}" + (f" ({role})" if role else ""),
                    "unit": "extra",
                    "roles": [role] if role else [],
                }
                if watched:  # they may answer for the site's households, as the others do
                    doc.update(caseload, communities=[site.id], languages=languages)
                if site.location is not None:
                    doc["home"] = site.location.model_dump()
                doc["commute_km"] = {s.id: (0.0 if j == k else far) for j, s in enumerate(problem.sites)}
                if problem.commute_minutes is not None:
                    doc["commute_minutes"] = {s.id: (0.0 if j == k else far_minutes) for j, s in enumerate(problem.sites)}
                candidates.append((doc, k, role))
    return candidates


def _site_count_bound(
    ix: Any, capacity: np.ndarray, n0: int, site_need: np.ndarray | None, workers: int, seed: int,
    budget: Budget, seconds: float,
) -> int:
    """A lower bound on the extra people for full cover, from counting alone: the people
    placed at a site (one site each, when the rules say so) must have the capacity for its
    person-shifts, and an extra person adds one capacity at one site. Shift times, roles and
    rest are relaxed, so the bound holds for the full problem. 0 when it cannot be had."""
    if site_need is None or not (seconds > 0.05):
        return 0

    options = site_options(ix)
    model = cp_model.CpModel()
    load: list[list[Any]] = [[] for _ in range(ix.n_sites)]
    # people with one site each, the same capacity and the same sites are counted together
    # (no symmetry to search through): n[g, k] of group g at site k
    groups: dict[tuple[int, bytes], int] = {}
    for p in range(n0):
        if capacity[p] <= 0 or not options[p].any():
            continue
        if ix.rules[p].keep_one_site:
            key = (int(capacity[p]), options[p].tobytes())
            groups[key] = groups.get(key, 0) + 1
            continue
        zs = []
        for k in np.flatnonzero(options[p]).tolist():
            z = model.new_int_var(0, int(capacity[p]), "")
            load[k].append(z)
            zs.append(z)
        model.add(sum(zs) <= int(capacity[p]))
    for (cap, row), size in groups.items():
        counts = []
        for k in np.flatnonzero(np.frombuffer(row, dtype=bool)).tolist():
            n = model.new_int_var(0, size, "")
            load[k].append(cap * n)
            counts.append(n)
        model.add(sum(counts) <= size)
    extra_capacity = int(capacity[n0:].max(initial=0))
    if extra_capacity <= 0:
        return 0
    extras = []
    for k in range(ix.n_sites):
        e = model.new_int_var(0, int(site_need[k]), "")
        model.add(sum(load[k]) + extra_capacity * e >= int(site_need[k]))
        extras.append(e)
    model.minimize(sum(extras))
    solver = budget.solver(seconds, workers, seed)
    status = run(solver, model, budget)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return 0
    return max(0, int(math.ceil(solver.best_objective_bound - 1e-6)))


def staffing(
    problem: Problem,
    pool: list[dict[str, Any]] | None = None,
    per_site: int | None = None,
    time_limit: float = 30.0,
    workers: int | None = None,
    seed: int = 0,
    deterministic: bool = False,
) -> Staffing:
    """The fewest extra people for full cover, and the cover with 0, 1, 2 ... extra people.

    ``pool``: candidate people (as in a problem file; with a commute matrix, each with
    ``commute_km`` per site id); default: generated per site and role (see the module).
    ``per_site``: generated candidates per site and role (default: enough to staff the site
    alone). Half the time goes to the minimum, the rest to the curve. Ctrl-C stops early
    with what was found so far. ``deterministic``: count ``time_limit`` in CP-SAT's
    deterministic time (see :mod:`dutyplan.budget`), so the same problem, pool, seed and
    ``workers`` give the same answer on any machine and under any load; the wall time is
    still reported.
    """

    check_solve_arguments(time_limit, workers, seed)
    if per_site is not None and (
        isinstance(per_site, bool) or not isinstance(per_site, int) or not 1 <= per_site <= MAX_PER_SITE
    ):
        raise DutyplanError(f"per_site must be a whole number from 1 to {MAX_PER_SITE}, got {per_site!r}")
    if pool is not None and len(pool) > MAX_CANDIDATES:
        raise DutyplanError(f"pool: at most {MAX_CANDIDATES} candidates, got {len(pool)}")
    if per_site is not None:
        count = per_site * sum(len(_site_roles(problem, k)) for k in range(len(problem.sites)))
        if count > MAX_CANDIDATES:
            raise DutyplanError(
                f"per_site: {per_site} per site and role makes {count} candidates, more than "
                f"{MAX_CANDIDATES}; ask for fewer"
            )
    if not isinstance(deterministic, bool):
        raise DutyplanError(f"deterministic must be true or false, got {deterministic!r}")
    budget = Budget(time_limit, deterministic)
    started = budget.started
    workers = workers or os.cpu_count() or 1
    docs = [(dict(doc), None, None) for doc in pool] if pool is not None else _generated(problem, per_site)
    for matrix in ("commute_km", "commute_minutes"):  # only where the problem has that matrix
        if getattr(problem, matrix) is None:
            for doc, _, _ in docs:
                doc.pop(matrix, None)
    try:
        changes = Changes.model_validate({"add_people": [doc for doc, _, _ in docs]})
    except Exception as error:
        raise ProblemError(f"invalid staffing pool: {error}") from None
    extended = apply_changes(problem, changes)
    n0, n = len(problem.people), len(extended.people)
    allowed = np.ones((n, len(extended.sites)), dtype=bool)
    for j, (_, k, _) in enumerate(docs):
        if k is not None:
            allowed[n0 + j] = False
            allowed[n0 + j, k] = True
    index = build_index(extended, site_allowed=allowed)
    postings = int(index.eligible.sum())
    if not model_fits(extended, postings, budget):
        return Staffing(
            minimum=None, proven=False, possible=True, candidates=len(docs),
            seconds=round(budget.elapsed(), 3),
            reason=f"no time to build the model of {postings} candidate postings within {time_limit:g}s",
        )
    dm = build_model(extended, index=index)
    model = dm.model

    under = [t for t in dm.terms if t.rule == "under_cover"]
    impossible = sum(t.coef for t in under if t.var is None)
    shortfall = [t.var for t in under if t.var is not None]
    # the person-shifts missing (a cover term's variable is the number missing there)
    uncovered = cp_model.LinearExpr.sum(shortfall) if shortfall else 0
    # (with households, the curve counts the households nobody answers for too)
    uncovered = uncovered + cp_model.LinearExpr.sum(list(dm.unwatched.values())) if dm.unwatched else uncovered

    capacity = person_capacity(dm.index)  # most duties anyone can work in the horizon
    use = []
    for j in range(n - n0):
        u = model.new_bool_var("")
        lo, hi = dm.x_range(n0 + j)
        # a candidate works only if used, at most their capacity: stated once, aggregated, so
        # the linear relaxation bounds the people needed by (demand - others' capacity) /
        # capacity (per-posting implications instead give presolve a reason to drop it)
        model.add(cp_model.LinearExpr.sum(dm.x_vars[lo:hi]) <= int(capacity[n0 + j]) * u)
        use.append(u)
    for (_, p), a in dm.answer.items():  # a candidate answering for a household is used
        if p >= n0:
            model.add_implication(a, use[p - n0])
    unwatched = list(dm.unwatched.values())
    for j in range(1, len(docs)):  # identical generated candidates are used in order
        if docs[j][1] is not None and docs[j][1:] == docs[j - 1][1:]:
            model.add_implication(use[j], use[j - 1])
    used = cp_model.LinearExpr.sum(use) if use else 0
    answer = Staffing(minimum=None, proven=False, possible=True, candidates=len(docs))
    if impossible:
        answer.possible = False
        answer.reason = "some gate-shifts have nobody who could stand there, candidates included"

    # full cover stated directly on the postings too (a strong linear relaxation: the bound on
    # extra people is about demand minus what the others can work, over capacity)
    posted = dm.postings_by_class()
    full_cover = []
    for c, gate_class in enumerate(dm.index.classes):
        for d, s in np.argwhere(gate_class.open & (gate_class.need > 0)).tolist():
            need = int(gate_class.need[d, s]) * gate_class.size
            full_cover.append((posted.get((c, d, s), []), need))

    # with one site per person, a site needing N person-shifts needs people whose capacities
    # add up to N: with equal capacities, presolve rounds this to a whole number of people
    site_cuts = []
    if dm.at_site:
        site_need = np.zeros(len(extended.sites), dtype=np.int64)
        for gate_class in dm.index.classes:
            site_need[gate_class.site] += int((gate_class.need * gate_class.size * gate_class.open).sum())
        for k in range(len(extended.sites)):
            terms = [(int(capacity[p]), y) for (p, site_k), y in dm.at_site.items() if site_k == k]
            if site_need[k] > 0 and terms:
                site_cuts.append((terms, int(site_need[k])))

    def search(extra_cap: int | None, objective: Any, seconds: float, hint: np.ndarray | None, full: bool,
               params: dict[str, Any] | None = None):
        trial = model.clone()
        if extra_cap is not None:
            trial.add(used <= extra_cap)
        if full:
            trial.add(uncovered == 0)
            for u in unwatched:  # and every household answered for
                trial.add(u == 0)
            for xs, need in full_cover:
                trial.add(cp_model.LinearExpr.sum(xs) >= need)
            for terms, need in site_cuts:
                trial.add(cp_model.LinearExpr.weighted_sum([y for _, y in terms], [c for c, _ in terms]) >= need)
        trial.minimize(objective)
        if hint is not None:
            trial.clear_hints()
            for i, value in enumerate(hint.tolist()[: len(trial.proto.variables)]):
                trial.proto.solution_hint.vars.append(i)
                trial.proto.solution_hint.values.append(value)
        # the bound on people comes from the LP
        solver = budget.solver(max(0.1, seconds), workers, seed, {"linearization_level": 2, **(params or {})})
        with interruptible(budget.stop, "staffing"):
            status = run(solver, trial, budget)
        return status, solver

    best = None
    if answer.possible and pool is None:
        floor = _site_count_bound(dm.index, capacity, n0, site_need if dm.at_site else None, workers, seed,
                                  budget, min(timing.SPLITS.staffing_site_bound_most,
                                              timing.SPLITS.staffing_site_bound_share * budget.left()))
        if floor:  # valid under full cover only: in the minimum's model, not the curve's
            site_cuts.append(([(1, u) for u in use], floor))
    if answer.possible:
        # an LP-based worker and a core-based one prove bounds on a count of people
        bounding = {"subsolvers": ["max_lp", "core"]} if workers >= 2 else None
        status, solver = search(None, used, timing.SPLITS.staffing_minimum_share * budget.left(), None, True, bounding)
        answer.minimum_seconds = round(time.perf_counter() - started, 3)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            answer.minimum = int(round(solver.objective_value))
            answer.bound = int(math.ceil(solver.best_objective_bound - 1e-6))
            answer.proven = status == cp_model.OPTIMAL
            best = np.array(solver.response_proto.solution, dtype=np.int64)
        elif status == cp_model.INFEASIBLE:
            answer.possible = False
            answer.reason = (
                f"even with all {len(docs)} candidates some gate-shift stays short"
                + (" or some household has nobody" if problem.households else "") + " under the hard rules"
            )
        else:
            answer.reason = "no fully covered plan found in time"

    # the curve: fewest uncovered person-shifts with at most e extra people
    top = answer.minimum if answer.minimum is not None else min(len(docs), 10)
    points = list(range(top + 1))
    hint = None
    for e in points:
        if e == answer.minimum:  # known: full cover
            answer.curve.append(CurvePoint(extra=e, uncovered=0, proven=True))
            break
        seconds = budget.left() / (len(points) - e)
        status, solver = search(e, uncovered, seconds, hint, False)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            hint = np.array(solver.response_proto.solution, dtype=np.int64)
            answer.curve.append(CurvePoint(extra=e, uncovered=int(round(solver.objective_value)),
                                           proven=status == cp_model.OPTIMAL))
        else:
            answer.curve.append(CurvePoint(extra=e, uncovered=None))

    if best is not None:
        assignments = extract_assignments(dm, best)
        answers = extract_answers(dm, best)
        chosen = {a.person for a in assignments} | set(answers.values())
        extra_ids = [extended.people[n0 + j].id for j in range(len(docs))]
        used_ids = [pid for pid in extra_ids if pid in chosen]
        # where each one goes: their generated site, else where their duties and households are
        goes: dict[str, str] = {}
        for a in assignments:
            goes.setdefault(a.person, a.site)
        site_of_household = {h.id: h.site for h in extended.households}
        for household, person in answers.items():
            goes.setdefault(person, site_of_household[household])
        groups: dict[tuple[str | None, str | None], list[str]] = {}
        for j, pid in enumerate(extra_ids):
            if pid in chosen:
                k, role = docs[j][1], docs[j][2]
                groups.setdefault((problem.sites[k].id if k is not None else goes.get(pid), role), []).append(pid)
        unit_of = {p.id: p.unit or "" for p in extended.people}
        answer.extra = [ExtraPeople(site=s, role=r, count=len(ids), people=ids,
                                    units=dict(Counter(unit_of[i] for i in ids if unit_of[i])))
                        for (s, r), ids in groups.items()]
        keep = {p.id for p in problem.people} | set(used_ids)
        trimmed = extended.model_copy(update={"people": [p for p in extended.people if p.id in keep]})
        if extended.commute_km is not None:
            rows = [row for p, row in zip(extended.people, extended.commute_km) if p.id in keep]
            trimmed = trimmed.model_copy(update={"commute_km": rows})
        if extended.commute_minutes is not None:
            rows = [row for p, row in zip(extended.people, extended.commute_minutes) if p.id in keep]
            trimmed = trimmed.model_copy(update={"commute_minutes": rows})
        answer.problem = Problem.model_validate(trimmed.model_dump())
        answer.plan = Plan.build(answer.problem, assignments, Result(status="feasible"), answers)
    answer.seconds = round(time.perf_counter() - started, 3)
    return answer


__all__ = ["CurvePoint", "ExtraPeople", "Staffing", "staffing"]
