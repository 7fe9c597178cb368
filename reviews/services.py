"""Role submissions and their registers: each change locked, permission-checked and audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from planning.access import cycle_for_user
from planning.errors import ApplicationError
from planning.events import WorkflowEvent, event_announce
from planning.live.publish import cycle_changed_publish
from planning.models import Cycle
from planning.permissions import require_action
from planning.services.audit import audit_record
from planning.workflow import DONE, SUBMISSION_TRANSITIONS, submission_status
from reviews.models import (
    Submission,
    SubmissionKind,
    SubmissionState,
)
from reviews.registers import FINANCE_COMMENT_WORDS, register_edit_begin


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
                _("The %(kind)s cannot be %(action)s now: %(status)s.")
                % {
                    "kind": SubmissionKind(kind).label.lower(),
                    "action": _verb(action),
                    "status": submission_status(
                        SubmissionKind(kind), SubmissionState(submission.state)
                    ),
                },
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
        cycle_changed_publish(cycle.pk, "submission")
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


def submissions_reopen(
    *, cycle: Cycle, kinds: Iterable[SubmissionKind], actor: Any, reason: str
) -> list[SubmissionKind]:
    """Return the cycle's ``kinds`` that were handed in (submitted or accepted), with ``reason``:
    the plan was sent back, so that work is to be done again. Inside the caller's transaction,
    under its lock on the cycle; one UPDATE, one audit row per submission returned."""
    reopened = list(
        Submission.objects.select_for_update()
        .filter(cycle=cycle, kind__in=list(kinds), state__in=DONE)
        .values_list("kind", "state")
    )
    Submission.objects.filter(cycle=cycle, kind__in=[kind for kind, _state in reopened]).update(
        state=SubmissionState.RETURNED,
        return_reason=reason,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
        version=models.F("version") + 1,
        updated_at=timezone.now(),
    )
    for kind, before in reopened:
        audit_record(
            action="submission_return",
            actor=actor,
            cycle=cycle,
            target=f"submission:{kind}",
            field="state",
            before=before,
            after=SubmissionState.RETURNED.value,
            reason=reason,
        )
    return [SubmissionKind(kind) for kind, _state in reopened]


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


def finance_comment_set(*, actor: Any, cycle_id: int, comment: str) -> Submission:
    """Finance's comments on the plan's financial impact (kept on its submission)."""
    with transaction.atomic():
        cycle = register_edit_begin(actor, cycle_id, "finance_review.edit", FINANCE_COMMENT_WORDS)
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
