"""The CP-SAT model: decision variables and the cost registry every rule family writes to.

Variables (all boolean unless said):

* ``x[p, c, d, s]`` person p posted to gate class c on date d, shift type s (only where
  eligible: gate open, role, availability, hard commute and day-length caps, site allowed);
* ``work[p, d, s]`` = sum over classes of x (alias when a single class is possible);
* ``day[p, d]`` person works on date d (a shift starts that date);
* ``at_site[p, k]`` person works at site k at least once (exactly, both directions).

Every cost is a term ``coef * var`` (or a constant) registered with :meth:`DutyModel.cost`
under a level and a rule name, so each penalty can be reported. Cost variables are defined
by equalities (``max``/``and``), never by one-sided bounds, so their value in any solution is
the true cost and the solver's objective equals what the checker recomputes.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.model.index import Index, build_index
from dutyplan.problem import LEVELS, Problem

#: Seconds to build the model, per candidate posting: measured on this project's 2-core
#: machine (AMD EPYC, Python 3.11) at 23 microseconds, on Shangzhuang over 730 days (175,183
#: postings, 4.1 s) and over 3,660 days (878,383 postings, 20 s); a little more here. A solve
#: skips a build that cannot end in the time it has left.
BUILD_SECONDS_PER_POSTING = 25e-6


#: Peak memory of a model and its search, per candidate posting: measured on Shangzhuang over
#: 3,660 days (878,383 postings): the model 1,180 bytes each, 1.9 GB at the peak of a 5 s
#: search on 2 workers (2,200 bytes each); a little more here.
PEAK_BYTES_PER_POSTING = 2_500


def estimated_build_seconds(postings: int) -> float:
    """About how long :func:`build_model` takes for this many candidate postings."""
    return postings * BUILD_SECONDS_PER_POSTING


def estimated_peak_bytes(postings: int) -> int:
    """About how much memory a model of this many candidate postings and its search take."""
    return postings * PEAK_BYTES_PER_POSTING


def available_bytes() -> int | None:
    """Memory this machine has free (``MemAvailable``; None where it cannot be told)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None

Lit = Any  # a cp_model literal (IntVar or its negation)


@dataclass
class CostTerm:
    level: str
    rule: str
    coef: int
    var: Any | None  # None: constant term
    person: int | None = None
    day: int | None = None
    site: int | None = None


@dataclass
class DutyModel:
    index: Index
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x_vars: list[Any] = field(default_factory=list)
    x_keys: np.ndarray | None = None  # [n_x, 4] (p, c, d, s)
    x_id: np.ndarray | None = None  # [P, C, D, S] index into x_vars or -1
    work: dict[tuple[int, int, int], Any] = field(default_factory=dict)
    day: dict[tuple[int, int], Any] = field(default_factory=dict)
    at_site: dict[tuple[int, int], Any] = field(default_factory=dict)
    terms: list[CostTerm] = field(default_factory=list)
    build_seconds: float = 0.0
    # explain mode (dutyplan.infeasible): every hard rule is enforced by a guard literal per
    # (rule, subject), so CP-SAT can name a set of rules that cannot hold together
    explain: bool = False
    guards: dict[tuple, Any] = field(default_factory=dict)
    _true: Any = None
    _posting_keys: tuple | None = None
    _work_by_person: dict[int, list[tuple[int, int, Any]]] = field(default_factory=dict)

    # ------------------------------------------------------------------ helpers
    @property
    def true(self) -> Any:
        if self._true is None:
            self._true = self.model.new_constant(1)
        return self._true

    def guard(self, key: tuple) -> Any:
        """The literal that switches the hard rule ``key`` (rule name, subject...) on."""
        lit = self.guards.get(key)
        if lit is None:
            lit = self.guards[key] = self.model.new_bool_var(str(key))
        return lit

    def hard(self, constraint: Any, key: tuple) -> Any:
        """A hard rule's constraint; in explain mode, enforced by the guard of ``key``."""
        if self.explain:
            constraint.only_enforce_if(self.guard(key))
        return constraint

    def at_most_one(self, lits: list[Any], key: tuple) -> None:
        """At most one true literal, guarded in explain mode (as a linear constraint)."""
        if self.explain:
            self.model.add(cp_model.LinearExpr.sum(lits) <= 1).only_enforce_if(self.guard(key))
        else:
            self.model.add_at_most_one(lits)

    def cost(
        self,
        level: str,
        rule: str,
        coef: int,
        var: Any | None,
        person: int | None = None,
        day: int | None = None,
        site: int | None = None,
    ) -> None:
        """Register ``coef * var`` (or the constant ``coef`` when var is None)."""
        if coef != 0:
            self.terms.append(CostTerm(level, rule, int(coef), var, person, day, site))

    def level_expr(self, level: str) -> cp_model.LinearExpr:
        variables, coefs, constant = [], [], 0
        for term in self.terms:
            if term.level != level:
                continue
            if term.var is None:
                constant += term.coef
            else:
                variables.append(term.var)
                coefs.append(term.coef)
        return cp_model.LinearExpr.weighted_sum(variables, coefs) + constant

    def level_trivial_bound(self, level: str) -> int:
        """A bound every solution meets: constants plus the least each term can be."""
        bound = 0
        for term in self.terms:
            if term.level != level:
                continue
            if term.var is None:
                bound += term.coef
                continue
            lo, hi = self.domain(term.var)
            bound += term.coef * (lo if term.coef > 0 else hi)
        return bound

    def domain(self, var: Any) -> tuple[int, int]:
        """Lowest and highest value of a variable (or of a negated literal)."""
        if var.index < 0:  # a negated boolean
            return 0, 1
        values = self.model.proto.variables[var.index].domain
        return int(values[0]), int(values[len(values) - 1])

    def uses_level(self, level: str) -> bool:
        """Some cost (a variable or a constant) is registered under ``level``."""
        return any(t.level == level for t in self.terms)

    def has_level(self, level: str) -> bool:
        return any(t.level == level and t.var is not None for t in self.terms)

    def excess(self, expr: Any, limit: int, upper: int) -> Any:
        """A variable equal to ``max(0, expr - limit)``."""
        var = self.model.new_int_var(0, max(0, upper - limit), "")
        self.model.add_max_equality(var, [expr - limit, 0])
        return var

    def shortfall(self, expr: Any, target: int) -> Any:
        """A variable equal to ``max(0, target - expr)``."""
        var = self.model.new_int_var(0, max(0, target), "")
        self.model.add_max_equality(var, [target - expr, 0])
        return var

    def all_of(self, literals: list[Any]) -> Any:
        """A boolean equal to the conjunction of ``literals``."""
        if len(literals) == 1:
            return literals[0]
        b = self.model.new_bool_var("")
        self.model.add_bool_and(literals).only_enforce_if(b)
        self.model.add_bool_or([lit.Not() for lit in literals] + [b])
        return b

    def both(self, a: Any, b: Any) -> Any:
        return self.all_of([a, b])

    def person_work(self, p: int) -> list[tuple[int, int, Any]]:
        """(day, shift, work literal) of a person, ordered by day and shift."""
        return self._work_by_person.get(p, [])

    def posting(self, a: Any) -> int:
        """Row of ``x_vars`` of an assignment (person, site/gate, date, shift); -1 when the
        model has no such posting (not admissible, or an id or date it does not know)."""
        ix = self.index
        if self._posting_keys is None:
            self._posting_keys = (
                {p.id: i for i, p in enumerate(ix.problem.people)},
                ix.class_of_gate(),
                {s: i for i, s in enumerate(ix.shift_ids)},
            )
        person, class_of, shift = self._posting_keys
        d = ix.problem.day_index(a.date)
        try:
            key = (person[a.person], class_of[(a.site, a.gate)], d, shift[a.shift])
        except KeyError:
            return -1
        return int(self.x_id[key]) if 0 <= d < ix.n_days else -1

    def postings_by_class(self) -> dict[tuple[int, int, int], list[Any]]:
        """Posting variables per (gate class, date, shift), grouped with numpy."""
        ix = self.index
        keys = self.x_keys
        groups: dict[tuple[int, int, int], list[Any]] = {}
        if keys is None or not len(keys):
            return groups
        cds = (keys[:, 1] * ix.n_days + keys[:, 2]) * ix.n_shifts + keys[:, 3]
        order = np.argsort(cds, kind="stable")
        firsts, sizes, values = _groups(cds[order])
        for first, size, flat in zip(firsts.tolist(), sizes.tolist(), values.tolist()):
            c, rest = divmod(flat, ix.n_days * ix.n_shifts)
            d, s = divmod(rest, ix.n_shifts)
            groups[(c, d, s)] = [self.x_vars[i] for i in order[first : first + size].tolist()]
        return groups

    def x_range(self, p: int) -> tuple[int, int]:
        """Rows ``lo:hi`` of ``x_keys``/``x_vars`` that belong to person p."""
        column = self.x_keys[:, 0]
        return int(np.searchsorted(column, p, "left")), int(np.searchsorted(column, p, "right"))


def build_model(
    problem: Problem,
    site_allowed: np.ndarray | None = None,
    index: Index | None = None,
    explain: bool | str = False,
) -> DutyModel:
    """Build the full CP-SAT model of a problem (variables, every rule, every level).

    ``site_allowed[p, k]`` restricts where people may work; ``index`` reuses a compiled index
    (built without restriction). ``explain``: the hard rules only, each guarded by a literal
    per rule and subject (``dm.guards``), and no objective (see :mod:`dutyplan.infeasible`);
    ``"all"`` guards the rules that prune postings too (availability, gate roles, hard caps),
    ``True`` keeps them as facts (a model no larger than the solver's).
    """
    from dutyplan.model import objective, rules

    started = time.perf_counter()
    if explain == "all":
        index = build_index(problem, site_allowed, relaxed=True)
    elif index is None or site_allowed is not None:
        index = build_index(problem, site_allowed)
    dm = DutyModel(index=index, explain=bool(explain))
    _add_variables(dm)
    if explain == "all":
        _add_pruning_guards(dm)
    rules.add_all(dm)
    if explain:
        objective.add_no_extra_guards(dm)
    else:
        objective.add_all(dm)
    dm.build_seconds = time.perf_counter() - started
    return dm


def _add_pruning_guards(dm: DutyModel) -> None:
    """Explain mode: the postings a hard rule rules out (availability, gate roles, hard caps
    on commute, day length, shifts of a type and total minutes) are forbidden under that
    rule's guard instead of having no variable."""
    from dutyplan.model.index import pruning_reasons

    ix = dm.index
    reasons = pruning_reasons(ix)
    keys = dm.x_keys
    if not len(keys):
        return
    p, c, d, s = keys[:, 0], keys[:, 1], keys[:, 2], keys[:, 3]
    k = ix.class_site[c]
    checks = [
        ("unavailable", ~reasons["available"][p, d, s], lambda i: (int(p[i]),)),
        ("gate_role", ~reasons["role_ok"][p, c], lambda i: (int(ix.class_site[c[i]]), ix.classes[c[i]].role)),
        ("max_commute_km", ~reasons["commute_ok"][p, k], lambda i: (int(p[i]),)),
        ("max_day_minutes", ~reasons["day_ok"][p, k, s], lambda i: (int(p[i]),)),
        ("max_shifts", ~reasons["type_ok"][p, s], lambda i: (int(p[i]), ix.shift_ids[s[i]])),
        ("max_minutes", ~reasons["length_ok"][p, s], lambda i: (int(p[i]),)),
    ]
    for rule, ruled_out, subject in checks:
        for i in np.flatnonzero(ruled_out).tolist():
            dm.hard(dm.model.add(dm.x_vars[i] == 0), (rule, *subject(i)))


def _add_variables(dm: DutyModel) -> None:
    ix = dm.index
    model = dm.model
    keys = np.argwhere(ix.eligible)  # [n, 4] sorted lexicographically: p, c, d, s
    dm.x_keys = keys
    dm.x_id = np.full(ix.eligible.shape, -1, dtype=np.int64)
    dm.x_id[tuple(keys.T)] = np.arange(len(keys))
    dm.x_vars = [model.new_bool_var("") for _ in range(len(keys))]

    # work[p, d, s]: one shift instance, whatever the gate (grouped with numpy: a year of a
    # large instance has over a million postings)
    n_days, n_shifts = ix.n_days, ix.n_shifts
    pds = (keys[:, 0] * n_days + keys[:, 2]) * n_shifts + keys[:, 3]
    order = np.argsort(pds, kind="stable")
    firsts, sizes, instances = _groups(pds[order])
    x_vars = dm.x_vars
    work_lits = []
    for first, size in zip(firsts.tolist(), sizes.tolist()):
        if size == 1:
            work_lits.append(x_vars[order[first]])
            continue
        w = model.new_bool_var("")
        model.add(cp_model.LinearExpr.sum([x_vars[i] for i in order[first : first + size].tolist()]) == w)
        work_lits.append(w)
    w_person = (instances // (n_days * n_shifts)).tolist()
    w_day = ((instances // n_shifts) % n_days).tolist()
    w_shift = (instances % n_shifts).tolist()
    dm.work = dict(zip(zip(w_person, w_day, w_shift), work_lits))
    for p, d, s, w in zip(w_person, w_day, w_shift, work_lits):
        dm._work_by_person.setdefault(p, []).append((d, s, w))

    # day[p, d]: works that date (instances are sorted, so one person-date is one run)
    firsts, sizes, person_days = _groups(instances // n_shifts)
    for first, size, pd_flat in zip(firsts.tolist(), sizes.tolist(), person_days.tolist()):
        p, d = divmod(pd_flat, n_days)
        if size == 1:
            dm.day[(p, d)] = work_lits[first]
            continue
        shifts = work_lits[first : first + size]
        limit = ix.rules[p].max_shifts_per_day
        v = model.new_bool_var("")
        if limit is not None and limit.hard and limit.value <= 1 and not dm.explain:
            model.add(cp_model.LinearExpr.sum(shifts) == v)
        else:
            model.add_max_equality(v, shifts)
        dm.day[(p, d)] = v

    # at_site[p, k]: works at site k at least once (only rules about sites worked need it, and
    # with one site they cannot bind)
    need_sites = any(r.keep_one_site for r in ix.rules) or dm.index.problem.rules.unit_sites_weight
    if not need_sites or ix.n_sites < 2:
        return
    by_site: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for (p, c, d, s), var in zip(keys.tolist(), dm.x_vars):
        by_site[(p, int(ix.class_site[c]))].append(var)
    for (p, k), xs in sorted(by_site.items()):
        y = model.new_bool_var("")
        model.add_bool_or(xs).only_enforce_if(y)
        for var in xs:
            model.add_implication(var, y)
        dm.at_site[(p, k)] = y


def _groups(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of equal values in a sorted array: first position, length and value of each."""
    if len(sorted_keys) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    firsts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[firsts, len(sorted_keys)])
    return firsts, sizes, sorted_keys[firsts]


__all__ = ["LEVELS", "CostTerm", "DutyModel", "build_model"]
