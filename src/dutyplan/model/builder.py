"""The CP-SAT model: decision variables and the cost registry every rule family writes to.

Variables (all boolean unless said):

* ``x[p, c, d, s]`` person p posted to gate class c on date d, shift type s (only where
  eligible: gate open, role, availability, hard commute and day-length caps, site allowed);
* ``work[p, d, s]`` = sum over classes of x (alias when a single class is possible);
* ``day[p, d]`` person works on date d (a shift starts that date);
* ``at_site[p, k]`` person works at site k at least once (exactly, both directions);
* ``answer[h, p]``, ``unwatched[h]``, ``trip[p, d, k]``: caseloads (see :mod:`.caseloads`).

Every cost is a term ``coef * var`` (or a constant) registered with :meth:`DutyModel.cost`
under a level and a rule name, so each penalty can be reported. Cost variables are defined
by equalities (``max``/``and``), never by one-sided bounds, so their value in any solution is
the true cost and the solver's objective equals what the checker recomputes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.compile.index import Index


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
    work_by_person: dict[int, list[tuple[int, int, Any]]] = field(default_factory=dict)
    # caseloads (dutyplan.model.caseloads): answer[h, p], unwatched[h], trip[p, d, k], the
    # households each person may answer for on each date, and the caseload minutes per date
    answer: dict[tuple[int, int], Any] = field(default_factory=dict)
    unwatched: dict[int, Any] = field(default_factory=dict)
    trip: dict[tuple[int, int, int], Any] = field(default_factory=dict)
    answers_on: defaultdict[tuple[int, int], list[tuple[int, Any]]] = field(default_factory=lambda: defaultdict(list))
    caseload_minutes: defaultdict[tuple[int, int], list[tuple[int, Any]]] = field(
        default_factory=lambda: defaultdict(list))

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

    def level_value(self, solution: np.ndarray, level: str) -> int:
        """The value of ``level`` in a complete solution of the model."""
        total = 0
        for term in self.terms:
            if term.level != level:
                continue
            if term.var is None:
                total += term.coef
            else:
                index = term.var.index  # a negated literal has index -1 - (its variable)
                total += term.coef * (int(solution[index]) if index >= 0 else 1 - int(solution[-index - 1]))
        return total

    @property
    def x_indices(self) -> np.ndarray:
        """The CP-SAT variable index of each posting variable, in ``x_vars`` order."""
        return np.array([v.index for v in self.x_vars], dtype=np.int64)

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
        return self.work_by_person.get(p, [])

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
        firsts, sizes, values = sorted_groups(cds[order])
        for first, size, flat in zip(firsts.tolist(), sizes.tolist(), values.tolist()):
            c, rest = divmod(flat, ix.n_days * ix.n_shifts)
            d, s = divmod(rest, ix.n_shifts)
            groups[(c, d, s)] = [self.x_vars[i] for i in order[first : first + size].tolist()]
        return groups

    def x_range(self, p: int) -> tuple[int, int]:
        """Rows ``lo:hi`` of ``x_keys``/``x_vars`` that belong to person p."""
        column = self.x_keys[:, 0]
        return int(np.searchsorted(column, p, "left")), int(np.searchsorted(column, p, "right"))


def sorted_groups(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of equal values in a sorted array: first position, length and value of each."""
    if len(sorted_keys) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    firsts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    sizes = np.diff(np.r_[firsts, len(sorted_keys)])
    return firsts, sizes, sorted_keys[firsts]


__all__ = ["CostTerm", "DutyModel", "sorted_groups"]
