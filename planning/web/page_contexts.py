"""What the planning pages show: the analysis charts, the maturity assessments."""

from __future__ import annotations

from typing import Any

from planning.maturity import CRITERIA, LEVEL_DESCRIPTIONS, MaturityLevel
from planning.models import MaturityAssessment
from planning.web.forms import MaturityForm


def analysis_chart(data: Any, family: str | None) -> dict[str, Any]:
    rows = data.rows if family else data.summary
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
