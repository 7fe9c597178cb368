"""What the review pages show: the plan grid, the gap alternatives per month."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planning.engine import GapOption as EngineGapOption
from planning.engine import rank_gap_alternatives
from planning.issue_messages import FIELD_LABELS
from planning.models import Cycle, LineAnalysis, MonthSummary, PlanLine, ProductFamily
from planning.permissions import ACTION_RULES, can_take, editable_fields
from reviews.models import GapOption

FAMILIES_PER_PAGE = 20


@dataclass(frozen=True)
class GridRow:
    family: ProductFamily
    field: str
    label: Any
    cells: list[Any]  # PlanLine per month, or an int for computed rows
    editable: bool
    computed: bool = False


def grid(
    user: Any, cycle: Cycle, fields: tuple[str, ...], page: int, computed: tuple[str, ...]
) -> dict[str, Any]:
    """A page of families x months: input rows (editable where allowed) and computed rows."""
    families_all = ProductFamily.objects.filter(plan_lines__cycle=cycle).distinct().order_by("code")
    total = families_all.count()
    pages = max(1, -(-total // FAMILIES_PER_PAGE))
    page = min(max(page, 1), pages)
    families = list(families_all[(page - 1) * FAMILIES_PER_PAGE : page * FAMILIES_PER_PAGE])
    lines = (
        PlanLine.objects.filter(cycle=cycle, family__in=families)
        .select_related("family")
        .order_by("month")
    )
    by_family: dict[int, list[PlanLine]] = {}
    for line in lines:
        by_family.setdefault(line.family_id, []).append(line)
    analyses = {
        row["plan_line_id"]: row
        for row in LineAnalysis.objects.filter(cycle=cycle, family__in=families).values(
            "plan_line_id", *computed, "over_capacity"
        )
    }
    allowed = editable_fields(user, cycle)
    months = [line.month for line in by_family.get(families[0].pk, [])] if families else []
    rows = []
    for family in families:
        family_lines = by_family.get(family.pk, [])
        for field in fields:
            rows.append(GridRow(family, field, FIELD_LABELS[field], family_lines, field in allowed))
        for field in computed:
            values = [analyses.get(line.pk, {}).get(field) for line in family_lines]
            rows.append(GridRow(family, field, FIELD_LABELS[field], values, False, computed=True))
    over_capacity = {pk for pk, row in analyses.items() if row["over_capacity"]}
    return {
        "rows": rows,
        "months": months,
        "page": page,
        "pages": pages,
        "total": total,
        "over_capacity": over_capacity,
    }


def gap_months(cycle: Cycle) -> list[dict[str, Any]]:
    """Per month where demand exceeds planned production, the alternatives ranked (seed logic)."""
    options = [
        EngineGapOption(option.name, option.additional_capacity, option.cost, option.lead_time_days)
        for option in GapOption.objects.filter(cycle=cycle)
    ]
    result = []
    for month in MonthSummary.objects.filter(cycle=cycle).order_by("month"):
        analysis = rank_gap_alternatives(month.effective_demand, month.production_plan, options)
        result.append({"month": month.month, "analysis": analysis})
    return result


def may(user: Any, cycle: Cycle, action: str) -> bool:
    return action in ACTION_RULES and can_take(user, cycle, action)
