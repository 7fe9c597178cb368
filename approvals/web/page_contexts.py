"""What each browser page shows: the context of its template, with its forms.

A page's forms are unbound when it is shown; when a POST is refused, the view passes the bound
form (``Refused``) and the page shows it with its errors and what the user typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from approvals.services import decision_refusal
from approvals.web import pages
from approvals.web.forms import (
    AdvanceForm,
    ApproveForm,
    CycleOpenForm,
    DemandAssumptionForm,
    FinanceCommentForm,
    GapOptionForm,
    GuestInviteForm,
    MaterialRiskForm,
    MaturityForm,
    ProductionConstraintForm,
    SendBackForm,
)
from planning.access import business_units_for, cycles_for, permissions_prefetch, roles_in
from planning.maturity import CRITERIA, LEVEL_DESCRIPTIONS, MaturityLevel
from planning.models import Cycle, MaturityAssessment
from planning.roles import Role
from reviews.models import GapOption, MaterialRisk
from reviews.selectors import finance_by_month, submissions_for_cycle

DEMAND_FIELDS = ("demand_forecast", "confirmed_orders")
SUPPLY_FIELDS = ("production_plan", "capacity_max", "safety_stock_target")
BAD_INPUT, CONFLICT = 400, 409


# --- the cycle's pages --------------------------------------------------------------------


@dataclass
class Refused:
    """A form that was refused, for the page that shows it again (``key`` names it there)."""

    key: str
    form: forms.Form
    status: int
    extra: dict[str, Any] | None = None


def page_context(request: HttpRequest, cycle: Cycle, page: str, refused: Refused | None) -> dict:
    builder = PAGE_BUILDERS[page]
    context = builder(request, cycle)
    if refused is not None:
        context[refused.key] = refused.form
        context.update(refused.extra or {})
    return context


def render_page(
    request: HttpRequest, cycle: Cycle, page: str, refused: Refused | None = None
) -> HttpResponse:
    template = PAGE_TEMPLATES[page]
    status = refused.status if refused else 200
    return render(request, template, page_context(request, cycle, page, refused), status=status)


def overview_context(request: HttpRequest, cycle: Cycle) -> dict[str, Any]:
    return {
        **pages.overview(request.user, cycle),
        "advance_form": AdvanceForm(),
        "invite_form": GuestInviteForm(),
    }


def grid_context(
    request: HttpRequest, cycle: Cycle, fields: tuple[str, ...], page: int = 1
) -> dict[str, Any]:
    return {
        "cycle": cycle,
        "grid": pages.grid(request.user, cycle, fields, page, ("closing_stock",)),
        "submissions": submissions_for_cycle(cycle),
        "overview": pages.overview(request.user, cycle),
    }


def demand_context(request: HttpRequest, cycle: Cycle, page: int = 1) -> dict[str, Any]:
    unit_id = cycle.business_unit_id
    return {
        **grid_context(request, cycle, DEMAND_FIELDS, page),
        "assumptions": cycle.demand_assumptions.select_related("family"),
        "may_edit_register": pages.may(request.user, cycle, "demand_assumption.edit"),
        "assumption_form": DemandAssumptionForm(business_unit_id=unit_id),
    }


def supply_context(request: HttpRequest, cycle: Cycle, page: int = 1) -> dict[str, Any]:
    unit_id = cycle.business_unit_id
    return {
        **grid_context(request, cycle, SUPPLY_FIELDS, page),
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


def decision_context(request: HttpRequest, cycle: Cycle) -> dict[str, Any]:
    context = pages.overview(request.user, cycle)
    context.update(
        gaps=[gap for gap in pages.gap_months(cycle) if gap["analysis"].gap > 0],
        risks=MaterialRisk.objects.filter(cycle=cycle).prefetch_related("families"),
        finance=finance_by_month(cycle),
        decisions=cycle.capacity_decisions.all(),
        targets=cycle.kpi_targets.all(),
        decision_refusal=decision_refusal(request.user, cycle),
        approve_form=ApproveForm(auto_id="%s"),
        send_back_form=SendBackForm(auto_id="%s"),
    )
    return context


PAGE_BUILDERS: dict[str, Callable[[HttpRequest, Cycle], dict[str, Any]]] = {
    "cycle-overview": overview_context,
    "cycle-demand": demand_context,
    "cycle-supply": supply_context,
    "cycle-finance": finance_context,
    "cycle-decision": decision_context,
}
PAGE_TEMPLATES = {
    "cycle-overview": "web/cycle_overview.html",
    "cycle-demand": "web/demand_review.html",
    "cycle-supply": "web/supply_review.html",
    "cycle-finance": "web/finance.html",
    "cycle-decision": "web/decision.html",
}


def home_context(request: HttpRequest, open_form: CycleOpenForm | None = None) -> dict:
    cycles = cycles_for(request.user).order_by("business_unit__name", "-plan_month")
    units = list(business_units_for(request.user))
    permissions_prefetch(request.user, units)
    chairs = [unit for unit in units if Role.DIRECTOR in roles_in(request.user, unit)]
    return {
        "cycles": cycles,
        "tasks": pages.open_tasks(request.user),
        "chairs": chairs,
        "open_form": open_form or CycleOpenForm(units=chairs),
    }


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
