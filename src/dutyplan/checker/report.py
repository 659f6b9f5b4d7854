"""What the checker reports: violations of hard rules, itemised costs, the level values and
the objective, and the plan's false figures (:class:`~dutyplan.checker.claims.Mismatch`)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from dutyplan.checker.claims import Mismatch
from dutyplan.problem import LEVELS

__all__ = ["CheckReport", "Mismatch", "Penalty", "Violation"]


class Violation(BaseModel):
    """A broken hard rule: which rule, who, when, where, and a sentence saying what happened."""

    model_config = ConfigDict(extra="forbid")

    rule: str
    person: str | None = None
    date: dt.date | None = None
    site: str | None = None
    detail: str


class Penalty(BaseModel):
    """One nonzero cost term of the objective (before the level weight is applied)."""

    model_config = ConfigDict(extra="forbid")

    level: str
    rule: str
    cost: int
    person: str | None = None
    site: str | None = None
    date: dt.date | None = None
    detail: str


class CheckReport(BaseModel):
    """What :func:`check` found: violations, itemised costs, level values and the objective.

    ``levels`` always holds the five levels; ``levels[level]`` is the sum of the costs of the
    penalties of that level. ``objective = sum(weights[level] * levels[level])``.
    ``objective_matches`` compares it with the objective the plan reports (None if the plan
    reports none). ``mismatches``: every figure the plan states about itself (uncovered
    gate-shifts, coverage per gate, figures per person, level values, objective, bounds, gap,
    status) that its assignments contradict (see :mod:`dutyplan.checker.claims`).

    ``ok``: no hard rule broken and every claim true; ``rules_ok``: no hard rule broken.
    """

    model_config = ConfigDict(extra="forbid")

    problem: str
    violations: list[Violation] = Field(default_factory=list)
    penalties: list[Penalty] = Field(default_factory=list)
    levels: dict[str, int]
    weights: dict[str, int]
    objective: int
    plan_objective: int | None = None
    objective_matches: bool | None = None
    mismatches: list[Mismatch] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no hard rule is broken and everything the plan says of itself is true."""
        return not self.violations and not self.mismatches

    @property
    def rules_ok(self) -> bool:
        """True when no hard rule is broken (whatever the plan's own figures say)."""
        return not self.violations

    def violations_by_rule(self) -> dict[str, list[Violation]]:
        """Violations grouped by rule name (in order of first appearance)."""
        grouped: dict[str, list[Violation]] = {}
        for violation in self.violations:
            grouped.setdefault(violation.rule, []).append(violation)
        return grouped

    def costs_by_rule(self) -> dict[str, dict[str, int]]:
        """``{level: {rule: total cost}}`` over the penalties."""
        totals: dict[str, dict[str, int]] = {level: {} for level in LEVELS}
        for penalty in self.penalties:
            level = totals.setdefault(penalty.level, {})
            level[penalty.rule] = level.get(penalty.rule, 0) + penalty.cost
        return totals

    def summary(self, max_rows: int = 20) -> str:
        """A readable text report: violations by rule, level values and costs, objective."""
        lines: list[str] = []
        if self.ok:
            head = "OK, no hard rule broken, every figure of the plan true"
        else:
            found = [f"{len(self.violations)} violation(s)"] if self.violations else []
            if self.mismatches:
                found.append(f"{len(self.mismatches)} false figure(s) in the plan")
            head = ", ".join(found)
        lines.append(f"Check of a plan for {self.problem!r}: {head}")
        if self.mismatches:
            lines.append("  the plan says of itself what is not so:")
            for item in self.mismatches[:max_rows]:
                lines.append(f"    - {item.claim}: {item.detail}")
            if len(self.mismatches) > max_rows:
                lines.append(f"    ... and {len(self.mismatches) - max_rows} more")
        for rule, items in self.violations_by_rule().items():
            lines.append(f"  {rule} ({len(items)}):")
            for item in items[:max_rows]:
                lines.append(f"    - {item.detail}")
            if len(items) > max_rows:
                lines.append(f"    ... and {len(items) - max_rows} more")
        lines.append("Levels (value x weight):")
        by_rule = self.costs_by_rule()
        for level in LEVELS:
            value = self.levels.get(level, 0)
            weight = self.weights.get(level, 1)
            lines.append(f"  {level:<12} {value:>12} x {weight}")
            for rule, cost in sorted(by_rule.get(level, {}).items(), key=lambda kv: -kv[1]):
                lines.append(f"      {rule:<28} {cost:>12}")
        lines.append(f"Objective: {self.objective}")
        if self.plan_objective is not None:
            verdict = "matches" if self.objective_matches else "DOES NOT MATCH"
            lines.append(f"Plan reports objective {self.plan_objective}: {verdict}")
        return "\n".join(lines)
