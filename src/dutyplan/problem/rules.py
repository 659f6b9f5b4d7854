"""The rules: a limit (hard, or soft with a weight), successions, role requirements, the
rules of a problem or a person, and how the objective's levels are weighed."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
)

from dutyplan.problem.fields import (
    MAX_LIMIT,
    MAX_NEED,
    Id,
    Level,
    PositiveWeight,
    ProblemPart,
    Weight,
)


class Limit(ProblemPart):
    """A rule bound: hard when ``weight`` is None, else soft with that cost per unit."""

    value: int = Field(ge=0, le=MAX_LIMIT)
    weight: PositiveWeight | None = None

    @property
    def hard(self) -> bool:
        return self.weight is None


def _limit_value(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a limit is a whole number or {value, weight}")
    if isinstance(value, int):
        return {"value": value}
    return value


LimitValue = Annotated[Limit, BeforeValidator(_limit_value)]


class Succession(ProblemPart):
    """Working ``first`` on one date and ``then`` on the next date is forbidden (or costs weight)."""

    first: str
    then: str
    weight: PositiveWeight | None = None


class RoleRequirement(ProblemPart):
    """At least ``count`` people with ``role`` on duty at a site whenever it is open.

    Open means some gate of the site needs people; the rule is checked minute by minute
    (over the pieces between shift boundaries), so mixed shift lengths are handled. Soft
    when ``weight`` is set: cost ``weight`` per missing person per minute.
    """

    role: Id
    count: int = Field(default=1, ge=1, le=MAX_NEED)
    sites: list[str] | None = Field(default=None, description="default: every site")
    weight: PositiveWeight | None = None


class Rules(ProblemPart):
    """Rest, run-length, hours, commute and team rules (see README for each unit of cost).

    All limits are per person; a person's ``rules`` override these field by field.
    Runs (consecutive days) follow the Curtois-Qu convention: days before and after the
    horizon count as off for maximum runs, and a run touching either end of the horizon is
    never too short.
    """

    max_shifts_per_day: LimitValue | None = Field(
        default_factory=lambda: Limit(value=1), description="shifts starting on one date"
    )
    min_rest_hours: LimitValue | None = Field(
        default=None, description="hours between end of a shift and start of the next; cost per pair"
    )
    forbidden_successions: list[Succession] = Field(default_factory=list)
    min_consecutive_days: LimitValue | None = None
    max_consecutive_days: LimitValue | None = None
    min_consecutive_days_off: LimitValue | None = None
    min_days_off_per_7: LimitValue | None = Field(
        default=None, description="in every 7 consecutive days of the horizon; cost per day short"
    )
    max_hours_per_7: LimitValue | None = Field(
        default=None, description="in every 7 consecutive days; cost per minute over"
    )
    min_minutes: LimitValue | None = Field(default=None, description="over the horizon; per minute")
    max_minutes: LimitValue | None = Field(default=None, description="over the horizon; per minute")
    max_shifts: dict[str, LimitValue] = Field(
        default_factory=dict, description="per shift type over the horizon; cost per shift over"
    )
    max_consecutive_nights: LimitValue | None = Field(
        default=None, description="consecutive dates with a night shift; cost per night over"
    )
    max_weekends: LimitValue | None = Field(default=None, description="cost per weekend over")
    max_commute_km: LimitValue | None = Field(
        default=None, description="round trip per duty; soft cost per km over, per duty"
    )
    max_day_minutes: LimitValue | None = Field(
        default=None, description="shift + round-trip commute minutes; soft cost per minute over"
    )
    keep_one_site: bool = Field(default=True, description="a person works at one site only")
    unit_sites_weight: PositiveWeight | None = Field(
        default=None, description="cost per site beyond the first used by one unit"
    )
    roles: list[RoleRequirement] = Field(default_factory=list)


PERSON_ONLY_FORBIDDEN = ("unit_sites_weight", "roles")


class ObjectiveConfig(ProblemPart):
    """How the levels (cover, rules, preferences, commute, fairness) are combined.

    ``lexicographic`` (default when no weights are given) optimises the levels one after
    another in that order; ``weighted`` optimises ``sum(weights[level] * level)`` in one go.
    The reported scalar objective is always ``sum(weights[level] * level)``.
    Fairness is ``nights * range(nights) + weekends * range(weekend shifts) +
    minutes * range(minutes worked)``, ranges taken over people who could work at all, plus
    ``shift_squares * sum((shifts worked)^2)`` over all people (a balance of shift counts).
    """

    mode: Literal["lexicographic", "weighted"] | None = None
    weights: dict[Level, Weight] = Field(default_factory=dict)
    fairness_nights: Weight = 480
    fairness_weekends: Weight = 480
    fairness_minutes: Weight = 1
    fairness_shift_squares: Weight = 0
    fairness_households: Weight = Field(
        default=0, description="caseloads: weight of the range of household-dates answered for, "
        "over the people who take households (balanced caseloads)",
    )

    @property
    def effective_mode(self) -> str:
        if self.mode is not None:
            return self.mode
        return "weighted" if self.weights else "lexicographic"

    def weight(self, level: str) -> int:
        return self.weights.get(level, 1)  # type: ignore[call-overload]
