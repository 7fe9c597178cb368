"""The cycle's registers: demand assumptions (opportunities & risks), material risks, gap
alternatives, production constraints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planning.access import cycle_for_user
from planning.web.cycle_pages import cycle_action
from reviews.services import (
    demand_assumption_create,
    gap_option_create,
    material_risk_create,
    production_constraint_create,
)
from reviews.web.forms import (
    DemandAssumptionForm,
    GapOptionForm,
    MaterialRiskForm,
    ProductionConstraintForm,
)


@login_required
@require_POST
def assumption_add(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return _register_add(
        request, cycle_id, DemandAssumptionForm, demand_assumption_create,
        key="assumption_form", page="cycle-demand",
    )  # fmt: skip


@login_required
@require_POST
def risk_add(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return _register_add(
        request, cycle_id, MaterialRiskForm, material_risk_create,
        key="risk_form", page="cycle-supply",
    )  # fmt: skip


@login_required
@require_POST
def constraint_add(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return _register_add(
        request, cycle_id, ProductionConstraintForm, production_constraint_create,
        key="constraint_form", page="cycle-supply",
    )  # fmt: skip


def _register_add(
    request: HttpRequest,
    cycle_id: int,
    form_class: Any,
    create: Callable[..., Any],
    *,
    key: str,
    page: str,
) -> HttpResponse:
    """Add an entry to one of the cycle's registers whose families are the unit's own."""
    cycle = cycle_for_user(request.user, cycle_id)
    form = form_class(request.POST, business_unit_id=cycle.business_unit_id)
    return cycle_action(
        request,
        cycle_id,
        form=form,
        key=key,
        page=page,
        call=lambda cycle: create(actor=request.user, cycle_id=cycle.pk, data=form.service_data()),
        success=_("Saved."),
    )


@login_required
@require_POST
def gap_option_add(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = GapOptionForm(request.POST)
    return cycle_action(
        request,
        cycle_id,
        form=form,
        key="gap_option_form",
        page="cycle-supply",
        call=lambda cycle: gap_option_create(
            actor=request.user, cycle_id=cycle.pk, data=form.cleaned_data
        ),
        success=_("Saved."),
    )
