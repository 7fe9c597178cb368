"""GET /api/notifications/ lists your own, newest first; POST .../{id}/read/ marks one of yours."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AbstractUser
from rest_framework.test import APIClient

from approvals.models import Notification
from approvals.services import cycle_advance
from planning.models import Cycle
from planning.roles import Role

pytestmark = pytest.mark.django_db

Client = Callable[[AbstractUser], APIClient]


def test_the_list_is_the_users_own_newest_first_with_read(
    cycle: Cycle, role_users: dict[Role, AbstractUser], client_for: Client
) -> None:
    # given: opening the cycle told sales; advancing it tells sales again
    cycle_advance(actor=role_users[Role.DIRECTOR], cycle_id=cycle.pk)
    # when
    response = client_for(role_users[Role.SALES]).get(
        "/api/notifications/", HTTP_ACCEPT_LANGUAGE="en"
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["kind"] for row in body["results"]] == ["stage_opened", "stage_opened"]
    assert [row["subject"] for row in body["results"]] == ["demand_review", "data_collection"]
    assert body["results"][0]["message"] == (
        "East 2024-03: the demand review stage is open, with work for you."
    )
    assert [row["read"] for row in body["results"]] == [False, False]
    assert {row["cycle"] for row in body["results"]} == {cycle.pk}


def test_nobody_sees_anyone_elses_notifications(
    cycle: Cycle, role_users: dict[Role, AbstractUser], client_for: Client
) -> None:
    # the executive has none in data collection; the sales user's are not shown to them
    response = client_for(role_users[Role.EXECUTIVE]).get("/api/notifications/")
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert Notification.objects.filter(user_id=role_users[Role.SALES].pk).exists()


def test_marking_ones_own_read(
    cycle: Cycle, role_users: dict[Role, AbstractUser], client_for: Client
) -> None:
    # given
    client = client_for(role_users[Role.SALES])
    notification = Notification.objects.get(user_id=role_users[Role.SALES].pk)
    # when
    response = client.post(f"/api/notifications/{notification.pk}/read/")
    # then
    assert response.status_code == 200
    assert response.json()["read"] is True
    assert client.get("/api/notifications/").json()["results"][0]["read"] is True


def test_someone_elses_notification_is_404_and_stays_unread(
    cycle: Cycle, role_users: dict[Role, AbstractUser], client_for: Client
) -> None:
    # given
    theirs = Notification.objects.get(user_id=role_users[Role.SALES].pk)
    # when
    response = client_for(role_users[Role.PRODUCTION]).post(
        f"/api/notifications/{theirs.pk}/read/", HTTP_ACCEPT_LANGUAGE="en"
    )
    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_callers_get_401(cycle: Cycle) -> None:
    assert APIClient().get("/api/notifications/").status_code == 401
    assert APIClient().post("/api/notifications/1/read/").status_code == 401


def test_the_list_is_paginated_like_the_others(
    cycle: Cycle, role_users: dict[Role, AbstractUser], client_for: Client
) -> None:
    cycle_advance(actor=role_users[Role.DIRECTOR], cycle_id=cycle.pk)
    client = client_for(role_users[Role.SALES])
    page = client.get("/api/notifications/?limit=1&offset=1").json()
    assert page["count"] == 2
    assert [row["subject"] for row in page["results"]] == ["data_collection"]
    refused = client.get("/api/notifications/?limit=abc", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert refused.json() == {"limit": ["Enter a whole number from 1 to 5000."]}
