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
from planning.web.page_contexts import chart_labels
from planning.workflow import REGISTER_SUBMISSION
from reviews.models import (
    DemandAssumption,
    GapOption,
    MaterialRisk,
    ProductionConstraint,
    SubmissionKind,
    SubmissionState,
)
from reviews.selectors import finance_by_month, submissions_for_cycle
from reviews.web import grid_page, pages
from reviews.web.forms import (
    DemandAssumptionForm,
    FinanceCommentForm,
    GapOptionForm,
    MaterialRiskForm,
    ProductionConstraintForm,
    RegisterEditQueryForm,
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


def _editing(request: HttpRequest, cycle: Cycle, name: str, model: Any, form_class: Any) -> dict:
    """The register's form: for a new entry, or (``?edit_<name>=<id>``) one of the cycle's own
    entries shown with its values. An unreadable or unknown id shows the empty form."""
    query = RegisterEditQueryForm(request.GET)
    entry_id = query.cleaned_data.get(f"edit_{name}") if query.is_valid() else None
    entry = model.objects.filter(cycle=cycle, pk=entry_id).first() if entry_id else None
    initial = form_class.initial_from(entry) if entry else None
    return {
        f"{name}_form": form_class(initial=initial, business_unit_id=cycle.business_unit_id),
        f"{name}_editing": entry.pk if entry else None,
    }


def _may_edit(request: HttpRequest, cycle: Cycle, action: str, submissions: list) -> bool:
    """The user may edit this register now, and its submission is not accepted (frozen)."""
    kind = REGISTER_SUBMISSION[action]
    accepted = any(s.kind == kind and s.state == SubmissionState.ACCEPTED for s in submissions)
    return pages.may(request.user, cycle, action) and not accepted


def demand_context(
    request: HttpRequest, cycle: Cycle, page: int = 1, query: str = ""
) -> dict[str, Any]:
    context = grid_context(request, cycle, grid_page.DEMAND_FIELDS, page, query)
    return {
        **context,
        "assumptions": cycle.demand_assumptions.select_related("family"),
        "may_edit_register": _may_edit(
            request, cycle, "demand_assumption.edit", context["submissions"]
        ),
        **_editing(request, cycle, "assumption", DemandAssumption, DemandAssumptionForm),
    }


def supply_context(
    request: HttpRequest, cycle: Cycle, page: int = 1, query: str = ""
) -> dict[str, Any]:
    context = grid_context(request, cycle, grid_page.SUPPLY_FIELDS, page, query)
    submissions = context["submissions"]
    return {
        **context,
        "gaps": pages.gap_months(cycle),
        "gap_options": GapOption.objects.filter(cycle=cycle),
        "risks": MaterialRisk.objects.filter(cycle=cycle).prefetch_related("families"),
        "constraints": cycle.production_constraints.select_related("family"),
        "may_edit_risks": _may_edit(request, cycle, "material_risk.edit", submissions),
        "may_edit_options": _may_edit(request, cycle, "production_constraint.edit", submissions),
        **_editing(request, cycle, "gap_option", GapOption, GapOptionForm),
        **_editing(request, cycle, "constraint", ProductionConstraint, ProductionConstraintForm),
        **_editing(request, cycle, "risk", MaterialRisk, MaterialRiskForm),
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
        "chart": finance_chart(months),
        "chart_labels": chart_labels(),
    }


def finance_chart(months: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "labels": [f"{row['month']:%Y-%m}" for row in months],
        "inventory": [float(row["inventory_investment"]) for row in months],
        "revenue": [float(row["revenue"]) for row in months],
        "at_risk": [float(row["revenue_at_risk"]) for row in months],
    }


cycle_page_register("cycle-demand", "web/demand_review.html", demand_context)
cycle_page_register("cycle-supply", "web/supply_review.html", supply_context)
cycle_page_register("cycle-finance", "web/finance.html", finance_context)
