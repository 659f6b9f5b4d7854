"""Explain infeasibility: a small set of rules and data that cannot hold together.

When the hard rules admit no plan, :func:`explain` builds the model in explain mode (every hard
rule enforced by one literal per rule and subject: a person's rule, a site's role requirement,
a gate's role, a person's unavailability...; see ``DutyModel.hard``), asks CP-SAT for a set of
those literals that is infeasible on its own, and shrinks it by deletion until dropping any one
part makes the rest satisfiable. Each part is worded for a planner, with the facts that make it
bite (who has the role, how many gate-shifts need it).

Cover is soft in dutyplan, so infeasibility always comes from rules that force work (hard role
requirements, hard minimum minutes or runs, a run in progress from the history) meeting rules
that limit it.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from dutyplan.budget import Budget, check_solve_arguments, interruptible, run
from dutyplan.compile import build_index, person_problem, site_problem
from dutyplan.model import build_model
from dutyplan.problem import Problem
from dutyplan.rulebook import limit_words
from dutyplan.solver import model_fits


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Part(_Out):
    """One rule (or fact) of the explanation, and the subject it is about."""

    rule: str
    person: str | None = None
    site: str | None = None
    role: str | None = None
    shift: str | None = None
    text: str


class Explanation(_Out):
    """Why no plan exists: the parts that cannot hold together (empty when a plan exists)."""

    feasible: bool
    parts: list[Part] = Field(default_factory=list)
    minimal: bool = Field(False, description="dropping any one part was proven to make the rest satisfiable")
    status: str = ""
    solves: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        if self.feasible:
            return "the hard rules can all hold together: a plan exists"
        if not self.parts:
            return f"no explanation found ({self.status})"
        head = "these cannot all hold together" + ("" if self.minimal else " (not proven minimal)") + ":"
        return "\n".join([head, *(f"  - {p.text}" for p in self.parts)])


def forces_work(problem: Problem, p: int) -> bool:
    """Person p has a hard rule that makes them work: minimum minutes or runs, or shifts
    before the horizon (a history)."""
    person = problem.people[p]
    rules = problem.effective_rules(person)
    return bool(person.history) or any(
        getattr(rules, name) is not None and getattr(rules, name).hard
        for name in ("min_minutes", "min_consecutive_days", "min_consecutive_days_off")
    )


def explain(
    problem: Problem, time_limit: float = 10.0, seed: int = 0, deterministic: bool = False
) -> Explanation:
    """A minimal set of hard rules and data of ``problem`` that admit no plan together.

    Local checks first, each a small model: every person whose own rules force work (hard
    minimum minutes or runs, shifts before the horizon) alone, then every site with a hard
    role requirement with the people who may work there; the whole problem last. A conflict
    found locally is a conflict of the whole problem too. ``deterministic``: count the time
    limit in CP-SAT's deterministic time (see :func:`dutyplan.solve`).
    """

    check_solve_arguments(time_limit, None, seed)
    budget = Budget(time_limit, deterministic)
    started = budget.started
    answer = Explanation(feasible=False)
    ix = build_index(problem)
    # the explaining model states every open gate-shift for everyone: its size at most
    postings = ix.n_people * int(sum(int(c.open.sum()) for c in ix.classes))
    if not model_fits(problem, postings, budget):
        answer.status = "unknown (no time to build the model)"
        answer.seconds = round(budget.elapsed(), 3)
        return answer
    forcing = [p for p in range(len(problem.people)) if forces_work(problem, p)]
    local = [person_problem(problem, p) for p in forcing]
    role_sites = sorted({
        k for r in problem.rules.roles if r.weight is None
        for k, site in enumerate(problem.sites) if r.sites is None or site.id in r.sites
    })
    for k in role_sites:
        members = np.flatnonzero(ix.eligible[:, ix.class_site == k].any(axis=(1, 2, 3))).tolist()
        local.append(site_problem(problem, k, members))
    people_alone = len(forcing)
    for i, part in enumerate([*local, problem]):
        if part is not problem and not part.people:
            continue
        # one person alone: a tiny model, so availability and hard caps are rules to blame too
        with interruptible(budget.stop, "explanation"):
            found = _explain_whole(part, budget, seed, answer, guard_pruning=i < people_alone)
        if found is not None and not found.feasible:
            found.seconds = round(time.perf_counter() - started, 3)
            return found
        if found is None:  # out of time
            break
    answer.feasible = answer.status == "feasible"
    answer.seconds = round(time.perf_counter() - started, 3)
    return answer


def _explain_whole(
    problem: Problem, budget: Budget, seed: int, answer: Explanation, guard_pruning: bool = False
) -> Explanation | None:
    """Core and deletion on one (sub)problem; None when time ran out before a verdict."""

    dm = build_model(problem, explain="all" if guard_pruning else True)
    keys = list(dm.guards)
    literal = dm.guards

    def solve(active: list[tuple]) -> tuple[int, list[tuple]]:
        """Status with only the ``active`` rules on, and a core of them when infeasible."""
        model = dm.model
        model.clear_assumptions()
        model.add_assumptions([literal[k] for k in active])
        # one worker: cores come from the sequential search
        solver = Budget(max(0.05, budget.left()), budget.deterministic, budget.stop).solver(seed=seed)
        status = run(solver, model, budget)
        answer.solves += 1
        core: list[tuple] = []
        if status == cp_model.INFEASIBLE:
            index = {literal[k].index: k for k in active}
            core = [index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in index]
        return status, core

    status, core = solve(keys)
    if not guard_pruning and status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (
        dm.index.eligible.sum() < _open_postings(dm)
    ):
        # the rules that prune postings held as facts: put them to the test as rules too
        dm = build_model(problem, explain="all")
        keys = list(dm.guards)
        literal = dm.guards
        status, core = solve(keys)
    answer.status = _name(status)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Explanation(feasible=True, status=answer.status, solves=answer.solves)
    if status != cp_model.INFEASIBLE:
        return None
    kept = core or keys
    minimal = True
    for key in list(kept):
        if key not in kept:
            continue
        trial = [k for k in kept if k != key]
        result, smaller = solve(trial)
        if result == cp_model.INFEASIBLE:
            kept = smaller if smaller and set(smaller) <= set(trial) else trial
        elif result not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            minimal = False  # ran out of time: this part stays, unproven
    return Explanation(
        feasible=False, parts=[_words(dm, key) for key in kept], minimal=minimal,
        status=answer.status, solves=answer.solves,
    )


def _open_postings(dm: Any) -> int:
    ix = dm.index
    return ix.n_people * int(sum(c.open.sum() for c in ix.classes))


def _name(status: int) -> str:
    return {
        cp_model.OPTIMAL: "feasible", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible",
        cp_model.MODEL_INVALID: "model invalid", cp_model.UNKNOWN: "unknown (time limit)",
    }.get(status, str(status))


def _words(dm: Any, key: tuple) -> Part:
    """One part of an explanation, worded for a planner."""
    ix = dm.index
    problem: Problem = ix.problem
    rule = key[0]
    if rule in ("roles", "gate_role"):
        k, role = key[1], key[2]
        site = problem.sites[k]
        classes = [c for c, cls in enumerate(ix.classes) if cls.site == k]
        may = ix.eligible[:, classes].any(axis=(1, 2, 3)) if classes else np.zeros(ix.n_people, bool)
        holders = [p.label for i, p in enumerate(problem.people) if role in p.roles and may[i]]
        who = (f"the only {len(holders)} with role {role} who may work there: {', '.join(holders[:6])}"
               + (" ..." if len(holders) > 6 else "")) if holders else f"nobody with role {role} may work there"
        if rule == "roles":
            count = next((r.count for r in problem.rules.roles if r.role == role), 1)
            needing = sum(int((c.open & (c.need > 0)).sum()) for c in ix.classes if c.site == k)
            text = (f"{site.label} needs at least {count} {role} on duty whenever its gates need people "
                    f"(gate-shifts needing people: {needing}); {who}")
        else:
            gates = [g.label for g in site.gates if g.role == role]
            text = f"{', '.join(gates)} at {site.label} take only people with role {role}; {who}"
        return Part(rule=rule, site=site.id, role=role, text=text)
    if rule == "no_extra":
        site = problem.sites[key[1]]
        return Part(rule=rule, site=site.id,
                    text=f"gate(s) {', '.join(key[2])} at {site.label} take no more people than they need")
    person = problem.people[key[1]]
    rules = ix.rules[key[1]]
    name = person.label
    if rule == "unavailable":
        dates = sorted({u.date.isoformat() for u in person.unavailable})
        text = f"{name} is unavailable on {len(dates)} date(s): {', '.join(dates[:7])}" + (" ..." if len(dates) > 7 else "")
        return Part(rule=rule, person=person.id, text=text)
    if rule == "max_shifts":
        limit = rules.max_shifts[key[2]]
        return Part(rule=rule, person=person.id, shift=key[2],
                    text=f"{name} may work at most {limit.value} {key[2]} shift(s)")
    if rule == "keep_one_site":
        return Part(rule=rule, person=person.id, text=f"{name} works at one site only")
    if rule == "history":
        return Part(rule=rule, person=person.id, text=f"{name}'s shifts before the horizon overlap the first ones in it")
    if rule == "forbidden_successions":
        pairs = [f"{s.first} then {s.then}" for s in rules.forbidden_successions if s.weight is None]
        return Part(rule=rule, person=person.id, text=f"{name} may not work {', '.join(pairs)} on consecutive days")
    limit = getattr(rules, rule, None)
    value = limit.value if limit is not None and hasattr(limit, "value") else "?"
    text = f"{name} {limit_words(rule, value) or rule.replace('_', ' ') + f' {value}'}"
    if rule in ("max_commute_km",):
        km = np.round(ix.km[key[1]]).astype(int)
        text += " (" + ", ".join(f"{s.label} {km[i]} km" for i, s in enumerate(problem.sites)) + ")"
    return Part(rule=rule, person=person.id, text=text)


__all__ = ["Explanation", "Part", "explain"]
