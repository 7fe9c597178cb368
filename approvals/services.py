"""Workflow transitions: one service each; lock the cycle, check, transition, audit, on_commit.

Transitions take the cycle row lock (``SELECT ... FOR UPDATE``), the same lock every plan-line
edit and submission change takes, so gates are evaluated against a settled cycle and two
directors pressing "advance" at once cannot move the cycle twice from the stage they saw.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import CapacityDecision, KpiTarget, PlanSnapshot, StageDeadline
from approvals.notifications.services import (
    notify_plan_approved,
    notify_plan_sent_back,
    notify_stage_opened,
)
from approvals.workflow import CHAIR_ACTIONS, DECISIONS, PLAN_EDIT_ACTIONS, default_due_date
from planning.access import business_units_for, cycle_for_user, cycle_roles
from planning.errors import ApplicationError
from planning.live.publish import cycle_changed_publish
from planning.models import AuditEvent, Cycle, MonthSummary, ProductFamily
from planning.months import add_months
from planning.permissions import can_take, require_action
from planning.roles import Role, Stage
from planning.selectors import SUMMARY_FIELDS, cycle_plan_columns
from planning.services.audit import audit_record
from planning.services.cycles import cycle_create
from planning.workflow import (
    GATES,
    STAGE_OWNERS,
    TRANSITIONS,
    reopened_submissions,
    submission_status,
)
from reviews.models import Submission, SubmissionKind, SubmissionState
from reviews.services import submissions_ensure, submissions_reopen

logger = logging.getLogger(__name__)


class GateNotMet(ApplicationError):
    code = "gate_not_met"


@dataclass(frozen=True)
class UnmetGate:
    kind: str
    state: str

    def describe(self) -> str:
        return submission_status(SubmissionKind(self.kind), SubmissionState(self.state))


@transaction.atomic
def cycle_open(
    *,
    actor: Any,
    business_unit_id: int,
    plan_month: datetime.date,
    horizon_months: int,
    horizon_start: datetime.date | None = None,
) -> Cycle:
    """Open a cycle: plan lines (planning), the four submissions and the stage deadlines."""
    unit = business_units_for(actor).filter(pk=business_unit_id).first()
    if unit is None:
        raise ValidationError({"business_unit": _("No such business unit.")})
    probe = Cycle(business_unit=unit, stage=Stage.DATA_COLLECTION)
    require_action(actor, probe, "cycle.create")
    cycle = cycle_create(
        business_unit_id=unit.pk,
        plan_month=plan_month,
        horizon_months=horizon_months,
        horizon_start=horizon_start,
        actor=actor,
    )
    submissions_ensure(cycle)
    StageDeadline.objects.bulk_create(
        StageDeadline(
            cycle=cycle,
            stage=stage,
            owner_role=owner,
            due_date=default_due_date(cycle.plan_month, stage),
        )
        for stage, owner in STAGE_OWNERS.items()
    )
    notify_stage_opened(cycle, actor)
    return cycle


def unmet_gates(cycle: Cycle) -> list[UnmetGate]:
    gates = GATES.get(Stage(cycle.stage), ())
    states = dict(Submission.objects.filter(cycle=cycle).values_list("kind", "state"))
    return [
        UnmetGate(kind, states.get(kind, "draft"))
        for kind, accepted in gates
        if states.get(kind, "draft") not in accepted
    ]


def cycle_advance(
    *, actor: Any, cycle_id: int, override_reason: str = "", from_stage: str | None = None
) -> Cycle:
    """Move the cycle to its next stage; unmet gates need an override reason.

    ``from_stage`` is the stage the user saw (pages always send it). Without it, the stage as
    this request found it, before waiting for the lock, stands in: of two presses that arrive
    together only the first moves the cycle, the second finds it moved on and changes nothing.
    """
    expected = from_stage or cycle_for_user(actor, cycle_id).stage
    with transaction.atomic():
        cycle = cycle_for_user(actor, cycle_id, for_update=True)
        _check_expected_stage(cycle, expected)
        require_action(actor, cycle, "cycle.advance")
        [target] = TRANSITIONS["advance"][Stage(cycle.stage)]
        unmet = unmet_gates(cycle)
        if unmet and not override_reason.strip():
            raise GateNotMet(
                _(
                    "The %(stage)s stage cannot end yet: %(gates)s. "
                    "Give an override reason to move on without them."
                )
                % {
                    "stage": Stage(cycle.stage).label,
                    "gates": "; ".join(gate.describe() for gate in unmet),
                },
                extra={"unmet_gates": [gate.__dict__ for gate in unmet]},
            )
        reason = override_reason.strip() if unmet else ""
        _move(cycle, target, actor, "cycle_advanced", reason)
        notify_stage_opened(cycle, actor)
        if unmet:
            audit_record(
                action="gate_overridden",
                actor=actor,
                cycle=cycle,
                target=f"cycle:{cycle.pk}",
                field="gates",
                before=[gate.__dict__ for gate in unmet],
                reason=reason,
            )
    return cycle


def cycle_send_back(*, actor: Any, cycle_id: int, to_stage: str, reason: str) -> Cycle:
    """The executive returns the plan to demand or supply review, saying why; the submissions
    of that stage and every later one go back to their owners with the reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the plan is sent back.")})
    with transaction.atomic():
        cycle = cycle_for_user(actor, cycle_id, for_update=True)
        require_action(actor, cycle, "cycle.send_back")
        _require_independent(actor, cycle)
        allowed = TRANSITIONS["send_back"][Stage(cycle.stage)]
        if to_stage not in allowed:
            raise ValidationError(
                {
                    "to_stage": _("Send back to one of: %(stages)s.")
                    % {"stages": ", ".join(sorted(str(stage) for stage in allowed))}
                }
            )
        _move(cycle, Stage(to_stage), actor, "cycle_sent_back", reason.strip())
        # The work of the stages the plan passes through again is reopened: their submissions
        # go back to their owners with the reason, so their gates apply again.
        submissions_reopen(
            cycle=cycle,
            kinds=reopened_submissions(Stage(to_stage)),
            actor=actor,
            reason=reason.strip(),
        )
        notify_plan_sent_back(cycle, actor, reason.strip())
    return cycle


def cycle_approve(
    *,
    actor: Any,
    cycle_id: int,
    comment: str = "",
    capacity_decisions: list[dict[str, Any]] | None = None,
    kpi_targets: list[dict[str, Any]] | None = None,
) -> Cycle:
    """Approve the plan: freeze a snapshot and record the executive's decisions."""
    with transaction.atomic():
        cycle = cycle_for_user(actor, cycle_id, for_update=True)
        require_action(actor, cycle, "cycle.approve")
        _require_independent(actor, cycle)
        if not cycle.is_fresh:
            raise ApplicationError(
                _("The analysis is still being recomputed; approve once it is up to date."),
                extra={"inputs_version": cycle.inputs_version},
            )
        _record_decisions(cycle, actor, capacity_decisions or [], kpi_targets or [])
        _snapshot(cycle, actor, comment)
        _move(cycle, Stage.APPROVED, actor, "cycle_approved", comment)
        notify_plan_approved(cycle, actor, comment)
    return cycle


def decision_barred_reason(user: Any, cycle: Cycle) -> str | None:
    """Why ``user`` may not decide on ``cycle`` (approve it or send it back), or None.

    Nobody approves alone: whoever chaired the cycle or edited its plan, as its audit trail
    shows, leaves the decision to another executive, whatever roles they hold.
    """
    mine = AuditEvent.objects.filter(cycle=cycle, actor_id=user.pk)
    if mine.filter(action__in=CHAIR_ACTIONS).exists():
        return _(
            "You chaired this cycle (opened it or moved it on), so you cannot also decide on it: "
            "another executive must approve it or send it back."
        )
    if mine.filter(action__in=PLAN_EDIT_ACTIONS).exists():
        return _(
            "You edited this plan, so you cannot also decide on it: "
            "another executive must approve it or send it back."
        )
    return None


def decision_refusal(user: Any, cycle: Cycle) -> str | None:
    """Why an executive may not decide on a cycle that waits for their decision (for pages)."""
    if cycle.stage != Stage.EXECUTIVE_REVIEW or Role.EXECUTIVE not in cycle_roles(user, cycle):
        return None
    return decision_barred_reason(user, cycle)


def _require_independent(actor: Any, cycle: Cycle) -> None:
    reason = decision_barred_reason(actor, cycle)
    if reason is not None:
        raise PermissionDenied(reason)


def _check_expected_stage(cycle: Cycle, from_stage: str | None) -> None:
    if from_stage and from_stage != cycle.stage:
        raise ApplicationError(
            _("The cycle has moved on to %(stage)s since you looked; nothing was changed.")
            % {"stage": Stage(cycle.stage).label},
            extra={"stage": cycle.stage},
        )


def _move(cycle: Cycle, target: Stage, actor: Any, action: str, reason: str) -> None:
    before = cycle.stage
    now = timezone.now()
    StageDeadline.objects.filter(cycle=cycle, stage=before).update(completed_at=now)
    if target in (Stage.DEMAND_REVIEW, Stage.SUPPLY_REVIEW) and action == "cycle_sent_back":
        StageDeadline.objects.filter(cycle=cycle, stage=target).update(completed_at=None)
    cycle.stage = target
    cycle.save(update_fields=["stage"])
    audit_record(
        action=action,
        actor=actor,
        cycle=cycle,
        target=f"cycle:{cycle.pk}",
        field="stage",
        before=before,
        after=target.value,
        reason=reason,
    )
    transaction.on_commit(lambda: logger.info("Cycle %s: %s -> %s", cycle.pk, before, target))
    cycle_changed_publish(cycle.pk, "stage")


def _record_decisions(
    cycle: Cycle, actor: Any, decisions: list[dict[str, Any]], targets: list[dict[str, Any]]
) -> None:
    """Every decision and target is checked before any is written; errors name the field as
    ``capacity_decisions[<index>].<field>`` (or ``kpi_targets[...]``)."""
    families = set(
        ProductFamily.objects.filter(business_unit_id=cycle.business_unit_id).values_list(
            "pk", flat=True
        )
    )
    rows = [
        _capacity_decision(cycle, actor, index, decision, families)
        for index, decision in enumerate(decisions)
    ]
    kpis = [_kpi_target(cycle, actor, index, target) for index, target in enumerate(targets)]
    CapacityDecision.objects.bulk_create(rows)
    for kpi in kpis:
        KpiTarget.objects.update_or_create(
            cycle=cycle,
            name=kpi.name,
            defaults={"target": kpi.target, "unit": kpi.unit, "set_by": actor},
        )


def _capacity_decision(
    cycle: Cycle, actor: Any, index: int, decision: dict[str, Any], families: set[int]
) -> CapacityDecision:
    key = f"capacity_decisions[{index}]"
    family_id = decision.get("family") or None
    if family_id is not None and (isinstance(family_id, bool) or family_id not in families):
        # Another unit's family, or none at all: the decision would point outside the plan.
        raise ValidationError(
            {
                f"{key}.family": _(
                    "Decision %(number)d: product family %(family)s is not one of this "
                    "business unit's families."
                )
                % {"number": index + 1, "family": family_id}
            }
        )
    effective_from = decision.get("effective_from") or None
    if effective_from is not None:
        _within_horizon(cycle, effective_from, f"{key}.effective_from", index)
    row = CapacityDecision(
        cycle=cycle,
        description=str(decision.get("description", "")),
        family_id=family_id,
        additional_capacity=decision.get("additional_capacity", 0),
        investment=_decimal(decision.get("investment", 0), f"{key}.investment"),
        effective_from=effective_from,
        decided_by=actor,
    )
    _full_clean(row, key, exclude=["cycle", "family", "decided_by"])
    return row


def _within_horizon(cycle: Cycle, month: Any, key: str, index: int) -> None:
    """A decision takes effect in a month of the plan it decides, or it decides nothing."""
    first = cycle.horizon_start.replace(day=1)
    last = add_months(first, cycle.horizon_months - 1)
    if not isinstance(month, datetime.date) or not first <= month.replace(day=1) <= last:
        raise ValidationError(
            {
                key: _(
                    "Decision %(number)d: the month it takes effect must be within this "
                    "cycle's horizon (%(first)s to %(last)s)."
                )
                % {"number": index + 1, "first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"}
            }
        )


def _kpi_target(cycle: Cycle, actor: Any, index: int, target: dict[str, Any]) -> KpiTarget:
    key = f"kpi_targets[{index}]"
    row = KpiTarget(
        cycle=cycle,
        name=str(target.get("name", "")).strip(),
        target=_decimal(target.get("target", 0), f"{key}.target"),
        unit=str(target.get("unit", "")),
        set_by=actor,
    )
    _full_clean(row, key, exclude=["cycle", "set_by"])
    return row


def _decimal(raw: Any, key: str) -> Decimal:
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise ValidationError({key: _("Enter a number.")}) from None


def _full_clean(row: Any, key: str, exclude: list[str]) -> None:
    try:
        row.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(
            {f"{key}.{field}": messages for field, messages in error.message_dict.items()}
        ) from None


def _snapshot(cycle: Cycle, actor: Any, comment: str) -> PlanSnapshot:
    summary = [
        {**row, "month": f"{row['month']:%Y-%m}"}
        for row in MonthSummary.objects.filter(cycle=cycle)
        .order_by("month")
        .values(*SUMMARY_FIELDS)
    ]
    return PlanSnapshot.objects.create(
        cycle=cycle,
        approved_by=actor,
        approved_at=timezone.now(),
        comment=comment,
        inputs_version=cycle.inputs_version,
        excess_multiplier=cycle.business_unit.excess_multiplier,
        lines=cycle_plan_columns(cycle.pk),
        summary=summary,
    )


def actions_for(user: Any, cycle: Cycle) -> list[str]:
    """The workflow actions ``user`` may take on ``cycle`` right now (for pages and the API):
    the table's, less the decisions separation of duties bars them from."""
    available = [
        action for action in ("advance", *DECISIONS) if can_take(user, cycle, f"cycle.{action}")
    ]
    if set(available) & set(DECISIONS) and decision_barred_reason(user, cycle) is not None:
        available = [action for action in available if action not in DECISIONS]
    return available
