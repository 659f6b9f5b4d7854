"""Repair of a decomposed solve: sites left short take people who may work there.

Idle people first (placed nowhere, or with no duty), then people on duty at sites with slack;
a site whose hard role requirement fails takes people with the role from anywhere within
reach. A site that still has no roster is left unstaffed, with why in plain words
(:func:`unmet`), and whether that proves the whole problem infeasible.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import numpy as np

from dutyplan import timing
from dutyplan.budget import Budget
from dutyplan.compile import site_problem
from dutyplan.decompose import city
from dutyplan.decompose.city import FLOW_HEADROOM
from dutyplan.decompose.runner import SiteRunner
from dutyplan.infeasible import explain, forces_work
from dutyplan.plan import Assignment, Plan
from dutyplan.problem import Problem

logger = logging.getLogger("dutyplan")

__all__ = ["EXPLAIN_MOST", "REPAIR_TRIES", "RoleNeeds", "add_reach", "missing", "reach_role_holders", "repair", "role_holders", "unmet"]


def missing(plan: Plan) -> int:
    return sum(u.missing for u in plan.uncovered)


def cover_proven(plan: Plan) -> bool:
    """The plan's cover is proven the best its people allow."""
    return any(level.name == "cover" and level.optimal for level in plan.result.levels)


def repair(runner: SiteRunner, reach: dict[int, list[tuple[int, int]]], caps: np.ndarray,
            demand: np.ndarray, roles: RoleNeeds, view: Any = None) -> int:
    """Sites left short, and sites whose hard rules admit no roster with their people, take
    people who may work there, nearest first, and are solved again; until nothing changes,
    nobody can help, or time is up. Returns the number of rounds.

    - Idle people first: placed nowhere, or with no duty at their site (whose plan stands).
    - Then people on duty at a site with slack: its capacity stays at ``FLOW_HEADROOM`` times
      its demand without them, and they hold no role it needs by a hard rule. That site gives
      one recipient per round and is solved again, from its plan less their duties.
    - A site whose hard role requirement fails wants people with the role (``roles``).

    A move stands only when every site it touches comes back with a plan; otherwise the
    people go back and the old plans stand. ``reach[k]``: (km, person) of everyone who may
    work at site k, nearest first; ``caps``: duties each person can do at most. ``view``: at
    city scale (where ``reach`` holds only the candidate pairs), short sites also reach the
    free people nearest to them from anywhere (:func:`dutyplan.decompose.city.free_people_near`).
    """
    runner.stage = "repair"
    problem = runner.problem
    person_index = {p.id: i for i, p in enumerate(problem.people)}
    rounds = 0
    tries: dict[int, int] = defaultdict(int)  # repair rounds each site had
    retried: set[tuple[int, int]] = set()  # (site, its people) searched once more
    while runner.budget.left() > 2.0:
        unplanned = [k for k in runner.needed_sites() if k not in runner.plans and k not in runner.infeasible]
        if unplanned:  # no plan in their time: once more, with more time
            if not runner.run(runner.shares(unplanned, timing.SPLITS.repair_round_share)):
                break
            continue
        wants = {k: missing(plan) for k, plan in runner.plans.items() if missing(plan) > 0}
        # short for want of search, not of people: once more from its plan, with more time,
        # before people move (a move changes the site's problem and starts its search anew)
        again = {k: (k, hash(tuple(runner.member_ids(k)))) for k in wants if not cover_proven(runner.plans[k])}
        again = {k: key for k, key in again.items() if key not in retried}
        if again:
            retried.update(again.values())
            runner.run(runner.shares(list(again), timing.SPLITS.repair_round_share), hints=True)
            continue
        for k in range(len(problem.sites)):  # sites with demand and nobody at all
            if k not in runner.plans and k not in runner.infeasible and demand[k] > 0 and (reach.get(k) or view is not None):
                wants[k] = int(demand[k])
        role_wants = {k: roles.short(k, runner.members(k)) for k in runner.infeasible}
        role_wants = {k: w for k, w in role_wants.items() if w}
        todo = [k for k in dict.fromkeys((*wants, *role_wants)) if tries[k] < REPAIR_TRIES]
        if not todo:
            break
        if view is not None and wants:
            wanted = np.zeros(len(problem.sites))
            wanted[list(wants)] = list(wants.values())
            add_reach(reach, *city.free_people_near(view, runner.site_of, wanted))
        on_duty = np.zeros(len(problem.people), dtype=bool)
        for plan in runner.plans.values():
            on_duty[[person_index[a.person] for a in plan.assignments]] = True
        capacity = np.bincount(
            runner.site_of[runner.site_of >= 0], weights=caps[runner.site_of >= 0], minlength=len(problem.sites)
        )
        moves: dict[int, list[tuple[int, int]]] = {}  # recipient -> [(person, from site)]
        taken = np.zeros(len(problem.people), dtype=bool)
        gives_to = dict.fromkeys(todo, -1)  # donor -> the one site it gives to (-1: none)
        for k in sorted(todo, key=lambda k: -(wants.get(k, 0) + sum(role_wants.get(k, {}).values()))):
            tries[k] += 1
            need = {None: wants.get(k, 0), **role_wants.get(k, {})}
            got: list[tuple[int, int]] = []
            for idle_pass in (True, False):
                for _, p in reach.get(k, []):
                    if sum(max(0, v) for v in need.values()) <= 0:
                        break
                    j = int(runner.site_of[p])
                    if taken[p] or j == k or caps[p] <= 0:
                        continue
                    helps = [r for r, v in need.items() if v > 0 and (r is None or r in problem.people[p].roles)]
                    if not helps:
                        continue
                    if idle_pass != (j < 0 or not on_duty[p]):
                        continue
                    if not idle_pass and (
                        gives_to.get(j, k) != k
                        or capacity[j] - caps[p] < FLOW_HEADROOM * demand[j]
                        or roles.needs_any(j, problem.people[p].roles)
                    ):
                        continue
                    taken[p] = True
                    got.append((p, j))
                    for r in helps:
                        need[r] -= int(caps[p])
                    if not idle_pass:
                        capacity[j] -= caps[p]
                        gives_to[j] = k
            if got:
                moves[k] = got
        if not moves:
            break
        rounds += 1
        old = {}
        donors: dict[int, set[int]] = {}
        for k, got in moves.items():
            donors[k] = {j for p, j in got if j >= 0 and on_duty[p]}
            for site in (k, *donors[k]):
                old[site] = runner.plans.get(site)
            for p, _ in got:
                runner.site_of[p] = k
        runner.recount()
        hints: dict[int, list[Assignment]] = {}  # the assignments each site starts from
        for k, group in donors.items():
            if runner.plans.get(k) is not None:
                hints[k] = runner.plans[k].assignments
            leaving = {problem.people[p].id for p, j in moves[k] if j in group}
            for j in group:
                hints[j] = [a for a in runner.plans[j].assignments if a.person not in leaving]
        replace = {j for group in donors.values() for j in group}
        logger.info(
            "repair round %d: %d people to %d sites, %d of them from sites with slack", rounds,
            sum(map(len, moves.values())), len(moves), sum(on_duty[p] for got in moves.values() for p, _ in got),
        )
        was_infeasible = runner.infeasible & set(old)
        fresh = runner.run(runner.shares(list(old), timing.SPLITS.repair_round_share), hints=hints, replace=replace)
        for k, group in donors.items():
            if all(site in fresh for site in (k, *group)):
                continue
            # a site it touches has no new plan: the people go back, the old plans stand
            for p, j in moves[k]:
                runner.site_of[p] = j
            runner.recount()
            for site in (k, *group):
                runner.keep(site, old[site])
                if site in was_infeasible:
                    runner.infeasible.add(site)
        if runner.checkpoint is not None:
            runner.checkpoint.save_site_choice(runner.site_of)
    return rounds


REPAIR_TRIES = 3  # repair rounds a site may take part in as a recipient


EXPLAIN_MOST = 300  # people in a site's local explanation of why its hard rules fail


def role_holders(view: Any, k: int, role: str) -> tuple[np.ndarray, np.ndarray]:
    """(people, whole km) of everyone with ``role`` who may work at site k, nearest first."""
    problem = view.problem
    holders = np.array([p for p, person in enumerate(problem.people) if role in person.roles], dtype=np.int64)
    holders = holders[view.caps[holders] > 0] if len(holders) else holders
    if not len(holders):
        return holders, holders
    ok, km = city.admissible(view, holders, np.full(len(holders), k))
    order = np.argsort(km[ok], kind="stable")
    return holders[ok][order], km[ok][order]


def add_reach(reach: dict[int, list[tuple[int, int]]], people: np.ndarray, sites: np.ndarray, km: np.ndarray) -> None:
    """Add pairs to ``reach`` (each once, nearest first)."""
    touched = set()
    for p, k, d in zip(people.tolist(), sites.tolist(), km.tolist()):
        if k not in touched:
            touched.add(k)
            known = {q for _, q in reach[k]}
        if p not in known:
            reach[k].append((d, p))
            known.add(p)
    for k in touched:
        reach[k].sort()


def reach_role_holders(reach: dict[int, list[tuple[int, int]]], view: Any, sites: set[int], roles: RoleNeeds) -> None:
    """Add to ``reach`` everyone with a role that these sites need who may work there (the
    candidate pairs hold only each person's nearest sites)."""
    for k in sites:
        for role in roles.by_site.get(k, {}):
            people, km = role_holders(view, k, role)
            add_reach(reach, people, np.full(len(people), k), km)


def unmet(problem: Problem, view: Any, runner: SiteRunner, budget: Budget) -> tuple[list[str], bool]:
    """Plain words for each site whose hard rules still admit no roster (it is left
    unstaffed), and whether that proves that no plan of the whole problem keeps every hard
    rule: a hard role requirement that nobody with the role may work at, or one the site
    cannot keep even with every such person (explained locally, as
    :func:`dutyplan.infeasible.explain` does, when they are few and none has a rule that
    forces work)."""
    lines: list[str] = []
    proven = False
    for k in sorted(runner.infeasible):
        site = problem.sites[k]
        required = [
            req for req in problem.rules.roles
            if req.weight is None and (req.sites is None or site.id in req.sites)
        ]
        why = None
        subject: set[int] = set()
        for req in required:
            people, _ = role_holders(view, k, req.role)
            if not len(people):
                why = (
                    f"it needs {req.count} with role {req.role!r} on duty whenever it is open (a hard "
                    f"rule), and nobody with that role may work there (commute cap, gate roles, availability)"
                )
                proven = True
                break
            subject.update(people.tolist())
        if why is None:
            local = sorted(subject) if required else runner.members(k)
            left = budget.left()
            if local and len(local) <= EXPLAIN_MOST and left > 1.0:
                answer = explain(site_problem(problem, k, local), time_limit=min(timing.SPLITS.explain_most, timing.SPLITS.explain_share * left),
                                 deterministic=budget.deterministic)
                if not answer.feasible and answer.parts:
                    why = "; ".join(part.text for part in answer.parts)
                    proven |= bool(required) and not any(forces_work(problem, p) for p in local)
            if why is None:
                why = "its hard rules admit no roster with the people the decomposition could send there"
                if required:
                    why += f" ({len(subject)} people with the roles it needs may work there)"
        lines.append(f"{site.label} ({site.id}) is left unstaffed: {why}")
    return lines, proven


class RoleNeeds:
    """Hard role requirements per site, in duties: what a site needs of each role (its open
    shift-equivalents times the count, as the city site choice asks of the flow) and what its
    people bring (their capacity)."""

    def __init__(self, problem: Problem, caps: np.ndarray, view: Any = None) -> None:
        self.problem, self.caps = problem, caps
        self.need: dict[tuple[int, str], int] = {}
        if any(req.weight is None for req in problem.rules.roles):
            view = view if view is not None else city.city_view(problem)
            self.need = city.role_demand(view, city.FLOW_HEADROOM)
        self.by_site: dict[int, dict[str, int]] = defaultdict(dict)
        for (k, role), need in self.need.items():
            self.by_site[k][role] = need

    def short(self, k: int, members: list[int]) -> dict[str, int]:
        """Duties of each required role site k still wants from people with that role."""
        out = {}
        for role, need in self.by_site.get(k, {}).items():
            have = sum(int(self.caps[p]) for p in members if role in self.problem.people[p].roles)
            if need > have:
                out[role] = need - have
        return out

    def needs_any(self, k: int, roles: list[str]) -> bool:
        """Site k needs one of these roles by a hard rule."""
        return any(role in self.by_site.get(k, {}) for role in roles)
