"""Readable text for the terminal: plan summaries with aligned columns (CJK-aware)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dutyplan.plan import Plan, Result
    from dutyplan.problem import Problem


def display_width(text: str) -> int:
    """Terminal columns a string takes (East Asian wide characters count two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    widths = [display_width(h) for h in headers]
    for row in rows:
        widths = [max(w, display_width(cell)) for w, cell in zip(widths, row)]
    lines = ["  ".join(pad(h, w, i in numeric) for i, (h, w) in enumerate(zip(headers, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(pad(c, w, i in numeric) for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)


STOP_WORDS = {
    "proven": "every level proven optimal (or no plan can exist)",
    "time limit": "time limit reached",
    "interrupted": "interrupted (Ctrl-C): the best plan found so far",
    "no improvement": "no better plan for the seconds asked (--no-improvement)",
}


def timing_line(r: Result) -> str:
    """Where the time went, in the words of the path the solve took: one model (built, then
    searched), or sites first (each site's model built as it is rostered)."""
    if "decomposed" in r.mode:
        text = f"solved in {r.solve_seconds + r.build_seconds:.2f}s, sites first"
        if r.first_plan_seconds is not None:
            text += f"; every site had a plan after {r.first_plan_seconds:.2f}s"
        if r.build_seconds > 0:
            text += f"; the whole model to improve it built in {r.build_seconds:.2f}s"
        return text
    first = f", first plan after {r.first_plan_seconds:.2f}s" if r.first_plan_seconds is not None else ""
    return f"model built in {r.build_seconds:.2f}s, solved in {r.solve_seconds:.2f}s{first}"


def plan_summary(plan: Plan, problem: Problem | None = None, max_rows: int = 40) -> str:
    r = plan.result
    site_names = {s.id: s.label for s in problem.sites} if problem else {}
    out = [f"plan for {plan.problem}: {r.status}"]
    if r.unmet:
        out.append("hard rules this plan does not keep (the rest of the plan keeps every rule):")
        out += [f"  - {line}" for line in r.unmet[:max_rows]]
        if len(r.unmet) > max_rows:
            out.append(f"  ... and {len(r.unmet) - max_rows} more")
    if r.objective is not None:
        gap = f"{100 * r.gap:.2f}%" if r.gap is not None else "n/a"
        out.append(f"objective {r.objective}   best bound {r.best_bound}   gap {gap}   ({r.mode})")
    out.append(timing_line(r))
    if r.stop_reason is not None:
        why = STOP_WORDS.get(r.stop_reason, r.stop_reason)
        if r.deterministic:
            why += f"; deterministic run, {r.deterministic_seconds or 0:.2f} deterministic seconds"
        out.append(f"stopped: {why}")
    if r.levels:
        rows = [
            [lv.name, str(lv.value), "" if lv.bound is None else str(lv.bound), "yes" if lv.optimal else "no"]
            for lv in r.levels
        ]
        out += ["", table(["level", "value", "bound", "optimal"], rows, {1, 2})]
    if r.objective is None:
        return "\n".join(out)
    out.append("")
    on_duty = plan.people_on_duty
    hours = sum(p.minutes for p in plan.people) / 60
    km = sum(p.commute_km for p in plan.people)
    out.append(
        f"{len(plan.assignments):,} duties ({hours:,.0f} hours) by {on_duty:,} of {len(plan.people):,} "
        f"people; {plan.missing_person_shifts:,} person-shifts uncovered; {km:,.0f} km commuted"
    )
    # the gates with most left uncovered first (stable: the problem's order among equals)
    worst = sorted(plan.coverage, key=lambda c: -c.uncovered)
    rows = [
        [site_names.get(c.site, c.site), c.gate, str(c.need), str(c.assigned), str(c.uncovered)]
        for c in worst[:max_rows]
    ]
    out += ["", table(["site", "gate", "needed", "covered", "uncovered"], rows, {2, 3, 4})]
    if len(worst) > max_rows:
        out.append(f"... and {len(worst) - max_rows} more gates")
    if plan.uncovered:
        out += ["", "uncovered gate-shifts:"]
        for u in plan.uncovered[:max_rows]:
            out.append(
                f"  {u.start:%Y-%m-%d %H:%M}-{u.end:%H:%M}  {site_names.get(u.site, u.site)} / {u.gate}:"
                f" {u.missing} of {u.need} missing"
            )
        if len(plan.uncovered) > max_rows:
            out.append(f"  ... and {len(plan.uncovered) - max_rows} more")
    rows = []
    # the people with most hours first (the problem's order among equals)
    busiest = sorted(plan.people, key=lambda s: -s.minutes)
    for s in busiest[:max_rows]:
        sites = ", ".join(site_names.get(x, x) for x in s.sites) or "-"
        rows.append(
            [s.name, s.unit or "", sites, str(s.shifts), f"{s.hours:.1f}", str(s.nights),
             str(s.weekend_shifts), f"{s.commute_km:.0f}"]
        )
    headers = ["person", "unit", "site", "shifts", "hours", "nights", "weekend", "km"]
    out += ["", table(headers, rows, {3, 4, 5, 6, 7})]
    if len(plan.people) > max_rows:
        out.append(f"... and {len(plan.people) - max_rows} more people")
    by_site = Counter(a.site for a in plan.assignments)
    if by_site and problem is not None:
        most = by_site.most_common()
        shown = ", ".join(f"{site_names[k]} {v:,}" for k, v in most[:max_rows])
        more = f", and {len(most) - max_rows} more sites" if len(most) > max_rows else ""
        out.append("")
        out.append(f"duties per site (most first): {shown}{more}")
    if plan.caseloads or plan.unwatched:
        out += ["", *caseload_lines(plan, problem, max_rows)]
    return "\n".join(out)


def caseload_lines(plan: Plan, problem: Problem | None, max_rows: int = 40) -> list[str]:
    """Households under watch: how many are answered for, who answers for how many, and the
    households nobody answers for."""
    total = len(plan.caseloads) + len(plan.unwatched)
    names = {p.id: p.label for p in problem.people} if problem else {}
    labels = {h.id: h.label for h in problem.households} if problem else {}
    out = [f"{total} households under watch: {len(plan.caseloads)} answered for, {len(plan.unwatched)} by nobody"]
    per_person = Counter(c.person for c in plan.caseloads)
    rows = []
    for person, count in sorted(per_person.items(), key=lambda item: (-item[1], item[0]))[:max_rows]:
        held = ", ".join(labels.get(c.household, c.household) for c in plan.caseloads if c.person == person)
        rows.append([names.get(person, person), str(count), held])
    if rows:
        out += ["", table(["person", "households", "which"], rows, {1})]
        if len(per_person) > max_rows:
            out.append(f"... and {len(per_person) - max_rows} more people")
    if plan.unwatched:
        shown = ", ".join(labels.get(h, h) for h in plan.unwatched[:max_rows])
        more = f" and {len(plan.unwatched) - max_rows} more" if len(plan.unwatched) > max_rows else ""
        out.append(f"nobody answers for: {shown}{more}")
    return out
