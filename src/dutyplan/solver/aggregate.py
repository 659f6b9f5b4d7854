"""The aggregate relaxation: a proven bound for the preferences, commute and fairness levels,
and the site choice that reaches it (a logic-based Benders master).

Once cover is proven 0 every gate-shift whose miss costs is filled to its need, and none
beyond it where an extra person costs, so what a plan costs on
the later levels depends mostly on **who goes where and how often**. The master counts, for
each person p, site k and shift type t, the duties ``n[p, k, t]`` (and ``w[p, k]`` of them on
weekend dates), with ``y[p, k]`` = p works at k at least once:

* each person within their capacity over the horizon, over weekend dates and per shift type
  and site (:mod:`dutyplan.compile.capacity`), one site for those who keep one;
* each site's duties per shift type, and on weekend dates, at least what a miss costs for and
  at most the need (no upper limit where an extra person costs nothing);
* counting cuts: the people posted at a site can carry its busiest day and its busiest 7 days
  (a person works at most so much in any 7 days under the hard rules);
* the earlier levels held at the values already reached (commute exactly; preferences by the
  part that depends on counts alone: site and shift-type wishes without a date).

Every rule is dropped except through the capacities, so every plan of the model maps to a
master solution of the same commute and fairness, and no larger preference cost: the
master's optimum (or its proven bound) is a lower bound for the level. When a plan of the full
model reaches it with the master's site choice (:func:`dutyplan.solver.proofs.fixed_choice`),
that plan is optimal; otherwise the best plan with that choice goes back to the master as a
cut (:meth:`Aggregate.exclude`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.budget import Budget, run, solution_objective
from dutyplan.compile import Index, capacity_bound, person_capacity

__all__ = ["LEVELS", "MOST_COUNTS", "Aggregate", "Master"]

#: the levels the master bounds (cover: it only proposes a site choice to cover everything)
LEVELS = ("cover", "rules", "preferences", "commute", "fairness")

#: count variables (person, site, shift type) above which the master is not built: it is meant
#: for problems a single model can prove (the decomposition has its own site choice)
MOST_COUNTS = 30_000


@dataclass
class Master:
    """The master's answer for one level: its proven bound, and its site choice (``choice[p,
    k]``, when it found a solution), whose value on the level is ``value``."""

    bound: int
    value: int | None = None
    choice: np.ndarray | None = None


@dataclass
class Aggregate:
    """The counts of a compiled problem the master is built from (see the module's text)."""

    ix: Index
    admissible: np.ndarray  # [P, K, S] shift instances p may work at site k
    weekend_admissible: np.ndarray  # [P, K] weekend shift instances at site k
    caps: np.ndarray  # [P] duties over the horizon
    weekend_caps: np.ndarray  # [P] duties on weekend dates
    week_caps: np.ndarray  # [P] duties in any 7 days
    day_caps: np.ndarray  # [P] duties in one day
    need: np.ndarray  # [K, S] person-shifts a miss costs for (cover 0 fills them)
    most: np.ndarray  # [K, S] person-shifts cover 0 allows (huge where extras cost nothing)
    weekend_need: np.ndarray  # [K] the same, on weekend dates
    weekend_most: np.ndarray  # [K]
    busiest_day: np.ndarray  # [K] person-shifts on the busiest day
    busiest_week: np.ndarray  # [K] person-shifts in the busiest 7 days
    # per level: site choices with no plan below a value (choice, value)
    cuts: dict[str, list[tuple[np.ndarray, int | None]]] = field(default_factory=dict)

    @classmethod
    def of(cls, ix: Index) -> Aggregate | None:
        """The aggregate of ``ix``, or None when it would not help: one site (no choice to
        make), or too many counts."""
        if ix.n_sites < 2:
            return None
        admissible_days = np.zeros((ix.n_people, ix.n_sites, ix.n_days, ix.n_shifts), dtype=bool)
        for c, k in enumerate(ix.class_site.tolist()):
            admissible_days[:, k] |= ix.eligible[:, c]
        if int(admissible_days.any(axis=2).sum()) > MOST_COUNTS:
            return None
        rules = ix.rules
        per_day = np.array([
            min(ix.n_shifts, r.max_shifts_per_day.value)
            if r.max_shifts_per_day is not None and r.max_shifts_per_day.hard else ix.n_shifts
            for r in rules
        ], dtype=np.int64)
        admissible = admissible_days.sum(axis=2)
        on_weekend = admissible_days[:, :, ix.weekend, :]  # [P, K, Dw, S]
        weekend_admissible = np.minimum(on_weekend.sum(axis=3), per_day[:, None, None]).sum(axis=2)
        anywhere = admissible_days.any(axis=1)  # [P, D, S]
        shortest = int(ix.shift_minutes.min()) if ix.n_shifts else None
        caps = person_capacity(ix)
        weekend_caps = np.array([
            capacity_bound(rules[p], anywhere[p] & ix.weekend[:, None], shortest) for p in range(ix.n_people)
        ], dtype=np.int64)
        week = np.ones((min(7, ix.n_days), ix.n_shifts), dtype=bool)
        week_caps = np.array([capacity_bound(r, week, shortest) for r in rules], dtype=np.int64)
        # what cover 0 asks of each site: at least what a miss costs for, at most need where
        # an extra person costs (unbounded where extras are free)
        need = np.zeros((ix.n_sites, ix.n_shifts), dtype=np.int64)
        most = np.zeros((ix.n_sites, ix.n_shifts), dtype=np.int64)
        free = np.zeros((ix.n_sites, ix.n_shifts), dtype=bool)
        by_day = np.zeros((ix.n_sites, ix.n_days), dtype=np.int64)
        weekend_most = np.zeros(ix.n_sites, dtype=np.int64)
        weekend_free = np.zeros(ix.n_sites, dtype=bool)
        for gate_class in ix.classes:
            if gate_class.taken is not None:
                return None  # people planned outside this model: their duties are not counted
            k, size, open_ = gate_class.site, gate_class.size, gate_class.open
            must = np.where(open_ & (gate_class.under_weight > 0), gate_class.need, 0) * size  # [D, S]
            need[k] += must.sum(axis=0)
            by_day[k] += must.sum(axis=1)
            upto = np.where(open_, gate_class.need, 0) * size
            extras = open_ & (gate_class.over_weight == 0)
            most[k] += upto.sum(axis=0)
            free[k] |= extras.any(axis=0)
            weekend_most[k] += int(upto[ix.weekend].sum())
            weekend_free[k] |= bool(extras[ix.weekend].any())
        weekend_need = by_day[:, ix.weekend].sum(axis=1)
        busiest_day = by_day.max(axis=1, initial=0)
        window = min(7, ix.n_days)
        sums = np.cumsum(np.pad(by_day, ((0, 0), (1, 0))), axis=1)
        busiest_week = (sums[:, window:] - sums[:, :-window]).max(axis=1, initial=0) if window else busiest_day
        unbounded = np.iinfo(np.int32).max
        most[free] = unbounded
        weekend_most[weekend_free] = unbounded
        return cls(
            ix=ix, admissible=admissible, weekend_admissible=weekend_admissible,
            caps=caps, weekend_caps=weekend_caps, week_caps=week_caps, day_caps=per_day, need=need,
            most=most, weekend_need=weekend_need, weekend_most=weekend_most, busiest_day=busiest_day,
            busiest_week=busiest_week,
        )

    # ------------------------------------------------------------------ the master
    def solve(
        self, level: str, held: dict[str, int], budget: Budget, workers: int, seed: int,
        hint: np.ndarray | None = None, floor: int = 0, gap: float = 0.0, headroom: float = 1.0,
    ) -> Master | None:
        """The master's bound on ``level`` with the earlier levels ``held`` at most at their
        values (cover must be held at 0). None when it proves nothing: no time, or the held
        values admit no master solution (then the caller's own bound stands); a bound with no
        choice when the search found no master solution in time. ``floor``: a
        bound known already (the search stops when it reaches it); ``gap``: a relative gap to
        stop at; ``headroom``: the people posted at each site can carry this much more than it
        needs (a choice for a first plan, not a bound: with headroom above 1 the master is no
        relaxation)."""
        if held.get("cover") != 0 or level not in LEVELS + ("covering",):
            return None
        built = _Built(self, *self.detail(level, held))
        for other, value in held.items():
            expr = built.level_expr(other)
            if expr is not None:
                built.model.add(expr <= value)
        expr = built.level_expr(level)
        if expr is None:
            return None
        if isinstance(expr, int):  # nothing on this level depends on counts: no choice to offer
            return Master(bound=max(0, expr))
        for choice, value in self.cuts.get(level, []):
            if value is None:
                built.model.add_bool_or([lit.Not() for lit in built.matching(choice)])
            else:
                built.model.add(expr >= value).only_enforce_if(built.matching(choice))
        built.model.minimize(expr)
        if headroom > 1:
            for k, posted in built.posted.items():
                wanted = int(np.ceil(headroom * self.need[k].sum()))
                if posted and wanted:
                    built.model.add(sum(int(self.caps[p]) * y for p, y in posted) >= wanted)
        if floor > 0:
            built.model.add(expr >= floor)
        if hint is not None:
            built.hint(hint)
        params = {"subsolvers": ["max_lp", "core"][:workers]} if workers <= 2 else None
        solver = budget.solver(None, workers, seed, params)
        solver.parameters.relative_gap_limit = gap
        status = run(solver, built.model, budget)
        if status == cp_model.UNKNOWN and headroom <= 1 and np.isfinite(solver.best_objective_bound):
            # no master solution in the time, but its bound holds (at least ``floor``)
            return Master(bound=max(0, floor, int(np.ceil(solver.best_objective_bound - 1e-6))))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        bound = max(0, int(np.ceil(solver.best_objective_bound - 1e-6)))
        choice = np.zeros((self.ix.n_people, self.ix.n_sites), dtype=bool)
        for (p, k), y in built.y.items():
            choice[p, k] = bool(solver.value(y))
        return Master(bound=bound, value=solution_objective(built.model, solver), choice=choice)

    def detail(self, level: str, held: dict[str, int]) -> tuple[bool, bool]:
        """What the master must count for ``level`` with ``held``: by shift type (night and
        minutes ranges over unequal shifts, shift-type wishes), and weekend duties."""
        ix = self.ix
        config = ix.problem.objective
        levels = {level, *held}
        fair = "fairness" in levels
        by_shift = fair and (
            (config.fairness_nights > 0 and bool(ix.shift_night.any()))
            or (config.fairness_minutes > 0 and len(set(ix.shift_minutes.tolist())) > 1)
        )
        by_shift |= level == "covering" and bool(ix.problem.rules.roles) and ix.n_shifts > 1
        by_shift |= "preferences" in levels and any(
            pref.kind == "shift" and pref.date is None for person in ix.problem.people for pref in person.preferences
        )
        return by_shift, fair and config.fairness_weekends > 0

    def exclude(self, level: str, choice: np.ndarray, value: int | None) -> None:
        """A Benders cut: choosing exactly these sites costs at least ``value`` on ``level``
        (None: no plan chooses them)."""
        self.cuts.setdefault(level, []).append((choice.copy(), value))


class _Built:
    """One master model (built fresh per level: it is small). ``by_shift``: counts per shift
    type (else one count per person and site, type ``-1``); ``weekends``: weekend counts too."""

    def __init__(self, agg: Aggregate, by_shift: bool = True, weekends: bool = True) -> None:
        ix = agg.ix
        model = cp_model.CpModel()
        self.agg, self.model, self.by_shift = agg, model, by_shift
        self.n: dict[tuple[int, int, int], Any] = {}
        self.w: dict[tuple[int, int], Any] = {}
        self.y: dict[tuple[int, int], Any] = {}
        self.of_person: dict[int, list[tuple[int, int, Any]]] = {}  # (site, shift type, count)
        self.of_site: dict[int, list[tuple[int, int, Any]]] = {}  # (person, shift type, count)
        for p, k in np.argwhere(agg.admissible.sum(axis=2) > 0).tolist():
            if agg.caps[p] <= 0:
                continue
            y = self.y[(p, k)] = model.new_bool_var("")
            counts = []
            tops = agg.admissible[p, k] if by_shift else [agg.admissible[p, k].sum()]
            for s, most in enumerate(tops):
                top = int(min(most, agg.caps[p]))
                if top > 0:
                    t = s if by_shift else -1
                    v = self.n[(p, k, t)] = model.new_int_var(0, top, "")
                    self.of_person.setdefault(p, []).append((k, t, v))
                    self.of_site.setdefault(k, []).append((p, t, v))
                    counts.append(v)
            total = sum(counts)
            model.add(total <= int(agg.caps[p]) * y)
            model.add(total >= y)  # posted there only if working there
            if weekends:
                top = int(min(agg.weekend_admissible[p, k], agg.weekend_caps[p]))
                w = self.w[(p, k)] = model.new_int_var(0, max(0, top), "")
                model.add(w <= total)
                model.add(total - w <= int(agg.admissible[p, k].sum()) - int(agg.weekend_admissible[p, k]))
        sites_of: dict[int, list[Any]] = {}
        posted: dict[int, list[tuple[int, Any]]] = {}  # site: (person, y) of who may go there
        self.posted = posted
        for (p, k), y in self.y.items():
            sites_of.setdefault(p, []).append(y)
            posted.setdefault(k, []).append((p, y))
        for p, ys in sites_of.items():
            if ix.rules[p].keep_one_site:
                model.add_at_most_one(ys)
            model.add(self.shifts(p) <= int(agg.caps[p]))
            if weekends:
                model.add(sum(self.w[(p, k)] for k in range(ix.n_sites) if (p, k) in self.w) <= int(agg.weekend_caps[p]))
        for k in range(ix.n_sites):
            at_k = posted.get(k, [])
            items = self.of_site.get(k, [])
            for s in (range(ix.n_shifts) if by_shift else [-1]):
                duties = sum(v for _, t, v in items if t == s)
                rows = [s] if by_shift else list(range(ix.n_shifts))
                _between(model, duties, int(agg.need[k, rows].sum()), int(agg.most[k, rows].sum()))
            if weekends:
                weekend = sum(self.w[(p, k)] for p, _ in at_k)
                _between(model, weekend, int(agg.weekend_need[k]), int(agg.weekend_most[k]))
            model.add(sum(int(agg.day_caps[p]) * y for p, y in at_k) >= int(agg.busiest_day[k]))
            model.add(sum(int(agg.week_caps[p]) * y for p, y in at_k) >= int(agg.busiest_week[k]))

    def shifts(self, p: int) -> Any:
        return sum(v for _, _, v in self.of_person.get(p, []))

    def level_expr(self, level: str) -> Any | None:
        """The level's value (fairness, commute) or a lower bound of it (preferences), as a
        function of the counts; None for a level the master does not bound."""
        ix = self.agg.ix
        if level == "commute":
            return sum(int(ix.km[p, k]) * v for (p, k, _), v in self.n.items())
        if level == "rules":
            return self.unit_sites()
        if level == "preferences":
            return self.preferences()
        if level == "covering":  # the cover stage's start: soft rules first, then commute
            rules = self.unit_sites() + self.role_shortfall()
            commute = self.level_expr("commute")
            top = int(ix.km.max(initial=0)) * int(self.agg.caps.sum()) + 1
            return top * rules + commute if not isinstance(rules, int) else commute
        if level == "fairness":
            return self.fairness()
        return None

    def unit_sites(self) -> Any:
        """The rules level's part that counts alone can tell: ``unit_sites_weight`` per site a
        unit works at beyond its first (every other soft rule costs 0 or more)."""
        ix = self.agg.ix
        problem = ix.problem
        weight = problem.rules.unit_sites_weight
        if not weight:
            return 0
        units: dict[str, list[int]] = {}
        for p, person in enumerate(problem.people):
            if person.unit is not None:
                units.setdefault(person.unit, []).append(p)
        terms: list[Any] = []
        for members in units.values():
            used = []
            for k in range(ix.n_sites):
                ys = [self.y[(p, k)] for p in members if (p, k) in self.y]
                if ys:
                    u = self.model.new_bool_var("")
                    self.model.add_max_equality(u, ys)
                    used.append(u)
            if len(used) > 1:
                extra = self.model.new_int_var(0, len(used) - 1, "")
                self.model.add(extra >= sum(used) - 1)
                terms.append(weight * extra)
        return sum(terms) if terms else 0

    def role_shortfall(self) -> Any:
        """Duties short of the role holders every site's requirements ask for, shift type by
        shift type (a guide for the covering choice only: rest and overlaps are not counted,
        so it is no bound)."""
        ix = self.agg.ix
        problem = ix.problem
        terms: list[Any] = []
        for requirement in problem.rules.roles:
            listed = requirement.sites if requirement.sites is not None else [site.id for site in problem.sites]
            holders = {p for p, person in enumerate(problem.people) if requirement.role in person.roles}
            for k, site in enumerate(problem.sites):
                if site.id not in listed:
                    continue
                _, opened = ix.site_open(k)
                for s in range(ix.n_shifts):
                    wanted = requirement.count * int(opened[:, s].sum())
                    if not wanted:
                        continue
                    have = [v for p, t, v in self.of_site.get(k, []) if p in holders and t in (s, -1)]
                    short = self.model.new_int_var(0, wanted, "")
                    self.model.add(short >= wanted - sum(have))
                    terms.append(int(ix.shift_minutes[s]) * short)
        return sum(terms) if terms else 0

    def preferences(self) -> Any:
        """Site and shift-type wishes without a date: cost per duty, a function of counts."""
        ix = self.agg.ix
        problem = ix.problem
        site_pos = {s.id: k for k, s in enumerate(problem.sites)}
        terms: list[Any] = []
        for p, person in enumerate(problem.people):
            for pref in person.preferences:
                if pref.date is not None or pref.kind == "day_off":
                    continue
                for k, s, v in self.of_person.get(p, []):
                    if pref.kind == "site":
                        costs = (k == site_pos[pref.site]) != pref.want
                    else:  # by shift type (the master counts by type when such wishes exist)
                        costs = (s == ix.shift_position(pref.shift)) != pref.want
                    if costs:
                        terms.append(pref.weight * v)
        return sum(terms) if terms else 0

    def fairness(self) -> Any:
        ix = self.agg.ix
        config = ix.problem.objective
        model = self.model
        eligible = np.flatnonzero(ix.could_work).tolist()
        terms: list[Any] = []
        if config.fairness_shift_squares:
            for p in range(ix.n_people):
                top = int(self.agg.caps[p])
                if top <= 0:
                    continue
                total = model.new_int_var(0, top, "")
                model.add(total == self.shifts(p))
                square = model.new_int_var(0, top * top, "")
                model.add_multiplication_equality(square, [total, total])
                terms.append(config.fairness_shift_squares * square)
        if len(eligible) < 2:
            return sum(terms)
        # counted by type -1 (all types) only when every shift type is as long, and no night
        minutes = ix.shift_minutes.astype(int).tolist() + [int(ix.shift_minutes.max(initial=0))]
        night = ix.shift_night.astype(int).tolist() + [0]
        mine = self.of_person
        metrics = [
            (config.fairness_nights, lambda p: sum(night[s] * v for _, s, v in mine.get(p, []))),
            (config.fairness_weekends, lambda p: sum(self.w[(p, k)] for k in range(ix.n_sites) if (p, k) in self.w)),
            (config.fairness_minutes, lambda p: sum(minutes[s] * v for _, s, v in mine.get(p, []))),
        ]
        for weight, total in metrics:
            if not weight:
                continue
            values = [total(p) for p in eligible]
            top = int(sum(self.agg.caps[p] for p in eligible) * max(minutes + [1]))
            high = model.new_int_var(0, top, "")
            low = model.new_int_var(0, top, "")
            model.add_max_equality(high, [_as_expr(v) for v in values])
            model.add_min_equality(low, [_as_expr(v) for v in values])
            terms.append(weight * (high - low))
        return sum(terms)

    def matching(self, choice: np.ndarray) -> list[Any]:
        """Literals all true exactly when the master chooses ``choice``."""
        return [y if choice[p, k] else y.Not() for (p, k), y in self.y.items()]

    def hint(self, choice: np.ndarray) -> None:
        for (p, k), y in self.y.items():
            self.model.add_hint(y, bool(choice[p, k]))


def _between(model: cp_model.CpModel, expr: Any, least: int, most: int) -> None:
    model.add(expr >= least)
    if most < np.iinfo(np.int32).max:  # else extras are free: no upper bound
        model.add(expr <= most)


def _as_expr(value: Any) -> Any:
    return cp_model.LinearExpr.constant(0) if isinstance(value, int) else value
