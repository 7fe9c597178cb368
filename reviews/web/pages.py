"""What the review pages show: the plan grid, the gap alternatives per month."""

from __future__ import annotations

from typing import Any

from planning.engine import GapOption as EngineGapOption
from planning.engine import rank_gap_alternatives
from planning.models import Cycle, MonthSummary
from planning.permissions import ACTION_RULES, can_take
from reviews.models import GapOption


def gap_months(cycle: Cycle) -> list[dict[str, Any]]:
    """Per month where demand exceeds planned production, the alternatives ranked (seed logic)."""
    options = [
        (
            set(option.months),
            EngineGapOption(
                option.name, option.additional_capacity, option.cost, option.lead_time_days
            ),
        )
        for option in GapOption.objects.filter(cycle=cycle)
    ]
    result = []
    for month in MonthSummary.objects.filter(cycle=cycle).order_by("month"):
        # An alternative limited to some months is ranked in those months only.
        usable = [
            option for months, option in options if not months or f"{month.month:%Y-%m}" in months
        ]
        analysis = rank_gap_alternatives(month.effective_demand, month.production_plan, usable)
        result.append({"month": month.month, "analysis": analysis})
    return result


def may(user: Any, cycle: Cycle, action: str) -> bool:
    return action in ACTION_RULES and can_take(user, cycle, action)
