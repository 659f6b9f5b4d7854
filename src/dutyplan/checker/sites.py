"""Sites a person or a unit works at: ``keep_one_site`` and ``unit_sites_weight``
(docs/rules.md). The model side is :mod:`dutyplan.model.sites`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence


from dutyplan.checker.context import Team
from dutyplan.checker.state import CheckState
from dutyplan.problem import Rules


def check_one_site(checker: CheckState, p: int, rules: Rules) -> None:
    """``keep_one_site``: all of a person's duties at one site."""
    who = checker.who(p)
    sites = sorted({duty.site for duty in checker.by_person[p]})
    if rules.keep_one_site and len(sites) > 1:
        names = ", ".join(checker.where(s) for s in sites)
        checker.violate("keep_one_site", f"{who} works at {len(sites)} sites: {names}", p)


def check_units(checker: CheckState, team: Team | None = None, people: Sequence[int] = ()) -> None:
    """``unit_sites_weight``: sites used by a unit beyond the first. With ``team``: the
    duties checked for ``people``, and the base plan's for everyone else."""
    weight = checker.problem.rules.unit_sites_weight
    if weight is None:
        return
    sites: dict[str, set[int]] = defaultdict(set)
    for duty in checker.duties:
        unit = checker.problem.people[duty.person].unit
        if unit is not None:
            sites[unit].add(duty.site)
    if team is not None:
        checked = set(people)
        units = {checker.problem.people[p].unit for p in checked} - {None}
        for q, person in enumerate(checker.problem.people):
            if person.unit in units and q not in checked and team.sites[q]:
                sites[person.unit].update(team.sites[q])  # type: ignore[index]
    for unit, used in sorted(sites.items()):
        extra = len(used) - 1
        if extra > 0:
            names = ", ".join(checker.where(s) for s in sorted(used))
            checker.penalise(
                "rules",
                "unit_sites_weight",
                weight * extra,
                f"unit {unit!r} works at {len(used)} sites ({names}), {extra} beyond the "
                f"first (cost {weight} x {extra})",
            )
