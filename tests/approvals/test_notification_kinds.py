"""E-mail per kind of notification: a kind a user turned off is not e-mailed to them, yet the
notification still shows in the application; every kind is on until turned off."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from approvals.models import EmailState, Notification, NotificationKind, NotificationPreference
from approvals.notifications.services import (
    notification_emails_send,
    notification_preference_set,
)
from approvals.services import cycle_open
from planning.models import BusinessUnit, Cycle
from planning.roles import Role
from reviews.services import submission_transition

K = NotificationKind
ALL_BUT_REVIEWS = [kind for kind in K.values if kind != K.REVIEW_AWAITED]


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.SOP_NOTIFY_MODE = "inline"
    with translation.override("en"):
        yield


@pytest.fixture
def people(make_user, business_unit: BusinessUnit) -> dict[str, Any]:
    found = {
        "chair": make_user("chair", (Role.DIRECTOR,), business_unit),
        "seller": make_user("seller", (Role.SALES,), business_unit),
    }
    for name, user in found.items():
        user.email = f"{name}@example.com"
        user.save(update_fields=["email"])
    return found


@pytest.fixture
def cycle(people: dict[str, Any], make_family, business_unit: BusinessUnit) -> Cycle:
    make_family("FAM-1")
    return cycle_open(
        actor=people["chair"],
        business_unit_id=business_unit.pk,
        plan_month=datetime.date(2024, 3, 1),
        horizon_months=3,
    )


def test_a_kind_turned_off_is_not_e_mailed_but_still_notified_in_the_application(
    people: dict[str, Any],
    cycle: Cycle,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    # given the director wants every e-mail but "a submission awaits your review"
    notification_preference_set(
        user=people["chair"], email_enabled=True, email_kinds=ALL_BUT_REVIEWS
    )
    notification_emails_send()  # the cycle's opening e-mails, out of the way
    mail.outbox.clear()
    # when sales hands in the forecast
    with django_capture_on_commit_callbacks(execute=True):
        submission_transition(
            actor=people["seller"], cycle_id=cycle.pk, kind="sales_forecast", action="submit"
        )
    # then the director is notified in the application, and no e-mail goes out for it
    notification = Notification.objects.get(user=people["chair"], kind=K.REVIEW_AWAITED)
    assert notification.email_state == EmailState.SKIPPED
    assert [message.to for message in mail.outbox] == []


def test_a_kind_left_on_is_e_mailed(
    people: dict[str, Any], cycle: Cycle, django_capture_on_commit_callbacks: Callable
) -> None:
    notification_preference_set(
        user=people["chair"], email_enabled=True, email_kinds=[K.REVIEW_AWAITED]
    )
    notification_emails_send()  # the cycle's opening e-mails, out of the way
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submission_transition(
            actor=people["seller"], cycle_id=cycle.pk, kind="sales_forecast", action="submit"
        )
    assert [message.to for message in mail.outbox] == [["chair@example.com"]]


def test_every_kind_is_e_mailed_until_turned_off(people: dict[str, Any]) -> None:
    preference = NotificationPreference(user=people["chair"])
    assert all(preference.emails(kind) for kind in K.values)
    saved = notification_preference_set(user=people["chair"], email_enabled=True)
    assert saved.email_kinds_off == []


def test_an_unknown_kind_is_refused_naming_the_field(people: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as refused:
        notification_preference_set(
            user=people["chair"], email_enabled=True, email_kinds=["fireworks"]
        )
    assert "email_kinds" in refused.value.message_dict


def test_the_settings_page_offers_each_kind_checked_and_saves_the_choice(
    people: dict[str, Any],
) -> None:
    client = Client()
    client.force_login(people["chair"])
    page = client.get("/notifications/settings/").content.decode()
    for kind in K.values:
        assert f'value="{kind}"' in page
    assert page.count('name="email_kinds"') == len(K.values)
    assert page.count("checked") >= len(K.values)  # every kind on by default
    response = client.post(
        "/notifications/settings/",
        {"email_enabled": "on", "email_language": "en", "email_kinds": [K.PLAN_APPROVED]},
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=people["chair"])
    assert set(preference.email_kinds_off) == set(K.values) - {K.PLAN_APPROVED}
    page = client.get("/notifications/settings/").content.decode()
    checked = re.findall(r'name="email_kinds" value="(\w+)"[^>]* checked', page)
    assert checked == [K.PLAN_APPROVED]


def test_the_api_reads_and_sets_the_kinds(people: dict[str, Any]) -> None:
    client = Client()
    client.force_login(people["chair"])
    got = client.get("/api/notifications/settings/").json()
    assert got == {"email_enabled": True, "email_language": "", "email_kinds": K.values}
    put = client.put(
        "/api/notifications/settings/",
        {"email_enabled": True, "email_kinds": [K.OVERDUE, K.DUE_SOON]},
        content_type="application/json",
    )
    assert put.status_code == 200
    assert put.json()["email_kinds"] == [K.DUE_SOON, K.OVERDUE]
    refused = client.put(
        "/api/notifications/settings/",
        {"email_enabled": True, "email_kinds": ["fireworks"]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "email_kinds" in refused.json()
