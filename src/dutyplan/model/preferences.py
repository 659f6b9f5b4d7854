"""The preferences level: wanted and unwanted sites, shifts and days off."""

from __future__ import annotations

from typing import Any


from dutyplan.model.builder import DutyModel


#: the rulebook's name of each kind of preference (the checker's too)
RULE_OF_KIND = {"site": "site_preference", "shift": "shift_preference", "day_off": "day_off_preference"}


def add_preferences(dm: DutyModel) -> None:
    ix = dm.index
    problem = ix.problem
    site_pos = {s.id: k for k, s in enumerate(problem.sites)}
    for p, person in enumerate(problem.people):
        for pref in person.preferences:
            w = pref.weight
            day = problem.day_index(pref.date) if pref.date is not None else None
            rule = RULE_OF_KIND[pref.kind]
            if pref.kind == "site":
                k = site_pos[pref.site]  # type: ignore[index]
                for (q, c, d, s), var in _x_of(dm, p):
                    if day is not None and d != day:
                        continue
                    at_site = int(ix.class_site[c]) == k
                    if at_site != pref.want:
                        dm.cost("preferences", rule, w, var, p, d)
            elif pref.kind == "shift":
                s_pref = ix.shift_position(pref.shift)  # type: ignore[arg-type]
                if day is not None:
                    lit = dm.work.get((p, day, s_pref))
                    if pref.want:
                        dm.cost("preferences", rule, w, None, p, day)
                        if lit is not None:
                            dm.cost("preferences", rule, -w, lit, p, day)
                    elif lit is not None:
                        dm.cost("preferences", rule, w, lit, p, day)
                else:
                    for (q, d, s), lit in _work_of(dm, p):
                        if (s == s_pref) != pref.want:
                            dm.cost("preferences", rule, w, lit, p, d)
            else:  # day_off
                lit = dm.day.get((p, day))  # type: ignore[arg-type]
                if pref.want:
                    if lit is not None:
                        dm.cost("preferences", rule, w, lit, p, day)
                else:
                    dm.cost("preferences", rule, w, None, p, day)
                    if lit is not None:
                        dm.cost("preferences", rule, -w, lit, p, day)


def _x_of(dm: DutyModel, p: int) -> list[tuple[tuple[int, int, int, int], Any]]:
    lo, hi = dm.x_range(p)
    return [(tuple(dm.x_keys[i].tolist()), dm.x_vars[i]) for i in range(lo, hi)]


def _work_of(dm: DutyModel, p: int) -> list[tuple[tuple[int, int, int], Any]]:
    return [((p, d, s), lit) for d, s, lit in dm.person_work(p)]
