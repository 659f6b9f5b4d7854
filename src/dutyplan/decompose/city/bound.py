"""The transportation bound on the whole city's plan, and who could work at all."""

from __future__ import annotations

from collections import defaultdict, deque

import numpy as np
from ortools.graph.python import min_cost_flow

from dutyplan.decompose.city.view import CityView, admissible_best


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
