"""The site choice by min-cost flow over the candidate pairs, with units kept together and spare
people added afterwards; the free people nearest a site."""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
from ortools.graph.python import min_cost_flow

from dutyplan.decompose.city.view import (
    FLOW_HEADROOM,
    CityView,
    admissible,
    look_up,
    plane_coordinates,
    plane_distance,
    role_demand,
)
from dutyplan.problem import Problem

UNIT_ROUNDS = 4  # slope-scaling rounds of the flow that keeps units together
SPARE_ROUNDS = 8  # rounds of looking for free people near sites still short of spare capacity


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
    _, present = look_up(unit_site_pairs(units, site_of, view.n_sites), units[pool[0]] * view.n_sites + pool[1])
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
        at, found = look_up(keys, units[people] * n_k + sites)
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
    planar = plane_coordinates(view)
    out_p, out_k, out_km = [], [], []
    for start in range(0, len(wanting), 256):
        block = wanting[start : start + 256]
        most = int(count[start : start + 256].max())
        if planar is None:
            shape = (len(block), len(free))
            dist = view.km_pairs(np.broadcast_to(free, shape), np.broadcast_to(block[:, None], shape))
        else:
            homes, places = planar
            dist = plane_distance(places[block], homes[free])
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
