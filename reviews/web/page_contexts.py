"""What the review pages show: the context of each template, with its forms.

A page's forms are unbound when it is shown; when a POST is refused, the view passes the bound
form (``Refused``) and the page shows it with its errors and what the user typed.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from planning.models import Cycle
from planning.permissions import can_take
from planning.web.cycle_pages import cycle_page_register
from reviews.models import GapOption, MaterialRisk, SubmissionKind
from reviews.selectors import finance_by_month, submissions_for_cycle
from reviews.web import grid_page, pages
from reviews.web.forms import (
    DemandAssumptionForm,
    FinanceCommentForm,
    GapOptionForm,
    MaterialRiskForm,
    ProductionConstraintForm,
)


def grid_context(
    request: HttpRequest, cycle: Cycle, fields: tuple[str, ...], page: int = 1, query: str = ""
) -> dict[str, Any]:
    return {
        "cycle": cycle,
        **grid_page.grid_context(request, cycle, fields, page=page, query=query),
        "submissions": submissions_for_cycle(cycle),
        "submittable": {
            kind
            for kind in SubmissionKind
            if can_take(request.user, cycle, f"submission.submit.{kind}")
        },
    }


def demand_context(
    request: HttpRequest, cycle: Cycle, page: int = 1, query: str = ""
) -> dict[str, Any]:
    unit_id = cycle.business_unit_id
    return {
        **grid_context(request, cycle, grid_page.DEMAND_FIELDS, page, query),
        "assumptions": cycle.demand_assumptions.select_related("family"),
        "may_edit_register": pages.may(request.user, cycle, "demand_assumption.edit"),
        "assumption_form": DemandAssumptionForm(business_unit_id=unit_id),
    }


def supply_context(
    request: HttpRequest, cycle: Cycle, page: int = 1, query: str = ""
) -> dict[str, Any]:
    unit_id = cycle.business_unit_id
    return {
        **grid_context(request, cycle, grid_page.SUPPLY_FIELDS, page, query),
        "gaps": pages.gap_months(cycle),
        "gap_options": GapOption.objects.filter(cycle=cycle),
        "risks": MaterialRisk.objects.filter(cycle=cycle).prefetch_related("families"),
        "constraints": cycle.production_constraints.select_related("family"),
        "may_edit_risks": pages.may(request.user, cycle, "material_risk.edit"),
        "may_edit_options": pages.may(request.user, cycle, "production_constraint.edit"),
        "gap_option_form": GapOptionForm(),
        "constraint_form": ProductionConstraintForm(business_unit_id=unit_id),
        "risk_form": MaterialRiskForm(business_unit_id=unit_id),
    }


def finance_context(request: HttpRequest, cycle: Cycle) -> dict[str, Any]:
    months = finance_by_month(cycle)
    submission = next(s for s in submissions_for_cycle(cycle) if s.kind == "finance_review")
    return {
        "cycle": cycle,
        "months": months,
        "submission": submission,
        "may_edit": pages.may(request.user, cycle, "finance_review.edit"),
        "may_submit": pages.may(request.user, cycle, "submission.submit.finance_review"),
        "finance_form": FinanceCommentForm(initial={"comment": submission.comment}),
        "chart": {
            "labels": [f"{row['month']:%Y-%m}" for row in months],
            "inventory": [float(row["inventory_investment"]) for row in months],
            "revenue": [float(row["revenue"]) for row in months],
            "at_risk": [float(row["revenue_at_risk"]) for row in months],
        },
    }


cycle_page_register("cycle-demand", "web/demand_review.html", demand_context)
cycle_page_register("cycle-supply", "web/supply_review.html", supply_context)
cycle_page_register("cycle-finance", "web/finance.html", finance_context)
