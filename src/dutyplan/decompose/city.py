"""The whole problem at city scale, without a people x sites (or people x gate-shifts) array.

A city (74,000 people, 7,120 sites) is too large for :func:`dutyplan.model.build_index`:
its eligibility array alone would hold hundreds of billions of cells, and its commute matrix
4 GB. :class:`CityView` keeps only what the site choice and the bound need, as flat arrays:

- each site's demand in person-shifts and the cheapest cost of missing one there;
- each person's **capacity**: an upper bound on the duties they can do anywhere over the
  horizon under their hard rules (as :func:`dutyplan.compile.capacity.person_capacity`, with the
  dates and shifts they are available for instead of their eligibility at given sites);
- **candidate sites** per person: the ``K`` nearest sites they may work at (hard commute and
  working-day caps, gate roles), with the whole km of a duty there.

:func:`flow_site_choice` sends duties from people to sites by a min-cost flow on the
candidates (cover first, then a headroom of spare capacity at every site, roles each site
needs around the clock, then km), rounds it to one site per person, and gives sites still
short free people from anywhere within reach; with ``unit_sites_weight`` it keeps units
together (:func:`_units_together`).

:func:`transport_bound` proves a lower bound on commute (given full cover) or on cover for
the whole problem: the transportation LP over **every** admissible (person, site) pair. Its
dual is taken from the optimal flow on the candidates (node potentials), then repaired over
all pairs in chunks (``mu[p] = max(0, max_k pi[k] - km[p, k])``), so it is a feasible dual of
the full LP whatever the candidates missed: weak duality makes it a bound.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from dutyplan.compile.capacity import capacity_bound, demand_by_site
from dutyplan.compile.index import GateClass, availability, gate_classes
from dutyplan.problem import Problem, Rules, haversine_pairs

logger = logging.getLogger("dutyplan")

FLOW_HEADROOM = 1.15  # spare capacity asked of the flow itself; the rest is added afterwards
CANDIDATES = 24  # nearest admissible sites considered per person in the site choice
CHUNK = 2048  # people per block when scanning every site
KM_PER_DEG = 111.2
UNIT_ROUNDS = 4  # slope-scaling rounds of the flow that keeps units together
SPARE_ROUNDS = 8  # rounds of looking for free people near sites still short of spare capacity


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
    caps = _capacities(problem, rules, available & open_any[None], minutes, shift_pos)
    homes, places = problem.coordinates() if problem.commute_km is None else (None, None)
    return CityView(
        problem=problem, classes=classes, class_site=class_site, n_people=n_people, n_sites=n_sites,
        demand=demand, cheapest=cheapest, caps=caps, available=available, rules=rules, km_cap=km_cap,
        day_cap=day_cap, role_key=role_key, role_sets=role_sets, site_ok=site_ok, shift_minutes=minutes,
        coords=(homes, places) if homes is not None and places is not None else None,
    )


def _capacities(
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


# --------------------------------------------------------------------------- distances


def _planar(view: CityView) -> tuple[np.ndarray, np.ndarray] | None:
    """People and site positions in km on a plane (for ranking sites by distance only)."""
    if view.coords is None:
        return None
    homes, places = view.coords
    lat0 = np.radians(float(np.mean(places[:, 0])))

    def xy(latlon: np.ndarray) -> np.ndarray:
        return np.stack([latlon[:, 1] * np.cos(lat0) * KM_PER_DEG, latlon[:, 0] * KM_PER_DEG], axis=1)

    return xy(homes).astype(np.float32), xy(places).astype(np.float32)


def _distance_block(view: CityView, people: np.ndarray, planar) -> np.ndarray:  # noqa: ANN001
    """[len(people), K] ranking distances (exact km when there are no coordinates)."""
    if planar is None:
        return view.km_pairs(
            np.repeat(people, view.n_sites).reshape(len(people), view.n_sites),
            np.tile(np.arange(view.n_sites), len(people)).reshape(len(people), view.n_sites),
        )
    homes, places = planar
    return _plane_distance(homes[people], places)


def _plane_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """[len(a), len(b)] distances between points on the plane (rows of x, y)."""
    dx = a[:, 0][:, None] - b[None, :, 0]
    dy = a[:, 1][:, None] - b[None, :, 1]
    return np.sqrt(dx * dx + dy * dy)


def _look_up(keys: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    planar = _planar(view)
    out_p, out_k, out_km = [], [], []
    take = min(view.n_sites, 3 * k_nearest)
    for start in range(0, view.n_people, CHUNK):
        people = np.arange(start, min(view.n_people, start + CHUNK))
        dist = _distance_block(view, people, planar)
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


def admissible_best(view: CityView, price: np.ndarray, km_cost: bool = True) -> np.ndarray:
    """``max(0, max over admissible sites k of price[k] - km[p, k])`` for every person p
    (without ``- km`` when duties cost nothing, ``km_cost=False``), over every site within
    their hard km cap, in blocks of people: the repair that makes a dual feasible."""
    out = np.zeros(view.n_people)
    sites = np.flatnonzero(price > 0)
    if not len(sites):
        return out
    for start in range(0, view.n_people, CHUNK):
        people = np.arange(start, min(view.n_people, start + CHUNK))
        pp = np.repeat(people, len(sites)).reshape(len(people), len(sites))
        km = view.round_km(pp, np.broadcast_to(sites, pp.shape))
        ok = km <= view.km_cap[people][:, None]
        value = np.where(ok, price[sites][None, :] - (km if km_cost else 0.0), 0.0)
        out[people] = np.maximum(0.0, value.max(axis=1))
    return out


# --------------------------------------------------------------------------- site choice


def role_demand(view: CityView, headroom: float) -> dict[tuple[int, str], int]:
    """Person-shifts of each hard site role requirement: count x open shift-equivalents (the
    site's open minutes over the longest shift), with headroom."""
    problem = view.problem
    longest = int(view.shift_minutes.max()) if len(view.shift_minutes) else 1
    out: dict[tuple[int, str], int] = {}
    open_minutes = np.zeros(view.n_sites, dtype=np.int64)
    starts = np.array([s.start_minute for s in problem.shift_types], dtype=np.int64)
    by_site: dict[int, np.ndarray] = {}
    for gate_class in view.classes:
        needed = gate_class.open & (gate_class.need > 0)
        if gate_class.site in by_site:
            by_site[gate_class.site] |= needed
        else:
            by_site[gate_class.site] = needed.copy()
    for k, needed in by_site.items():
        minutes = 0
        for d in range(needed.shape[0]):
            spans = sorted(
                (int(starts[s]), int(starts[s] + view.shift_minutes[s])) for s in np.flatnonzero(needed[d])
            )
            end = -1
            for a, b in spans:  # union of the day's open intervals
                a = max(a, end)
                if b > a:
                    minutes += b - a
                    end = b
        open_minutes[k] = minutes
    for req in problem.rules.roles:
        if req.weight is not None:
            continue
        sites = range(view.n_sites) if req.sites is None else [
            k for k, site in enumerate(problem.sites) if site.id in req.sites
        ]
        for k in sites:
            if open_minutes[k]:
                need = int(np.ceil(headroom * req.count * open_minutes[k] / longest))
                out[(k, req.role)] = max(out.get((k, req.role), 0), need)
    return out


def flow_site_choice(
    view: CityView, pairs: tuple[np.ndarray, np.ndarray, np.ndarray], headroom: float
) -> tuple[np.ndarray, dict[str, float]]:
    """Site of each person (-1: none): the min-cost flow of duties with a little spare
    capacity (:func:`_flow_sites` with ``FLOW_HEADROOM``, so that the nearest people go
    where the transportation optimum sends them), people moved from sites that stay covered
    to sites the rounding left short, then spare people for the rest rules up to
    ``headroom`` times each site's demand in capacity, from the people still free, nearest
    pairs first (candidates, then free people anywhere within reach of the sites still
    wanting: :func:`_free_people_near`). With ``unit_sites_weight``, the flow keeps units
    together (:func:`_units_together`) and spare people prefer sites their unit is at.

    Measured on the 74,000-person city (synth.city, seed 0): spare people from the
    candidates alone left 403 sites below their demand (4,144 duties; the nearest people of
    dense clusters of sites all placed, 8,000 free within reach); from anywhere within reach,
    none.

    Measured on a 3,717-person synthetic district (synth.city, seed 0): asking the flow for
    all the spare capacity (1.33) moved near people to other sites (rosters filled with the
    nearest members: 47,231 km against a bound of 33,902; the plan 50,370); none (1.0) left
    179 person-shifts uncovered; 1.15 then spare people: full cover, 41,663 km.
    """
    site_of, info, duties = _flow_sites(view, pairs, min(headroom, FLOW_HEADROOM))
    units = unit_codes(view.problem) if view.problem.rules.unit_sites_weight else None
    if units is not None:
        site_of, info = _units_together(view, pairs, min(headroom, FLOW_HEADROOM), units, site_of, info, duties)
    people, sites, km = pairs
    capacity = np.bincount(site_of[site_of >= 0], weights=view.caps[site_of >= 0], minlength=view.n_sites)
    # rounding to one site per person leaves some sites short: move people from sites that
    # stay covered without them, nearest pairs first
    order = np.argsort(km, kind="stable").tolist()
    moved = 0
    for i in order:
        p, k = int(people[i]), int(sites[i])
        j = int(site_of[p])
        if j == k or capacity[k] >= view.demand[k]:
            continue
        if j < 0 or capacity[j] - view.caps[p] >= view.demand[j]:
            site_of[p] = k
            capacity[k] += view.caps[p]
            if j >= 0:
                capacity[j] -= view.caps[p]
            moved += 1
    info["rounding_moves"] = moved
    # spare people from those still free, nearest pairs first: every site up to the flow's
    # headroom first, then up to ``headroom``. A site whose candidates are all placed looks
    # for free people anywhere within reach (a dense cluster of sites can have every near
    # person placed, with thousands free a little further out)
    added = 0
    for target in sorted({min(headroom, FLOW_HEADROOM), headroom}):
        # beyond the candidates only up to the flow's headroom: the rest of the spare capacity
        # is worth no long commutes (measured on a 3,717-person district, seed 0, 120 s:
        # searching further for it too placed 140 more people, and the plan's commute was
        # 70,763 km instead of 68,650, both with nothing uncovered)
        rounds = SPARE_ROUNDS if target <= FLOW_HEADROOM else 1
        pool = pairs  # the candidates first, then free people near the sites still wanting
        for round_ in range(rounds):
            wanted = np.ceil(target * view.demand) - capacity
            before = added
            for i in np.argsort(pool[2] + _unit_penalty(view, units, site_of, pool), kind="stable").tolist():
                p, k = int(pool[0][i]), int(pool[1][i])
                if site_of[p] < 0 and wanted[k] > 0 and view.caps[p] > 0:
                    site_of[p] = k
                    wanted[k] -= view.caps[p]
                    capacity[k] += view.caps[p]
                    added += 1
            if round_ + 1 == rounds or (added == before and pool is not pairs):
                break
            pool = free_people_near(view, site_of, wanted)
    info["spare_people"] = added
    info["sites_below_demand"] = int((capacity < view.demand).sum())
    info["headroom"] = headroom
    return site_of, info


def unit_codes(problem: Problem) -> np.ndarray:
    """[P] unit number of each person (a person with no unit is a unit of their own)."""
    number: dict[str, int] = {}
    out = np.empty(len(problem.people), dtype=np.int64)
    for p, person in enumerate(problem.people):
        out[p] = number.setdefault(person.unit if person.unit is not None else f"\x00{p}", len(number))
    return out


def unit_site_pairs(units: np.ndarray, site_of: np.ndarray, n_sites: int) -> np.ndarray:
    """Sorted keys ``unit * n_sites + site`` of the (unit, site) pairs a site choice uses."""
    placed = site_of >= 0
    return np.unique(units[placed] * n_sites + site_of[placed])


def _unit_penalty(view: CityView, units: np.ndarray | None, site_of: np.ndarray, pool) -> np.ndarray:  # noqa: ANN001
    """Keeping units together: a pair costs the largest km more when the person's unit has
    nobody at the site yet (0 without units)."""
    if units is None:
        return np.zeros(len(pool[0]), dtype=np.int64)
    _, present = _look_up(unit_site_pairs(units, site_of, view.n_sites), units[pool[0]] * view.n_sites + pool[1])
    return np.where(present, 0, int(pool[2].max(initial=0)) + 1)


def _units_together(
    view: CityView, pairs: tuple[np.ndarray, np.ndarray, np.ndarray], headroom: float, units: np.ndarray,
    site_of: np.ndarray, info: dict, duties: dict[tuple[int, int], int],
) -> tuple[np.ndarray, dict]:
    """Fewer (unit, site) pairs by dynamic slope scaling of their fixed charge: each round
    prices a pair at its km plus ``F / x``, where x is the duties the person's unit sent to
    that site in the round before and F the largest km (so cover and spare capacity still come
    first), making a unit's small shares of a site dear and its large ones cheap. Keeps the
    round with the fewest pairs (ties: the first)."""
    people, sites, km = pairs
    n_k = view.n_sites
    charge = float(km.max(initial=0) + 1)
    best = (len(unit_site_pairs(units, site_of, n_k)), site_of, info)
    rounds = [best[0]]
    for _ in range(UNIT_ROUNDS):
        sent: dict[int, int] = defaultdict(int)
        for (p, k), f in duties.items():
            sent[int(units[p]) * n_k + k] += f
        keys = np.array(sorted(sent), dtype=np.int64)
        amounts = np.array([sent[x] for x in keys.tolist()], dtype=np.float64)
        at, found = _look_up(keys, units[people] * n_k + sites)
        x = np.where(found, amounts[at] if len(keys) else 0.0, 0.0)
        surcharge = np.floor(charge / np.maximum(1.0, x)).astype(np.int64)
        site_of, info, duties = _flow_sites(view, pairs, headroom, surcharge)
        count = len(unit_site_pairs(units, site_of, n_k))
        rounds.append(count)
        if count < best[0]:
            best = (count, site_of, info)
    _, site_of, info = best
    info = {**info, "site_choice": "flow, units together", "unit_site_pairs_by_round": rounds}
    return site_of, info


def free_people_near(
    view: CityView, site_of: np.ndarray, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(people, sites, whole km): for each site still wanting capacity, its nearest free
    admissible people (by ranking distance over every free person, in blocks of sites): four
    times the headcount it wants at their mean capacity, and 16 more."""
    free = np.flatnonzero((site_of < 0) & (view.caps > 0))
    wanting = np.flatnonzero(wanted > 0)
    empty = np.zeros(0, dtype=np.int64)
    if not len(free) or not len(wanting):
        return empty, empty, empty
    mean_cap = float(view.caps[free].mean())
    count = np.minimum(len(free), 4 * np.ceil(wanted[wanting] / mean_cap).astype(np.int64) + 16)
    planar = _planar(view)
    out_p, out_k, out_km = [], [], []
    for start in range(0, len(wanting), 256):
        block = wanting[start : start + 256]
        most = int(count[start : start + 256].max())
        if planar is None:
            shape = (len(block), len(free))
            dist = view.km_pairs(np.broadcast_to(free, shape), np.broadcast_to(block[:, None], shape))
        else:
            homes, places = planar
            dist = _plane_distance(places[block], homes[free])
        dist = np.where(view.site_ok[view.role_key[free]].T[block], dist, np.inf)
        near = np.argpartition(dist, most - 1, axis=1)[:, :most] if most < len(free) else (
            np.broadcast_to(np.arange(len(free)), (len(block), len(free)))
        )
        order = np.take_along_axis(dist, near, axis=1).argsort(axis=1)
        pp = free[np.take_along_axis(near, order, axis=1)]
        kk = np.broadcast_to(block[:, None], pp.shape)
        ok, whole = admissible(view, pp, kk)
        ok &= np.arange(pp.shape[1])[None, :] < count[start : start + 256][:, None]
        out_p.append(pp[ok])
        out_k.append(kk[ok])
        out_km.append(whole[ok])
    return np.concatenate(out_p), np.concatenate(out_k), np.concatenate(out_km)


def _flow_sites(
    view: CityView, pairs: tuple[np.ndarray, np.ndarray, np.ndarray], headroom: float,
    surcharge: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, float], dict[tuple[int, int], int]]:
    """Site of each person (-1: none) from a min-cost flow of duties on the candidate pairs.

    Each site takes ``demand`` duties (a miss costs ``BIG`` x its cheapest miss weight), then
    ``(headroom - 1) x demand`` more as spare capacity for the rest rules (a miss costs
    ``SPARE``, more than any km), and each hard role requirement's duties from people with the
    role. Arc costs are whole km (plus ``surcharge`` per pair). Each person then goes to the
    site sending them most duties. Also returns the duties of each (person, site) pair.
    """
    began = time.perf_counter()
    people, sites, km = pairs
    role_need = role_demand(view, headroom)
    n_p, n_k = view.n_people, view.n_sites
    role_nodes = {key: n_p + n_k + i for i, key in enumerate(sorted(role_need))}
    source = n_p + n_k + len(role_nodes)
    spill = source + 1
    cost_km = km if surcharge is None else km + surcharge
    spare_cost = int(km.max(initial=0)) + 1
    big = (spare_cost + 1) * 10
    tails, heads, capacity, cost = [], [], [], []

    def arcs(t, h, c, w) -> None:  # noqa: ANN001
        tails.append(np.asarray(t, dtype=np.int64))
        heads.append(np.asarray(h, dtype=np.int64))
        capacity.append(np.asarray(c, dtype=np.int64))
        cost.append(np.asarray(w, dtype=np.int64))

    caps = view.caps
    arcs(people, n_p + sites, caps[people] + 1, cost_km)  # never saturated: supply is caps
    # people with a required role may also feed the site's role node
    for (k, role), node in role_nodes.items():
        at = sites == k
        has = np.array([role in view.role_sets[r] for r in view.role_key[people[at]]], dtype=bool)
        if has.any():
            arcs(people[at][has], np.full(int(has.sum()), node), caps[people[at][has]] + 1, cost_km[at][has])
        arcs([node], [n_p + k], [caps.sum() + 1], [0])
    everyone = np.arange(n_p)
    arcs(everyone, np.full(n_p, spill), caps + 1, np.zeros(n_p))
    spare = np.ceil((headroom - 1.0) * view.demand).astype(np.int64) if headroom > 1 else np.zeros(n_k, np.int64)
    site_need = view.demand + spare
    role_total = np.zeros(n_k, dtype=np.int64)
    for (k, _), need in role_need.items():
        role_total[k] += need
    node_need = np.maximum(0, site_need - role_total)
    ks = np.arange(n_k)
    arcs(np.full(n_k, source), n_p + ks, view.demand + 1, big * np.maximum(1, view.cheapest))
    arcs(np.full(n_k, source), n_p + ks, spare + 1, np.full(n_k, spare_cost))
    for (k, _), node in role_nodes.items():
        arcs([source], [node], [role_need[(k, _)] + 1], [big * max(1, int(view.cheapest[k]))])
    total_need = int(node_need.sum()) + sum(role_need.values())
    arcs([source], [spill], [total_need + 1], [0])
    flow = min_cost_flow.SimpleMinCostFlow()
    arc_tails = np.concatenate(tails)
    arc_heads = np.concatenate(heads)
    flow.add_arcs_with_capacity_and_unit_cost(arc_tails, arc_heads, np.concatenate(capacity), np.concatenate(cost))
    supplies = np.zeros(spill + 1, dtype=np.int64)
    supplies[:n_p] = caps
    supplies[source] = total_need
    supplies[n_p : n_p + n_k] = -node_need
    for key, node in role_nodes.items():
        supplies[node] = -role_need[key]
    supplies[spill] = -int(caps.sum())
    flow.set_nodes_supplies(np.arange(spill + 1), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"site choice flow: status {status}")
    flows = flow.flows(np.arange(flow.num_arcs()))
    # duties per (person, site) over direct and role arcs
    to_site = np.where(arc_heads < n_p + n_k, arc_heads - n_p, -1)
    for key, node in role_nodes.items():
        to_site[arc_heads == node] = key[0]
    from_person = (arc_tails < n_p) & (to_site >= 0) & (flows > 0)
    pp, kk, ff = arc_tails[from_person], to_site[from_person], flows[from_person]
    site_of = np.full(n_p, -1, dtype=np.int64)
    best = np.zeros(n_p, dtype=np.int64)
    totals: dict[tuple[int, int], int] = defaultdict(int)
    for p, k, f in zip(pp.tolist(), kk.tolist(), ff.tolist()):
        totals[(p, k)] += f
    for (p, k), f in totals.items():
        if f > best[p] or (f == best[p] and k < site_of[p]):
            best[p], site_of[p] = f, k
    short = int(flows[(arc_tails == source) & (arc_heads != spill)][: n_k].sum())
    info = {
        "site_choice": "flow",
        "site_choice_seconds": round(time.perf_counter() - began, 3),
        "candidate_pairs": int(len(people)),
        "flow_short_duties": short,
        "headroom": headroom,
    }
    return site_of, info, totals


# --------------------------------------------------------------------------- bound


def transport_bound(
    view: CityView, pairs: tuple[np.ndarray, np.ndarray, np.ndarray], cover_first: bool
) -> int:
    """A lower bound for the whole problem from the transportation LP (see module doc).

    ``cover_first=True``: on the cover level (a missed person-shift at site k costs at least
    its cheapest miss there; duties cost nothing). ``False``: on commute for any plan that
    covers everything (misses forbidden; 0 if the candidates cannot cover everything, since
    no finite bound is then proven this way).
    """
    people, sites, km = pairs
    n_p, n_k = view.n_people, view.n_sites
    demand = view.demand
    caps = view.caps
    cost = np.zeros_like(km) if cover_first else km
    miss = np.maximum(1, view.cheapest) if cover_first else np.full(n_k, 10 * (int(km.max(initial=0)) + 1))
    source, spill = n_p + n_k, n_p + n_k + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([people, np.arange(n_p), np.full(n_k, source), [source]])
    heads = np.concatenate([n_p + sites, np.full(n_p, spill), n_p + np.arange(n_k), [spill]])
    capacity = np.concatenate([caps[people] + 1, caps + 1, demand + 1, [int(demand.sum()) + 1]])
    unit = np.concatenate([cost, np.zeros(n_p, np.int64), miss, [0]]).astype(np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacity, unit)
    supplies = np.zeros(spill + 1, dtype=np.int64)
    supplies[:n_p] = caps
    supplies[n_p : n_p + n_k] = -demand
    supplies[source] = int(demand.sum())
    supplies[spill] = -int(caps.sum())
    flow.set_nodes_supplies(np.arange(spill + 1), supplies)
    if flow.solve() != flow.OPTIMAL:
        return 0
    flows = flow.flows(np.arange(flow.num_arcs()))
    shortage = flows[len(people) + n_p : len(people) + n_p + n_k]
    if not cover_first and shortage.any():
        return 0
    # node potentials along arcs with flow (their reduced cost is 0): pi[k] - mu[p] = km
    pi = np.full(n_k, np.nan)
    mu = np.full(n_p, np.nan)
    mu[flows[len(people) : len(people) + n_p] > 0] = 0.0  # spare supply: mu = 0
    short_sites = shortage > 0
    pi[short_sites] = miss[short_sites]
    used = np.flatnonzero(flows[: len(people)] > 0)
    by_person: dict[int, list[int]] = defaultdict(list)
    by_site: dict[int, list[int]] = defaultdict(list)
    for i in used.tolist():
        by_person[int(people[i])].append(i)
        by_site[int(sites[i])].append(i)
    queue: deque = deque([("p", p) for p in np.flatnonzero(~np.isnan(mu)).tolist() if p in by_person])
    queue.extend(("k", k) for k in np.flatnonzero(short_sites).tolist())

    def spread() -> None:
        while queue:
            kind, node = queue.popleft()
            items = by_person[node] if kind == "p" else by_site[node]
            for i in items:
                p, k = int(people[i]), int(sites[i])
                if kind == "p" and np.isnan(pi[k]):
                    pi[k] = mu[p] + cost[i]
                    queue.append(("k", k))
                elif kind == "k" and np.isnan(mu[p]):
                    mu[p] = pi[k] - cost[i]
                    queue.append(("p", p))

    spread()
    # components with no anchor: potentials are fixed up to a constant there; start from 0
    # (any choice of pi gives a valid bound: mu is recomputed over every pair below)
    for p in list(by_person):
        if np.isnan(mu[p]):
            mu[p] = 0.0
            queue.append(("p", p))
            spread()
    pi = np.where(np.isnan(pi), 0.0, pi)
    pi = np.clip(pi, 0.0, miss.astype(float))
    mu_full = admissible_best(view, pi, km_cost=not cover_first)
    value = float(demand @ pi - caps @ mu_full)
    return max(0, int(np.floor(value + 1e-6)))


# --------------------------------------------------------------------------- evaluation


def could_work(view: CityView, pairs: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """[P] the person has an admissible duty somewhere (open gate-shift, gate role, availability,
    hard commute and working-day caps), as docs/rules.md defines it for fairness.

    The candidate pairs settle almost everyone; the rest are checked against every site.
    """
    n_days, n_shifts = view.available.shape[1:]
    open_role = np.zeros((len(view.role_sets), view.n_sites, n_days, n_shifts), dtype=bool)
    for gate_class in view.classes:
        for r, roles in enumerate(view.role_sets):
            if gate_class.role is None or gate_class.role in roles:
                open_role[r, gate_class.site] |= gate_class.open
    out = np.zeros(view.n_people, dtype=bool)

    def admissible(people: np.ndarray, sites: np.ndarray) -> np.ndarray:
        ok_pair = view.round_km(people, sites) <= view.km_cap[people]
        cells = open_role[view.role_key[people], sites] & view.available[people]  # [n, D, S]
        capped = np.isfinite(view.day_cap[people])
        if capped.any():
            minutes = np.floor(view.minutes_pairs(people, sites) + 0.5)
            day_ok = minutes[:, None] + view.shift_minutes[None, :] <= view.day_cap[people][:, None]
            cells &= day_ok[:, None, :]
        return ok_pair & cells.any(axis=(1, 2))

    people, sites, _ = pairs
    for start in range(0, len(people), 50_000):
        sl = slice(start, start + 50_000)
        hit = admissible(people[sl], sites[sl])
        out[people[sl][hit]] = True
    for p in np.flatnonzero(~out).tolist():
        everywhere = np.arange(view.n_sites)
        out[p] = bool(admissible(np.full(view.n_sites, p), everywhere).any())
    return out
