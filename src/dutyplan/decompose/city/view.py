"""The city as flat arrays (no compiled index): people, sites, capacities, distances, candidate
pairs and who may work where."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dutyplan.compile.capacity import capacity_bound, demand_by_site, open_minutes
from dutyplan.compile.index import GateClass, availability, gate_classes
from dutyplan.problem import Problem, Rules, haversine_pairs

FLOW_HEADROOM = 1.15  # spare capacity asked of the flow itself; the rest is added afterwards
CANDIDATES = 24  # nearest admissible sites considered per person in the site choice
CHUNK = 2048  # people per block when scanning every site
KM_PER_DEG = 111.2


@dataclass
class CityView:
    """Flat arrays of a problem, linear in people + sites + gate classes."""

    problem: Problem
    classes: list[GateClass]
    class_site: np.ndarray  # [C]
    n_people: int
    n_sites: int
    demand: np.ndarray  # [K] person-shifts needed
    cheapest: np.ndarray  # [K] cheapest cost of one missing person-shift
    caps: np.ndarray  # [P] duties a person can do at most (any site)
    available: np.ndarray  # [P, D, S]
    rules: list[Rules]
    km_cap: np.ndarray  # [P] hard round-trip km cap (inf: none)
    day_cap: np.ndarray  # [P] hard working-day minutes cap (inf: none)
    role_key: np.ndarray  # [P] index into role_sets
    role_sets: list[frozenset[str]]
    site_ok: np.ndarray  # [R, K] a person with role set r has some open gate at the site
    shift_minutes: np.ndarray  # [S]
    coords: tuple[np.ndarray, np.ndarray] | None = None  # homes, sites (lat, lon) when km come from them

    @property
    def total_demand(self) -> int:
        return int(self.demand.sum())

    def km_pairs(self, people: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """:meth:`Problem.commute_km_pairs`, with the coordinates read once."""
        if self.coords is None:
            return self.problem.commute_km_pairs(people, sites)
        homes, places = self.coords
        return 2.0 * haversine_pairs(homes[people], places[sites])

    def minutes_pairs(self, people: np.ndarray, sites: np.ndarray) -> np.ndarray:
        """:meth:`Problem.commute_minutes_pairs`, with the coordinates read once."""
        if self.problem.commute_minutes is not None:
            return self.problem.commute_minutes_pairs(people, sites)
        return self.km_pairs(people, sites) / self.problem.commute_speed_kmh * 60.0

    def round_km(self, people: np.ndarray, sites: np.ndarray) -> np.ndarray:
        return np.floor(self.km_pairs(people, sites) + 0.5).astype(np.int64)


def city_view(problem: Problem) -> CityView:
    dates = problem.dates
    classes = gate_classes(problem, dates)
    n_people, n_sites = len(problem.people), len(problem.sites)
    n_days, n_shifts = len(dates), len(problem.shift_types)
    class_site = np.array([c.site for c in classes], dtype=np.int64)
    demand, cheapest = demand_by_site(classes, n_sites)

    shift_pos = {s.id: i for i, s in enumerate(problem.shift_types)}
    minutes = np.array([s.minutes for s in problem.shift_types], dtype=np.int64)
    available = availability(problem)
    rules = [problem.effective_rules(p) for p in problem.people]
    km_cap = np.full(n_people, np.inf)
    day_cap = np.full(n_people, np.inf)
    for p, rule in enumerate(rules):
        if rule.max_commute_km is not None and rule.max_commute_km.hard:
            km_cap[p] = rule.max_commute_km.value
        if rule.max_day_minutes is not None and rule.max_day_minutes.hard:
            day_cap[p] = rule.max_day_minutes.value
    role_sets: list[frozenset[str]] = []
    key_of: dict[frozenset[str], int] = {}
    role_key = np.zeros(n_people, dtype=np.int64)
    for p, person in enumerate(problem.people):
        roles = frozenset(person.roles)
        if roles not in key_of:
            key_of[roles] = len(role_sets)
            role_sets.append(roles)
        role_key[p] = key_of[roles]
    site_ok = np.zeros((len(role_sets), n_sites), dtype=bool)
    for gate_class in classes:
        if not gate_class.open.any():
            continue
        for r, roles in enumerate(role_sets):
            if gate_class.role is None or gate_class.role in roles:
                site_ok[r, gate_class.site] = True
    # shift types open anywhere on each day: the most anyone can be given
    open_any = np.zeros((n_days, n_shifts), dtype=bool)
    for gate_class in classes:
        open_any |= gate_class.open
    caps = capacities(problem, rules, available & open_any[None], minutes, shift_pos)
    homes, places = problem.coordinates() if problem.commute_km is None else (None, None)
    return CityView(
        problem=problem, classes=classes, class_site=class_site, n_people=n_people, n_sites=n_sites,
        demand=demand, cheapest=cheapest, caps=caps, available=available, rules=rules, km_cap=km_cap,
        day_cap=day_cap, role_key=role_key, role_sets=role_sets, site_ok=site_ok, shift_minutes=minutes,
        coords=(homes, places) if homes is not None and places is not None else None,
    )


def capacities(
    problem: Problem, rules: list[Rules], possible: np.ndarray, minutes: np.ndarray, shift_pos: dict[str, int]
) -> np.ndarray:
    """Duties each person can do at most over the horizon, anywhere (valid under hard rules):
    :func:`dutyplan.compile.capacity.capacity_bound` on the shift instances they are available for,
    less shift types they may never work (a hard maximum of 0, or longer than a hard total);
    people with the same rules and the same possible shifts share one computation."""
    caps = np.zeros(possible.shape[0], dtype=np.int64)
    done: dict[tuple[int, bytes], int] = {}
    for p, rule in enumerate(rules):
        key = (id(rule), possible[p].tobytes())
        if key in done:
            caps[p] = done[key]
            continue
        allowed = possible[p].copy()
        for shift_id, limit in rule.max_shifts.items():
            if limit.hard and limit.value <= 0:
                allowed[:, shift_pos[shift_id]] = False
        if rule.max_minutes is not None and rule.max_minutes.hard:
            allowed[:, minutes > rule.max_minutes.value] = False
        shortest = int(minutes[allowed.any(axis=0)].min()) if allowed.any() else None
        caps[p] = done[key] = capacity_bound(rule, allowed, shortest)
    return caps


def plane_coordinates(view: CityView) -> tuple[np.ndarray, np.ndarray] | None:
    """People and site positions in km on a plane (for ranking sites by distance only)."""
    if view.coords is None:
        return None
    homes, places = view.coords
    lat0 = np.radians(float(np.mean(places[:, 0])))

    def xy(latlon: np.ndarray) -> np.ndarray:
        return np.stack([latlon[:, 1] * np.cos(lat0) * KM_PER_DEG, latlon[:, 0] * KM_PER_DEG], axis=1)

    return xy(homes).astype(np.float32), xy(places).astype(np.float32)


def distance_block(view: CityView, people: np.ndarray, planar) -> np.ndarray:  # noqa: ANN001
    """[len(people), K] ranking distances (exact km when there are no coordinates)."""
    if planar is None:
        return view.km_pairs(
            np.repeat(people, view.n_sites).reshape(len(people), view.n_sites),
            np.tile(np.arange(view.n_sites), len(people)).reshape(len(people), view.n_sites),
        )
    homes, places = planar
    return plane_distance(homes[people], places)


def plane_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[len(a), len(b)] distances between points on the plane (rows of x, y)."""
    dx = a[:, 0][:, None] - b[None, :, 0]
    dy = a[:, 1][:, None] - b[None, :, 1]
    return np.sqrt(dx * dx + dy * dy)


def look_up(keys: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position, found) of each query in the sorted array ``keys``."""
    if not len(keys):
        return np.zeros(len(query), dtype=np.int64), np.zeros(len(query), dtype=bool)
    at = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return at, keys[at] == query


def admissible(view: CityView, pp: np.ndarray, kk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(admissible, whole km) of pairs: some open gate the person's roles allow, round-trip km
    within their hard cap, and a shift type within their hard working-day cap with that commute."""
    km = np.floor(view.km_pairs(pp, kk) + 0.5)
    ok = view.site_ok[view.role_key[pp], kk] & (km <= view.km_cap[pp])
    capped = np.isfinite(view.day_cap[pp])
    if capped.any():
        shortest = int(view.shift_minutes.min()) if len(view.shift_minutes) else 0
        minutes = np.floor(view.minutes_pairs(pp[capped], kk[capped]) + 0.5)
        ok[capped] &= minutes + shortest <= view.day_cap[pp[capped]]
    return ok, km.astype(np.int64)


def candidate_pairs(view: CityView, k_nearest: int = CANDIDATES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(people, sites, whole km) of each person's nearest admissible sites (see
    :func:`_admissible`)."""
    planar = plane_coordinates(view)
    out_p, out_k, out_km = [], [], []
    take = min(view.n_sites, 3 * k_nearest)
    for start in range(0, view.n_people, CHUNK):
        people = np.arange(start, min(view.n_people, start + CHUNK))
        dist = distance_block(view, people, planar)
        near = np.argpartition(dist, take - 1, axis=1)[:, :take] if take < view.n_sites else (
            np.broadcast_to(np.arange(view.n_sites), (len(people), view.n_sites))
        )
        order = np.take_along_axis(dist, near, axis=1).argsort(axis=1)
        near = np.take_along_axis(near, order, axis=1)
        pp = np.repeat(people, near.shape[1]).reshape(near.shape)
        ok, km = admissible(view, pp, near)
        # keep the first k_nearest admissible ones of each row
        rank = np.cumsum(ok, axis=1)
        ok &= rank <= k_nearest
        out_p.append(pp[ok])
        out_k.append(near[ok])
        out_km.append(km[ok])
    return (
        np.concatenate(out_p).astype(np.int64),
        np.concatenate(out_k).astype(np.int64),
        np.concatenate(out_km).astype(np.int64),
    )


def with_pairs(
    view: CityView, pairs: tuple[np.ndarray, np.ndarray, np.ndarray], people: np.ndarray, sites: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate pairs and these (admissible) pairs, each once, with their whole km."""
    all_p = np.concatenate([pairs[0], people]).astype(np.int64)
    all_k = np.concatenate([pairs[1], sites]).astype(np.int64)
    all_km = np.concatenate([pairs[2], view.round_km(people, sites)]).astype(np.int64)
    _, first = np.unique(all_p * view.n_sites + all_k, return_index=True)
    first.sort()
    return all_p[first], all_k[first], all_km[first]


def role_demand(view: CityView, headroom: float) -> dict[tuple[int, str], int]:
    """Person-shifts of each hard site role requirement: count x open shift-equivalents (the
    site's open minutes over the longest shift), with headroom."""
    problem = view.problem
    longest = int(view.shift_minutes.max()) if len(view.shift_minutes) else 1
    out: dict[tuple[int, str], int] = {}
    site_minutes = np.zeros(view.n_sites, dtype=np.int64)
    starts = np.array([s.start_minute for s in problem.shift_types], dtype=np.int64)
    by_site: dict[int, np.ndarray] = {}
    for gate_class in view.classes:
        needed = gate_class.open & (gate_class.need > 0)
        if gate_class.site in by_site:
            by_site[gate_class.site] |= needed
        else:
            by_site[gate_class.site] = needed.copy()
    for k, needed in by_site.items():
        site_minutes[k] = open_minutes(needed, starts, view.shift_minutes)
    for req in problem.rules.roles:
        if req.weight is not None:
            continue
        sites = range(view.n_sites) if req.sites is None else [
            k for k, site in enumerate(problem.sites) if site.id in req.sites
        ]
        for k in sites:
            if site_minutes[k]:
                need = int(np.ceil(headroom * req.count * site_minutes[k] / longest))
                out[(k, req.role)] = max(out.get((k, req.role), 0), need)
    return out
