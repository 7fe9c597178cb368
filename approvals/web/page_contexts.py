"""What the workflow pages show: the context of each template, with its forms.

A page's forms are unbound when it is shown; when a POST is refused, the view passes the bound
form (``Refused``) and the page shows it with its errors and what the user typed.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from approvals.services import decision_refusal
from approvals.web import pages
from approvals.web.forms import (
    AdvanceForm,
    ApproveForm,
    CycleOpenForm,
    GuestInviteForm,
    SendBackForm,
)
from planning.access import business_units_for, cycles_for, permissions_prefetch, roles_in
from planning.models import Cycle
from planning.roles import Role
from planning.web.cycle_pages import cycle_page_register
from planning.web.page_contexts import chart_labels, month_summary_chart
from reviews.models import MaterialRisk
from reviews.selectors import finance_by_month
from reviews.web.page_contexts import finance_chart
from reviews.web.pages import gap_months


def overview_context(request: HttpRequest, cycle: Cycle) -> dict[str, Any]:
    return {
        **pages.overview(request.user, cycle),
        "advance_form": AdvanceForm(),
        "invite_form": GuestInviteForm(),
    }


def decision_context(request: HttpRequest, cycle: Cycle) -> dict[str, Any]:
    context = pages.overview(request.user, cycle)
    finance = finance_by_month(cycle)
    context.update(
        gaps=[gap for gap in gap_months(cycle) if gap["analysis"].gap > 0],
        risks=MaterialRisk.objects.filter(cycle=cycle).prefetch_related("families"),
        finance=finance,
        chart=month_summary_chart(context["glance"]["summary"]),
        finance_chart=finance_chart(finance),
        chart_labels=chart_labels(),
        decisions=cycle.capacity_decisions.all(),
        targets=cycle.kpi_targets.all(),
        decision_refusal=decision_refusal(request.user, cycle),
        approve_form=ApproveForm(auto_id="%s", business_unit_id=cycle.business_unit_id),
        send_back_form=SendBackForm(auto_id="%s"),
    )
    return context


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


cycle_page_register("cycle-overview", "web/cycle_overview.html", overview_context)
cycle_page_register("cycle-decision", "web/decision.html", decision_context)
