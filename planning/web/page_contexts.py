"""What the planning pages show: the analysis charts, the maturity assessments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from planning.maturity import CRITERIA, LEVEL_DESCRIPTIONS, MaturityLevel
from planning.models import MaturityAssessment, MonthSummary
from planning.web.forms import MaturityForm


def analysis_chart(data: Any, family: str | None) -> dict[str, Any]:
    return balance_chart(data.rows if family else data.summary)


def month_summary_chart(summary: Iterable[MonthSummary]) -> dict[str, Any]:
    """The whole business unit's charts from its month summaries (the decision page's)."""
    return balance_chart(
        [{name: getattr(row, name) for name in BALANCE_CHART_FIELDS} for row in summary]
    )


BALANCE_CHART_FIELDS = (
    "month",
    "effective_demand",
    "production_plan",
    "closing_stock",
    "safety_stock_target",
    "capacity_max",
    "utilization",
)


def balance_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "labels": [f"{row['month']:%Y-%m}" for row in rows],
        "demand": [row["effective_demand"] for row in rows],
        "production": [row["production_plan"] for row in rows],
        "closing": [row["closing_stock"] for row in rows],
        "safety": [row["safety_stock_target"] for row in rows],
        "capacity": [row["capacity_max"] for row in rows],
        "utilization": [
            None if row["utilization"] is None else round(row["utilization"] * 100, 1)
            for row in rows
        ],
    }


def chart_labels() -> dict[str, str]:
    """The words on the charts (``sop/charts.js``): series names and axis titles."""
    return {
        "demand": _("Effective demand"),
        "production": _("Production plan"),
        "closing": _("Closing stock"),
        "safety": _("Safety stock target"),
        "capacity": _("Maximum capacity"),
        "utilization": _("Utilization") + " %",
        "inventory": _("Inventory investment"),
        "revenue": _("Revenue"),
        "at_risk": _("Revenue at risk"),
        "axis_month": _("Month"),
        "axis_units": _("Units per month"),
        "axis_stock": _("Units (demand, production, stock)"),
        "axis_percent": _("Capacity utilization (%)"),
        "axis_amount": _("Amount (%(currency)s)") % {"currency": settings.SOP_CURRENCY},
    }


def maturity_context(units: Any, form: MaturityForm, may_assess: bool) -> dict[str, Any]:
    assessments = MaturityAssessment.objects.filter(business_unit__in=units).select_related(
        "business_unit", "assessed_by"
    )
    chart: dict[str, list] = {}
    for row in assessments.order_by("assessed_on"):
        chart.setdefault(row.business_unit.name, []).append(
            {"x": f"{row.assessed_on:%Y-%m-%d}", "y": row.level}
        )
    return {
        "units": units,
        "assessments": assessments,
        "levels": [(level, LEVEL_DESCRIPTIONS[level]) for level in MaturityLevel],
        "criteria": [(code, level, label) for code, (level, label) in CRITERIA.items()],
        "may_assess": may_assess,
        "chart": chart,
        "form": form,
    }
