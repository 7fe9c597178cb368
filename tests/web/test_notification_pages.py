"""The bell, the notification list, marking read and the e-mail setting (Django's test client)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import AbstractUser
from django.test import Client

from approvals.models import Notification, NotificationPreference
from approvals.services import cycle_open
from planning.models import BusinessUnit, Cycle
from planning.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, business_unit: BusinessUnit) -> dict[str, AbstractUser]:
    return {
        "chair": make_user("chair", (Role.DIRECTOR,), business_unit),
        "seller": make_user("seller", (Role.SALES,), business_unit),
        "maker": make_user("maker", (Role.PRODUCTION,), business_unit),
        "boss": make_user("boss", (Role.EXECUTIVE,), business_unit),
    }


@pytest.fixture
def cycle(people: dict[str, AbstractUser], make_family, business_unit: BusinessUnit) -> Cycle:
    make_family("FAM-1")
    return cycle_open(
        actor=people["chair"],
        business_unit_id=business_unit.pk,
        plan_month=datetime.date(2024, 3, 1),
        horizon_months=3,
    )


def browser_as(user: AbstractUser) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # type: ignore[arg-type]  # our user model is Django's
    return client


def bell_count(html: str) -> str:
    found = re.search(r'data-testid="bell-count">(\d+)<', html)
    assert found, "no bell on the page"
    return found.group(1)


def test_every_page_shows_the_bell_with_the_unread_count(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    home = browser_as(people["seller"]).get("/").content.decode()
    overview = browser_as(people["boss"]).get(f"/cycles/{cycle.pk}/").content.decode()
    assert bell_count(home) == "1"
    assert bell_count(overview) == "0"


def test_the_list_shows_ones_own_notifications_only(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    mine = browser_as(people["seller"]).get("/notifications/")
    theirs = browser_as(people["boss"]).get("/notifications/")
    assert mine.status_code == 200
    assert "East 2024-03: the data collection stage is open, with work for you." in (
        mine.content.decode()
    )
    assert "the data collection stage is open" not in theirs.content.decode()
    assert "No notifications yet." in theirs.content.decode()


def test_marking_one_read_lowers_the_count(cycle: Cycle, people: dict[str, AbstractUser]) -> None:
    # given
    client = browser_as(people["seller"])
    notification = Notification.objects.get(user_id=people["seller"].pk)
    # when
    response = client.post(f"/notifications/{notification.pk}/read/")
    # then
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    notification.refresh_from_db()
    assert notification.read
    assert bell_count(client.get("/notifications/").content.decode()) == "0"


def test_marking_someone_elses_read_is_404(cycle: Cycle, people: dict[str, AbstractUser]) -> None:
    theirs = Notification.objects.get(user_id=people["seller"].pk)
    response = browser_as(people["maker"]).post(f"/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.read


def test_marking_all_read(cycle: Cycle, people: dict[str, AbstractUser]) -> None:
    client = browser_as(people["maker"])
    response = client.post("/notifications/read-all/", follow=True)
    assert "All your notifications are marked read." in response.content.decode()
    assert not Notification.objects.filter(
        user_id=people["maker"].pk, read_at__isnull=True
    ).exists()
    assert Notification.objects.filter(user_id=people["seller"].pk, read_at__isnull=True).exists()


def test_a_user_turns_e_mail_off_and_on(people: dict[str, AbstractUser]) -> None:
    # given
    client = browser_as(people["seller"])
    assert 'name="email_enabled" id="id_email_enabled" checked' in (
        client.get("/notifications/settings/").content.decode()
    )
    # when the box is left unticked
    response = client.post("/notifications/settings/", {"email_language": "en"}, follow=True)
    # then
    assert "Your notifications will no longer be sent by e-mail." in response.content.decode()
    assert NotificationPreference.objects.get(user_id=people["seller"].pk).email_enabled is False
    # and ticked again, in Chinese
    client.post("/notifications/settings/", {"email_enabled": "on", "email_language": "zh-hans"})
    preference = NotificationPreference.objects.get(user_id=people["seller"].pk)
    assert (preference.email_enabled, preference.email_language) == (True, "zh-hans")


def test_an_unknown_e_mail_language_is_refused_and_nothing_changes(
    people: dict[str, AbstractUser],
) -> None:
    response = browser_as(people["seller"]).post(
        "/notifications/settings/", {"email_enabled": "on", "email_language": "fr"}
    )
    assert response.status_code == 200
    assert "Select a valid choice. fr is not one of the available choices." in (
        response.content.decode()
    )
    assert not NotificationPreference.objects.exists()


def test_the_bell_fragment_is_the_bell_alone(cycle: Cycle, people: dict[str, AbstractUser]) -> None:
    response = browser_as(people["seller"]).get("/notifications/bell/")
    html = response.content.decode()
    assert response.status_code == 200
    assert bell_count(html) == "1"
    assert "<html" not in html


def test_the_pages_need_a_signed_in_user(cycle: Cycle) -> None:
    for path in ("/notifications/", "/notifications/settings/", "/notifications/bell/"):
        response = Client().get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client().post("/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_a_page_number_that_is_no_number_is_refused_and_the_first_page_shown(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    response = browser_as(people["seller"]).get("/notifications/?page=abc")
    html = response.content.decode()
    assert response.status_code == 400
    assert "page: Enter a whole number." in html
    assert "the data collection stage is open, with work for you." in html


def test_opening_an_unread_notification_marks_it_read_and_goes_to_its_page(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given
    client = browser_as(people["seller"])
    notification = Notification.objects.get(user_id=people["seller"].pk)
    listed = client.get("/notifications/").content.decode()
    assert f'action="/notifications/{notification.pk}/open/"' in listed
    # when
    response = client.post(f"/notifications/{notification.pk}/open/")
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/cycles/{cycle.pk}/"
    notification.refresh_from_db()
    assert notification.read
    assert bell_count(client.get(response["Location"]).content.decode()) == "0"


def test_a_read_notification_is_a_plain_link_to_its_page(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given
    client = browser_as(people["seller"])
    notification = Notification.objects.get(user_id=people["seller"].pk)
    client.post(f"/notifications/{notification.pk}/read/")
    # when
    listed = client.get("/notifications/").content.decode()
    # then
    assert f'<a href="/cycles/{cycle.pk}/" data-testid="open-notification-{notification.pk}">' in (
        listed
    )
    assert f"/notifications/{notification.pk}/open/" not in listed


def test_opening_a_notification_by_get_changes_nothing(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    notification = Notification.objects.get(user_id=people["seller"].pk)
    response = browser_as(people["seller"]).get(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 405
    notification.refresh_from_db()
    assert not notification.read


def test_opening_someone_elses_notification_is_404(
    cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    theirs = Notification.objects.get(user_id=people["seller"].pk)
    response = browser_as(people["maker"]).post(f"/notifications/{theirs.pk}/open/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.read
