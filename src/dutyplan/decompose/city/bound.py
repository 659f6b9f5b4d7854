"""The transportation bound on the whole city's plan, and who could work at all."""

from __future__ import annotations

import logging

import numpy as np
from ortools.graph.python import min_cost_flow

from dutyplan.budget import Budget
from dutyplan.decompose.city.view import CHUNK, CityView, admissible, look_up, with_pairs

logger = logging.getLogger("dutyplan")


# Pricing rounds of the transportation LP at most (each a min-cost flow on the pairs so far
# and one scan of every person against every site with a positive price), and pairs added per
# person in a round: the sites where their reduced cost is most negative.
PRICING_ROUNDS = 30
PAIRS_PER_ROUND = 4


def transport_bound(
    view: CityView, pairs: tuple[np.ndarray, np.ndarray, np.ndarray], cover_first: bool,
    budget: Budget | None = None, rounds: int = PRICING_ROUNDS, weights: tuple[int, int] | None = None,
) -> int:
    """A lower bound for the whole problem from the transportation LP over **every**
    admissible (person, site) pair, by column generation on its dual.

    ``cover_first=True``: on the cover level (a missed person-shift at site k costs at least
    its cheapest miss there; duties cost nothing). ``False``: on commute for any plan that
    covers everything (a miss where missing costs something costs more than any duty's km, so
    the LP with misses is a relaxation of the one without). ``weights=(cover, commute)``
    (with ``cover_first=False``): on ``cover * cover + commute * commute`` for any plan, as
    a weighted objective asks (a duty costs ``commute * km``, a miss ``cover`` times the
    cheapest miss at its site). The restricted LP on ``pairs`` is solved as a min-cost
    flow and its dual read from node potentials; every person is then priced against every
    site with a positive dual (in blocks of people), which gives a feasible dual of the full
    LP, so a bound (weak duality), and the pairs whose reduced cost is negative. Those are
    added and the flow solved again, until none is left (the bound is then the full LP's
    optimum), ``rounds`` are done or ``budget`` runs out. Returns the best bound of any round.
    """
    best = 0
    duty, miss = _costs(view, cover_first, weights, pairs[2])
    for round_no in range(max(1, rounds)):
        keys = np.sort(pairs[0] * view.n_sites + pairs[1])
        duals = _flow_duals(view, pairs, duty, miss)
        if duals is None:
            break
        pi, mu = duals
        mu_full, new_p, new_k = _price(view, pi, mu, duty, keys)
        value = float(view.demand @ pi - view.caps @ mu_full)
        best = max(best, int(np.floor(value + 1e-6)))
        logger.debug("transportation LP round %d: %d pairs, bound %d, %d pairs priced in",
                     round_no, len(pairs[0]), best, len(new_p))
        if not len(new_p) or (budget is not None and budget.expired()):
            break
        pairs = with_pairs(view, pairs, new_p, new_k)
    return best


def _costs(view: CityView, cover_first: bool, weights: tuple[int, int] | None,
           km: np.ndarray) -> tuple[int, np.ndarray]:
    """(cost of a duty per km, cost of a missed person-shift at each site) in the LP.

    Cover: duties free, a miss its site's cheapest. Weighted: ``commute`` per km, ``cover``
    times the cheapest miss. Commute given full cover: 1 per km, a miss ten times more than
    the longest hard km cap or pair given (any cost keeps the LP a relaxation; the higher,
    the closer to the LP without misses), but nothing where a miss may cost nothing (a gate
    with ``under_weight`` 0: a plan of cover 0 may leave it short)."""
    cheapest = view.cheapest.astype(np.int64)
    if cover_first:
        return 0, cheapest
    if weights is not None:
        return int(weights[1]), int(weights[0]) * cheapest
    most = max(int(view.km_cap[np.isfinite(view.km_cap)].max(initial=0)), int(km.max(initial=0)))
    return 1, np.where(cheapest > 0, 10 * (most + 1), 0).astype(np.int64)


def _flow_duals(
    view: CityView, pairs: tuple[np.ndarray, np.ndarray, np.ndarray], duty: int, miss: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """(pi [K], mu [P]): a dual of the transportation LP restricted to ``pairs`` from the node
    potentials of its optimal min-cost flow (see :func:`transport_bound`); None if the flow
    has no optimum."""
    people, sites, km = pairs
    n_p, n_k = view.n_people, view.n_sites
    demand = view.demand
    caps = view.caps
    cost = duty * km
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
        return None
    flows = flow.flows(np.arange(flow.num_arcs()))
    potential = _potentials(spill + 1, tails, heads, capacity, unit, flows)
    # with these potentials every residual arc has a reduced cost >= 0 (see _potentials), so
    # pi[k] = d[k] - d[spill], mu[p] = d[p] - d[spill] is a dual of the restricted LP
    pi = np.clip(potential[n_p : n_p + n_k] - potential[spill], 0.0, miss.astype(float))
    mu = np.maximum(0.0, potential[:n_p] - potential[spill])
    return pi, mu


def _potentials(n_nodes: int, tails: np.ndarray, heads: np.ndarray, capacity: np.ndarray,
                unit: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """Shortest distances ``d`` in the residual network of an optimal flow, from a root joined
    to every node at cost 0 (Bellman-Ford over all arcs at once; an optimal flow leaves no
    negative cycle). ``d[head] <= d[tail] + cost`` on every residual arc, so ``-d`` are
    optimal node potentials (complementary slackness)."""
    forward = flows < capacity
    backward = flows > 0
    tail = np.concatenate([tails[forward], heads[backward]])
    head = np.concatenate([heads[forward], tails[backward]])
    cost = np.concatenate([unit[forward], -unit[backward]]).astype(np.float64)
    order = np.argsort(head, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    starts = np.flatnonzero(np.r_[True, head[1:] != head[:-1]]) if len(head) else np.zeros(0, np.int64)
    targets = head[starts]
    distance = np.zeros(n_nodes)
    for _ in range(n_nodes + 1):
        reach = np.minimum.reduceat(distance[tail] + cost, starts) if len(starts) else starts
        better = reach < distance[targets] - 1e-9
        if not better.any():
            break
        distance[targets[better]] = reach[better]
    return distance


def _price(view: CityView, pi: np.ndarray, mu: np.ndarray, duty: int,
           keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every person against every admissible site with ``pi > 0``, in blocks of people:
    ``mu_full[p] = max(0, max_k pi[k] - duty * km[p, k])`` (a feasible dual of the full LP
    with ``pi``) and, for each person, up to :data:`PAIRS_PER_ROUND` pairs not in ``keys``
    whose reduced cost ``duty * km - pi[k] + mu[p]`` is negative (most negative first).

    With coordinates, people are taken in blocks of neighbours and each block skips the sites
    that no one in it can reach for less than their price (by a lower bound on the distance
    from the block's box; such a pair's value is <= 0, so it changes neither ``mu_full`` nor
    the pairs added)."""
    mu_full = np.zeros(view.n_people)
    priced = np.flatnonzero(pi > 1e-9)
    new_p: list[np.ndarray] = []
    new_k: list[np.ndarray] = []
    if not len(priced):
        return mu_full, np.zeros(0, np.int64), np.zeros(0, np.int64)
    for people, sites in _blocks(view, pi, priced, duty):
        if not len(sites):
            continue
        pp = np.repeat(people, len(sites)).reshape(len(people), len(sites))
        kk = np.broadcast_to(sites, pp.shape)
        ok, km = admissible(view, pp.ravel(), kk.ravel())
        value = pi[sites][None, :] - duty * km.reshape(pp.shape)
        value = np.where(ok.reshape(pp.shape), value, -np.inf)
        mu_full[people] = np.maximum(0.0, value.max(axis=1))
        gain = value - mu[people][:, None]
        take = min(PAIRS_PER_ROUND, len(sites))
        top = np.argpartition(-gain, take - 1, axis=1)[:, :take]
        top_gain = np.take_along_axis(gain, top, axis=1)
        hit = top_gain > 1e-6
        cand_p, cand_k = pp[:, :take][hit], sites[top[hit]]
        fresh = ~look_up(keys, cand_p * view.n_sites + cand_k)[1]
        new_p.append(cand_p[fresh])
        new_k.append(cand_k[fresh])
    if not new_p:
        return mu_full, np.zeros(0, np.int64), np.zeros(0, np.int64)
    return mu_full, np.concatenate(new_p).astype(np.int64), np.concatenate(new_k).astype(np.int64)


NEIGHBOURS = 512  # people per block when blocks are boxes of neighbours
EARTH_KM = 6371.0  # a little below the haversine's radius: distances from it are lower bounds


def _blocks(view: CityView, pi: np.ndarray, priced: np.ndarray, duty: int):  # noqa: ANN202
    """(people, sites) blocks for :func:`_price`: every person once, each with the priced
    sites some pair of the block might be worth (all of them without coordinates)."""
    size = max(1, CHUNK * 4096 // max(1, len(priced)))
    if view.coords is None:
        for start in range(0, view.n_people, size):
            yield np.arange(start, min(view.n_people, start + size)), priced
        return
    homes, places = (np.radians(c) for c in view.coords)
    # bands of latitude, each cut along longitude: blocks of neighbours, small enough that
    # their boxes leave out most sites
    size = min(size, NEIGHBOURS)
    bands = max(1, int(np.ceil(np.sqrt(view.n_people / size))))
    by_lat = np.argsort(homes[:, 0], kind="stable")
    lowest_cos = float(np.cos(np.abs(np.concatenate([homes[:, 0], places[:, 0]])).max()))
    lon_ok = float(np.ptp(np.concatenate([homes[:, 1], places[:, 1]]))) < np.pi / 2
    site_lat, site_lon = places[priced, 0], places[priced, 1]
    # a pair is worth pricing only if its round trip's cost may be below the site's price
    # (the whole km is at least the round trip less 0.5); without km costs, only within the
    # km cap
    reach = np.full(len(priced), np.inf) if duty <= 0 else (pi[priced] / duty + 0.5) / 2.0
    for band in np.array_split(by_lat, bands):
        band = band[np.argsort(homes[band, 1], kind="stable")]
        for start in range(0, len(band), size):
            people = band[start : start + size]
            lat, lon = homes[people, 0], homes[people, 1]
            d_lat = np.maximum(0.0, np.maximum(lat.min() - site_lat, site_lat - lat.max()))
            lower = EARTH_KM * d_lat
            if lon_ok:
                d_lon = np.maximum(0.0, np.maximum(lon.min() - site_lon, site_lon - lon.max()))
                across = 2 * EARTH_KM * np.arcsin(np.clip(lowest_cos * np.sin(d_lon / 2), 0.0, 1.0))
                lower = np.maximum(lower, across)
            cap = float(view.km_cap[people].max())
            keep = (lower < reach) & (2.0 * lower - 0.5 <= cap)
            yield np.sort(people), priced[keep]


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
