"""A notification in words, in the reader's language (the text is never stored), and the page
it leads to."""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from approvals.models import Notification, NotificationKind
from planning.models import Cycle
from planning.roles import Role, Stage
from reviews.models import SubmissionKind

K = NotificationKind


def cycle_label(cycle: Cycle) -> str:
    return f"{cycle.business_unit.name} {cycle.plan_month:%Y-%m}"


def notification_path(notification: Notification) -> str:
    """The page a notification leads to: its cycle's overview (the list's and the e-mail's)."""
    return reverse("cycle-overview", args=[notification.cycle_id])


def notification_text(notification: Notification) -> str:
    """One sentence saying what happened, naming the cycle."""
    values = {
        "cycle": cycle_label(notification.cycle),
        "stage": _label(Stage, notification.subject).lower(),
        "kind": _label(SubmissionKind, notification.subject).lower(),
        "date": date_format(notification.due_date) if notification.due_date else "",
        "roles": ", ".join(_label(Role, role) for role in notification.subject.split(",") if role),
    }
    templates = {
        K.STAGE_OPENED: _("%(cycle)s: the %(stage)s stage is open, with work for you."),
        K.SUBMISSION_RETURNED: _("%(cycle)s: your %(kind)s was returned."),
        K.SUBMISSION_ACCEPTED: _("%(cycle)s: your %(kind)s was accepted."),
        K.REVIEW_AWAITED: _("%(cycle)s: the %(kind)s awaits your review."),
        K.DUE_SOON: _("%(cycle)s: the %(stage)s stage is due on %(date)s."),
        K.OVERDUE: _("%(cycle)s: the %(stage)s stage was due on %(date)s and is not done."),
        K.PLAN_SENT_BACK: _("%(cycle)s: the plan was sent back to %(stage)s."),
        K.PLAN_APPROVED: _("%(cycle)s: the plan was approved."),
        K.GUEST_INVITED: _("%(cycle)s: you were invited into this cycle as a guest (%(roles)s)."),
    }
    return templates[NotificationKind(notification.kind)] % values


# Kinds whose ``reason`` is a comment the actor wrote rather than a reason they gave.
COMMENTED = frozenset({K.REVIEW_AWAITED, K.PLAN_APPROVED})


def notification_note(notification: Notification) -> str:
    """The reason (a return, a send-back) or comment (a submission, an approval), labelled."""
    if not notification.reason:
        return ""
    if notification.kind in COMMENTED:
        return _("Comment: %(text)s") % {"text": notification.reason}
    return _("Reason: %(text)s") % {"text": notification.reason}


def _label(choices: type[Stage] | type[SubmissionKind] | type[Role], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value
