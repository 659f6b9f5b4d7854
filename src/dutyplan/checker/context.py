"""The per-problem set-up of the checker, built once and shared by many checks of one problem:
lookups, the commute in whole km and minutes, the effective rules and the resolved demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dutyplan.plan import Assignment
from dutyplan.problem import DemandEntry, Problem

__all__ = ["CheckContext", "DENSE_CELLS", "PairTable", "Team"]

#: Problems with at most this many people x sites keep whole people x sites tables of the
#: rounded commute (fast lookups); larger ones work out the pairs they need (no dense matrix).
DENSE_CELLS = 2_000_000


class CheckContext:
    """The per-problem set-up of the checker, built once and shared by many checks of one
    problem: lookups, commute in whole km and minutes, effective rules per person, the resolved
    demand of every gate-shift and (on first use) the people eligible for fairness.

    ``check(problem, plan, context=ctx)`` gives exactly what ``check(problem, plan)`` gives;
    the context only saves the set-up. It must not outlive a change of the problem.

    ``round_km[p, s]`` and ``commute_min[p, s]`` are the whole km and minutes (rounded half
    up) of a duty of person ``p`` at site ``s``. With ``dense`` (default: when people x sites
    is at most :data:`DENSE_CELLS`) they are people x sites arrays; otherwise no such matrix
    is built and they are worked out pair by pair on demand (:meth:`commute_km` and
    :meth:`commute_minutes` for many pairs at once). Both give the same figures.
    """

    def __init__(self, problem: Problem, dense: bool | None = None) -> None:
        self.problem = problem
        self.dates = problem.dates
        self.n_days = len(self.dates)
        self.day_labels = [day.isoformat() for day in self.dates]
        self.origin = dt.datetime.combine(problem.horizon.start, dt.time(0))
        self.shifts = {s.id: s for s in problem.shift_types}
        self.person_index = {p.id: i for i, p in enumerate(problem.people)}
        self.site_index = {s.id: i for i, s in enumerate(problem.sites)}
        self.gate_index = [{g.id: gi for gi, g in enumerate(s.gates)} for s in problem.sites]
        if dense is None:
            dense = len(problem.people) * len(problem.sites) <= DENSE_CELLS
        self.dense = dense
        self.round_km: np.ndarray | PairTable
        self.commute_min: np.ndarray | PairTable
        if dense:
            self.round_km = np.floor(problem.commute_km_matrix() + 0.5).astype(np.int64)
            self.commute_min = np.floor(problem.commute_minutes_matrix() + 0.5).astype(np.int64)
        else:
            self.round_km = PairTable(self, 0)
            self.commute_min = PairTable(self, 1)
        self._pair_cache: dict[tuple[int, int], tuple[int, int]] = {}  # large problems
        self.rules = [problem.effective_rules(p) for p in problem.people]
        # resolved demand of every gate-shift: (site, gate, day, shift id) -> entry or None;
        # equal entries are one object (a city has a few kinds and ~750,000 gate-shifts)
        self.demand: dict[tuple[int, int, int, str], DemandEntry | None] = {}
        kinds: dict[tuple[int, int | None, int | None], DemandEntry] = {}
        for si, site in enumerate(problem.sites):
            for gi, gate in enumerate(site.gates):
                # a gate has a few demand tables (every day, weekdays, dates): each is resolved
                # once, at the first date that uses it (the resolution depends on the table
                # and the gate only), and shared by the other dates
                resolved: dict[int, list[DemandEntry | None]] = {}
                for d, day in enumerate(self.dates):
                    table = id(problem.table_for(gate, day))
                    if table not in resolved:
                        row = []
                        for shift in problem.shift_types:
                            entry = problem.demand(si, gi, day, shift.id)
                            if entry is not None:
                                kind = (entry.need, entry.under_weight, entry.over_weight)
                                entry = kinds.setdefault(kind, entry)
                            row.append(entry)
                        resolved[table] = row
                    for shift, entry in zip(problem.shift_types, resolved[table], strict=True):
                        self.demand[(si, gi, d, shift.id)] = entry
        self.eligible: list[int] | None = None  # filled by the first fairness check
        self.base_team: tuple[list[Assignment], Team] | None = None  # of the last base plan

    def commute_km(self, people: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Whole km (rounded half up) of each pair ``(people[i], sites[i])`` (index arrays of
        one shape), as ``round_km[people, sites]``."""
        if self.dense:
            return np.asarray(self.round_km)[people, sites]
        return np.floor(self.problem.commute_km_pairs(people, sites) + 0.5).astype(np.int64)

    def commute_minutes(self, people: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Whole minutes (rounded half up) of each pair, as ``commute_min[people, sites]``."""
        if self.dense:
            return np.asarray(self.commute_min)[people, sites]
        return np.floor(self.problem.commute_minutes_pairs(people, sites) + 0.5).astype(np.int64)

    def pair_commute(
        self, pairs: Iterable[tuple[int, int]]
    ) -> dict[tuple[int, int], tuple[int, int]]:
        """``{(p, s): (whole km, whole minutes)}`` of the given pairs of person and site."""
        wanted = list(dict.fromkeys(pairs))
        if self.dense:
            if not wanted:
                return {}
            people = np.array([p for p, _ in wanted], dtype=np.int64)
            sites = np.array([s for _, s in wanted], dtype=np.int64)
            km = self.commute_km(people, sites).tolist()
            minutes = self.commute_minutes(people, sites).tolist()
            return dict(zip(wanted, zip(km, minutes)))
        known = self._pair_cache
        missing = [pair for pair in wanted if pair not in known]
        if missing:
            people = np.array([p for p, _ in missing], dtype=np.int64)
            sites = np.array([s for _, s in missing], dtype=np.int64)
            km = self.commute_km(people, sites).tolist()
            minutes = self.commute_minutes(people, sites).tolist()
            known.update(zip(missing, zip(km, minutes)))
        return {pair: known[pair] for pair in wanted}


class PairTable:
    """``table[p, s]`` of a large problem without a people x sites matrix: the figure of each
    pair asked for, worked out on demand (single pairs are remembered by the context)."""

    def __init__(self, context: CheckContext, column: int) -> None:
        self._context = context
        self._column = column  # 0: km, 1: minutes

    def __getitem__(self, key: tuple[Any, Any]) -> Any:
        people, sites = key
        if isinstance(people, (int, np.integer)) and isinstance(sites, (int, np.integer)):
            pair = (int(people), int(sites))
            return np.int64(self._context.pair_commute([pair])[pair][self._column])
        people, sites = np.broadcast_arrays(np.asarray(people), np.asarray(sites))
        if self._column == 0:
            return self._context.commute_km(people, sites)
        return self._context.commute_minutes(people, sites)


@dataclass(slots=True)
class Team:
    """What the team-level costs need from a base plan, per person: the sites worked and the
    fairness figures (nights, weekend shifts, minutes)."""

    sites: list[set[int]]
    figures: list[tuple[int, int, int]]
    columns: dict[str, list[int]] | None = None  # figures of the eligible people, by name

    def eligible_columns(self, eligible: list[int]) -> dict[str, list[int]]:
        if self.columns is None:
            self.columns = {
                name: [self.figures[p][k] for p in eligible]
                for k, name in enumerate(("nights", "weekends", "minutes"))
            }
        return self.columns
