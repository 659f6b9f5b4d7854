"""Site plans on an executor: which site has a plan, who is where, rounds of site jobs.

:class:`SiteRunner` keeps a decomposed solve's site plans: it sends each site to be rostered
as a job (:mod:`dutyplan.decompose.sites`) on any ``concurrent.futures.Executor``, takes the
results as they finish (in the order sent, in deterministic mode), keeps a plan when it is
better, saves it to the checkpoint, and counts people placed and gate-shifts uncovered for the
progress bar. A stop request cancels the jobs not started and asks running ones (in
dutyplan's own pool) to return the best roster they have; a worker that dies (kill -9, out of
memory) costs its sites that round, not the solve.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import BrokenExecutor, Executor, as_completed
from typing import Any

import numpy as np

from dutyplan import timing
from dutyplan.budget import Budget
from dutyplan.checker import check
from dutyplan.compile import site_problem
from dutyplan.decompose.sites import HINT, SiteJob, process_pool, roster_site
from dutyplan.errors import PlanFileError
from dutyplan.plan import Assignment, Plan
from dutyplan.problem import LEVELS, Problem

logger = logging.getLogger("dutyplan")

__all__ = ["SiteRunner", "better", "level_values", "unproven_rank"]




def unproven_rank(plan: Plan | None) -> int:
    """Position of the first level not proven optimal (-1: no plan; len(LEVELS): all proven)."""
    if plan is None or plan.result.objective is None:
        return -1
    for level in plan.result.levels:
        if not level.optimal:
            return LEVELS.index(level.name)
    return len(LEVELS)


class SiteRunner:
    """The site plans of a run: who is where, which sites have a plan, and the executor.

    ``budget``: the time for rostering (its searches run ``workers`` side by side). A stop
    request cancels the jobs not started and asks those running in dutyplan's own pool to
    return the best roster they have."""

    def __init__(
        self, problem: Problem, site_of: np.ndarray, executor: Executor | None, workers: int,
        seed: int, params: dict | None, checkpoint: Any, bar: Any, budget: Budget,
    ) -> None:
        self.problem, self.site_of, self.workers, self.seed = problem, site_of.copy(), workers, seed
        self.params = dict(params or {})
        self.checkpoint, self.bar, self.budget = checkpoint, bar, budget
        self.own_executor = executor is None
        self.executor = executor
        self._pool_stop: Any = None  # the flag that stops the jobs of our own pool
        self._futures: list[Any] = []  # the jobs of the round in progress
        budget.stop.on_request(self._stop_jobs)
        self.plans: dict[int, Plan] = {}
        self.infeasible: set[int] = set()  # sites whose hard rules admit no roster with their people
        self.resumed = 0
        self.first_plan_at: float | None = None
        self.started = time.perf_counter()
        # seconds a site job takes beyond its solve: model build, greedy roster, hint check,
        # plan (measured on city sites of 4-18 people: 0.05 s; then measured per round)
        self.overhead = 0.08
        # running totals for the progress bar (a city has thousands of sites: no sums per plan)
        self._uncovered: dict[int, int] = {}
        self._uncovered_total = 0
        self.recount()

    # ------------------------------------------------------------------ bookkeeping
    def members(self, k: int) -> list[int]:
        return np.flatnonzero(self.site_of == k).tolist()

    def member_ids(self, k: int) -> list[str]:
        return [self.problem.people[p].id for p in self.members(k)]

    def keep(self, k: int, plan: Plan | None) -> None:
        """Take site k's plan (None: site k has no plan)."""
        if k in self.plans:
            self._placed -= int(self._counts[k])
            self._uncovered_total -= self._uncovered.pop(k)
            del self.plans[k]
        if plan is not None:
            self._placed += int(self._counts[k])
            self._uncovered[k] = len(plan.uncovered)
            self._uncovered_total += self._uncovered[k]
            self.plans[k] = plan

    def recount(self) -> None:
        """Bring the counts up to date after ``site_of`` changed."""
        placed = self.site_of >= 0
        self._counts = np.bincount(self.site_of[placed], minlength=len(self.problem.sites))
        self._placed = int(self._counts[list(self.plans)].sum()) if self.plans else 0

    def people_placed(self) -> int:
        """People at sites that have a plan."""
        return self._placed

    def uncovered(self) -> int:
        return self._uncovered_total

    def needed_sites(self) -> list[int]:
        """Sites with people (a site with nobody is left uncovered, with no job)."""
        return sorted(set(self.site_of[self.site_of >= 0].tolist()))

    def _executor(self) -> Executor:
        if self.executor is None:
            self.executor, self._pool_stop = process_pool(self.workers)
        return self.executor

    def _stop_jobs(self) -> None:
        """A stop request: jobs not started are cancelled, running ones in our pool stop."""
        for future in list(self._futures):
            future.cancel()
        if self._pool_stop is not None:
            self._pool_stop.value = 1

    def close(self, abort: bool = False) -> None:
        """Shut our pool down (``abort``: without waiting for the jobs, which are asked to
        stop)."""
        if self.own_executor and self.executor is not None:
            if abort:
                self._stop_jobs()
            self.executor.shutdown(wait=not abort, cancel_futures=True)
            self.executor = None

    # ------------------------------------------------------------------ rounds
    def run(
        self, seconds: dict[int, float], hints: bool | dict[int, list[Assignment]] = False,
        replace: set[int] = frozenset(),
    ) -> set[int]:
        """Roster the given sites (each with its own seconds), as they finish: keep, save,
        report. ``hints``: start each site from its current plan's assignments (True) or from
        the assignments given. A new plan is kept when it is better, or always for a site in ``replace``
        (whose current plan no longer fits its people). A site whose hard rules admit no
        roster is marked infeasible. Returns the sites that got a plan; jobs that could not
        start before the stop time keep their previous plan."""
        fresh: set[int] = set()
        if not seconds or self.budget.expired():
            return fresh
        deterministic = self.budget.deterministic
        wall_stop = self.budget.wall_deadline()
        jobs = []
        for k in sorted(seconds, key=lambda k: -seconds[k]):
            sub = site_problem(self.problem, k, self.members(k))
            current = self.plans.get(k)
            hint = (current.assignments if current is not None else None) if hints is True else (
                hints.get(k) if hints else None)
            jobs.append(SiteJob(
                site=k, problem_json=sub.model_dump_json(), seconds=seconds[k], deadline=wall_stop,
                seed=self.seed, params=self.params, stage_share=timing.SPLITS.site_stage_shares,
                hint_json=HINT.dump_json(hint).decode() if hint is not None else None,
                deterministic=deterministic,
            ))
        pool = self._executor()
        futures = self._futures = [pool.submit(roster_site, job) for job in jobs]
        if self.budget.stop.requested:  # asked to stop while the jobs were made
            self._stop_jobs()
        beyond = []
        # in deterministic mode the results are taken in the order the jobs were made, so
        # that nothing depends on which finishes first
        finished = iter(futures) if deterministic else as_completed(futures)
        broken = False
        try:
            for future in finished:
                if future.cancelled():
                    continue
                try:
                    k, plan_json, used, work = future.result()
                except BrokenExecutor as error:  # a worker died (kill -9, out of memory)
                    if not broken:
                        logger.warning("a site job's worker died (%s): its sites have no plan "
                                       "this round", error)
                    broken = True
                    continue
                except Exception:  # noqa: BLE001 - one failed job leaves one site without a plan
                    logger.exception("a site job failed: its site has no plan this round")
                    continue
                self.budget.charge(work)
                if plan_json is None:
                    continue
                beyond.append(max(0.0, used - seconds[k]))
                plan = Plan.model_validate_json(plan_json)
                if plan.result.status == "infeasible":
                    self.infeasible.add(k)
                    continue
                self.infeasible.discard(k)
                fresh.add(k)
                if k not in self.plans or k in replace or better(plan, self.plans[k]):
                    self.keep(k, plan)
                    if self.checkpoint is not None:
                        self.checkpoint.save_site(k, self.member_ids(k), plan_json)
                self.bar.update(len(self.plans), self.people_placed(), self.uncovered(), stage=self.stage)
                if not deterministic and self.budget.expired():
                    break  # the rest finish or give up on their own deadline
        finally:
            for future in futures:
                future.cancel()
            self._futures = []
        if broken and self.own_executor and self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)  # a new pool next round
            self.executor = None
        if beyond and not deterministic:
            self.overhead = max(0.05, float(np.mean(beyond)))
        return fresh

    def first_round(self, fraction: float) -> None:
        """Every needed site: from the checkpoint when it was made for the same people, else
        solved with a share of the time by its size."""
        self.stage = "rostering"
        todo = []
        for k in self.needed_sites():
            saved = self.checkpoint.load_site(k, self.member_ids(k)) if self.checkpoint else None
            if saved is not None and self._usable(k, saved):
                self.keep(k, saved)
                self.resumed += 1
            else:
                todo.append(k)
        self.bar.update(len(self.plans), self.people_placed(), self.uncovered(), stage=self.stage)
        self.run(self.shares(todo, fraction), hints=False)
        if len(self.plans) == len(self.needed_sites()):
            self.first_plan_at = round(time.perf_counter() - self.started, 4)

    def _usable(self, k: int, saved: Plan) -> bool:
        """A saved site plan states every figure a site plan has (its levels are summed into
        the city's), fits site k with its people and passes the independent check (every hard
        rule, every figure); else the site is solved again."""
        stated = saved.model_fields_set >= {"assignments", "uncovered", "coverage", "people"}
        if not stated or saved.result.objective is None or not saved.result.levels:
            logger.warning("checkpoint plan of site %s does not state its figures: solving it again",
                           self.problem.sites[k].id)
            return False
        sub = site_problem(self.problem, k, self.members(k))
        try:
            saved.ensure_fits(sub)
        except PlanFileError as error:
            logger.warning("checkpoint plan of site %s does not fit it (%s): solving it again",
                           self.problem.sites[k].id, error)
            return False
        report = check(sub, saved)
        if not report.ok:
            logger.warning("checkpoint plan of site %s fails the check (%d violations, %d false "
                           "figures): solving it again", self.problem.sites[k].id,
                           len(report.violations), len(report.mismatches))
        return report.ok

    def shares(self, sites: list[int], fraction: float, keep: float = 0.0) -> dict[int, float]:
        """Seconds for each site's job: ``fraction`` of what is left (less ``keep``), by size."""
        if not sites:
            return {}
        overhead = 0.0 if self.budget.deterministic else self.overhead
        budget = (self.budget.left() - keep) * self.workers - overhead * len(sites)
        sizes = {k: max(1, len(self.members(k))) for k in sites}
        total = sum(sizes.values())
        return {k: max(timing.SPLITS.site_least_seconds, fraction * budget * sizes[k] / total) for k in sites}

    def improve(self, keep: float = 0.0) -> None:
        """Rounds on the sites with a plan not proven optimal, each from its plan, the sites
        whose most important unproven level comes first first; sites a round neither proves
        nor improves are left alone after it. Until nothing is left to try or time is up.
        ``keep``: seconds left unused once every site is covered (for the bounds after the
        merge, which need full cover); a site still short may use them."""
        self.stage = "improving"
        stalled: set[int] = set()
        overhead = 0.0 if self.budget.deterministic else self.overhead
        while True:
            keep_now = keep if self.uncovered() == 0 else 0.0
            if self.budget.left() - keep_now <= 1.0:
                return
            rank = {k: unproven_rank(plan) for k, plan in self.plans.items() if k not in stalled}
            rank = {k: r for k, r in rank.items() if r < len(LEVELS)}
            if not rank:
                return
            first = min(rank.values())
            todo = [k for k in rank if rank[k] == first]
            budget = (self.budget.left() - keep_now) * self.workers - overhead * len(todo)
            if budget < max(1.0, 0.2 * len(todo)):
                return
            before = {k: level_values(self.plans[k]) for k in todo}
            self.run(self.shares(todo, timing.SPLITS.improve_round_share, keep_now), hints=True)
            stalled.update(
                k for k in todo
                if unproven_rank(self.plans[k]) == first and level_values(self.plans[k]) == before[k]
            )


def level_values(plan: Plan) -> list[int]:
    return [lv.value for lv in plan.result.levels]


def better(new: Plan, old: Plan) -> bool:
    """Lexicographically better level values (the hint makes a re-solve never worse)."""
    return level_values(new) <= level_values(old)
