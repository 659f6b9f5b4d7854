"""Compile a :class:`~dutyplan.problem.Problem` into arrays the model builder works on.

The main reduction is **gate classes**: gates of one site with the same demand at every
shift instance, the same weights and the same required role are interchangeable, so the
model decides how many people each class gets and the plan spreads them over its gates
afterwards (fill each gate up to its need, extras last). Cover costs are unchanged by this,
and the number of variables drops by the number of gates per class.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from dutyplan.problem import Problem, Rules

MINUTES_PER_DAY = 24 * 60


@dataclass
class GateClass:
    """Interchangeable gates of one site."""

    site: int
    gates: list[int]  # gate indices within the site
    role: str | None
    need: np.ndarray  # [D, S] people needed per gate (0 where closed)
    open: np.ndarray  # [D, S] bool, gate-shift open
    under_weight: np.ndarray  # [D, S] cost per missing person
    over_weight: np.ndarray  # [D, S] cost per extra person, -1 = extra not allowed
    # [D, S] people already posted here by plans outside this model (the people planned before
    # in a person-by-person start, see dutyplan.solver.start); None: nobody
    taken: np.ndarray | None = None

    @property
    def size(self) -> int:
        return len(self.gates)


@dataclass
class Index:
    """Everything the model needs, as numpy arrays indexed [person, class/site, day, shift]."""

    problem: Problem
    n_people: int
    n_sites: int
    n_days: int
    n_shifts: int
    shift_minutes: np.ndarray  # [S]
    shift_night: np.ndarray  # [S] bool
    start: np.ndarray  # [D, S] minutes from horizon start
    end: np.ndarray  # [D, S]
    weekend: np.ndarray  # [D] bool
    weekend_index: np.ndarray  # [D] int, -1 when not a weekend date
    classes: list[GateClass]
    class_site: np.ndarray  # [C]
    km: np.ndarray  # [P, K] whole km per duty (int)
    commute_minutes: np.ndarray  # [P, K] whole minutes per duty (int)
    rules: list[Rules]  # effective rules per person
    eligible: np.ndarray  # [P, C, D, S] bool: person may be posted there
    site_allowed: np.ndarray  # [P, K] bool (restriction used by decomposition)
    could_work: np.ndarray  # [P] bool: has an admissible duty, whatever the site restriction
    shift_ids: list[str] = field(default_factory=list)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def shift_position(self, shift_id: str) -> int:
        return self.shift_ids.index(shift_id)

    def site_open(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """[D, S] masks of site ``k``: some gate open, and some gate open with people needed."""
        is_open = np.zeros((self.n_days, self.n_shifts), dtype=bool)
        needs = np.zeros((self.n_days, self.n_shifts), dtype=bool)
        for gate_class in self.classes:
            if gate_class.site == k:
                is_open |= gate_class.open
                needs |= gate_class.open & (gate_class.need > 0)
        return is_open, needs

    def class_of_gate(self) -> dict[tuple[str, str], int]:
        """The gate class of each gate, by (site id, gate id)."""
        sites = self.problem.sites
        return {
            (sites[cls.site].id, sites[cls.site].gates[g].id): c
            for c, cls in enumerate(self.classes)
            for g in cls.gates
        }


def build_index(problem: Problem, site_allowed: np.ndarray | None = None, relaxed: bool = False) -> Index:
    """Compile a problem. ``site_allowed[p, k]`` can restrict who may work where.
    ``relaxed``: eligibility from open gate-shifts alone (explain mode states the rest as
    guarded constraints, see :func:`pruning_reasons`)."""
    dates = problem.dates
    n_days, n_shifts = len(dates), len(problem.shift_types)
    n_people, n_sites = len(problem.people), len(problem.sites)
    shift_ids = [s.id for s in problem.shift_types]
    minutes = np.array([s.minutes for s in problem.shift_types], dtype=np.int64)
    night = np.array([s.is_night for s in problem.shift_types], dtype=bool)
    start_of_day = np.array([s.start_minute for s in problem.shift_types], dtype=np.int64)
    start = np.arange(n_days, dtype=np.int64)[:, None] * MINUTES_PER_DAY + start_of_day[None, :]
    end = start + minutes[None, :]
    weekend = np.array([problem.is_weekend(d) for d in dates], dtype=bool)
    weekend_index = np.array(
        [-1 if (w := problem.weekend_index(d)) is None else w for d in dates], dtype=np.int64
    )

    classes = gate_classes(problem, dates)
    class_site = np.array([c.site for c in classes], dtype=np.int64)

    km = problem.commute_cost_km()
    commute_minutes = np.floor(problem.commute_minutes_matrix() + 0.5).astype(np.int64)
    rules = [problem.effective_rules(p) for p in problem.people]
    everywhere = np.ones((n_people, n_sites), dtype=bool)
    masks = _eligibility_masks(problem, classes, class_site, km, commute_minutes, minutes, rules, everywhere)
    eligible = _combine(masks, class_site, only_open=relaxed)
    # an admissible duty as docs/rules.md defines it for fairness (open, role, available, hard
    # commute and day caps), whatever the pruning by shift types and horizon totals
    documented = {**masks, "type_ok": np.ones_like(masks["type_ok"]), "length_ok": np.ones_like(masks["length_ok"])}
    could_work = _combine(documented, class_site).reshape(n_people, -1).any(axis=1)
    if site_allowed is None:
        site_allowed = everywhere
    else:
        eligible &= site_allowed[:, class_site][:, :, None, None]
    return Index(
        problem=problem,
        n_people=n_people,
        n_sites=n_sites,
        n_days=n_days,
        n_shifts=n_shifts,
        shift_minutes=minutes,
        shift_night=night,
        start=start,
        end=end,
        weekend=weekend,
        weekend_index=weekend_index,
        classes=classes,
        class_site=class_site,
        km=km,
        commute_minutes=commute_minutes,
        rules=rules,
        eligible=eligible,
        site_allowed=site_allowed,
        could_work=could_work,
        shift_ids=shift_ids,
    )


def gate_classes(problem: Problem, dates: list[dt.date]) -> list[GateClass]:
    classes: list[GateClass] = []
    n_days, n_shifts = len(dates), len(problem.shift_types)
    for si, site in enumerate(problem.sites):
        by_key: dict[tuple, GateClass] = {}
        for gi, gate in enumerate(site.gates):
            need = np.zeros((n_days, n_shifts), dtype=np.int64)
            is_open = np.zeros((n_days, n_shifts), dtype=bool)
            under = np.zeros((n_days, n_shifts), dtype=np.int64)
            over = np.full((n_days, n_shifts), -1, dtype=np.int64)
            # a gate has a few demand tables (every day, some weekdays, some dates): resolve
            # each table once and copy its row to the days that use it
            rows: dict[int, int] = {}
            for d, day in enumerate(dates):
                table = problem.table_for(gate, day)
                if id(table) in rows:
                    first = rows[id(table)]
                    is_open[d], need[d], under[d], over[d] = is_open[first], need[first], under[first], over[first]
                    continue
                rows[id(table)] = d
                for s, shift in enumerate(problem.shift_types):
                    entry = problem.demand(si, gi, day, shift.id)
                    if entry is None:
                        continue
                    is_open[d, s] = True
                    need[d, s] = entry.need
                    under[d, s] = entry.under_weight or 0
                    if entry.over_weight is not None:
                        over[d, s] = entry.over_weight
            key = (gate.role, need.tobytes(), is_open.tobytes(), under.tobytes(), over.tobytes())
            if key in by_key:
                by_key[key].gates.append(gi)
            else:
                gate_class = GateClass(si, [gi], gate.role, need, is_open, under, over)
                by_key[key] = gate_class
                classes.append(gate_class)
    return classes


def availability(problem: Problem) -> np.ndarray:
    """[P, D, S] the person is not unavailable for the shift instance (dates, or one shift)."""
    shape = (len(problem.people), problem.horizon.days, len(problem.shift_types))
    available = np.ones(shape, dtype=bool)
    shift_pos = {s.id: i for i, s in enumerate(problem.shift_types)}
    for p, person in enumerate(problem.people):
        for item in person.unavailable:
            d = problem.day_index(item.date)
            if item.shift is None:
                available[p, d, :] = False
            else:
                available[p, d, shift_pos[item.shift]] = False
    return available


def _eligibility_masks(
    problem: Problem,
    classes: list[GateClass],
    class_site: np.ndarray,
    km: np.ndarray,
    commute_minutes: np.ndarray,
    shift_minutes: np.ndarray,
    rules: list[Rules],
    site_allowed: np.ndarray,
) -> dict[str, np.ndarray]:
    """Why a person may or may not be posted somewhere, one mask per reason."""
    n_people, n_days, n_shifts = len(problem.people), problem.horizon.days, len(problem.shift_types)
    n_sites = len(problem.sites)
    open_cds = (
        np.stack([c.open for c in classes]) if classes else np.zeros((0, n_days, n_shifts), dtype=bool)
    )  # [C, D, S]
    available = availability(problem)
    shift_pos = {s.id: i for i, s in enumerate(problem.shift_types)}
    role_ok = np.ones((n_people, len(classes)), dtype=bool)
    for c, gate_class in enumerate(classes):
        if gate_class.role is not None:
            role_ok[:, c] = [gate_class.role in person.roles for person in problem.people]
    # hard caps on commute and working-day length, per person and site (and shift length);
    # shift types a person may work no time of (hard max 0 of it, or longer than the hard
    # horizon total): pruned here, not left for presolve (a third of the postings of the
    # one-year Curtois instances)
    commute_ok = site_allowed.copy()
    day_ok = np.ones((n_people, n_sites, n_shifts), dtype=bool)
    type_ok = np.ones((n_people, n_shifts), dtype=bool)
    length_ok = np.ones((n_people, n_shifts), dtype=bool)
    for p, rule in enumerate(rules):
        cap = rule.max_commute_km
        if cap is not None and cap.hard:
            commute_ok[p] &= km[p] <= cap.value
        day_cap = rule.max_day_minutes
        if day_cap is not None and day_cap.hard:
            day_ok[p] &= (commute_minutes[p][:, None] + shift_minutes[None, :]) <= day_cap.value
        for shift_id, limit in rule.max_shifts.items():
            if limit.hard and limit.value <= 0:
                type_ok[p, shift_pos[shift_id]] = False
        total_cap = rule.max_minutes
        if total_cap is not None and total_cap.hard:
            length_ok[p] &= shift_minutes <= total_cap.value
    return {
        "open": open_cds, "available": available, "role_ok": role_ok, "commute_ok": commute_ok,
        "day_ok": day_ok, "type_ok": type_ok, "length_ok": length_ok,
    }


def _combine(masks: dict[str, np.ndarray], class_site: np.ndarray, only_open: bool = False) -> np.ndarray:
    """eligible[p, c, d, s] from the masks (only the open gate-shifts when ``only_open``)."""
    n_people = masks["available"].shape[0]
    open_cds = masks["open"]
    if only_open:
        return np.broadcast_to(open_cds[None], (n_people, *open_cds.shape)).copy()
    ok_pc = masks["role_ok"] & masks["commute_ok"][:, class_site]  # [P, C]
    ok_pcs = masks["day_ok"][:, class_site, :] & masks["type_ok"][:, None, :] & masks["length_ok"][:, None, :]
    return (
        ok_pc[:, :, None, None]
        & open_cds[None, :, :, :]
        & masks["available"][:, None, :, :]
        & ok_pcs[:, :, None, :]
    )


def pruning_reasons(ix: Index) -> dict[str, np.ndarray]:
    """The masks behind eligibility, per reason (for explain mode)."""
    problem = ix.problem
    everywhere = np.ones((ix.n_people, ix.n_sites), dtype=bool)
    return _eligibility_masks(
        problem, ix.classes, ix.class_site, ix.km, ix.commute_minutes, ix.shift_minutes, ix.rules, everywhere
    )
