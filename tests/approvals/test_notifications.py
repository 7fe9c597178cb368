"""Notifications: who hears of which workflow event, reminders once, e-mail after commit."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from smtplib import SMTPServerDisconnected

import pytest
from django.contrib.auth.models import AbstractUser
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.formats import date_format

from approvals.models import EmailState, Notification, NotificationKind, StageDeadline
from approvals.notifications.selectors import notifications_for, role_holders, unread_count
from approvals.notifications.services import (
    notification_emails_send,
    notification_mark_read,
    notification_preference_set,
    notifications_mark_all_read,
    reminders_create,
)
from approvals.notifications.texts import notification_note, notification_text
from approvals.services import cycle_advance, cycle_approve, cycle_open, cycle_send_back
from planning.access import cycle_roles
from planning.models import BusinessUnit, Cycle
from planning.roles import Role, Stage
from planning.services.memberships import (
    cycle_guest_grant,
    cycle_guest_revoke,
    membership_revoke,
)
from planning.services.recompute import cycle_recompute
from reviews.services import submission_transition

K = NotificationKind
PEOPLE = {
    "chair": (Role.DIRECTOR,),
    "seller": (Role.SALES,),
    "seller-2": (Role.SALES,),
    "maker": (Role.PRODUCTION,),
    "buyer": (Role.PROCUREMENT,),
    "banker": (Role.FINANCE,),
    "boss": (Role.EXECUTIVE,),
    "boss-2": (Role.EXECUTIVE,),
    "keeper": (Role.ADMIN,),
}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def people(make_user, business_unit: BusinessUnit) -> dict[str, AbstractUser]:
    found = {name: make_user(name, roles, business_unit) for name, roles in PEOPLE.items()}
    other = BusinessUnit.objects.create(code="west", name="West")
    found["outsider"] = make_user("outsider", (Role.SALES, Role.DIRECTOR), other)
    for name, user in found.items():
        user.email = f"{name}@example.com"
        user.save(update_fields=["email"])
    return found


@pytest.fixture
def cycle(people: dict[str, AbstractUser], make_family, business_unit: BusinessUnit) -> Cycle:
    make_family("FAM-1")
    return cycle_open(
        actor=people["chair"],
        business_unit_id=business_unit.pk,
        plan_month=datetime.date(2024, 3, 1),
        horizon_months=3,
    )


def recipients(kind: NotificationKind, cycle: Cycle | None = None) -> set[str]:
    rows = Notification.objects.filter(kind=kind)
    if cycle is not None:
        rows = rows.filter(cycle=cycle)
    return set(rows.values_list("user__username", flat=True))


def submit_forecast(cycle: Cycle, people: dict[str, AbstractUser]) -> None:
    cycle_advance(actor=people["chair"], cycle_id=cycle.pk)
    submission_transition(
        actor=people["seller"],
        cycle_id=cycle.pk,
        kind="sales_forecast",
        action="submit",
        text="Aligned with key accounts",
    )


def test_opening_a_cycle_tells_the_roles_with_work_in_data_collection(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # then: the submitters of data collection; not the chair who opened it, nor anyone else
    assert recipients(K.STAGE_OPENED) == {"seller", "seller-2", "maker", "buyer"}
    notification = Notification.objects.filter(user_id=people["seller"].pk).get()
    assert notification_text(notification) == (
        "East 2024-03: the data collection stage is open, with work for you."
    )


def test_advancing_tells_the_roles_of_the_new_stage_only(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given
    Notification.objects.all().delete()
    # when
    cycle_advance(actor=people["chair"], cycle_id=cycle.pk)
    # then
    assert recipients(K.STAGE_OPENED) == {"seller", "seller-2"}
    assert set(Notification.objects.values_list("subject", flat=True)) == {"demand_review"}


def test_a_submission_awaits_the_directors_review(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    submit_forecast(cycle, people)
    notification = Notification.objects.get(kind=K.REVIEW_AWAITED)
    assert notification.user == people["chair"]
    assert notification_text(notification) == "East 2024-03: the sales forecast awaits your review."
    assert notification_note(notification) == "Comment: Aligned with key accounts"


def test_a_returned_submission_tells_its_submitter_only_with_the_reason(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given
    submit_forecast(cycle, people)
    # when
    submission_transition(
        actor=people["chair"],
        cycle_id=cycle.pk,
        kind="sales_forecast",
        action="return",
        text="June is too low",
    )
    # then
    returned = Notification.objects.get(kind=K.SUBMISSION_RETURNED)
    assert returned.user == people["seller"]
    assert returned.reason == "June is too low"
    assert notification_text(returned) == "East 2024-03: your sales forecast was returned."
    assert notification_note(returned) == "Reason: June is too low"


def test_an_accepted_submission_tells_its_submitter(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    submit_forecast(cycle, people)
    submission_transition(
        actor=people["chair"], cycle_id=cycle.pk, kind="sales_forecast", action="accept"
    )
    assert recipients(K.SUBMISSION_ACCEPTED) == {"seller"}


def test_a_submitter_who_left_the_unit_is_not_told_the_role_is(
    cycle: Cycle, people: dict[str, AbstractUser], business_unit: BusinessUnit
) -> None:
    # given the seller submitted, then lost their place in the unit
    submit_forecast(cycle, people)
    membership_revoke(business_unit=business_unit, user=people["seller"], actor=people["keeper"])
    # when
    submission_transition(
        actor=people["chair"], cycle_id=cycle.pk, kind="sales_forecast", action="accept"
    )
    # then
    assert recipients(K.SUBMISSION_ACCEPTED) == {"seller-2"}


def test_sending_back_tells_the_stage_it_returns_to_and_the_chair(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given
    Cycle.objects.filter(pk=cycle.pk).update(stage=Stage.EXECUTIVE_REVIEW)
    # when
    cycle_send_back(
        actor=people["boss"], cycle_id=cycle.pk, to_stage="supply_review", reason="Too much stock"
    )
    # then
    assert recipients(K.PLAN_SENT_BACK) == {"maker", "buyer", "banker", "chair"}
    notification = Notification.objects.filter(kind=K.PLAN_SENT_BACK).first()
    assert notification is not None and notification.reason == "Too much stock"
    assert notification_text(notification) == (
        "East 2024-03: the plan was sent back to supply review."
    )


def test_approval_tells_everyone_with_a_business_role_but_the_approver(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given
    Cycle.objects.filter(pk=cycle.pk).update(stage=Stage.EXECUTIVE_REVIEW)
    cycle_recompute(cycle.pk)
    # when
    cycle_approve(actor=people["boss"], cycle_id=cycle.pk, comment="Go")
    # then: not the approver, not the administrator (no business role), not another unit
    assert recipients(K.PLAN_APPROVED) == {
        "chair", "seller", "seller-2", "maker", "buyer", "banker", "boss-2"
    }  # fmt: skip


def test_an_invited_guest_is_told_and_nobody_else(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # when
    cycle_guest_grant(
        actor=people["chair"], cycle_id=cycle.pk, username="outsider", roles=["finance", "sales"]
    )
    # then
    notification = Notification.objects.get(kind=K.GUEST_INVITED)
    assert notification.user == people["outsider"]
    assert notification_text(notification) == (
        "East 2024-03: you were invited into this cycle as a guest (Sales / marketing, Finance)."
    )


def test_a_guest_whose_invitation_is_withdrawn_no_longer_reads_the_cycles_notifications(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given: a guest told of the invitation, who can list it
    cycle_guest_grant(
        actor=people["chair"], cycle_id=cycle.pk, username="outsider", roles=["sales"]
    )
    outsider = people["outsider"]
    assert [n.kind for n in notifications_for(outsider)] == [K.GUEST_INVITED]
    assert unread_count(outsider) == 1
    # when the invitation is withdrawn
    cycle_guest_revoke(actor=people["chair"], cycle_id=cycle.pk, username="outsider")
    outsider = type(outsider).objects.get(pk=outsider.pk)  # a new request reads grants afresh
    # then the row is kept, but neither the list, the bell nor mark-read reach it any more
    assert Notification.objects.filter(user_id=outsider.pk).count() == 1
    assert list(notifications_for(outsider)) == []
    assert unread_count(outsider) == 0


def test_a_refused_transition_leaves_no_notification(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given
    Notification.objects.all().delete()
    # when the seller tries to accept their own forecast
    with pytest.raises(Exception, match="may not do this"):
        submission_transition(
            actor=people["seller"], cycle_id=cycle.pk, kind="sales_forecast", action="accept"
        )
    # then
    assert not Notification.objects.exists()


def test_role_holders_agree_with_the_access_rules(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given a guest on the cycle besides the unit's members
    cycle_guest_grant(
        actor=people["chair"], cycle_id=cycle.pk, username="outsider", roles=["finance"]
    )
    # when
    holders = role_holders(cycle, Role)
    # then every user holds exactly the roles planning.access gives them in the cycle
    for user in people.values():
        fresh = type(user).objects.get(pk=user.pk)
        assert holders.get(user.pk, frozenset()) == cycle_roles(fresh, cycle), user.username


# --- Reminders -----------------------------------------------------------------------------------
def due_in(cycle: Cycle, days: int) -> StageDeadline:
    deadline = StageDeadline.objects.get(cycle=cycle, stage=cycle.stage)
    deadline.due_date = timezone.localdate() + datetime.timedelta(days=days)
    deadline.save(update_fields=["due_date"])
    return deadline


def test_a_stage_due_in_two_days_reminds_its_roles_once(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given
    Notification.objects.all().delete()
    due_in(cycle, 2)
    # when the scan runs three times
    written = [reminders_create(), reminders_create(), reminders_create()]
    # then: its submitters and its owner, the chair (data collection is the chair's stage)
    assert written == [5, 0, 0]
    assert recipients(K.DUE_SOON) == {"seller", "seller-2", "maker", "buyer", "chair"}
    notification = Notification.objects.filter(kind=K.DUE_SOON).first()
    assert notification is not None
    date = timezone.localdate() + datetime.timedelta(days=2)
    assert notification_text(notification) == (
        f"East 2024-03: the data collection stage is due on {date_format(date)}."
    )


def test_a_stage_due_in_three_days_reminds_nobody_yet(cycle: Cycle) -> None:
    Notification.objects.all().delete()
    due_in(cycle, 3)
    assert reminders_create() == 0


def test_an_overdue_stage_reminds_the_roles_with_open_work_and_the_chair(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given the demand review is overdue and its forecast still a draft
    cycle_advance(actor=people["chair"], cycle_id=cycle.pk)
    Notification.objects.all().delete()
    due_in(cycle, -1)
    # when
    reminders_create()
    reminders_create()
    # then
    assert recipients(K.OVERDUE) == {"seller", "seller-2", "chair"}
    assert Notification.objects.filter(kind=K.OVERDUE).count() == 3


def test_a_handed_in_submission_is_not_reminded_of(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given the forecast is submitted in an overdue demand review
    submit_forecast(cycle, people)
    Notification.objects.all().delete()
    due_in(cycle, -3)
    # when
    reminders_create()
    # then only the chair, who must move the stage on
    assert recipients(K.OVERDUE) == {"chair"}


def test_the_same_event_cannot_reach_a_user_twice(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    row = Notification.objects.filter(user_id=people["seller"].pk).first()
    assert row is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            user_id=people["seller"].pk, cycle=cycle, kind=row.kind, event_key=row.event_key
        )


# --- E-mail ----------------------------------------------------------------------------------------
def test_notifications_are_e_mailed_after_commit_except_to_who_turned_e_mail_off(
    people: dict[str, AbstractUser],
    make_family,
    business_unit: BusinessUnit,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    # given
    notification_preference_set(user=people["maker"], email_enabled=False)
    make_family("FAM-1")
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        cycle_open(
            actor=people["chair"],
            business_unit_id=business_unit.pk,
            plan_month=datetime.date(2024, 3, 1),
            horizon_months=3,
        )
        assert mail.outbox == []  # nothing leaves before the commit
    # then
    assert callbacks
    assert sorted(message.to[0] for message in mail.outbox) == [
        "buyer@example.com", "seller-2@example.com", "seller@example.com"
    ]  # fmt: skip
    message = next(message for message in mail.outbox if message.to == ["seller@example.com"])
    assert message.subject == (
        "[S&OP] East 2024-03: the data collection stage is open, with work for you."
    )
    assert "/notifications/settings/" in message.body
    states = dict(Notification.objects.values_list("user__username", "email_state"))
    assert states == {
        "seller": EmailState.SENT,
        "seller-2": EmailState.SENT,
        "buyer": EmailState.SENT,
        "maker": EmailState.SKIPPED,
    }


def test_pending_e_mails_are_sent_once(cycle: Cycle) -> None:
    # given four notifications written in this (never committed) transaction, e-mail pending
    assert Notification.objects.filter(email_state=EmailState.PENDING).count() == 4
    # when the sender runs twice (a scan after a task, say)
    sent = [notification_emails_send(), notification_emails_send()]
    # then
    assert sent == [4, 0]
    assert len(mail.outbox) == 4


def test_a_user_without_an_address_gets_the_notification_in_the_app_only(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    type(people["buyer"]).objects.filter(pk=people["buyer"].pk).update(email="")
    notification_emails_send()
    buyer = Notification.objects.get(user_id=people["buyer"].pk)
    assert buyer.email_state == EmailState.SKIPPED
    assert "buyer@example.com" not in [message.to[0] for message in mail.outbox]


# --- Reading ---------------------------------------------------------------------------------------
def test_someone_elses_notification_cannot_be_marked_read(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    theirs = Notification.objects.get(user_id=people["seller"].pk)
    with pytest.raises(Http404):
        notification_mark_read(user=people["maker"], notification_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_touches_only_ones_own(cycle: Cycle, people: dict[str, AbstractUser]) -> None:
    # when
    mine = notification_mark_read(
        user=people["seller"],
        notification_id=Notification.objects.get(user_id=people["seller"].pk).pk,
    )
    marked = notifications_mark_all_read(user=people["maker"])
    # then
    assert mine.read and marked == 1
    unread = Notification.objects.filter(read_at__isnull=True)
    assert set(unread.values_list("user__username", flat=True)) == {"seller-2", "buyer"}


@pytest.fixture
def flaky_mail(settings):
    from tests.approvals.mail_backends import FlakyBackend

    settings.EMAIL_BACKEND = "tests.approvals.mail_backends.FlakyBackend"
    FlakyBackend.refused, FlakyBackend.answers = set(), None
    yield FlakyBackend
    FlakyBackend.refused, FlakyBackend.answers = set(), None


def test_an_address_the_server_refuses_is_skipped_and_the_others_sent(
    cycle: Cycle, flaky_mail
) -> None:
    # given
    flaky_mail.refused = {"maker@example.com"}
    # when
    sent = notification_emails_send()
    # then
    assert sent == 3
    states = dict(Notification.objects.values_list("user__username", "email_state"))
    assert states["maker"] == EmailState.SKIPPED
    assert sorted(message.to[0] for message in mail.outbox) == [
        "buyer@example.com", "seller-2@example.com", "seller@example.com"
    ]  # fmt: skip


def test_a_server_that_goes_away_keeps_the_rest_pending_and_sends_nothing_twice(
    cycle: Cycle, flaky_mail
) -> None:
    # given the server answers two messages, then disconnects
    flaky_mail.answers = 2
    # when
    with pytest.raises(SMTPServerDisconnected):
        notification_emails_send()
    # then the two are marked sent, the other two still pending
    states = list(Notification.objects.values_list("email_state", flat=True))
    assert sorted(states) == ["pending", "pending", "sent", "sent"]
    # and once the server is back, the rest go out and nothing goes twice
    flaky_mail.answers = None
    assert notification_emails_send() == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "buyer@example.com", "maker@example.com", "seller-2@example.com", "seller@example.com"
    ]  # fmt: skip


def test_every_pending_e_mail_goes_out_batch_by_batch(cycle: Cycle) -> None:
    assert notification_emails_send(batch=3) == 4
    assert not Notification.objects.filter(email_state=EmailState.PENDING).exists()
    assert len(mail.outbox) == 4


def test_each_user_gets_e_mail_in_the_language_they_chose(
    cycle: Cycle, people: dict[str, AbstractUser], settings
) -> None:
    # given the installation speaks Chinese; the seller chose English
    settings.LANGUAGE_CODE = "zh-hans"
    notification_preference_set(user=people["seller"], email_enabled=True, email_language="en")
    # when
    notification_emails_send()
    # then
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects["seller@example.com"] == (
        "[S&OP] East 2024-03: the data collection stage is open, with work for you."
    )
    chinese = "[S&OP] East 2024-03：「数据收集与刷新」阶段已开启，有您的工作。"  # noqa: RUF001
    assert subjects["maker@example.com"] == chinese


def test_an_unknown_e_mail_language_is_refused(people: dict[str, AbstractUser]) -> None:
    with pytest.raises(ValidationError) as refused:
        notification_preference_set(user=people["seller"], email_enabled=True, email_language="fr")
    assert refused.value.message_dict == {
        "email_language": ["Choose one of the offered languages."]
    }
