"""Rostering sites one by one on an executor, with checkpoints.

Each site of a decomposed problem is an ordinary small dutyplan problem (see
:func:`dutyplan.decompose.site_problem`). :class:`SiteJob` carries one as JSON text, so any
``concurrent.futures.Executor`` can run :func:`roster_site` on it: a local process pool, or a
Dask cluster through ``distributed.Client(...).get_executor()``. A job gets an absolute
wall-clock deadline as well as its own seconds, so a job that starts late (queued behind
others) never runs past the caller's time limit; in deterministic mode it gets deterministic
seconds and no deadline (see :mod:`dutyplan.budget`).

dutyplan's own process pool (:func:`process_pool`) starts every worker with
:func:`pool_worker_init`: Ctrl-C is ignored there (the parent asks running jobs to stop, and
they return the best roster they have), and on Linux a worker dies with its parent, even
when the parent is killed with SIGKILL.

:class:`Checkpoint` keeps a run's finished work on disk: the site choice and every finished
site plan, each written atomically (a temporary file, flushed and fsynced, then renamed), so a
run killed at any moment loses no finished site. A rerun with the same directory and the same
problem (same hash) takes them back; a directory of another problem is refused.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from dutyplan.budget import Budget, Stop
from dutyplan.errors import DutyplanError
from dutyplan.plan import Assignment, Plan
from dutyplan.problem import Problem
from dutyplan.solver import solve_single
from dutyplan.solver.greedy import greedy_roster
from dutyplan.writing import writable_directory, write_atomic

logger = logging.getLogger("dutyplan")

CHECKPOINT_VERSION = 1


@dataclass(frozen=True)
class SiteJob:
    """One site to roster: its problem (JSON), people, time and the assignments to start from
    (``hint_json``: a JSON list of assignments, see :data:`HINT`)."""

    site: int
    problem_json: str
    seconds: float  # wall seconds, or deterministic seconds
    deadline: float | None  # time.time() after which the job must not run (None: deterministic)
    seed: int
    params: dict[str, Any] = field(default_factory=dict)
    hint_json: str | None = None
    stage_share: dict[str, int] | None = None
    deterministic: bool = False


#: a site job's hint: the assignments it starts from (a hint, not a plan: no figures, no status)
HINT = TypeAdapter(list[Assignment])


# --------------------------------------------------------------------------- pool workers
_pool_stop: Any = None  # in a worker of dutyplan's pool: the flag by which the parent says stop
_job_stop: Stop | None = None  # the stop of the job running in this process
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
POLL_SECONDS = 0.1  # a pool worker looks at the stop flag this often


def process_pool(workers: int) -> tuple[ProcessPoolExecutor, Any]:
    """A process pool of ``workers`` workers started with :func:`pool_worker_init`, and the
    shared flag that asks its running jobs to stop (``flag.value = 1``: a flag in shared
    memory, read by polling, so that setting it never waits on a worker, dead or alive).
    The platform's default start method: fork on Linux (no CP-SAT thread outlives its solve,
    and scripts need no ``if __name__ == "__main__"`` guard), spawn elsewhere."""
    context = multiprocessing.get_context()
    stop = context.RawValue("b", 0)
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=pool_worker_init,
        initargs=(stop, os.getpid()),
    )
    return pool, stop


def pool_worker_init(stop_flag: Any, parent: int) -> None:
    """Start a pool worker: ignore Ctrl-C, die with the parent (Linux), and stop the running
    job's search once ``stop_flag`` is set."""
    global _pool_stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: the worker may outlive a killed parent
            logger.debug("prctl(PR_SET_PDEATHSIG) is not available")
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    _pool_stop = stop_flag
    threading.Thread(target=_watch_pool_stop, name="dutyplan-pool-stop", daemon=True).start()


def _watch_pool_stop() -> None:
    while not _pool_stop.value:
        time.sleep(POLL_SECONDS)
    if _job_stop is not None:
        _job_stop.request()


def roster_site(job: SiteJob) -> tuple[int, str | None, float, float]:
    """Solve one site (one CP-SAT worker). Returns (site, plan JSON or None, wall seconds
    used, deterministic seconds used): None when the job started too late to run at all or
    found no plan in its time; a plan of status ``infeasible`` (and no assignments) when the
    site's hard rules admit no roster with its people. Asked to stop (dutyplan's pool), it
    returns the best roster it has."""
    global _job_stop
    began = time.time()
    seconds = job.seconds
    if not job.deterministic:
        seconds = min(job.seconds, job.deadline - began)  # type: ignore[operator]
        if seconds < 0.05:
            return job.site, None, 0.0, 0.0
    stop = _job_stop = Stop()
    if _pool_stop is not None and _pool_stop.value:
        stop.request()
    budget = Budget(seconds, job.deterministic, stop)
    problem = Problem.model_validate_json(job.problem_json)
    if job.hint_json is None:  # a greedy first roster (checked by solve against every hard rule)
        first = greedy_roster(problem, budget)
    else:
        first = HINT.validate_json(job.hint_json)
    try:
        plan = solve_single(
            problem, budget, workers=1, seed=job.seed, params=job.params, hint=first or None,
            stage_share=job.stage_share,
        )
    except DutyplanError as error:  # e.g. no memory for the site's model: the site has no plan
        logger.warning("site %s: %s", problem.name, error)
        return job.site, None, time.time() - began, budget.charged
    used = (time.time() - began, budget.charged)
    if plan.result.objective is None and plan.result.status != "infeasible":
        return job.site, None, *used
    return job.site, plan.model_dump_json(), *used


def problem_hash(problem: Problem) -> str:
    """SHA-256 of the problem's canonical JSON."""
    return hashlib.sha256(problem.model_dump_json().encode("utf-8")).hexdigest()


class Checkpoint:
    """A run's finished work in a directory: ``manifest.json`` (problem hash),
    ``site_choice.json`` (the site of each person) and ``sites/<index>.json`` (a site's plan
    with the people it was made for)."""

    def __init__(self, directory: str | Path, problem: Problem) -> None:
        self.directory = Path(directory)
        self.hash = problem_hash(problem)
        self.problem = problem
        writable_directory(self.directory, "checkpoint directory")
        writable_directory(self.directory / "sites", "checkpoint directory")
        manifest = self.directory / "manifest.json"
        if manifest.exists():
            try:
                saved = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError) as error:
                raise DutyplanError(
                    f"checkpoint {manifest} cannot be read ({type(error).__name__}): delete the "
                    "directory to start over"
                ) from None
            if not isinstance(saved, dict) or "problem_hash" not in saved:
                raise DutyplanError(
                    f"checkpoint {manifest} is not a dutyplan checkpoint manifest: delete the "
                    "directory to start over"
                )
            if saved.get("problem_hash") != self.hash:
                raise DutyplanError(
                    f"checkpoint directory {self.directory} belongs to another problem "
                    f"({saved.get('problem', '?')!r}, hash {str(saved.get('problem_hash'))[:12]}...; "
                    f"this problem {problem.name!r} has hash {self.hash[:12]}...): "
                    "use another directory, or delete this one to start over"
                )
        else:
            write_atomic(manifest, json.dumps({
                "version": CHECKPOINT_VERSION, "problem": problem.name, "problem_hash": self.hash,
                "people": len(problem.people), "sites": len(problem.sites),
            }, ensure_ascii=False, indent=1))

    # ------------------------------------------------------------------ site choice
    def load_site_choice(self) -> np.ndarray | None:
        """The saved site of each person (-1: none), or None when there is none or it cannot be
        used (unreadable, or naming people or sites the problem does not have): the sites are
        then chosen again."""
        path = self.directory / "site_choice.json"
        if not path.exists():
            return None
        site_index = {s.id: k for k, s in enumerate(self.problem.sites)}
        try:
            ids = json.loads(path.read_text(encoding="utf-8"))["site_of"]
            if not isinstance(ids, dict) or set(ids) != {p.id for p in self.problem.people}:
                raise ValueError("it does not list exactly the problem's people")
            return np.array(
                [site_index[ids[p.id]] if ids[p.id] is not None else -1 for p in self.problem.people],
                dtype=np.int64,
            )
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as error:
            logger.warning("checkpoint %s cannot be used (%s): choosing sites again", path,
                           str(error)[:200] or type(error).__name__)
            return None

    def save_site_choice(self, site_of: np.ndarray) -> None:
        sites = self.problem.sites
        ids = {p.id: (sites[k].id if k >= 0 else None) for p, k in zip(self.problem.people, site_of.tolist())}
        self._write(self.directory / "site_choice.json", json.dumps({"site_of": ids}, ensure_ascii=False))

    def _write(self, path: Path, text: str) -> None:
        """Write a checkpoint file; a failure (a full disk...) is logged, never the end of
        the solve: the run goes on, and a rerun solves that part again."""
        try:
            write_atomic(path, text)
        except OSError as error:
            logger.warning("checkpoint %s cannot be written (%s): going on without it", path,
                           error.strerror or error)

    # ------------------------------------------------------------------ site plans
    def _site_path(self, k: int) -> Path:
        return self.directory / "sites" / f"{k:06d}.json"

    def save_site(self, k: int, members: list[str], plan_json: str) -> None:
        text = json.dumps({"site": self.problem.sites[k].id, "members": members}, ensure_ascii=False)
        # the plan is appended as raw JSON (it is large; no need to parse it again)
        self._write(self._site_path(k), text[:-1] + ', "plan": ' + plan_json + "}")

    def load_site(self, k: int, members: list[str]) -> Plan | None:
        """The saved plan of site k if it was made for exactly these people (None: none, or
        unreadable: the site is solved again). The caller checks it before use."""
        path = self._site_path(k)
        if not path.exists():
            return None
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved.get("site") != self.problem.sites[k].id or saved.get("members") != members:
                return None
            return Plan.model_validate(saved["plan"])
        except (OSError, ValueError, AttributeError, TypeError, RecursionError) as error:
            logger.warning("checkpoint %s cannot be used (%s): solving the site again", path,
                           str(error)[:200] or type(error).__name__)
            return None
