"""Ranking the alternatives that could close a month's capacity gap (the seed's gap_scenarios).

gap = demand - current capacity.  With no gap, capacity suffices and nothing needs adjusting.
Otherwise each alternative fills min(gap, its additional capacity); alternatives are ranked by
the gap that remains, ties kept in the order they were entered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from planning.engine.balance import MAX_QUANTITY
from planning.engine.errors import InputIssue, PlanInputError

# Cost is money (the model keeps 16 digits, 2 after the point); lead times beyond a century are
# typing errors. Both must be finite: a NaN cost would rank nowhere and print as invalid JSON.
MAX_COST = Decimal(10**14)
MAX_LEAD_TIME_DAYS = 36_500


@dataclass(frozen=True)
class GapOption:
    """One way to add capacity; cost and lead time are carried for the decision, not ranked on."""

    name: str
    additional_capacity: int
    cost: Decimal | None = None
    lead_time_days: int | None = None


@dataclass(frozen=True)
class GapAlternative:
    option: GapOption
    can_fill: int
    remaining_gap: int
    fill_rate: Fraction  # can_fill / gap, exact

    @property
    def name(self) -> str:
        return self.option.name

    @property
    def additional_capacity(self) -> int:
        return self.option.additional_capacity

    @property
    def fill_rate_percent(self) -> str:
        """The seed's whole-percentage rendering, e.g. '75%'."""
        return f"{float(self.fill_rate) * 100:.0f}%"


@dataclass(frozen=True)
class GapAnalysis:
    demand: int
    current_capacity: int
    gap: int  # 0 when capacity suffices
    alternatives: tuple[GapAlternative, ...]

    @property
    def capacity_sufficient(self) -> bool:
        return self.gap == 0


def rank_gap_alternatives(
    demand: int, current_capacity: int, options: Sequence[GapOption]
) -> GapAnalysis:
    """Rank ``options`` by the gap each leaves open; the inputs are not modified."""
    _check_gap_inputs(demand, current_capacity, options)
    gap = demand - current_capacity
    if gap <= 0:
        return GapAnalysis(demand, current_capacity, 0, ())
    alternatives = [
        GapAlternative(
            option=option,
            can_fill=min(gap, option.additional_capacity),
            remaining_gap=max(0, gap - option.additional_capacity),
            fill_rate=Fraction(min(gap, option.additional_capacity), gap),
        )
        for option in options
    ]
    # sorted() is stable: alternatives leaving the same gap keep the order they were entered in.
    ranked = sorted(alternatives, key=lambda alternative: alternative.remaining_gap)
    return GapAnalysis(demand, current_capacity, gap, tuple(ranked))


def _check_gap_inputs(demand: int, current_capacity: int, options: Sequence[GapOption]) -> None:
    issues: list[InputIssue] = []
    for name, value in (("demand", demand), ("current_capacity", current_capacity)):
        issues.extend(_quantity_issues(name, value, row=None))
    for row, option in enumerate(options, start=1):
        if not isinstance(option.name, str) or not option.name.strip():
            issues.append(InputIssue("bad_name", "name", row))
        issues.extend(_quantity_issues("additional_capacity", option.additional_capacity, row))
        issues.extend(_cost_issues(option.cost, row))
        if option.lead_time_days is not None:
            issues.extend(
                _quantity_issues("lead_time_days", option.lead_time_days, row, MAX_LEAD_TIME_DAYS)
            )
    if issues:
        raise PlanInputError(issues)


def _quantity_issues(
    name: str, value: object, row: int | None, limit: int = MAX_QUANTITY
) -> list[InputIssue]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [InputIssue("not_integer", name, row, {"value": value})]
    if value < 0:
        return [InputIssue("negative", name, row, {"value": value})]
    if value > limit:
        return [InputIssue("too_large", name, row, {"value": value, "limit": limit})]
    return []


def _cost_issues(cost: object, row: int) -> list[InputIssue]:
    if cost is None:
        return []
    if not isinstance(cost, Decimal) or not cost.is_finite():
        return [InputIssue("not_number", "cost", row, {"value": cost})]
    if cost < 0:
        return [InputIssue("negative", "cost", row, {"value": cost})]
    if cost > MAX_COST:
        return [InputIssue("too_large", "cost", row, {"value": cost, "limit": MAX_COST})]
    return []
