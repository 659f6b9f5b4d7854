"""Pricing one person's roster by dynamic programming over days and shift types.

The column generation of :mod:`dutyplan.solver.columns` asks, for each person, for the
roster of least reduced cost: its own cost (the rules, preferences and commute of that
person, each level times a coefficient) minus the cover duals of the postings it makes. This
module answers that question with a dynamic program instead of a CP-SAT search where the
person's rules allow it.

The program walks the days in order. A day's choice is off, or one shift type at the class
of gates where that shift costs least that day (every per-posting cost is known up front:
commute, preferences, soft commute and day-length caps, the duals). Its state carries what
the rules still need to know:

=========  ================================================================================
``a``      what the person did the day before: off, or a group of shift types that behave
           the same towards the next day (rest, successions and overlaps)
``r``      the length of the current run of worked (``a`` > 0) or free (``a`` = 0) days,
           capped where longer runs cost the same; a run that started on the first date
           has ``r`` equal to the day, which is how runs touching the start are excused
``n``      the current run of night dates (with ``max_consecutive_nights``)
``m``      minutes worked so far, in steps of the shift lengths' greatest common divisor
           (with ``min_minutes`` / ``max_minutes``), capped where more costs the same
``w, f``   weekends worked so far and whether this weekend already counts (``max_weekends``)
``k``      shifts of each limited type so far (``max_shifts``), for as many types as fit
=========  ================================================================================

Soft maxima are charged the moment they are passed, so a capped counter stays exact.

**What it carries** exactly: one shift per date at most, overlaps and rest between
consecutive dates, forbidden successions, minimum and maximum runs of days, minimum runs of
days off, runs of nights, total minutes, shifts per type, weekends, availability, roles,
commute and day-length caps, and every preference.

**What it relaxes** (leaves out, so that its value is still a lower bound on the person's
cheapest roster): ``min_days_off_per_7``, ``max_hours_per_7``, rest or overlaps between
shifts two or more dates apart, and the shift-type counts or totals whose counters would make
the state too large. Its roster is then only a candidate: the caller checks it with the
person's CP-SAT model and searches there when it breaks one of those rules
(:attr:`DynamicPricer.relaxed` names them).

**What it cannot price** (:attr:`DynamicPricer.usable` is False, and the caller uses CP-SAT
alone): a person who may work two shifts starting on one date, or who has a history before
the horizon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce

import numpy as np

from dutyplan import timing
from dutyplan.compile.index import Index
from dutyplan.problem import Limit

#: The greatest whole number a float64 holds exactly (every cost is a whole number).
EXACT = 2.0**52


def _hard(limit: Limit | None) -> bool:
    return limit is not None and limit.weight is None


def _weight(limit: Limit | None) -> int:
    return 0 if limit is None or limit.weight is None else int(limit.weight)


@dataclass
class Priced:
    """A roster the program found: its postings as whole-model cells, its levels (rules,
    preferences, commute), its value in the pricing's scaled units and whether it keeps the
    rules the program relaxed."""

    cells: np.ndarray
    levels: np.ndarray
    value: float
    keeps: bool = True  # it keeps the rules the program relaxed (its value is its true value)


@dataclass
class _Counter:
    """A capped counter of the state: values 0..cap, exact below ``cap``."""

    name: str
    cap: int


class DynamicPricer:
    """The dynamic program of one person (see the module's text)."""

    def __init__(self, whole: Index, p: int, most_states: int | None = None) -> None:
        """``most_states``: the state space's size at most (default
        ``timing.SPLITS.pricing_states``); the totals, weekends and shift-type counters that
        would pass it are relaxed."""
        if most_states is None:
            most_states = timing.SPLITS.pricing_states
        self.whole = whole
        self.p = p
        problem = whole.problem
        person = problem.people[p]
        rules = whole.rules[p]
        self.rules = rules
        self.relaxed: list[str] = []
        self.work = 0  # state transitions evaluated so far (what a pricing cost)
        self.usable = True
        self.why_not = ""
        per_day = rules.max_shifts_per_day
        if per_day is None or not per_day.hard or per_day.value > 1:
            self.usable, self.why_not = False, "more than one shift may start on a date"
        if person.history or person.history_from is not None:
            self.usable, self.why_not = False, "the person has a history before the horizon"
        D, S = whole.n_days, whole.n_shifts
        self.no_work = per_day is not None and per_day.hard and per_day.value == 0
        minutes = whole.shift_minutes.astype(np.int64)
        self.night = whole.shift_night.astype(bool)

        # --- consecutive dates: overlaps, rest and successions, per date (clock changes)
        hard = np.zeros((D, S, S), dtype=bool)  # [d, a on d-1, s on d]
        soft = np.zeros((D, S, S), dtype=np.int64)
        if D > 1:
            gap = whole.start[1:, None, :] - whole.end[:-1, :, None]  # [d-1, a, s]
            hard[1:] |= gap < 0
            rest = rules.min_rest_hours
            if rest is not None:
                short = (gap >= 0) & (gap < 60 * rest.value)
                if rest.hard:
                    hard[1:] |= short
                else:
                    soft[1:] += short * int(rest.weight)
            for k in range(2, D):  # dates further apart: left out where they could bind
                far = whole.start[k:, None, :] - whole.end[:-k, :, None]
                if (far < 0).any():
                    self._relax("overlap")
                if rest is not None and ((far >= 0) & (far < 60 * rest.value)).any():
                    self._relax("min_rest_hours")
                if far.min() >= 60 * (rest.value if rest is not None else 0):
                    break  # later dates are further still
        position = {sid: i for i, sid in enumerate(whole.shift_ids)}
        for succ in rules.forbidden_successions:
            a, s = position.get(succ.first), position.get(succ.then)
            if a is None or s is None:
                continue
            if succ.weight is None:
                hard[1:, a, s] = True
            else:
                soft[1:, a, s] += int(succ.weight)
        # shift types alike towards the next date share a value of ``a``
        groups: dict[bytes, int] = {}
        self.group = np.zeros(S, dtype=np.int64)
        for s in range(S):
            key = hard[:, s, :].tobytes() + soft[:, s, :].tobytes()
            self.group[s] = groups.setdefault(key, len(groups)) + 1
        first_of = np.array([int(np.flatnonzero(self.group == g)[0]) for g in range(1, len(groups) + 1)])
        self.trans_hard = hard[:, first_of, :]  # [d, group - 1, s]
        self.trans_soft = soft[:, first_of, :]

        for name in ("min_days_off_per_7", "max_hours_per_7"):
            if getattr(rules, name) is not None and D >= 7:
                self._relax(name)

        # --- counters
        work_cap = max([1] + [lim.value for lim in (rules.max_consecutive_days, rules.min_consecutive_days)
                              if lim is not None])
        off_cap = max(1, rules.min_consecutive_days_off.value if rules.min_consecutive_days_off else 1)
        self.work_cap, self.off_cap = work_cap, off_cap
        counters = [_Counter("a", len(groups)), _Counter("r", max(work_cap, off_cap))]
        nights = rules.max_consecutive_nights
        self.nights_on = nights is not None and bool(self.night.any())
        counters.append(_Counter("n", nights.value if self.nights_on else 0))
        self.step = reduce(math.gcd, minutes.tolist(), 0) or 1
        low, high = rules.min_minutes, rules.max_minutes
        minute_cap = 0
        if low is not None:
            minute_cap = max(minute_cap, -(-low.value // self.step))
        if high is not None:
            minute_cap = max(minute_cap, high.value // self.step + 1)
        weekends = rules.max_weekends
        self.weekends_on = weekends is not None and bool((whole.weekend_index >= 0).any())
        self.minutes_on = minute_cap > 0
        size = int(np.prod([c.cap + 1 for c in counters]))
        if self.minutes_on and size * (minute_cap + 1) > most_states:
            self._relax("min_minutes / max_minutes")
            self.minutes_on, minute_cap = False, 0
        size *= minute_cap + 1
        week_cap = weekends.value if self.weekends_on else 0
        if self.weekends_on and size * (week_cap + 1) * 2 > most_states:
            self._relax("max_weekends")
            self.weekends_on, week_cap = False, 0
        size *= (week_cap + 1) * (2 if self.weekends_on else 1)
        counters += [_Counter("m", minute_cap), _Counter("w", week_cap), _Counter("f", int(self.weekends_on))]
        # types whose count may bind: their limit below the dates the person could work them
        limited = []
        for sid, lim in rules.max_shifts.items():
            s = position.get(sid)
            if s is None:
                continue
            workable = int(whole.eligible[p, :, :, s].any(axis=0).sum())
            if lim.value < workable:
                limited.append((lim.value, s, lim))
        limited.sort(key=lambda item: item[0])
        self.counted: list[tuple[int, Limit]] = []
        for value, s, lim in limited:
            if size * (value + 1) > most_states:
                self._relax("max_shifts")
                continue
            counters.append(_Counter(f"k{s}", value))
            self.counted.append((s, lim))
            size *= value + 1
        self.counters = counters
        self.shape = tuple(c.cap + 1 for c in counters)
        self.blocks = self._blocks()
        self.n_states = size
        self.deltas = minutes // self.step
        # after date d the weekend flag is forgotten when the next weekend date (if any)
        # belongs to another weekend than the last weekend date up to d
        self.forget = np.ones(D, dtype=bool)
        wi = whole.weekend_index
        upcoming = -1  # the weekend of the next weekend date after d
        for d in range(D - 1, -1, -1):
            latest = next((int(wi[e]) for e in range(d, -1, -1) if wi[e] >= 0), -2)
            self.forget[d] = upcoming < 0 or upcoming != latest
            if wi[d] >= 0:
                upcoming = int(wi[d])
        # dates past the longest counted run (where no run can have begun on the first date)
        # that look alike to a step share its tables: the rest, weekend and flag of the date
        kinds: dict[bytes, int] = {}
        self.signature: list[tuple[int, bool, bool] | None] = [None] * D
        run_cap = max(work_cap, off_cap)
        for d in range(run_cap + 1, D):
            kind = kinds.setdefault(self.trans_hard[d].tobytes() + self.trans_soft[d].tobytes(), len(kinds))
            self.signature[d] = (kind, bool(whole.weekend_index[d] >= 0), bool(self.forget[d]))
        self.tables: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

        # --- what a posting costs apart from the duals: [C, D, S]
        eligible = whole.eligible[p].copy()
        if self.no_work:
            eligible[:] = False
        site = whole.class_site
        km = whole.km[p, site].astype(np.int64)  # [C]
        cmin = whole.commute_minutes[p, site].astype(np.int64)
        duty_rules = np.zeros(eligible.shape, dtype=np.int64)
        cap_km, cap_day = rules.max_commute_km, rules.max_day_minutes
        if cap_km is not None:
            over = np.maximum(0, km - cap_km.value)
            if cap_km.hard:
                eligible &= (over == 0)[:, None, None]
            else:
                duty_rules += (int(cap_km.weight) * over)[:, None, None]
        if cap_day is not None:
            over = np.maximum(0, minutes[None, :] + cmin[:, None] - cap_day.value)  # [C, S]
            if cap_day.hard:
                eligible &= (over == 0)[:, None, :]
            else:
                duty_rules += (int(cap_day.weight) * over)[:, None, :]
        prefs = np.zeros(eligible.shape, dtype=np.int64)
        prefs_off = np.zeros(D, dtype=np.int64)
        site_of = {s.id: k for k, s in enumerate(problem.sites)}
        day_of = {problem.horizon.start.toordinal() + d: d for d in range(D)}
        for pref in person.preferences:
            d = None if pref.date is None else day_of.get(pref.date.toordinal())
            if pref.date is not None and d is None:
                continue  # outside the horizon
            days = slice(None) if d is None else slice(d, d + 1)
            w = int(pref.weight)
            if pref.kind == "site":
                k = site_of.get(pref.site)
                at = site == k
                prefs[(~at if pref.want else at), days, :] += w
            elif pref.kind == "shift":
                s = position.get(pref.shift)
                if s is None:
                    continue
                others = np.arange(S) != s
                if d is None:
                    prefs[:, :, others if pref.want else ~others] += w
                elif pref.want:
                    prefs[:, d, others] += w
                    prefs_off[d] += w
                else:
                    prefs[:, d, s] += w
            else:  # day_off
                if pref.want:
                    prefs[:, d, :] += w
                else:
                    prefs_off[d] += w
        self.eligible = eligible
        self.duty_rules = duty_rules
        self.prefs = prefs
        self.prefs_off = prefs_off
        self.km = np.broadcast_to(km[:, None, None], eligible.shape)
        self.cells = np.arange(whole.n_classes * D * S, dtype=np.int64).reshape(eligible.shape)
        self.sites = np.unique(site[eligible.any(axis=(1, 2))]) if eligible.any() else np.zeros(0, dtype=np.int64)
        self.one_site = bool(rules.keep_one_site) and len(self.sites) > 1

    def _relax(self, name: str) -> None:
        if name not in self.relaxed:
            self.relaxed.append(name)

    @property
    def exact(self) -> bool:
        """Its value is the cheapest roster's and its roster keeps every rule."""
        return self.usable and not self.relaxed

    # ------------------------------------------------------------------ the step
    # The state is four kinds of blocks of counters, each moving on its own: the runs (a, r,
    # n), the minutes (m), the weekends (w, f) and each counted shift type (k). A step's
    # table per block, option and kind of date lists, for every value of the block, whether
    # the step may be taken, the block's value after it and its rules cost; a flat state is
    # the sum of its blocks' values times their strides.

    def _blocks(self) -> list[tuple[str, int, int]]:
        """(name, size, stride) of each block, in the order of :attr:`shape`."""
        names = [c.name for c in self.counters]
        sizes = [c.cap + 1 for c in self.counters]
        groups = [("runs", 0, 3), ("minutes", 3, 4), ("weekends", 4, 6)]
        groups += [(name, k, k + 1) for k, name in enumerate(names) if name.startswith("k")]
        out = []
        for name, lo, hi in groups:
            stride = int(np.prod(sizes[hi:], dtype=np.int64))
            out.append((name, int(np.prod(sizes[lo:hi], dtype=np.int64)), stride))
        return out

    def _kind(self, block: str, d: int) -> tuple:
        """What of date ``d`` a block's step depends on."""
        if block == "runs":
            return ("date", d) if self.signature[d] is None else ("kind", self.signature[d][0])
        if block == "weekends":
            return (bool(self.whole.weekend_index[d] >= 0), bool(self.forget[d]))
        return ()

    def _table(self, block: str, size: int, option: int, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        key = (block, option, self._kind(block, d))
        table = self.tables.get(key)
        if table is None:
            values = np.arange(size, dtype=np.int64)
            if block == "runs":
                a, r, n = np.unravel_index(values, self.shape[0:3])
                ok, (a, r, n), cost = self._runs(a, r, n, option, d)
                nxt = np.ravel_multi_index((a, r, n), self.shape[0:3])
            elif block == "minutes":
                ok, nxt, cost = self._minutes(values, option)
            elif block == "weekends":
                w, f = np.unravel_index(values, self.shape[4:6])
                ok, (w, f), cost = self._weekends(w, f, option, d)
                nxt = np.ravel_multi_index((w, f), self.shape[4:6])
            else:
                ok, nxt, cost = self._count(values, int(block[1:]), option)
            table = (ok, nxt.astype(np.int64), cost.astype(np.int64))
            self.tables[key] = table
        return table

    def _parts(self, states: np.ndarray) -> list[tuple[str, int, int, np.ndarray]]:
        """Each block that moves (name, size, stride) with its value in each flat state."""
        return [
            (block, size, stride, states // stride % size if size > 1 else np.zeros(len(states), dtype=np.int64))
            for block, size, stride in self.blocks
            if not (block == "minutes" and not self.minutes_on) and not (block == "weekends" and not self.weekends_on)
        ]

    def _step(self, parts: list[tuple[str, int, int, np.ndarray]], option: int, d: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """From the states alive before date ``d`` (their :meth:`_parts`), taking ``option``
        (0 off, s + 1 shift ``s``) on ``d``: which may (mask), the flat states after, and the
        rules cost (whole units, unweighted by the level's coefficient)."""
        n = len(parts[0][3])
        ok = np.ones(n, dtype=bool)
        nxt = np.zeros(n, dtype=np.int64)
        cost = np.zeros(n, dtype=np.int64)
        for block, size, stride, index in parts:
            t_ok, t_next, t_cost = self._table(block, size, option, d)
            ok &= t_ok[index]
            nxt += t_next[index] * stride
            cost += t_cost[index]
        return ok, nxt, cost

    def _limit(self, limit: Limit, over: np.ndarray, ok: np.ndarray, cost: np.ndarray) -> None:
        """``over`` units past a limit: forbidden when it is hard, else its weight each."""
        if limit.hard:
            ok &= over == 0
        else:
            cost += int(limit.weight) * over

    def _runs(self, a: np.ndarray, r: np.ndarray, n: np.ndarray, option: int, d: int
              ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
        """Runs of days, days off and nights; rest, overlaps and successions."""
        rules = self.rules
        ok = np.ones(len(a), dtype=bool)
        cost = np.zeros(len(a), dtype=np.int64)
        started = r == d  # the current run began on the first date (or nothing yet)
        worked_before = a > 0
        if option == 0:
            if rules.min_consecutive_days is not None:
                short = np.where(worked_before & ~started, np.maximum(0, rules.min_consecutive_days.value - r), 0)
                self._limit(rules.min_consecutive_days, short, ok, cost)
            after_r = np.where(worked_before, 1, np.minimum(r + 1, self.off_cap))
            return ok, (np.zeros_like(a), after_r, np.zeros_like(n)), cost
        s = option - 1
        if self.no_work:
            ok[:] = False
        if rules.min_consecutive_days_off is not None:
            short = np.where(~worked_before & ~started, np.maximum(0, rules.min_consecutive_days_off.value - r), 0)
            self._limit(rules.min_consecutive_days_off, short, ok, cost)
        if d > 0:
            g = np.maximum(a - 1, 0)
            ok &= ~(worked_before & self.trans_hard[d, g, s])
            cost += np.where(worked_before, self.trans_soft[d, g, s], 0)
        length = np.where(worked_before, r + 1, 1)
        if rules.max_consecutive_days is not None:
            self._limit(rules.max_consecutive_days, (length > rules.max_consecutive_days.value).astype(np.int64),
                        ok, cost)
        after_n = np.zeros_like(n)
        if self.nights_on and self.night[s]:
            lim = rules.max_consecutive_nights
            self._limit(lim, (n + 1 > lim.value).astype(np.int64), ok, cost)
            after_n = np.minimum(n + 1, lim.value)
        return ok, (np.full_like(a, self.group[s]), np.minimum(length, self.work_cap), after_n), cost

    def _minutes(self, m: np.ndarray, option: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Total minutes, in steps, exact below the cap; a soft maximum charged as passed."""
        ok = np.ones(len(m), dtype=bool)
        cost = np.zeros(len(m), dtype=np.int64)
        if option == 0 or not self.minutes_on:
            return ok, m, cost
        s = option - 1
        cap = self.counters[3].cap
        after = m + self.deltas[s]
        high = self.rules.max_minutes
        if high is not None:
            before_over = np.where(m < cap, np.maximum(0, m * self.step - high.value), 0)
            after_over = np.maximum(0, after * self.step - high.value)
            # at the cap every minute more is over (cap * step > max)
            self._limit(high, np.where(m < cap, after_over - before_over, self.deltas[s] * self.step), ok, cost)
        return ok, np.minimum(after, cap), cost

    def _weekends(self, w: np.ndarray, f: np.ndarray, option: int, d: int
                  ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], np.ndarray]:
        """Weekends worked and whether the current one counts already."""
        ok = np.ones(len(w), dtype=bool)
        cost = np.zeros(len(w), dtype=np.int64)
        if not self.weekends_on:
            return ok, (w, f), cost
        if option > 0 and self.whole.weekend_index[d] >= 0:
            first = f == 0
            lim = self.rules.max_weekends
            self._limit(lim, (first & (w + 1 > lim.value)).astype(np.int64), ok, cost)
            w = np.where(first, np.minimum(w + 1, lim.value), w)
            f = np.ones_like(f)
        if self.forget[d]:
            f = np.zeros_like(f)
        return ok, (w, f), cost

    def _count(self, k: np.ndarray, s: int, option: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Shifts of type ``s`` so far."""
        ok = np.ones(len(k), dtype=bool)
        cost = np.zeros(len(k), dtype=np.int64)
        if option != s + 1:
            return ok, k, cost
        lim = dict(self.counted)[s]
        self._limit(lim, (k + 1 > lim.value).astype(np.int64), ok, cost)
        return ok, np.minimum(k + 1, lim.value), cost

    def _end_cost(self, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether each final state may end the horizon, and its rules cost (minutes short)."""
        ok = np.ones(len(states), dtype=bool)
        cost = np.zeros(len(states), dtype=np.int64)
        low = self.rules.min_minutes
        if self.minutes_on and low is not None:
            m = np.unravel_index(states, self.shape)[3]
            cap = self.counters[3].cap
            short = np.where(m < cap, np.maximum(0, low.value - m * self.step), 0)
            if low.hard:
                ok &= short == 0
            else:
                cost += int(low.weight) * short
        return ok, cost

    # ------------------------------------------------------------------ pricing
    def price(self, duals: np.ndarray, coefs: np.ndarray, most: int = 1) -> tuple[list[Priced], float]:
        """The cheapest rosters under ``duals`` (per whole-model cell, already scaled to whole
        numbers) and ``coefs`` (whole numbers per roster level: rules, preferences, commute):
        up to ``most`` of them, cheapest first, and the least value of any roster of this
        person (a lower bound when :attr:`relaxed` is not empty; inf: no roster at all)."""
        best: list[Priced] = []
        low = math.inf
        sites = self.sites if self.one_site else [None]
        for k in sites:
            found, value = self._price_at(duals, coefs, most, k)
            best.extend(found)
            low = min(low, value)
        best.sort(key=lambda r: r.value)
        return best[:most], low

    def _price_at(self, duals: np.ndarray, coefs: np.ndarray, most: int, site: int | None
                  ) -> tuple[list[Priced], float]:
        whole = self.whole
        D, S = whole.n_days, whole.n_shifts
        c_rules, c_prefs, c_km = (float(c) for c in coefs)
        eligible = self.eligible
        if site is not None:
            eligible = eligible & (whole.class_site == site)[:, None, None]
        posting = (c_rules * self.duty_rules + c_prefs * self.prefs + c_km * self.km
                   - duals[self.cells].astype(float))
        posting = np.where(eligible, posting, np.inf)
        choice = posting.argmin(axis=0) if len(posting) else np.zeros((D, S), dtype=np.int64)  # [D, S]
        option_cost = np.empty((D, S + 1))
        option_cost[:, 0] = c_prefs * self.prefs_off
        option_cost[:, 1:] = posting.min(axis=0) if len(posting) else np.inf
        finite = np.abs(option_cost[np.isfinite(option_cost)])
        # every partial sum stays well inside float64's whole numbers: at most one option a
        # date, and rules costs of a roster below 2**26 units
        if (finite.max(initial=0.0) * D + c_rules * 2.0**26) >= EXACT:
            raise OverflowError("the pricing's costs are too large to add up exactly")
        # forward: the alive states after each date, their least values and how each was
        # reached (the position of its predecessor among the alive states before, the option
        # and the rules cost of that step)
        alive = [np.array([0], dtype=np.int64)]
        values = [np.array([0.0])]
        steps: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        best = np.full(self.n_states, np.inf)
        owner = np.full(self.n_states, -1, dtype=np.int64)
        for d in range(D):
            states, vals = alive[-1], values[-1]
            to, by, came, took, paid = [], [], [], [], []
            parts = self._parts(states)
            for option in range(S + 1):
                if not math.isfinite(option_cost[d, option]):
                    continue
                ok, nxt, cost = self._step(parts, option, d)
                self.work += len(states)
                where = np.flatnonzero(ok)
                if not len(where):
                    continue
                to.append(nxt[where])
                by.append(vals[where] + c_rules * cost[where] + option_cost[d, option])
                came.append(where)
                took.append(np.full(len(where), option))
                paid.append(cost[where])
            if not to:
                return [], math.inf
            nxt, val = np.concatenate(to), np.concatenate(by)
            # the least value of each state reached, and the last step that gives it
            np.minimum.at(best, nxt, val)
            winners = np.flatnonzero(val == best[nxt])
            np.maximum.at(owner, nxt[winners], winners)
            reached = np.flatnonzero(owner >= 0)
            keep = owner[reached]
            alive.append(reached)
            values.append(best[reached])
            steps.append((np.concatenate(came)[keep], np.concatenate(took)[keep], np.concatenate(paid)[keep]))
            best[reached] = np.inf
            owner[reached] = -1
        ok, cost = self._end_cost(alive[-1])
        total = np.where(ok, values[-1] + c_rules * cost, np.inf)
        if not np.isfinite(total).any():
            return [], math.inf
        low = float(total.min())
        found = []
        for end in np.argsort(total, kind="stable")[:most]:
            if not math.isfinite(total[end]):
                break
            found.append(self._roster(steps, int(end), int(cost[end]), float(total[end]), choice))
        return found, low

    def _roster(self, steps: list[tuple[np.ndarray, np.ndarray, np.ndarray]], end: int, units: int,
                value: float, choice: np.ndarray) -> Priced:
        """The roster that ends in the ``end``-th alive state, walked back step by step."""
        D = self.whole.n_days
        options = np.zeros(D, dtype=np.int64)
        rules_units = units
        at = end
        for d in range(D - 1, -1, -1):
            came, took, paid = steps[d]
            options[d] = took[at]
            rules_units += int(paid[at])
            at = int(came[at])
        days = np.flatnonzero(options > 0)
        shifts = options[days] - 1
        classes = choice[days, shifts]
        cells = self.cells[classes, days, shifts]
        rules_units += int(self.duty_rules[classes, days, shifts].sum())
        prefs = int(self.prefs[classes, days, shifts].sum()) + int(self.prefs_off[options == 0].sum())
        km = int(self.km[classes, days, shifts].sum())
        return Priced(np.sort(cells), np.array([rules_units, prefs, km], dtype=np.int64), value,
                      self._keeps(days, shifts))

    def _keeps(self, days: np.ndarray, shifts: np.ndarray) -> bool:
        """The roster working ``shifts`` on ``days`` keeps every rule the program relaxed, at
        no cost: then its value is its true value."""
        whole, rules = self.whole, self.rules
        minutes = whole.shift_minutes[shifts].astype(np.int64)
        counted = {s for s, _ in self.counted}
        position = {sid: i for i, sid in enumerate(whole.shift_ids)}
        for name in self.relaxed:
            if name == "max_shifts":
                for sid, lim in rules.max_shifts.items():
                    s = position.get(sid)
                    if s is not None and s not in counted and int((shifts == s).sum()) > lim.value:
                        return False
            elif name == "min_minutes / max_minutes":
                total = int(minutes.sum())
                if rules.min_minutes is not None and total < rules.min_minutes.value:
                    return False
                if rules.max_minutes is not None and total > rules.max_minutes.value:
                    return False
            elif name == "max_weekends":
                weeks = whole.weekend_index[days]
                if len(np.unique(weeks[weeks >= 0])) > rules.max_weekends.value:
                    return False
            elif name in ("min_days_off_per_7", "max_hours_per_7"):
                worked = np.zeros(whole.n_days, dtype=np.int64)
                worked[days] = minutes if name == "max_hours_per_7" else 1
                window = np.convolve(worked, np.ones(7, dtype=np.int64), mode="valid")
                if name == "min_days_off_per_7" and (7 - window < rules.min_days_off_per_7.value).any():
                    return False
                if name == "max_hours_per_7" and (window > 60 * rules.max_hours_per_7.value).any():
                    return False
            elif name in ("overlap", "min_rest_hours"):
                ends = whole.end[days, shifts]
                starts = whole.start[days, shifts]
                gap = starts[None, :] - ends[:, None]  # [earlier, later]
                far = (days[None, :] - days[:, None]) >= 2
                rest = 60 * rules.min_rest_hours.value if rules.min_rest_hours is not None else 0
                if (far & (gap < rest)).any():
                    return False
        return True
