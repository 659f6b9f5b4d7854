"""Build the whole CP-SAT model of a problem: variables, every rule family, every level.

What a model costs to build is estimated here too (seconds and memory per candidate
posting, measured), so that a solve can refuse or skip a model before building it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from dutyplan.compile.index import Index, build_index, pruning_reasons
from dutyplan.model import caseloads, commute, conflicts, cover, fairness, preferences, roles
from dutyplan.model import runs, sites, totals
from dutyplan.model.builder import DutyModel, sorted_groups
from dutyplan.problem import Problem

__all__ = ["available_bytes", "build_model", "estimated_build_seconds", "estimated_peak_bytes"]

#: the hard and soft rules, family by family, in the order they are stated (one module each,
#: beside the checker's module of the same name)
RULE_FAMILIES = (
    conflicts.add_hard_conflicts, conflicts.add_history_seam, conflicts.add_max_shifts_per_day,
    conflicts.add_min_rest, conflicts.add_forbidden_successions, runs.add_runs,
    totals.add_rolling_week, totals.add_horizon_totals, totals.add_max_weekends,
    commute.add_commute_caps, sites.add_keep_one_site, sites.add_unit_sites, roles.add_roles,
    caseloads.add_caseload_rules,
)
#: the objective levels other than soft rules
LEVEL_FAMILIES = (
    cover.add_cover, caseloads.add_caseload_cover, preferences.add_preferences, commute.add_commute,
    caseloads.add_caseload_travel, fairness.add_fairness, caseloads.add_caseload_fairness,
    caseloads.add_caseload_dispatch,
)


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


def build_model(
    problem: Problem,
    site_allowed: np.ndarray | None = None,
    index: Index | None = None,
    explain: bool | str = False,
    fixed_answers: dict[str, str | None] | None = None,
) -> DutyModel:
    """Build the full CP-SAT model of a problem (variables, every rule, every level).

    ``site_allowed[p, k]`` restricts where people may work; ``index`` reuses a compiled index
    (built without restriction). ``explain``: the hard rules only, each guarded by a literal
    per rule and subject (``dm.guards``), and no objective (see :mod:`dutyplan.infeasible`);
    ``"all"`` guards the rules that prune postings too (availability, gate roles, hard caps),
    ``True`` keeps them as facts (a model no larger than the solver's). ``fixed_answers``:
    households whose person is decided (see :func:`dutyplan.model.caseloads.add_caseload_variables`).
    """
    started = time.perf_counter()
    if explain == "all":
        index = build_index(problem, site_allowed, relaxed=True)
    elif index is None or site_allowed is not None:
        index = build_index(problem, site_allowed)
    dm = DutyModel(index=index, explain=bool(explain))
    _add_variables(dm)
    caseloads.add_caseload_variables(dm, fixed_answers)
    if explain == "all":
        _add_pruning_guards(dm)
    for add_rule in RULE_FAMILIES:
        add_rule(dm)
    if explain:
        cover.add_no_extra_guards(dm)
    else:
        for add_level in LEVEL_FAMILIES:
            add_level(dm)
    dm.build_seconds = time.perf_counter() - started
    return dm


def _add_pruning_guards(dm: DutyModel) -> None:
    """Explain mode: the postings a hard rule rules out (availability, gate roles, hard caps
    on commute, day length, shifts of a type and total minutes) are forbidden under that
    rule's guard instead of having no variable."""
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
    firsts, sizes, instances = sorted_groups(pds[order])
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
        dm.work_by_person.setdefault(p, []).append((d, s, w))

    # day[p, d]: works that date (instances are sorted, so one person-date is one run)
    firsts, sizes, person_days = sorted_groups(instances // n_shifts)
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


