"""Fairness: the ranges of nights, weekend shifts and minutes over the people with an admissible
duty, and the squares of shifts (docs/rules.md, the fairness level). The model side is
:mod:`dutyplan.model.fairness`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

import numpy as np

from dutyplan.checker.context import Team
from dutyplan.checker.state import CheckState

#: Looking for admissible duties without such a table: the sites tried first for each
#: person (then four times as many each round), the most (person, site) pairs worked out at
#: once, and how many people are looked at together (neighbours, when the commute comes
#: from coordinates).
FIRST_SITES = 16
PAIRS_PER_BATCH = 1_000_000
PEOPLE_PER_GROUP = 1024

#: Below the Earth's radius of every great-circle formula (6371 km or so): latitude bands
#: drawn with it hold every site within a person's reach.
EARTH_RADIUS_BELOW_KM = 6300.0


def eligible_people(checker: CheckState) -> list[int]:
    """People with at least one admissible duty (see the fairness level in the rules);
    worked out once per context (it depends on the problem only)."""
    if checker.context.eligible is None:
        checker.context.eligible = find_eligible(checker)
    return checker.context.eligible


def find_eligible(checker: CheckState) -> list[int]:
    """People with an admissible duty somewhere: an open gate-shift (``demand`` not None)
    at a gate whose role they have, on a date and shift they are not unavailable, within
    their hard ``max_commute_km`` and ``max_day_minutes`` (soft limits only cost).

    Worked out without a people x sites table: the open dates of each (gate role, shift
    type, site); then, for the people not yet known to be eligible, the sites in growing
    windows (``FIRST_SITES``, then four times more each round), their commute worked out
    pair by pair in batches. Most people are settled by the first few sites; only those
    with no admissible duty try every site, or with the commute from coordinates every
    site within their hard caps' reach in latitude (:func:`latitude_band`).
    """
    problem = checker.problem
    n_people, n_sites, n_days = len(problem.people), len(problem.sites), checker.n_days
    shift_ids = [shift.id for shift in problem.shift_types]
    shift_pos = {shift_id: j for j, shift_id in enumerate(shift_ids)}
    n_shifts = len(shift_ids)
    # open dates, as cells (gate role class, shift type, site) x date; class None: anybody
    classes: dict[str | None, int] = {}
    keys: list[int] = []
    for (s, g, d, shift_id), entry in checker.demand.items():
        if entry is not None:
            k = classes.setdefault(problem.sites[s].gates[g].role, len(classes))
            keys.append(((k * n_shifts + shift_pos[shift_id]) * n_sites + s) * n_days + d)
    if not keys:
        return []
    n_classes = len(classes)
    open_keys = np.unique(np.array(keys, dtype=np.int64))
    cells = open_keys // n_days
    n_open = np.bincount(cells, minlength=n_classes * n_shifts * n_sites).reshape(
        n_classes, n_shifts, n_sites
    )
    has_open = n_open > 0

    # per person: roles, hard caps and unavailable dates per shift type
    unlimited = np.iinfo(np.int64).max
    role_ok = np.zeros((n_people, n_classes), dtype=bool)
    max_km = np.full(n_people, unlimited, dtype=np.int64)
    max_day = np.full(n_people, unlimited, dtype=np.int64)
    blocked: dict[tuple[int, int], set[int]] = {}  # (person, shift) -> dates
    n_blocked = np.zeros((n_people, n_shifts), dtype=np.int64)
    for p, person in enumerate(problem.people):
        for role, k in classes.items():
            role_ok[p, k] = role is None or role in person.roles
        rules = checker.rules[p]
        # (a cap beyond int64 excludes nothing, as no cap)
        if rules.max_commute_km is not None and rules.max_commute_km.hard:
            max_km[p] = min(rules.max_commute_km.value, unlimited)
        if rules.max_day_minutes is not None and rules.max_day_minutes.hard:
            max_day[p] = min(rules.max_day_minutes.value, unlimited)
        if person.unavailable:
            off_days = {
                problem.day_index(u.date) for u in person.unavailable if u.shift is None
            }
            off_shifts = {
                (problem.day_index(u.date), u.shift) for u in person.unavailable if u.shift
            }
            for j, shift_id in enumerate(shift_ids):
                days = off_days | {d for d, other in off_shifts if other == shift_id}
                if days:
                    blocked[(p, j)] = days
                    n_blocked[p, j] = len(days)
    # cells whose few open dates somebody's unavailable dates may all cover
    most_blocked = int(n_blocked.max())
    fragile: dict[int, list[int]] = defaultdict(list)
    if most_blocked:
        few = (n_open.ravel() <= most_blocked)[cells]
        for cell, key in zip(cells[few].tolist(), open_keys[few].tolist(), strict=True):
            fragile[cell].append(key % n_days)
    shift_minutes = np.array([checker.shifts[x].minutes for x in shift_ids], dtype=np.int64)

    def admissible(people: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """Whether a duty of ``people[i]`` at ``sites[i]`` can be admissible."""
        within = np.ones(len(people), dtype=bool)
        if (max_km[people] != unlimited).any():
            within &= checker.context.commute_km(people, sites) <= max_km[people]
        commute = None
        if (max_day[people] != unlimited).any():
            commute = checker.context.commute_minutes(people, sites)
        ok = np.zeros(len(people), dtype=bool)
        for j in range(n_shifts):
            within_j = within
            if commute is not None:
                within_j = within & (shift_minutes[j] + commute <= max_day[people])
            for k in range(n_classes):
                duty_ok = within_j & role_ok[people, k] & has_open[k, j, sites] & ~ok
                if most_blocked:  # sites whose open dates the person may all be off
                    opened = n_open[k, j, sites]
                    base = (k * n_shifts + j) * n_sites
                    maybe = duty_ok & (opened <= n_blocked[people, j])
                    for i in np.flatnonzero(maybe).tolist():
                        p, site = int(people[i]), int(sites[i])
                        if blocked[(p, j)].issuperset(fragile[base + site]):
                            duty_ok[i] = False
                ok |= duty_ok
        return ok

    def batches(
        work: list[tuple[np.ndarray, np.ndarray]],
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every (person, site) pair of ``work`` (people x sites blocks), in batches of
        about PAIRS_PER_BATCH pairs."""
        people: list[np.ndarray] = []
        sites: list[np.ndarray] = []
        size = 0
        for rows, window in work:
            step = max(1, PAIRS_PER_BATCH // len(window))
            for lo in range(0, len(rows), step):
                chunk = rows[lo : lo + step]
                people.append(np.repeat(chunk, len(window)))
                sites.append(np.tile(window, len(chunk)))
                size += len(chunk) * len(window)
                if size >= PAIRS_PER_BATCH:
                    yield np.concatenate(people), np.concatenate(sites)
                    people, sites, size = [], [], 0
        if size:
            yield np.concatenate(people), np.concatenate(sites)

    # groups of people, each with the sites to try in order
    everyone = np.flatnonzero(role_ok.any(axis=1))
    candidates = np.flatnonzero(has_open.any(axis=(0, 1)))
    band = latitude_band(checker, max_km, max_day, int(shift_minutes.min()))
    groups: list[tuple[np.ndarray, np.ndarray]] = []
    if band is None:
        groups.append((everyone, candidates))
    else:  # neighbours together, with the sites within their reach, nearest first
        person_lat, site_lat, reach = band
        everyone = everyone[np.argsort(person_lat[everyone], kind="stable")]
        candidates = candidates[np.argsort(site_lat[candidates], kind="stable")]
        candidate_lat = site_lat[candidates]
        for lo in range(0, everyone.size, PEOPLE_PER_GROUP):
            rows = everyone[lo : lo + PEOPLE_PER_GROUP]
            lats, far = person_lat[rows], reach[rows].max()
            sites = candidates
            if np.isfinite(far):
                a = int(np.searchsorted(candidate_lat, lats.min() - far, side="left"))
                b = int(np.searchsorted(candidate_lat, lats.max() + far, side="right"))
                sites = candidates[a:b]
            middle = (lats.min() + lats.max()) / 2
            nearest = np.argsort(np.abs(site_lat[sites] - middle), kind="stable")
            groups.append((rows, sites[nearest]))
    # the first sites of every group, then more and more for the people still unsettled
    found = np.zeros(n_people, dtype=bool)
    first, width = 0, FIRST_SITES
    while groups:
        work = [(rows, sites[first : first + width]) for rows, sites in groups]
        for people, sites in batches([(r, w) for r, w in work if len(r) and len(w)]):
            found[people[admissible(people, sites)]] = True
        first, width = first + width, width * 4
        groups = [
            (rows[~found[rows]], sites)
            for rows, sites in groups
            if first < len(sites) and not found[rows].all()
        ]
    return np.flatnonzero(found).tolist()


def latitude_band(
    checker, max_km: np.ndarray, max_day: np.ndarray, shortest: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """When the commute comes from coordinates: the latitudes (radians) of homes and
    sites, and per person how far in latitude a site within their hard caps can be
    (``inf``: no such cap). A round trip is at least 2 x the Earth's radius x the
    difference in latitude (the great-circle distance is at least the north-south one);
    a smaller radius and half a km or minute of slack make the band a safe over-estimate.
    """
    problem = checker.problem
    if problem.commute_km is not None:
        return None
    if any(p.home is None for p in problem.people) or any(
        s.location is None for s in problem.sites
    ):
        return None
    person_lat = np.radians([p.home.lat for p in problem.people])  # type: ignore[union-attr]
    site_lat = np.radians([s.location.lat for s in problem.sites])  # type: ignore[union-attr]
    unlimited = np.iinfo(np.int64).max
    reach_km = np.full(len(problem.people), np.inf)
    capped = max_km != unlimited
    reach_km[capped] = max_km[capped] + 1.0  # round trip km, rounded half up
    if problem.commute_minutes is None:  # minutes = km / speed x 60
        capped = max_day != unlimited
        by_minutes = (max_day[capped] - shortest + 1.0) * problem.commute_speed_kmh / 60.0
        reach_km[capped] = np.minimum(reach_km[capped], by_minutes)
    return person_lat, site_lat, reach_km / (2 * EARTH_RADIUS_BELOW_KM)


def person_figures(checker: CheckState, p: int) -> tuple[int, int, int]:
    """Night shifts, weekend shifts and minutes worked by one person."""
    instances = checker.instances[p]
    return (
        sum(1 for i in instances if i.shift.is_night),
        sum(1 for i in instances if checker.problem.is_weekend(checker.dates[i.day])),
        sum(i.shift.minutes for i in instances),
    )


def check_fairness(
    checker, team: Team | None = None, people: Sequence[int] | None = None
) -> None:
    """The fairness level: weighted ranges of nights, weekend shifts and minutes; the
    weighted sum of squared shift counts. With ``people``: only their squared counts, and
    the ranges only with ``team`` (the base plan's figures for everyone else)."""
    objective = checker.problem.objective
    if objective.fairness_shift_squares:
        for p in range(len(checker.problem.people)) if people is None else people:
            count = len(checker.instances[p])
            if count:
                checker.penalise(
                    "fairness",
                    "fairness_shift_squares",
                    objective.fairness_shift_squares * count * count,
                    f"{checker.who(p)}: {count} shifts, squared (cost "
                    f"{objective.fairness_shift_squares} x {count}^2)",
                    p,
                )
    if people is not None and team is None:
        return
    checked: set[int] = set() if people is None else set(people)
    eligible = eligible_people(checker)
    if len(eligible) < 2:
        return
    figures: dict[str, list[int]] = {"nights": [], "weekends": [], "minutes": []}
    if team is None:
        for p in eligible:
            nights, weekends, minutes = person_figures(checker, p)
            figures["nights"].append(nights)
            figures["weekends"].append(weekends)
            figures["minutes"].append(minutes)
    else:  # the base plan's figures, with the checked people's own
        figures = {name: list(v) for name, v in team.eligible_columns(eligible).items()}
        for k, p in enumerate(eligible):
            if p in checked:
                own = person_figures(checker, p)
                for j, name in enumerate(("nights", "weekends", "minutes")):
                    figures[name][k] = own[j]
    for name, noun, weight in (
        ("nights", "night shifts", objective.fairness_nights),
        ("weekends", "weekend shifts", objective.fairness_weekends),
        ("minutes", "minutes worked", objective.fairness_minutes),
    ):
        values = figures[name]
        # the first largest and the first smallest, as numpy's argmax and argmin
        hi = max(range(len(values)), key=values.__getitem__)
        lo = min(range(len(values)), key=values.__getitem__)
        spread = values[hi] - values[lo]
        checker.penalise(
            "fairness",
            f"fairness_{name}",
            weight * spread,
            f"{noun} range over {len(eligible)} eligible people: {values[hi]} "
            f"({checker.who(eligible[hi])}) - {values[lo]} ({checker.who(eligible[lo])}) = {spread} "
            f"(cost {weight} x {spread})",
        )
