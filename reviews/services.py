"""Role submissions and their registers: each change locked, permission-checked and audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from planning.access import cycle_for_user
from planning.errors import ApplicationError
from planning.events import WorkflowEvent, event_announce
from planning.models import Cycle, ProductFamily
from planning.months import parse_month
from planning.permissions import require_action
from planning.services.audit import audit_record
from reviews.models import (
    DemandAssumption,
    GapOption,
    MaterialRisk,
    ProductionConstraint,
    Submission,
    SubmissionKind,
    SubmissionState,
)

St = SubmissionState

# action -> (states it may start from, state it leads to, permission action prefix)
SUBMISSION_TRANSITIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "submit": (frozenset({St.DRAFT, St.RETURNED}), St.SUBMITTED, "submission.submit"),
    "accept": (frozenset({St.SUBMITTED}), St.ACCEPTED, "submission.review"),
    "return": (frozenset({St.SUBMITTED, St.ACCEPTED}), St.RETURNED, "submission.review"),
}


def submissions_ensure(cycle: Cycle) -> None:
    """Create the cycle's four submissions in draft (idempotent, one INSERT)."""
    Submission.objects.bulk_create(
        [Submission(cycle=cycle, kind=kind) for kind in SubmissionKind],
        ignore_conflicts=True,
    )


def submission_transition(
    *, actor: Any, cycle_id: int, kind: str, action: str, text: str = ""
) -> Submission:
    """Submit, accept or return one submission; ``text`` is the comment or the reason."""
    if kind not in SubmissionKind.values:
        raise ValidationError({"kind": _("Unknown submission kind '%(kind)s'.") % {"kind": kind}})
    sources, target, permission = SUBMISSION_TRANSITIONS[action]
    if action == "return" and not text.strip():
        raise ValidationError({"reason": _("Say why the submission is returned.")})
    with transaction.atomic():
        cycle = cycle_for_user(actor, cycle_id, for_update=True)
        require_action(actor, cycle, f"{permission}.{kind}")
        submissions_ensure(cycle)
        submission = Submission.objects.select_for_update().get(cycle=cycle, kind=kind)
        if submission.state not in sources:
            raise ApplicationError(
                _("A %(state)s submission cannot be %(action)s.")
                % {"state": submission.get_state_display(), "action": _verb(action)},
                extra={"state": submission.state},
            )
        before = submission.state
        _apply(submission, action, target, actor, text)
        audit_record(
            action=f"submission_{action}",
            actor=actor,
            cycle=cycle,
            target=f"submission:{kind}",
            field="state",
            before=before,
            after=target,
            reason=text,
        )
        event_announce(
            WorkflowEvent(
                name=f"submission_{action}",
                cycle=cycle,
                actor=actor,
                subject=kind,
                reason=text,
                user_id=submission.submitted_by_id,
                version=submission.version,
            )
        )
    return submission


def _verb(action: str) -> str:
    return {"submit": _("submitted"), "accept": _("accepted"), "return": _("returned")}[action]


def _apply(submission: Submission, action: str, target: str, actor: Any, text: str) -> None:
    now = timezone.now()
    submission.state = target
    submission.version += 1
    fields = ["state", "version", "updated_at"]
    if action == "submit":
        submission.submitted_by = actor
        submission.submitted_at = now
        submission.comment = text or submission.comment
        submission.return_reason = ""
        fields += ["submitted_by", "submitted_at", "comment", "return_reason"]
    else:
        submission.reviewed_by = actor
        submission.reviewed_at = now
        fields += ["reviewed_by", "reviewed_at"]
        if action == "return":
            submission.return_reason = text
            fields.append("return_reason")
    submission.save(update_fields=fields)


def _months(values: Iterable[Any], field: str = "months") -> list[str]:
    if isinstance(values, str | bytes | dict) or not isinstance(values, Iterable):
        raise ValidationError({field: _("Give the months as a list of YYYY-MM months.")})
    months = []
    for value in values:
        try:
            months.append(f"{parse_month(str(value)):%Y-%m}")
        except ValueError:
            raise ValidationError(
                {field: _("'%(value)s' is not a month written YYYY-MM.") % {"value": value}}
            ) from None
    return sorted(set(months))


def _family(cycle: Cycle, family_id: Any) -> ProductFamily | None:
    if family_id in (None, ""):
        return None
    family = ProductFamily.objects.filter(
        pk=family_id, business_unit_id=cycle.business_unit_id
    ).first()
    if family is None:
        raise ValidationError({"family": _("No such product family in this business unit.")})
    return family


def _register_edit(actor: Any, cycle_id: int, action: str) -> Cycle:
    cycle = cycle_for_user(actor, cycle_id, for_update=True)
    require_action(actor, cycle, action)
    return cycle


def demand_assumption_create(
    *, actor: Any, cycle_id: int, data: dict[str, Any]
) -> DemandAssumption:
    with transaction.atomic():
        cycle = _register_edit(actor, cycle_id, "demand_assumption.edit")
        assumption = DemandAssumption(
            cycle=cycle,
            kind=data.get("kind", ""),
            family=_family(cycle, data.get("family")),
            months=_months(data.get("months", [])),
            quantity=data.get("quantity", 0),
            probability=data.get("probability", 0),
            description=data.get("description", ""),
            owner=data.get("owner", ""),
            created_by=actor,
        )
        assumption.full_clean(exclude=["cycle", "family", "created_by"])
        assumption.save()
        audit_record(
            action="demand_assumption_created",
            actor=actor,
            cycle=cycle,
            target=f"demand_assumption:{assumption.pk}",
            after={"kind": assumption.kind, "quantity": assumption.quantity},
        )
    return assumption


def _register_delete(
    *, actor: Any, cycle_id: int, model: type[models.Model], entry_id: int, permission: str
) -> None:
    """Delete one entry of a cycle's register, audited; 404 if the cycle has no such entry."""
    with transaction.atomic():
        cycle = _register_edit(actor, cycle_id, permission)
        deleted, _rows = model._default_manager.filter(pk=entry_id, cycle=cycle).delete()
        if not deleted:
            # Nothing was there to delete: say so, as for any other missing object.
            raise Http404(_("No such entry in this cycle's register."))
        name = model._meta.model_name
        audit_record(
            action=f"{name}_deleted", actor=actor, cycle=cycle, target=f"{name}:{entry_id}"
        )


def demand_assumption_delete(*, actor: Any, cycle_id: int, assumption_id: int) -> None:
    _register_delete(
        actor=actor,
        cycle_id=cycle_id,
        model=DemandAssumption,
        entry_id=assumption_id,
        permission="demand_assumption.edit",
    )


def production_constraint_create(
    *, actor: Any, cycle_id: int, data: dict[str, Any]
) -> ProductionConstraint:
    with transaction.atomic():
        cycle = _register_edit(actor, cycle_id, "production_constraint.edit")
        month = _months([data["month"]], "month")[0] if data.get("month") else None
        constraint = ProductionConstraint(
            cycle=cycle,
            family=_family(cycle, data.get("family")),
            month=parse_month(month) if month else None,
            note=data.get("note", ""),
            created_by=actor,
        )
        constraint.full_clean(exclude=["cycle", "family", "created_by"])
        constraint.save()
        audit_record(
            action="production_constraint_created",
            actor=actor,
            cycle=cycle,
            target=f"production_constraint:{constraint.pk}",
            after={"note": constraint.note},
        )
    return constraint


def material_risk_create(*, actor: Any, cycle_id: int, data: dict[str, Any]) -> MaterialRisk:
    with transaction.atomic():
        cycle = _register_edit(actor, cycle_id, "material_risk.edit")
        families = [_family(cycle, family_id) for family_id in data.get("families", [])]
        due = data.get("due_date")
        risk = MaterialRisk(
            cycle=cycle,
            material=data.get("material", ""),
            supplier=data.get("supplier", ""),
            risk_level=data.get("risk_level", ""),
            months=_months(data.get("months", [])),
            quantity_at_risk=data.get("quantity_at_risk", 0),
            mitigation=data.get("mitigation", ""),
            owner=data.get("owner", ""),
            due_date=datetime.date.fromisoformat(str(due)) if due else None,
            created_by=actor,
        )
        risk.full_clean(exclude=["cycle", "created_by"])
        risk.save()
        risk.families.set([family for family in families if family is not None])
        audit_record(
            action="material_risk_created",
            actor=actor,
            cycle=cycle,
            target=f"material_risk:{risk.pk}",
            after={"material": risk.material, "risk_level": risk.risk_level},
        )
    return risk


def material_risk_delete(*, actor: Any, cycle_id: int, risk_id: int) -> None:
    _register_delete(
        actor=actor,
        cycle_id=cycle_id,
        model=MaterialRisk,
        entry_id=risk_id,
        permission="material_risk.edit",
    )


def finance_comment_set(*, actor: Any, cycle_id: int, comment: str) -> Submission:
    """Finance's comments on the plan's financial impact (kept on its submission)."""
    with transaction.atomic():
        cycle = _register_edit(actor, cycle_id, "finance_review.edit")
        submissions_ensure(cycle)
        submission = Submission.objects.select_for_update().get(
            cycle=cycle, kind=SubmissionKind.FINANCE_REVIEW
        )
        before = submission.comment
        submission.comment = comment
        submission.version += 1
        submission.save(update_fields=["comment", "version", "updated_at"])
        audit_record(
            action="finance_comment_changed",
            actor=actor,
            cycle=cycle,
            target="submission:finance_review",
            field="comment",
            before=before,
            after=comment,
        )
    return submission


def gap_option_create(*, actor: Any, cycle_id: int, data: dict[str, Any]) -> GapOption:
    """Production proposes a costed way to close capacity gaps (ranked on the supply page)."""
    with transaction.atomic():
        cycle = _register_edit(actor, cycle_id, "production_constraint.edit")
        option = GapOption(
            cycle=cycle,
            name=str(data.get("name", "")).strip(),
            additional_capacity=data.get("additional_capacity", 0),
            cost=data.get("cost") or None,
            lead_time_days=data.get("lead_time_days") or None,
            created_by=actor,
        )
        option.full_clean(exclude=["cycle", "created_by"])
        option.save()
        audit_record(
            action="gap_option_created",
            actor=actor,
            cycle=cycle,
            target=f"gap_option:{option.pk}",
            after={"name": option.name, "additional_capacity": option.additional_capacity},
        )
    return option
