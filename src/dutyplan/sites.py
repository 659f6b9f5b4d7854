"""Rostering sites one by one on an executor, with checkpoints.

Each site of a decomposed problem is an ordinary small dutyplan problem (see
:func:`dutyplan.decompose.site_problem`). :class:`SiteJob` carries one as JSON text, so any
``concurrent.futures.Executor`` can run :func:`roster_site` on it: a local process pool, or a
Dask cluster through ``distributed.Client(...).get_executor()``. A job gets an absolute
wall-clock deadline as well as its own seconds, so a job that starts late (queued behind
others) never runs past the caller's time limit.

:class:`Checkpoint` keeps a run's finished work on disk: the site choice and every finished
site plan, each written atomically (a temporary file, flushed and fsynced, then renamed), so a
run killed at any moment loses no finished site. A rerun with the same directory and the same
problem (same hash) takes them back; a directory of another problem is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dutyplan.errors import DutyplanError
from dutyplan.plan import Plan
from dutyplan.problem import Problem

CHECKPOINT_VERSION = 1


@dataclass(frozen=True)
class SiteJob:
    """One site to roster: its problem (JSON), people, time and a plan to start from."""

    site: int
    problem_json: str
    seconds: float
    deadline: float  # time.time() after which the job must not run
    seed: int
    params: dict[str, Any] = field(default_factory=dict)
    hint_json: str | None = None
    stage_share: dict[str, int] | None = None


def roster_site(job: SiteJob) -> tuple[int, str | None, float]:
    """Solve one site (one CP-SAT worker). Returns (site, plan JSON or None, seconds used):
    None when the job started too late to run at all or found no plan in its time; a plan of
    status ``infeasible`` (and no assignments) when the site's hard rules admit no roster
    with its people."""
    from dutyplan.solve import solve

    began = time.time()
    seconds = min(job.seconds, job.deadline - began)
    if seconds < 0.05:
        return job.site, None, 0.0
    problem = Problem.model_validate_json(job.problem_json)
    hint = Plan.model_validate_json(job.hint_json) if job.hint_json else None
    if hint is None:  # a greedy first roster (checked by solve against every hard rule)
        from dutyplan.greedy import greedy_roster
        from dutyplan.plan import Result

        first = greedy_roster(problem)
        if first:
            hint = Plan(problem=problem.name, assignments=first, result=Result(status="feasible"))
    plan = solve(
        problem, time_limit=seconds, workers=1, seed=job.seed, params=job.params,
        strategy="single", hint=hint, stage_share=job.stage_share,
    )
    if plan.result.objective is None and plan.result.status != "infeasible":
        return job.site, None, time.time() - began
    return job.site, plan.model_dump_json(), time.time() - began


def problem_hash(problem: Problem) -> str:
    """SHA-256 of the problem's canonical JSON."""
    return hashlib.sha256(problem.model_dump_json().encode("utf-8")).hexdigest()


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class Checkpoint:
    """A run's finished work in a directory: ``manifest.json`` (problem hash),
    ``site_choice.json`` (the site of each person) and ``sites/<index>.json`` (a site's plan
    with the people it was made for)."""

    def __init__(self, directory: str | Path, problem: Problem) -> None:
        self.directory = Path(directory)
        self.hash = problem_hash(problem)
        self.problem = problem
        manifest = self.directory / "manifest.json"
        if manifest.exists():
            try:
                saved = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise DutyplanError(f"checkpoint {manifest} cannot be read: {error}") from None
            if saved.get("problem_hash") != self.hash:
                raise DutyplanError(
                    f"checkpoint directory {self.directory} belongs to another problem "
                    f"({saved.get('problem', '?')!r}, hash {str(saved.get('problem_hash'))[:12]}...; "
                    f"this problem {problem.name!r} has hash {self.hash[:12]}...): "
                    "use another directory, or delete this one to start over"
                )
        else:
            _write_atomic(manifest, json.dumps({
                "version": CHECKPOINT_VERSION, "problem": problem.name, "problem_hash": self.hash,
                "people": len(problem.people), "sites": len(problem.sites),
            }, ensure_ascii=False, indent=1))

    # ------------------------------------------------------------------ site choice
    def load_site_choice(self) -> np.ndarray | None:
        path = self.directory / "site_choice.json"
        if not path.exists():
            return None
        ids = json.loads(path.read_text(encoding="utf-8"))["site_of"]
        site_index = {s.id: k for k, s in enumerate(self.problem.sites)}
        return np.array([site_index[ids[p.id]] if ids.get(p.id) else -1 for p in self.problem.people])

    def save_site_choice(self, site_of: np.ndarray) -> None:
        sites = self.problem.sites
        ids = {p.id: (sites[k].id if k >= 0 else None) for p, k in zip(self.problem.people, site_of.tolist())}
        _write_atomic(self.directory / "site_choice.json", json.dumps({"site_of": ids}, ensure_ascii=False))

    # ------------------------------------------------------------------ site plans
    def _site_path(self, k: int) -> Path:
        return self.directory / "sites" / f"{k:06d}.json"

    def save_site(self, k: int, members: list[str], plan_json: str) -> None:
        text = json.dumps({"site": self.problem.sites[k].id, "members": members}, ensure_ascii=False)
        # the plan is appended as raw JSON (it is large; no need to parse it again)
        _write_atomic(self._site_path(k), text[:-1] + ', "plan": ' + plan_json + "}")

    def load_site(self, k: int, members: list[str]) -> Plan | None:
        """The saved plan of site k if it was made for exactly these people."""
        path = self._site_path(k)
        if not path.exists():
            return None
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # cannot happen with atomic writes; solve the site again
        if saved.get("site") != self.problem.sites[k].id or saved.get("members") != members:
            return None
        return Plan.model_validate(saved["plan"])
