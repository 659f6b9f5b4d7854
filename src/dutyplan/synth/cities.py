"""A whole city at Beijing's scale (:func:`city`), from numpy arrays in seconds."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np

from dutyplan.errors import ProblemError
from dutyplan.problem import Problem
from dutyplan.synth.districts import (
    GATE_NAMES,
    GIVEN,
    HIGH,
    KM_PER_DEG_LAT,
    LOW,
    RULES,
    SHIFTS_PER_WEEK,
    SURNAMES,
)

BEIJING = (39.9042, 116.4074)  # the centre of city(): Tiananmen
CITY_ROLES = ("agency-cadre", "township-cadre", "health")
ROLE_SHARES = (0.60, 0.25, 0.15)  # agency, street/township, health: shares of the people
ROLE_MAX = 0.85  # a district's (and a role's) required person-shifts / its capacity, at most
FAR_SHARE = 0.02  # agency cadres who live far out (the Fangshan cadre: 130 km round trip)
MAX_DISTRICTS = 16  # Beijing's districts


# Beijing's 16 districts: name, urban core?, bearing from the centre (degrees from north) and
# distance from the centre as a share of radius_km; the six urban districts come first
BEIJING_DISTRICTS: tuple[tuple[str, bool, float, float], ...] = (
    ("朝阳区", True, 75, 0.20),
    ("海淀区", True, 310, 0.24),
    ("丰台区", True, 220, 0.20),
    ("西城区", True, 270, 0.05),
    ("东城区", True, 90, 0.05),
    ("石景山区", True, 275, 0.32),
    ("通州区", False, 110, 0.45),
    ("大兴区", False, 185, 0.45),
    ("昌平区", False, 335, 0.58),
    ("顺义区", False, 50, 0.58),
    ("房山区", False, 225, 0.65),
    ("门头沟区", False, 285, 0.62),
    ("怀柔区", False, 15, 0.78),
    ("平谷区", False, 70, 0.80),
    ("密云区", False, 35, 0.80),
    ("延庆区", False, 315, 0.80),
)


# spread of the sites around a district centre and of homes around a site (km, normal sigma,
# cut at CUT sigma): core and suburb spreads with a home cut reach at most 7.5 + 2 x 8.75 =
# 25 km < 40 km, half the round-trip cap, so everyone living near a district's sites can
# reach every site of that district
SITE_SPREAD_KM = (2.0, 3.5)  # urban core, suburb (at most 4 % and 7 % of radius_km)
HOME_SPREAD_KM = 3.0  # at most 6 % of radius_km
CUT = 2.5


# the shift types of a city: 3 x 8 h for 24-hour gates, 2 x 7 h for 08:00-22:00 gates
CITY_SHIFTS: tuple[tuple[str, str, int, int], ...] = (
    ("N", "night 00-08", 0, 480),
    ("D", "day 08-16", 8, 480),
    ("E", "evening 16-24", 16, 480),
    ("A", "day 08-15", 8, 420),
    ("B", "evening 15-22", 15, 420),
)


# demand patterns of a city gate, heaviest first: (weekday table, weekend table). The 3-person
# patterns serve the Beijing rule (roles=True) at one-gate sites, the 2-person ones the rule at
# two-gate sites or many people; a "peak" pattern adds one person to the morning shift on
# weekdays (the shopping peak at a market gate); "morning" (A only) is the lightest
CITY_PATTERNS: dict[str, tuple[dict[str, int], dict[str, int]]] = {
    "peak3": ({"N": 3, "D": 4, "E": 3}, {"N": 3, "D": 3, "E": 3}),
    "full3": ({"N": 3, "D": 3, "E": 3}, {"N": 3, "D": 3, "E": 3}),
    "peak2": ({"N": 2, "D": 3, "E": 2}, {"N": 2, "D": 2, "E": 2}),
    "full2": ({"N": 2, "D": 2, "E": 2}, {"N": 2, "D": 2, "E": 2}),
    "peak": ({"N": 1, "D": 2, "E": 1}, {"N": 1, "D": 1, "E": 1}),
    "full": ({"N": 1, "D": 1, "E": 1}, {"N": 1, "D": 1, "E": 1}),
    "peak14": ({"A": 2, "B": 1}, {"A": 1, "B": 1}),
    "day14": ({"A": 1, "B": 1}, {"A": 1, "B": 1}),
    "morning": ({"A": 1}, {"A": 1}),
}


MAIN_LADDER = tuple(CITY_PATTERNS)  # a main gate may take any pattern
SIDE_LADDER = ("full", "day14", "morning")  # side gates: no peak, one person


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split in proportion to ``weights`` (largest remainders, ties by index)."""
    weights = np.asarray(weights, dtype=float)
    if total <= 0 or weights.sum() <= 0:
        out = np.zeros(len(weights), dtype=np.int64)
        if total > 0:
            out += total // len(weights)
            out[: total % len(weights)] += 1
        return out
    exact = total * weights / weights.sum()
    out = np.floor(exact).astype(np.int64)
    rest = total - int(out.sum())
    out[np.argsort(-(exact - out), kind="stable")[:rest]] += 1
    return out


def scatter(rng: np.random.Generator, sigma: np.ndarray) -> np.ndarray:
    """Normal offsets (east, north km) with ``sigma`` per row, cut at ``CUT`` sigma (the few
    beyond are drawn again)."""
    xy = rng.normal(size=(len(sigma), 2))
    for _ in range(20):
        beyond = np.flatnonzero(np.hypot(xy[:, 0], xy[:, 1]) > CUT)
        if not len(beyond):
            break
        xy[beyond] = rng.normal(size=(len(beyond), 2))
    norm = np.maximum(np.hypot(xy[:, 0], xy[:, 1]), CUT)  # in case 20 draws were not enough
    return xy * (CUT / norm)[:, None] * sigma[:, None]


def latlon(centre: tuple[float, float], xy: np.ndarray) -> tuple[list[float], list[float]]:
    """Points ``xy`` (east, north km from ``centre``) as rounded lat and lon lists."""
    lat = centre[0] + xy[:, 1] / KM_PER_DEG_LAT
    lon = centre[1] + xy[:, 0] / (KM_PER_DEG_LAT * math.cos(math.radians(centre[0])))
    return np.round(lat, 5).tolist(), np.round(lon, 5).tolist()


def unit_sizes(rng: np.random.Generator, n: int) -> list[int]:
    """Sizes of agencies (5-200 staff, lognormal, median about 27) adding up to ``n``."""
    if n < 5:
        return [n] if n else []
    sizes: list[int] = []
    total = 0
    while total < n:
        sizes.append(int(np.clip(round(rng.lognormal(3.3, 0.9)), 5, 200)))
        total += sizes[-1]
    sizes[-1] -= total - n
    if sizes[-1] < 5:  # too small a rest: give it to the smallest agency with room
        rest = sizes.pop()
        room = [i for i, size in enumerate(sizes) if size + rest <= 200]
        if room:
            sizes[min(room, key=lambda i: sizes[i])] += rest
        else:  # every agency full: take from the last one
            sizes[-1] -= 5 - rest
            sizes.append(5)
    return sizes


def city(
    people: int,
    sites: int,
    days: int = 14,
    seed: int = 0,
    roles: bool = False,
    start: dt.date = dt.date(2020, 2, 10),
    radius_km: float = 50.0,
) -> Problem:
    """A whole synthetic city like Beijing in February 2020: ``people`` people on duty at
    ``sites`` communities and villages for ``days`` days from ``start``. Deterministic for a
    ``seed`` (numpy ``Generator``); ``city(74000, 7120)`` is the city-wide deployment of the
    news reports (74,000+ cadres, all 7,120 communities), built in seconds.

    **Districts and sites.** ``min(16, max(2, sites // 150))`` districts named after Beijing's
    16 (six urban ones first), in their real directions around the centre
    (:data:`BEIJING`): the urban core within a third of ``radius_km``, the suburban districts
    at 45-80 %. Urban districts get twice the sites on a tighter spread (2 km against 3.5 km),
    so the core is denser; every site is within ``radius_km`` of the centre.

    **Gates.** 1 to 4 per site by households (35 % of the sites have one gate, 7 % four). A
    gate is open around the clock in three 8-hour shifts (N 00-08, D 08-16, E 16-24) or
    08:00-22:00 in two 7-hour shifts (A 08-15, B 15-22), mostly one person per shift; some
    main gates have a weekday morning peak (one more on D or A: the vegetable market serving
    eight communities). A gate's ``demand`` lists only its own shifts (the others are closed).
    Main gate priority 3, other 24-hour gates 2, the rest 1. Sites are listed district by
    district (``s00001``...), people (``p00001``...) in no order of district or unit.

    **Demand against people.** As in :func:`generate`, required person-shifts are kept between
    ``LOW`` and ``HIGH`` (70-78 %) of ``people x 6 shifts per 7 days`` by lightening the least
    important gates first (side gates of small sites: 24 h -> 08-22 -> mornings only) or
    making the most important ones heavier (up to two people around the clock and three at
    the peak on a main gate). Beyond what the gates can take (more than about 16 people per
    site) demand stays below the band; with too few people for mornings only, above it.

    **People.** Agency cadres (60 %, role ``agency-cadre``) come from agencies of 5-200 staff
    (``agency-0001``...); street/township cadres (25 %, ``township-XX``, role
    ``township-cadre``) and community health professionals (15 %, ``health-XX``, role
    ``health``) work in district ``XX``. Each district gets people in proportion to its demand
    and at least enough that its demand is at most ``ROLE_MAX`` (85 %) of their capacity; they
    live within about 8 km of their district's sites (chosen by demand), so each of them can
    reach every site of the district inside the 80 km round-trip cap and a split of the people
    over the sites (``keep_one_site``) exists. A few agency cadres (2 %) live far out, up to
    ``radius_km + 10`` km from the centre, like the Fangshan cadre. About 10 % of the people are
    unavailable on 1-3 dates, 15 % would rather not work nights (weight 2) and 5 % ask for a day
    off (weight 5). Rules as in :func:`generate`. Homes are coordinates: a commute matrix would
    hold 527 million numbers at Beijing's size.

    **roles=True** adds the Beijing rule: at every site, around the clock, at least one agency
    cadre, one township cadre and one health professional
    (``rules.roles``). Every site is then open around the clock with at least 3 people needed in
    every N, D and E shift (a one-gate site's gate needs 3, a two-gate site's main gate 2 and
    its second gate 1, else three 24-hour gates need 1 each; further gates are extras), and
    every district gets, of each role, enough people that the role's 3 shifts a day at each of
    its sites are at most 85 % of their capacity. That takes about 12.4 people per site
    (``3 roles x 3 shifts x 7 / 6 / 0.85``; 88,645 for 7,120 sites with seed 0, as the
    fourth gates of big sites add a little). Between that and about 13.5 people per site the
    demand stays above ``HIGH`` (at most 85 %). 74,000 people cannot cover 7,120 sites this way
    (even at 100 % it takes 74,760 for 14 days), which matches the reports, where the township
    cadres and health professionals were local staff besides the 74,000 dispatched cadres.
    Too few people raise :class:`ProblemError` naming the least number that works.
    """
    for name, value in (("people", people), ("sites", sites), ("days", days)):
        if value < 1:
            raise ProblemError(f"{name} must be >= 1 (got {value})")
    if not (math.isfinite(radius_km) and radius_km > 0):
        raise ProblemError(f"radius_km must be > 0 (got {radius_km})")
    rng = np.random.default_rng(seed)
    dates = [start + dt.timedelta(days=d) for d in range(days)]
    weekend = [d.weekday() >= 5 for d in dates]
    per_person = SHIFTS_PER_WEEK * days / 7
    capacity = people * per_person

    # ---------------------------------------------------------------- districts and sites
    n_districts = min(MAX_DISTRICTS, max(2, sites // 150), sites)
    n_core = max(1, round(n_districts * 6 / MAX_DISTRICTS))
    chosen = [d for d in BEIJING_DISTRICTS if d[1]][:n_core]
    chosen += [d for d in BEIJING_DISTRICTS if not d[1]][: n_districts - n_core]
    core = np.array([d[1] for d in chosen])
    bearing = np.radians([d[2] for d in chosen]) + rng.uniform(-0.14, 0.14, n_districts)
    distance = np.array([d[3] for d in chosen]) * radius_km * rng.uniform(0.9, 1.0, n_districts)
    centre_xy = np.column_stack([distance * np.sin(bearing), distance * np.cos(bearing)])
    spread = np.where(
        core, min(SITE_SPREAD_KM[0], 0.04 * radius_km), min(SITE_SPREAD_KM[1], 0.07 * radius_km)
    )
    weight = np.where(core, 2.0, 1.0) * rng.lognormal(0.0, 0.25, n_districts)
    per_district = apportion(sites - n_districts, weight) + 1
    district_of = np.repeat(np.arange(n_districts), per_district)  # sites listed by district
    site_xy = centre_xy[district_of] + scatter(rng, spread[district_of])
    households = np.maximum(30, np.round(rng.lognormal(6.2, 0.8, size=sites))).astype(int)
    village = ~core[district_of] & (rng.random(sites) < 0.4)

    # ---------------------------------------------------------------- gates
    score = np.log(households) + rng.normal(0.0, 0.3, sites)
    cuts = np.quantile(score, [0.35, 0.75, 0.93])
    n_gates = 1 + (score[:, None] > cuts[None, :]).sum(axis=1)
    big = households >= np.median(households)
    draw = rng.random(int(n_gates.sum()))
    g_site: list[int] = []
    g_index: list[int] = []
    g_ladder: list[tuple[str, ...]] = []
    g_ceil: list[int] = []
    g_floor: list[int] = []
    g_cur: list[int] = []
    main_at = {name: i for i, name in enumerate(MAIN_LADDER)}
    for s in range(sites):
        for g in range(int(n_gates[s])):
            u = draw[len(g_site)]
            if g == 0:
                ladder = MAIN_LADDER
                if roles:  # 3 people around the clock at the site, over its first gates
                    floor = {1: "full3", 2: "full2"}.get(int(n_gates[s]), "full")
                    ceil = MAIN_LADDER[main_at[floor] - 1]  # its weekday-peak twin
                    pick = ceil if big[s] and u < 0.5 else floor
                else:  # 2 people around the clock only when the people are many
                    ceil, floor = "peak2", "morning"
                    if big[s]:
                        pick = "peak" if u < 0.5 else "full"
                    else:
                        pick = "full" if u < 0.6 else ("peak14" if u < 0.8 else "day14")
            else:
                ladder = SIDE_LADDER
                ceil, floor = "full", "morning"
                pick = "full" if u < 0.4 else "day14"
                if roles and g <= 2 and (g == 1 or n_gates[s] >= 3):
                    floor = pick = "full"  # carries one of the 3 people around the clock
            g_site.append(s)
            g_index.append(g)
            g_ladder.append(ladder)
            g_ceil.append(ladder.index(ceil))
            g_floor.append(ladder.index(floor))
            g_cur.append(ladder.index(pick))

    weight_of = {
        name: sum(sum((we if w else wk).values()) for w in weekend)
        for name, (wk, we) in CITY_PATTERNS.items()
    }

    def load(i: int, step: int = 0) -> int:
        return weight_of[g_ladder[i][g_cur[i] + step]]

    # size demand against the people: LOW..HIGH of people x 6 shifts per 7 days, lightening the
    # least important gates first (side gates of small sites, then main gates)
    total = sum(load(i) for i in range(len(g_site)))
    down = sorted(
        range(len(g_site)),
        key=lambda i: (g_index[i] == 0, households[g_site[i]], g_site[i], g_index[i]),
    )
    while total > HIGH * capacity:
        changed = False
        for i in down:
            if total <= HIGH * capacity:
                break
            if g_cur[i] < g_floor[i]:
                total += load(i, 1) - load(i)
                g_cur[i] += 1
                changed = True
        if not changed:
            break  # every gate at its lightest: too few people (under-staffed, or an error below)
    while total < LOW * capacity:
        changed = False
        for i in reversed(down):
            if g_cur[i] > g_ceil[i]:
                delta = load(i, -1) - load(i)
                if total + delta <= HIGH * capacity:
                    g_cur[i] -= 1
                    total += delta
                    changed = True
                    if total >= LOW * capacity:
                        break
        if not changed:
            break

    site_load = np.zeros(sites)
    for i, s in enumerate(g_site):
        site_load[s] += load(i)
    district_load = np.bincount(district_of, weights=site_load, minlength=n_districts)

    # ---------------------------------------------------------------- people per district
    # people each district needs: its demand at most ROLE_MAX of their capacity, and with the
    # Beijing rule as many of each role as its sites' 3 shifts a day take at ROLE_MAX
    role_need = np.zeros(n_districts, dtype=np.int64)
    if roles:
        shifts = 3 * per_district * days  # one of the role on N, D and E at each site
        role_need = np.ceil(shifts / (ROLE_MAX * per_person) - 1e-9).astype(np.int64)
    need = np.maximum(
        np.ceil(district_load / (ROLE_MAX * per_person) - 1e-9).astype(np.int64), 3 * role_need
    )
    if need.sum() > people:
        if roles:
            raise ProblemError(
                f"people: roles=True needs at least {int(need.sum())} people for {sites} sites "
                f"over {days} days (an agency cadre, a township cadre and a health professional "
                f"at every site around the clock, each role at most {ROLE_MAX:.0%} of its "
                f"capacity), got {people}"
            )
        local = apportion(people, district_load)  # too few people: under-staffed everywhere
        far = np.zeros(n_districts, dtype=np.int64)
    else:
        n_far = min(round(FAR_SHARE * people), people - int(need.sum()))
        local = need + apportion(people - n_far - int(need.sum()), district_load)
        far = apportion(n_far, district_load)

    role_code: list[np.ndarray] = []
    unit_of: list[np.ndarray] = []
    home_xy: list[np.ndarray] = []
    home_sigma = min(HOME_SPREAD_KM, 0.06 * radius_km)
    n_units = 0
    for d in range(n_districts):
        n_local = int(local[d])
        township = round(ROLE_SHARES[1] * n_local)
        health = round(ROLE_SHARES[2] * n_local)
        if roles:
            township, health = max(township, int(role_need[d])), max(health, int(role_need[d]))
            while n_local - township - health < role_need[d]:  # keep enough agency cadres
                if township >= health:
                    township -= 1
                else:
                    health -= 1
        agency_local = n_local - township - health
        # homes near the district's sites, chosen by their demand
        members = np.flatnonzero(district_of == d)
        p = site_load[members]
        p = p / p.sum() if p.sum() > 0 else None
        near = rng.choice(members, size=n_local, p=p)
        xy_local = site_xy[near] + scatter(rng, np.full(n_local, home_sigma))
        n_far_d = int(far[d])
        angle = rng.uniform(0.0, 2 * math.pi, n_far_d)
        out = rng.uniform(radius_km, radius_km + 10.0, n_far_d)
        xy_far = np.column_stack([out * np.sin(angle), out * np.cos(angle)])
        # agency cadres (local ones, then the far ones) in agencies of 5-200, mixed
        sizes = unit_sizes(rng, agency_local + n_far_d)
        agencies = rng.permutation(np.repeat(np.arange(n_units, n_units + len(sizes)), sizes))
        n_units += len(sizes)
        role_code.append(np.repeat([0, 1, 2], [agency_local + n_far_d, township, health]))
        unit_of.append(
            np.concatenate(
                [agencies, np.full(township + health, -1 - d, dtype=np.int64)]
            )
        )
        order = np.concatenate([np.arange(agency_local), np.arange(n_local, n_local + n_far_d)])
        order = np.concatenate([order, np.arange(agency_local, n_local)])
        home_xy.append(np.concatenate([xy_local, xy_far])[order])
    role_all = np.concatenate(role_code)
    unit_all = np.concatenate(unit_of)
    xy_all = np.concatenate(home_xy)
    shuffle = rng.permutation(people)  # ids in no particular order of district or unit
    role_all, unit_all, xy_all = role_all[shuffle], unit_all[shuffle], xy_all[shuffle]
    district_index = np.repeat(np.arange(n_districts), local + far)[shuffle]
    width = max(2, len(str(n_districts)))
    unit_width = max(4, len(str(n_units)))
    unit_names = [f"agency-{u + 1:0{unit_width}d}" for u in range(n_units)]
    home_lat, home_lon = latlon(BEIJING, xy_all)

    # names, availability and preferences, drawn for everyone at once
    surname = rng.integers(len(SURNAMES), size=people)
    given = rng.integers(len(GIVEN), size=(people, 2))
    two = rng.random(people) < 0.5
    off_count = np.where(rng.random(people) < 0.10, rng.integers(1, 4, size=people), 0)
    off_count = np.minimum(off_count, days)
    off_days = np.argsort(rng.random((people, days)), axis=1)[:, :3]
    no_nights = rng.random(people) < 0.15
    day_off = np.where(rng.random(people) < 0.05, rng.integers(days, size=people), -1)
    iso = [day.isoformat() for day in dates]

    id_width = max(5, len(str(people)))
    person_dicts: list[dict[str, Any]] = []
    for p in range(people):
        u = int(unit_all[p])
        office = "township" if role_all[p] == 1 else "health"
        name = SURNAMES[surname[p]] + GIVEN[given[p, 0]] + (GIVEN[given[p, 1]] if two[p] else "")
        person: dict[str, Any] = {
            "id": f"p{p + 1:0{id_width}d}",
            "name": name,
            "unit": unit_names[u] if u >= 0 else f"{office}-{district_index[p] + 1:0{width}d}",
            "roles": [CITY_ROLES[role_all[p]]],
            "home": {"lat": home_lat[p], "lon": home_lon[p]},
        }
        if off_count[p]:
            person["unavailable"] = [iso[d] for d in sorted(off_days[p, : off_count[p]].tolist())]
        preferences: list[dict[str, Any]] = []
        if no_nights[p]:
            preferences.append({"kind": "shift", "shift": "N", "want": False, "weight": 2})
        if day_off[p] >= 0:
            preferences.append(
                {"kind": "day_off", "date": iso[day_off[p]], "want": True, "weight": 5}
            )
        if preferences:
            person["preferences"] = preferences
        person_dicts.append(person)

    # ---------------------------------------------------------------- sites
    site_lat, site_lon = latlon(BEIJING, site_xy)
    names = [d[0] for d in chosen]
    number = np.arange(sites) - np.concatenate([[0], np.cumsum(per_district)[:-1]])[district_of]
    site_width = max(5, len(str(sites)))
    gates_of: list[list[dict[str, Any]]] = [[] for _ in range(sites)]
    for i, s in enumerate(g_site):
        pattern = g_ladder[i][g_cur[i]]
        weekday_table, weekend_table = CITY_PATTERNS[pattern]
        main = g_index[i] == 0
        gate: dict[str, Any] = {
            "id": f"g{g_index[i] + 1}",
            "name": GATE_NAMES[g_index[i] % len(GATE_NAMES)],
            "demand": dict(weekday_table),
            "priority": 3 if main else (2 if "N" in weekday_table else 1),
        }
        if weekend_table != weekday_table:
            gate["weekdays"] = {"sat": dict(weekend_table), "sun": dict(weekend_table)}
        gates_of[s].append(gate)
    site_dicts = [
        {
            "id": f"s{s + 1:0{site_width}d}",
            "name": f"{names[district_of[s]]}第{number[s] + 1}{'村' if village[s] else '社区'}"
            f"（{households[s]}户）",
            "location": {"lat": site_lat[s], "lon": site_lon[s]},
            "gates": gates_of[s],
        }
        for s in range(sites)
    ]

    rules: dict[str, Any] = dict(RULES)
    if roles:
        rules["roles"] = [{"role": role, "count": 1} for role in CITY_ROLES]
    data = {
        "name": f"city-p{people}-s{sites}-d{days}-seed{seed}{'-roles' if roles else ''}",
        "horizon": {"start": start.isoformat(), "days": days, "timezone": "Asia/Shanghai"},
        "shift_types": [
            {"id": sid, "name": label, "start": f"{hour:02d}:00", "minutes": minutes}
            for sid, label, hour, minutes in CITY_SHIFTS
        ],
        "sites": site_dicts,
        "people": person_dicts,
        "rules": rules,
    }
    return Problem.model_validate(data)
