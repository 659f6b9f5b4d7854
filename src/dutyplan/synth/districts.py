"""A synthetic district of communities and checkpoints (:func:`generate`), sized against its people."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from dutyplan.errors import ProblemError
from dutyplan.problem import Problem

CENTRE = (35.03, 111.00)  # a mid-sized prefecture city (about Yuncheng's latitude)
LOW, HIGH = 0.70, 0.78  # target band: required person-shifts / (people x 6 per 7 days)
SHIFTS_PER_WEEK = 6  # min_days_off_per_7 = 1 and max_shifts_per_day = 1
MAX_COMMUTE_KM = 80  # hard cap, round trip per duty
KM_PER_DEG_LAT = 111.2


# the rest rules of every synthetic problem: one shift a day, 12 hours between shifts, at most
# 6 days in a row and one day off in every 7, at most 3 nights in a row, one site each
RULES: dict[str, Any] = {
    "max_shifts_per_day": 1,
    "min_rest_hours": 12,
    "max_consecutive_days": 6,
    "min_days_off_per_7": 1,
    "max_consecutive_nights": 3,
    "max_commute_km": MAX_COMMUTE_KM,
    "keep_one_site": True,
}


# demand patterns of a gate, from the heaviest to the lightest; weekday tables (mon-fri) and
# weekend tables (sat, sun)
PATTERNS: tuple[tuple[dict[str, int], dict[str, int]], ...] = (
    ({"N": 1, "D": 2, "E": 1}, {"N": 1, "D": 1, "E": 1}),  # 24 h, morning peak on weekdays
    ({"N": 1, "D": 1, "E": 1}, {"N": 1, "D": 1, "E": 1}),  # 24 h
    ({"D": 1, "E": 1}, {"D": 1, "E": 1}),  # by day (08:00-24:00 with default shifts)
    ({"D": 1}, {"D": 1}),  # morning only
)


PEAK, FULL, DAY, MORNING = range(len(PATTERNS))


SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭"
    "吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱"
    "秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)


GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志军海燕波宁鹏飞斌浩凯婷雪琳晨辉健俊德成亮岩梅琴云莉丹"
DISTRICT_NAMES = ("老城", "河东", "河西", "北关", "南郊", "开发区", "新区", "东郊", "西郊", "高新区", "站前", "湖滨")
GATE_NAMES = ("正门", "东门", "西门", "北门", "南门", "侧门", "二号门", "三号门")


@dataclass
class DistrictGate:
    site: int
    index: int
    main: bool
    pattern: int


def offset_km(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    dlat = north_km / KM_PER_DEG_LAT
    dlon = east_km / (KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return round(lat + dlat, 5), round(lon + dlon, 5)


def week_demand(pattern: int, day_kinds: list[bool]) -> int:
    """Person-shifts a gate with ``pattern`` needs over dates given as is-weekend flags."""
    weekday, weekend = PATTERNS[pattern]
    return sum(sum((weekend if w else weekday).values()) for w in day_kinds)


def generate(
    people: int,
    sites: int,
    gates: int,
    days: int,
    seed: int = 0,
    start: dt.date = dt.date(2022, 4, 11),
) -> Problem:
    """A synthetic district: ``people`` people, ``sites`` sites with ``gates`` gates in all,
    ``days`` days from ``start``. Deterministic for a ``seed``."""
    if people < 1 or sites < 1 or days < 1:
        raise ProblemError(f"people, sites and days must be >= 1 (got {people}, {sites}, {days})")
    if gates < sites:
        raise ProblemError(f"every site needs a gate: gates ({gates}) must be >= sites ({sites})")
    rng = np.random.default_rng(seed)
    dates = [start + dt.timedelta(days=d) for d in range(days)]
    weekend = [d.weekday() >= 5 for d in dates]

    # ---------------------------------------------------------------- districts and sites
    n_districts = min(sites, 2 + sites // 12)
    district_xy = [(0.0, 0.0)]  # the old town at the centre
    for k in range(1, n_districts):
        angle = 2 * math.pi * (k - 1) / max(1, n_districts - 1) + rng.uniform(-0.4, 0.4)
        radius = rng.uniform(5.0, 11.0)
        district_xy.append((radius * math.sin(angle), radius * math.cos(angle)))
    district_of = rng.permutation(np.arange(sites) % n_districts)
    households = np.maximum(30, np.round(rng.lognormal(6.2, 0.8, size=sites))).astype(int)
    site_xy = []
    for s in range(sites):
        cx, cy = district_xy[district_of[s]]
        dx, dy = np.clip(rng.normal(0.0, 1.8, size=2), -4.0, 4.0)
        site_xy.append((cx + dx, cy + dy))

    # ---------------------------------------------------------------- gates
    per_site = np.ones(sites, dtype=int)
    for _ in range(gates - sites):  # D'Hondt: extra gates to the biggest sites
        per_site[int(np.argmax(households / (per_site + 1)))] += 1
    big = households >= np.median(households)
    gate_list: list[DistrictGate] = []
    for s in range(sites):
        for g in range(per_site[s]):
            if g == 0:
                pattern = PEAK if big[s] and rng.random() < 0.6 else FULL
            else:
                pattern = FULL if rng.random() < 0.5 else DAY
            gate_list.append(DistrictGate(s, g, g == 0, pattern))

    # size demand against the people: LOW..HIGH of people x 6 shifts per 7 days
    capacity = people * SHIFTS_PER_WEEK * days / 7
    total = sum(week_demand(g.pattern, weekend) for g in gate_list)
    # lighten the least important gates first: side gates of small sites, then main gates
    down = sorted(gate_list, key=lambda g: (g.main, households[g.site], g.site, g.index))
    while total > HIGH * capacity:
        changed = False
        for gate in down:
            if total <= HIGH * capacity:
                break
            if gate.pattern < MORNING:
                before = week_demand(gate.pattern, weekend)
                gate.pattern += 1
                total += week_demand(gate.pattern, weekend) - before
                changed = True
        if not changed:
            break  # too few people even for one morning shift per gate: left under-staffed
    up = down[::-1]
    while total < LOW * capacity:
        changed = False
        for gate in up:
            if gate.pattern > PEAK:
                heavier = week_demand(gate.pattern - 1, weekend)
                delta = heavier - week_demand(gate.pattern, weekend)
                if total + delta <= HIGH * capacity:
                    gate.pattern -= 1
                    total += delta
                    changed = True
                    if total >= LOW * capacity:
                        break
        if not changed:
            break

    site_dicts: list[dict[str, Any]] = []
    for s in range(sites):
        lat, lon = offset_km(*CENTRE, site_xy[s][1], site_xy[s][0])
        district = DISTRICT_NAMES[district_of[s] % len(DISTRICT_NAMES)]
        gate_dicts = []
        for gate in (g for g in gate_list if g.site == s):
            weekday_table, weekend_table = PATTERNS[gate.pattern]
            gate_dict: dict[str, Any] = {
                "id": f"g{gate.index + 1}",
                "name": GATE_NAMES[gate.index % len(GATE_NAMES)],
                "demand": dict(weekday_table),
                "priority": 3 if gate.main else (2 if gate.pattern <= FULL else 1),
            }
            if weekend_table != weekday_table:
                gate_dict["weekdays"] = {"sat": dict(weekend_table), "sun": dict(weekend_table)}
            gate_dicts.append(gate_dict)
        site_dicts.append(
            {
                "id": f"s{s + 1:03d}",
                "name": f"{district}片区第{s + 1}社区（{households[s]}户）",
                "location": {"lat": lat, "lon": lon},
                "gates": gate_dicts,
            }
        )

    # ---------------------------------------------------------------- people
    n_agencies = max(2, min(12, people // 40))
    site_weight = np.zeros(sites)
    for gate in gate_list:
        site_weight[gate.site] += week_demand(gate.pattern, weekend)
    site_weight /= site_weight.sum()
    person_dicts: list[dict[str, Any]] = []
    for p in range(people):
        r = rng.random()
        if r < 0.60:
            unit, roles = f"agency-{rng.integers(n_agencies) + 1:02d}", ["agency-cadre"]
        elif r < 0.85:
            unit = f"township-{rng.integers(n_districts) + 1:02d}"
            roles = ["township-cadre"]
        else:
            unit, roles = "health-center", ["health"]
        where = rng.random()
        if where < 0.55:  # near the sites (weighted by their demand)
            sx, sy = site_xy[int(rng.choice(sites, p=site_weight))]
            hx, hy = rng.normal(sx, 4.0), rng.normal(sy, 4.0)
        elif where < 0.95:  # anywhere in the city
            hx, hy = rng.normal(0.0, 8.0, size=2)
        else:  # a suburb or county town further out
            angle, radius = rng.uniform(0, 2 * math.pi), rng.uniform(22.0, 40.0)
            hx, hy = radius * math.sin(angle), radius * math.cos(angle)
        norm = math.hypot(hx, hy)
        if norm > 40.0:
            hx, hy = hx * 40.0 / norm, hy * 40.0 / norm
        lat, lon = offset_km(*CENTRE, float(hy), float(hx))
        name = SURNAMES[rng.integers(len(SURNAMES))] + "".join(
            GIVEN[i] for i in rng.integers(len(GIVEN), size=int(rng.integers(1, 3)))
        )
        person: dict[str, Any] = {
            "id": f"p{p + 1:04d}",
            "name": name,
            "unit": unit,
            "roles": roles,
            "home": {"lat": lat, "lon": lon},
        }
        unavailable: list[Any] = []
        if rng.random() < 0.15:
            count = min(days, int(rng.integers(1, 4)))
            for d in sorted(rng.choice(days, size=count, replace=False)):
                unavailable.append(dates[int(d)].isoformat())
        if rng.random() < 0.05:
            day = dates[int(rng.integers(days))].isoformat()
            if day not in unavailable:
                unavailable.append({"date": day, "shift": str(rng.choice(["N", "D", "E"]))})
        if unavailable:
            person["unavailable"] = unavailable
        preferences: list[dict[str, Any]] = []
        if rng.random() < 0.2:
            preferences.append({"kind": "shift", "shift": "N", "want": False, "weight": 2})
        if rng.random() < 0.1:
            day = dates[int(rng.integers(days))].isoformat()
            preferences.append({"kind": "day_off", "date": day, "want": True, "weight": 5})
        if rng.random() < 0.05:
            site = f"s{int(rng.integers(sites)) + 1:03d}"
            preferences.append({"kind": "site", "site": site, "want": True, "weight": 3})
        if preferences:
            person["preferences"] = preferences
        person_dicts.append(person)

    data = {
        "name": f"synth-p{people}-s{sites}-g{gates}-d{days}-seed{seed}",
        "horizon": {"start": start.isoformat(), "days": days, "timezone": "Asia/Shanghai"},
        "sites": site_dicts,
        "people": person_dicts,
        "rules": dict(RULES),
    }
    return Problem.model_validate(data)
