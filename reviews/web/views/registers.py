"""The cycle's registers: opportunities & risks (demand page), production constraints, gap
alternatives and material risks (supply page). Each entry is added, edited and deleted here;
a refused form is shown again on its page with the errors next to the fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planning.access import cycle_for_user
from planning.web.cycle_pages import cycle_action
from reviews import registers
from reviews.web.forms import (
    DemandAssumptionForm,
    GapOptionForm,
    MaterialRiskForm,
    ProductionConstraintForm,
    RegisterForm,
)


@dataclass(frozen=True)
class Register:
    form: type[RegisterForm]
    save: Callable[..., Any]
    delete: Callable[..., Any]
    page: str  # the page that shows it (and its form, as ``<name>_form``)


REGISTERS: dict[str, Register] = {
    "assumption": Register(
        DemandAssumptionForm,
        registers.demand_assumption_save,
        registers.demand_assumption_delete,
        "cycle-demand",
    ),
    "constraint": Register(
        ProductionConstraintForm,
        registers.production_constraint_save,
        registers.production_constraint_delete,
        "cycle-supply",
    ),
    "risk": Register(
        MaterialRiskForm,
        registers.material_risk_save,
        registers.material_risk_delete,
        "cycle-supply",
    ),
    "gap_option": Register(
        GapOptionForm, registers.gap_option_save, registers.gap_option_delete, "cycle-supply"
    ),
}


@login_required
@require_POST
def register_add(request: HttpRequest, cycle_id: int, register: str) -> HttpResponse:
    return _save(request, cycle_id, register, None)


@login_required
@require_POST
def register_edit(
    request: HttpRequest, cycle_id: int, register: str, entry_id: int
) -> HttpResponse:
    return _save(request, cycle_id, register, entry_id)


def _save(request: HttpRequest, cycle_id: int, name: str, entry_id: int | None) -> HttpResponse:
    rules = _register(name)
    cycle = cycle_for_user(request.user, cycle_id)
    form = rules.form(request.POST, business_unit_id=cycle.business_unit_id)
    return cycle_action(
        request,
        cycle_id,
        form=form,
        key=f"{name}_form",
        page=rules.page,
        call=lambda cycle: rules.save(
            actor=request.user, cycle_id=cycle.pk, entry=form.entry(), entry_id=entry_id
        ),
        success=_("Saved."),
        extra={f"{name}_editing": entry_id},
    )


@login_required
@require_POST
def register_delete(
    request: HttpRequest, cycle_id: int, register: str, entry_id: int
) -> HttpResponse:
    rules = _register(register)
    form = forms.Form(data={})  # nothing to parse: it only carries the refusal, if any
    return cycle_action(
        request,
        cycle_id,
        form=form,
        key=f"{register}_delete_form",
        page=rules.page,
        call=lambda cycle: rules.delete(actor=request.user, cycle_id=cycle.pk, entry_id=entry_id),
        success=_("Deleted."),
    )


def _register(name: str) -> Register:
    if name not in REGISTERS:
        raise Http404("No such register.")
    return REGISTERS[name]
