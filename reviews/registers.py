"""The cycle's registers: opportunities & risks (sales), production constraints and gap
alternatives (production), material risks (procurement). Each entry is created, edited and
deleted by one service: the cycle locked, the register's permission and its submission checked
(an accepted submission's inputs are frozen), the input checked against the cycle (its own
families, months within its horizon), audited.

The services take typed inputs (``*Input``): the API serializers and the browser forms both
build them from what they parsed, so nothing is parsed twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from planning.access import cycle_for_user, cycle_roles
from planning.errors import StageConflict, SubmissionAccepted
from planning.live.publish import cycle_changed_publish
from planning.models import Cycle, ProductFamily
from planning.months import add_months
from planning.permissions import accepted_refusal, stage_names
from planning.roles import Stage
from planning.services.audit import audit_record
from planning.workflow import ACTION_RULES, REGISTER_SUBMISSION
from reviews.models import (
    DemandAssumption,
    GapOption,
    MaterialRisk,
    ProductionConstraint,
    Submission,
    SubmissionState,
)

Entry = TypeVar("Entry", bound=models.Model)
# The name of each register's entries in the audit trail (``<name>_created|changed|deleted``).
AUDIT_NAMES: dict[type[models.Model], str] = {
    DemandAssumption: "demand_assumption",
    ProductionConstraint: "production_constraint",
    MaterialRisk: "material_risk",
    GapOption: "gap_option",
}

# Each register in words, for its refusals: several registers share one permission
# (constraints and gap alternatives), so a refusal names the register, never the permission.
REGISTER_WORDS: dict[type[models.Model], Promise] = {
    DemandAssumption: gettext_lazy("opportunities and risks"),
    ProductionConstraint: gettext_lazy("production constraints"),
    MaterialRisk: gettext_lazy("material risks"),
    GapOption: gettext_lazy("gap alternatives"),
}
FINANCE_COMMENT_WORDS = gettext_lazy("finance comments")


@dataclass(frozen=True)
class DemandAssumptionInput:
    kind: str
    quantity: int
    probability: int
    description: str
    family: ProductFamily | None = None
    months: Sequence[datetime.date] = ()
    owner: str = ""


@dataclass(frozen=True)
class ProductionConstraintInput:
    note: str
    family: ProductFamily | None = None
    month: datetime.date | None = None


@dataclass(frozen=True)
class MaterialRiskInput:
    material: str
    risk_level: str
    supplier: str = ""
    families: Sequence[ProductFamily] = ()
    months: Sequence[datetime.date] = ()
    quantity_at_risk: int | None = 0
    mitigation: str = ""
    owner: str = ""
    due_date: datetime.date | None = None


@dataclass(frozen=True)
class GapOptionInput:
    name: str
    additional_capacity: int
    cost: Decimal | None = None
    lead_time_days: int | None = None
    # The months it can close a gap in; none: every month of the horizon.
    months: Sequence[datetime.date] = field(default=())


# --- checks against the cycle -------------------------------------------------------------------


def register_edit_begin(actor: Any, cycle_id: int, action: str, register: Promise) -> Cycle:
    """The locked cycle, if ``actor`` may edit this register (``register``: its name in words)
    now: its role and stage, and its submission not accepted (an accepted submission's inputs
    are frozen)."""
    cycle = cycle_for_user(actor, cycle_id, for_update=True)
    _require_register_action(actor, cycle, action, register)
    kind = REGISTER_SUBMISSION[action]
    if Submission.objects.filter(cycle=cycle, kind=kind, state=SubmissionState.ACCEPTED).exists():
        raise SubmissionAccepted(accepted_refusal(kind), extra={"submission": kind.value})
    cycle_changed_publish(cycle.pk, "register")  # sent only if the edit commits
    return cycle


def _require_register_action(actor: Any, cycle: Cycle, action: str, register: Promise) -> None:
    """The permission check of ``require_action``, its refusals naming the register."""
    roles, stages = ACTION_RULES[action]
    if not roles & cycle_roles(actor, cycle):
        raise PermissionDenied(
            _("Your role may not add, edit or delete %(register)s in this cycle.")
            % {"register": register}
        )
    if Stage(cycle.stage) not in stages:
        raise StageConflict(
            _("%(register)s cannot be changed in the %(stage)s stage; they can be in: %(stages)s.")
            % {
                "register": capfirst(str(register)),
                "stage": Stage(cycle.stage).label,
                "stages": stage_names(stages),
            },
            extra={"stage": cycle.stage},
        )


def _horizon_months(cycle: Cycle, months: Sequence[datetime.date], name: str) -> list[str]:
    """The months as YYYY-MM, sorted, once each; a month outside the horizon is refused."""
    first = cycle.horizon_start.replace(day=1)
    last = add_months(first, cycle.horizon_months - 1)
    outside = sorted({month for month in months if not first <= month.replace(day=1) <= last})
    if outside:
        raise ValidationError(
            {
                name: _("%(months)s is outside this cycle's horizon (%(first)s to %(last)s).")
                % {
                    "months": ", ".join(f"{month:%Y-%m}" for month in outside),
                    "first": f"{first:%Y-%m}",
                    "last": f"{last:%Y-%m}",
                }
            }
        )
    return sorted({f"{month:%Y-%m}" for month in months})


def _own_family(cycle: Cycle, family: ProductFamily | None, name: str = "family") -> None:
    if family is not None and family.business_unit_id != cycle.business_unit_id:
        raise ValidationError({name: _("No such product family in this business unit.")})


def _entry(cycle: Cycle, model: type[Entry], entry_id: int) -> Entry:
    entry = model._default_manager.select_for_update().filter(pk=entry_id, cycle=cycle).first()
    if entry is None:
        raise Http404(_("No such entry in this cycle's register."))
    return entry


def _save(
    *,
    actor: Any,
    cycle_id: int,
    action: str,
    model: type[Entry],
    entry_id: int | None,
    fill: Callable[[Cycle, Entry], dict[str, Any]],
) -> Entry:
    """Create (``entry_id`` None) or edit one register entry: ``fill`` checks the input against
    the cycle, sets the entry's fields and returns what the audit row records."""
    with transaction.atomic():
        cycle = register_edit_begin(actor, cycle_id, action, REGISTER_WORDS[model])
        entry = (
            model(cycle=cycle, created_by=actor)
            if entry_id is None
            else _entry(cycle, model, entry_id)
        )
        summary = fill(cycle, entry)
        entry.full_clean(exclude=["cycle", "family", "created_by"])
        entry.save()
        name = AUDIT_NAMES[model]
        audit_record(
            action=f"{name}_{'created' if entry_id is None else 'changed'}",
            actor=actor,
            cycle=cycle,
            target=f"{name}:{entry.pk}",
            after=summary,
        )
    return entry


def _delete(*, actor: Any, cycle_id: int, action: str, model: type[Entry], entry_id: int) -> None:
    """Delete one entry of a cycle's register, audited; 404 if the cycle has no such entry."""
    with transaction.atomic():
        cycle = register_edit_begin(actor, cycle_id, action, REGISTER_WORDS[model])
        deleted, _rows = model._default_manager.filter(pk=entry_id, cycle=cycle).delete()
        if not deleted:
            raise Http404(_("No such entry in this cycle's register."))
        name = AUDIT_NAMES[model]
        audit_record(
            action=f"{name}_deleted", actor=actor, cycle=cycle, target=f"{name}:{entry_id}"
        )


# --- opportunities and risks (sales) ------------------------------------------------------------


def demand_assumption_save(
    *, actor: Any, cycle_id: int, entry: DemandAssumptionInput, entry_id: int | None = None
) -> DemandAssumption:
    def fill(cycle: Cycle, row: DemandAssumption) -> dict[str, Any]:
        _own_family(cycle, entry.family)
        row.kind, row.family = entry.kind, entry.family
        row.months = _horizon_months(cycle, entry.months, "months")
        row.quantity, row.probability = entry.quantity, entry.probability
        row.description, row.owner = entry.description, entry.owner
        return {"kind": row.kind, "quantity": row.quantity}

    return _save(
        actor=actor, cycle_id=cycle_id, action="demand_assumption.edit",
        model=DemandAssumption, entry_id=entry_id, fill=fill,
    )  # fmt: skip


def demand_assumption_delete(*, actor: Any, cycle_id: int, entry_id: int) -> None:
    _delete(
        actor=actor, cycle_id=cycle_id, action="demand_assumption.edit",
        model=DemandAssumption, entry_id=entry_id,
    )  # fmt: skip


# --- production constraints and gap alternatives (production) -----------------------------------


def production_constraint_save(
    *, actor: Any, cycle_id: int, entry: ProductionConstraintInput, entry_id: int | None = None
) -> ProductionConstraint:
    def fill(cycle: Cycle, row: ProductionConstraint) -> dict[str, Any]:
        _own_family(cycle, entry.family)
        months = _horizon_months(cycle, [entry.month] if entry.month else [], "month")
        row.family, row.note = entry.family, entry.note
        row.month = entry.month.replace(day=1) if entry.month else None
        return {"note": row.note, "month": months[0] if months else None}

    return _save(
        actor=actor, cycle_id=cycle_id, action="production_constraint.edit",
        model=ProductionConstraint, entry_id=entry_id, fill=fill,
    )  # fmt: skip


def production_constraint_delete(*, actor: Any, cycle_id: int, entry_id: int) -> None:
    _delete(
        actor=actor, cycle_id=cycle_id, action="production_constraint.edit",
        model=ProductionConstraint, entry_id=entry_id,
    )  # fmt: skip


def gap_option_save(
    *, actor: Any, cycle_id: int, entry: GapOptionInput, entry_id: int | None = None
) -> GapOption:
    """Production proposes a costed way to close capacity gaps (ranked on the supply page),
    in every month of the horizon or only in the months it names."""

    def fill(cycle: Cycle, row: GapOption) -> dict[str, Any]:
        row.name = entry.name.strip()
        row.additional_capacity = entry.additional_capacity
        row.cost = entry.cost
        row.lead_time_days = entry.lead_time_days
        row.months = _horizon_months(cycle, entry.months, "months")
        return {"name": row.name, "additional_capacity": row.additional_capacity}

    return _save(
        actor=actor, cycle_id=cycle_id, action="production_constraint.edit",
        model=GapOption, entry_id=entry_id, fill=fill,
    )  # fmt: skip


def gap_option_delete(*, actor: Any, cycle_id: int, entry_id: int) -> None:
    _delete(
        actor=actor, cycle_id=cycle_id, action="production_constraint.edit",
        model=GapOption, entry_id=entry_id,
    )  # fmt: skip


# --- material risks (procurement) ---------------------------------------------------------------


def material_risk_save(
    *, actor: Any, cycle_id: int, entry: MaterialRiskInput, entry_id: int | None = None
) -> MaterialRisk:
    families = list(entry.families)

    def fill(cycle: Cycle, row: MaterialRisk) -> dict[str, Any]:
        for family in families:
            _own_family(cycle, family, "families")
        for name in ("material", "supplier", "risk_level", "mitigation", "owner", "due_date"):
            setattr(row, name, getattr(entry, name))
        row.quantity_at_risk = entry.quantity_at_risk or 0
        row.months = _horizon_months(cycle, entry.months, "months")
        return {"material": row.material, "risk_level": row.risk_level}

    with transaction.atomic():
        risk = _save(
            actor=actor, cycle_id=cycle_id, action="material_risk.edit",
            model=MaterialRisk, entry_id=entry_id, fill=fill,
        )  # fmt: skip
        risk.families.set(families)
    return risk


def material_risk_delete(*, actor: Any, cycle_id: int, entry_id: int) -> None:
    _delete(
        actor=actor, cycle_id=cycle_id, action="material_risk.edit",
        model=MaterialRisk, entry_id=entry_id,
    )  # fmt: skip
