"""The rule tests (tests/rules/test_<family>.py, one file per rule family of dutyplan.rulebook)
and their small building blocks: gates, sites, soft limits, three 8-hour shifts.

Each test solves the same instance without the rule (or with it soft) and with it, checks
the plans differ the way the rule says, and that every plan passes the independent checker
with the solver's objective and level values. Costs are worked out by hand in the comments.
Fairness is switched off unless said (its ranges would muddle the hand computations).
"""

from __future__ import annotations

from typing import Any

from dutyplan.problem import ObjectiveConfig

from _helpers import DAY, EVENING, NIGHT, NO_FAIRNESS

THREE = [NIGHT, DAY, EVENING]  # 00-08, 08-16, 16-24


def gate(demand: dict[str, Any] | None = None, gid: str = "G1", **extra: Any) -> dict[str, Any]:
    return {"id": gid, "demand": demand if demand is not None else {}, **extra}


def site(*gates: dict[str, Any], sid: str = "S1", **extra: Any) -> dict[str, Any]:
    return {"id": sid, "gates": list(gates), **extra}


def soft(value: int, weight: int) -> dict[str, int]:
    return {"value": value, "weight": weight}


SPLIT = [
    {"id": "A", "start": "08:00", "minutes": 240},
    {"id": "B", "start": "13:00", "minutes": 240},
]


SPLIT_SITE = [site(gate({"A": 1, "B": 1}))]


def weighted_objective(**weights: int) -> ObjectiveConfig:
    """The weighted objective with these weights and no fairness."""
    return ObjectiveConfig(mode="weighted", weights=weights, **NO_FAIRNESS)
