"""Creating, delivering and reading notifications.

Who hears of what:

| event | who |
| --- | --- |
| a stage opens (cycle opened, advanced) | the roles with work in it: submitters, owner |
| a submission is submitted | the roles that review it (the director) |
| a submission is accepted or returned | its submitter if they still hold its role, else the role |
| the plan is sent back | the roles with work in the stage it returns to, and the chair |
| the plan is approved | everyone with a business role in the cycle |
| a guest is invited | the guest |
| a stage is due in two days, overdue (beat) | its roles with open work; overdue: the chair too |

Recipients are users who hold the role in the cycle (in its business unit, or as its guest),
never the person who acted. The rows are written in the transaction of the change itself, so a
notification exists exactly when the change committed; e-mail goes out after the commit (a
Celery task, or in-process when ``SOP_NOTIFY_MODE`` is ``inline``). Every notification names its
event (``event_key``) and one user gets one per event: a unique constraint, so the reminder scan
may run any number of times, on any number of beats, and still remind once.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterable
from smtplib import SMTPException, SMTPRecipientsRefused
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from approvals.models import (
    EmailState,
    Notification,
    NotificationKind,
    NotificationPreference,
    StageDeadline,
)
from approvals.notifications.selectors import notifications_for, role_holders
from approvals.notifications.texts import notification_note, notification_path, notification_text
from planning.events import WorkflowEvent
from planning.models import Cycle
from planning.permissions import ACTION_RULES, action_allowed_roles
from planning.roles import Role, Stage
from reviews.models import Submission, SubmissionKind, SubmissionState

logger = logging.getLogger(__name__)

K = NotificationKind
EMAIL_TASK = "approvals.tasks.notification_emails_send"
REMINDER_DAYS = 2
# Publishing the e-mail task tries once more, then leaves it to the beat scan.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0,
    "interval_max": 0,
}
EMAILS_PER_BATCH = 200
OUTSTANDING = frozenset({SubmissionState.DRAFT, SubmissionState.RETURNED})
BUSINESS_ROLES = frozenset(Role) - {Role.ADMIN}


# --- Who has work where (read from the permission table) --------------------------------------
def submitter_roles(stage: Stage) -> dict[SubmissionKind, frozenset[Role]]:
    """The submissions that may be handed in during ``stage``, and the roles that hand them in."""
    found = {}
    for kind in SubmissionKind:
        roles, stages = ACTION_RULES[f"submission.submit.{kind}"]
        if stage in stages:
            found[kind] = roles
    return found


def stage_roles(stage: Stage, owner: str | None) -> frozenset[Role]:
    """The roles with work in ``stage``: those who submit or decide then, and its ``owner``."""
    roles: set[Role] = set()
    for submitters in submitter_roles(stage).values():
        roles |= submitters
    for decision in ("cycle.approve", "cycle.send_back"):
        deciders, stages = ACTION_RULES[decision]
        if stage in stages:
            roles |= deciders
    if owner:
        roles.add(Role(owner))
    return frozenset(roles)


def _stage_owner(cycle: Cycle, stage: Stage) -> str | None:
    """The owner the cycle's deadline for ``stage`` names."""
    return (
        StageDeadline.objects.filter(cycle=cycle, stage=stage)
        .values_list("owner_role", flat=True)
        .first()
    )


def _chair_roles() -> frozenset[Role]:
    return action_allowed_roles("cycle.advance")


# --- Hooks: one call in each workflow service -------------------------------------------------
def notify_stage_opened(cycle: Cycle, actor: Any) -> None:
    """The cycle entered a new stage: tell the roles with work in it."""
    stage = Stage(cycle.stage)
    _notify(
        cycle, stage_roles(stage, _stage_owner(cycle, stage)), K.STAGE_OPENED, actor, subject=stage
    )


def notify_plan_sent_back(cycle: Cycle, actor: Any, reason: str) -> None:
    stage = Stage(cycle.stage)
    roles = stage_roles(stage, _stage_owner(cycle, stage)) | _chair_roles()
    _notify(cycle, roles, K.PLAN_SENT_BACK, actor, subject=stage, reason=reason)


def notify_plan_approved(cycle: Cycle, actor: Any, comment: str) -> None:
    _notify(cycle, BUSINESS_ROLES, K.PLAN_APPROVED, actor, reason=comment)


def notify_workflow_event(event: WorkflowEvent) -> None:
    """Subscriber to the events the lower apps announce (``planning.events``)."""
    if event.name == "submission_submit":
        kind = SubmissionKind(event.subject)
        roles = action_allowed_roles(f"submission.review.{kind}")
        _notify(
            event.cycle,
            roles,
            K.REVIEW_AWAITED,
            event.actor,
            subject=kind,
            reason=event.reason,
            key=_submission_key(event),
        )
    elif event.name in ("submission_accept", "submission_return"):
        kind = SubmissionKind(event.subject)
        notification_kind = (
            K.SUBMISSION_ACCEPTED if event.name == "submission_accept" else K.SUBMISSION_RETURNED
        )
        _notify(
            event.cycle,
            action_allowed_roles(f"submission.submit.{kind}"),
            notification_kind,
            event.actor,
            subject=kind,
            reason=event.reason,
            only=event.user_id,
            key=_submission_key(event),
        )
    elif event.name == "guest_invited" and event.user_id is not None:
        _notify(
            event.cycle,
            [Role(value) for value in event.subject.split(",") if value],
            K.GUEST_INVITED,
            event.actor,
            subject=event.subject,
            only=event.user_id,
            fallback=False,
        )


def _submission_key(event: WorkflowEvent) -> str:
    return f"{event.name}:{event.cycle.pk}:{event.subject}:v{event.version}"


def _notify(
    cycle: Cycle,
    roles: Iterable[Role],
    kind: NotificationKind,
    actor: Any,
    *,
    subject: str = "",
    reason: str = "",
    only: int | None = None,
    fallback: bool = True,
    key: str | None = None,
) -> list[Notification]:
    """Write one notification per recipient in the current transaction; e-mail after commit.

    ``only``: the one person concerned, if they hold one of ``roles``; when they do not (any
    more), everyone who does (``fallback``) or nobody.
    """
    holders = role_holders(cycle, roles)
    recipients = set(holders)
    if only is not None:
        recipients = {only} if only in holders else (recipients if fallback else set())
    if getattr(actor, "pk", None) is not None:
        recipients.discard(actor.pk)
    if not recipients:
        return []
    event_key = key or f"{kind}:{cycle.pk}:{subject}:{uuid.uuid4().hex}"
    rows = [
        Notification(
            user_id=user_id,
            cycle=cycle,
            kind=kind,
            subject=subject,
            reason=reason,
            actor_id=getattr(actor, "pk", None),
            event_key=event_key,
        )
        for user_id in sorted(recipients)
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    transaction.on_commit(emails_deliver)
    return created


# --- Reminders (Celery beat) ------------------------------------------------------------------
def reminders_create(today: datetime.date | None = None) -> int:
    """Remind of every open stage due within two days or overdue; returns the rows written.

    Reads the deadlines from the database, so nothing is lost if Redis or a worker restarts
    meanwhile; the next scan finds the same rows. Their e-mails are left pending for the
    caller (the beat task sends them right after). The event key is the deadline and its date,
    so each user is reminded once that a stage is due soon and once that it is overdue (again
    only if the due date is changed).
    """
    today = today or timezone.localdate()
    deadlines = list(
        StageDeadline.objects.filter(
            completed_at__isnull=True,
            cycle__stage=F("stage"),
            due_date__lte=today + datetime.timedelta(days=REMINDER_DAYS),
        ).select_related("cycle")
    )
    states = {
        (row.cycle_id, row.kind): row.state
        for row in Submission.objects.filter(cycle__in=[row.cycle_id for row in deadlines])
    }
    written = 0
    for deadline in deadlines:
        overdue = deadline.due_date < today
        kind = K.OVERDUE if overdue else K.DUE_SOON
        roles = _roles_with_open_work(deadline, states)
        if overdue:
            roles |= _chair_roles()
        written += len(
            _remind(deadline, roles, kind, f"{kind}:{deadline.pk}:{deadline.due_date:%Y-%m-%d}")
        )
    return written


def _roles_with_open_work(
    deadline: StageDeadline, states: dict[tuple[int, str], str]
) -> frozenset[Role]:
    """Submitters whose submission for ``stage`` is still outstanding, and the stage's other
    roles (its owner when not a submitter, the deciders)."""
    stage = Stage(deadline.stage)
    submitters = submitter_roles(stage)
    roles: set[Role] = set(stage_roles(stage, deadline.owner_role))
    for kind_roles in submitters.values():
        roles -= kind_roles
    for kind, kind_roles in submitters.items():
        if states.get((deadline.cycle_id, kind), SubmissionState.DRAFT) in OUTSTANDING:
            roles |= kind_roles
    return frozenset(roles)


def _remind(
    deadline: StageDeadline, roles: frozenset[Role], kind: NotificationKind, key: str
) -> list[int]:
    holders = role_holders(deadline.cycle, roles)
    if not holders:
        return []
    with transaction.atomic():
        before = set(
            Notification.objects.filter(event_key=key, user_id__in=holders).values_list(
                "user_id", flat=True
            )
        )
        if before >= set(holders):
            return []  # everyone was reminded of this already (the usual case)
        Notification.objects.bulk_create(
            [
                Notification(
                    user_id=user_id,
                    cycle_id=deadline.cycle_id,
                    kind=kind,
                    subject=deadline.stage,
                    due_date=deadline.due_date,
                    event_key=key,
                )
                for user_id in sorted(holders)
            ],
            ignore_conflicts=True,
        )
    return [user_id for user_id in holders if user_id not in before]


# --- E-mail -------------------------------------------------------------------------------------
def emails_deliver() -> None:
    """After a commit: send the pending e-mails now (inline) or through a Celery task.

    If the broker is unreachable nothing is lost: the rows stay pending and the beat scan sends
    them (``notification_emails_send``).
    """
    if settings.SOP_NOTIFY_MODE == "inline":
        try:
            notification_emails_send()
        except (SMTPException, OSError):  # the change is committed; the e-mail waits
            logger.warning("Notification e-mails not sent now; they stay pending", exc_info=True)
        return
    try:
        current_app.send_task(EMAIL_TASK, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception:  # the broker's errors vary by transport; the scan catches up
        logger.warning("Broker unreachable: pending e-mails wait for the reminder scan")


def notification_emails_send(batch: int = EMAILS_PER_BATCH) -> int:
    """Send the pending e-mails (those of users who turned e-mail off, or off for the
    notification's kind, are skipped: the notification still shows in the application).

    Rows are claimed ``batch`` at a time with ``SKIP LOCKED`` and marked in the transaction
    that sends them, so two workers never send the same one. Each e-mail is sent on its own: an
    address the server refuses is skipped, and if the server stops answering, what was sent is
    marked sent and the rest stay pending for the next attempt (the error is raised for the
    task to retry). Returns how many e-mails were sent.
    """
    sent = 0
    while True:
        claimed, batch_sent = _emails_send_batch(batch)
        sent += batch_sent
        if claimed < batch:
            return sent


def _emails_send_batch(limit: int) -> tuple[int, int]:
    failure: Exception | None = None
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(email_state=EmailState.PENDING)
            .select_related("user", "cycle__business_unit")
            .order_by("id")[:limit]
        )
        if not pending:
            return 0, 0
        preferences = {
            preference.user_id: preference
            for preference in NotificationPreference.objects.filter(
                user_id__in={row.user_id for row in pending}
            )
        }
        to_send = [
            row
            for row in pending
            if row.user.email
            and (row.user_id not in preferences or preferences[row.user_id].emails(row.kind))
        ]
        skipped = [row.pk for row in pending if row not in to_send]
        sent: list[int] = []
        messages = []
        for row in to_send:
            preference = preferences.get(row.user_id)
            language = (preference and preference.email_language) or settings.LANGUAGE_CODE
            with translation.override(language):
                messages.append((row.pk, _email_of(row)))
        try:
            if messages:
                with get_connection() as connection:
                    for pk, message in messages:
                        try:
                            connection.send_messages([message])
                        except SMTPRecipientsRefused:
                            logger.warning("E-mail of notification %s refused by the server", pk)
                            skipped.append(pk)
                            continue
                        sent.append(pk)
        except (SMTPException, OSError) as error:
            failure = error
        Notification.objects.filter(pk__in=sent).update(email_state=EmailState.SENT)
        Notification.objects.filter(pk__in=skipped).update(email_state=EmailState.SKIPPED)
    if failure is not None:
        raise failure
    return len(pending), len(sent)


def _email_of(notification: Notification) -> EmailMessage:
    text = notification_text(notification)
    lines = [text]
    if notification.reason:
        lines += ["", notification_note(notification)]
    site = settings.SOP_SITE_URL.rstrip("/")
    lines += [
        "",
        site + notification_path(notification),
        "",
        _("You get these e-mails because you take part in this cycle. Turn them off: %(url)s")
        % {"url": site + reverse("notification-settings")},
    ]
    return EmailMessage(
        subject=_("[S&OP] %(text)s") % {"text": text},
        body="\n".join(lines),
        to=[notification.user.email],
    )


# --- Reading ------------------------------------------------------------------------------------
def notification_mark_read(*, user: Any, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; anyone else's is 404, like a missing one."""
    notification = notifications_for(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    return notifications_for(user).filter(read_at__isnull=True).update(read_at=timezone.now())


def notification_preference_set(
    *,
    user: Any,
    email_enabled: bool,
    email_language: str = "",
    email_kinds: Iterable[str] | None = None,
) -> NotificationPreference:
    """Turn the user's e-mails on or off, in a language of ``settings.LANGUAGES`` (empty: the
    installation's), for the kinds of notification in ``email_kinds`` (None: every kind)."""
    if email_language and email_language not in dict(settings.LANGUAGES):
        raise ValidationError({"email_language": _("Choose one of the offered languages.")})
    wanted = set(NotificationKind.values if email_kinds is None else email_kinds)
    unknown = wanted - set(NotificationKind.values)
    if unknown:
        raise ValidationError(
            {"email_kinds": _("No such kind of notification: %(kinds)s.")
             % {"kinds": ", ".join(sorted(unknown))}}
        )  # fmt: skip
    preference, _created = NotificationPreference.objects.update_or_create(
        user_id=user.pk,
        defaults={
            "email_enabled": email_enabled,
            "email_language": email_language,
            "email_kinds_off": [kind for kind in NotificationKind.values if kind not in wanted],
        },
    )
    return preference
