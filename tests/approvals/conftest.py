"""A business unit with two people in each deciding role, and a cycle, built through services."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.test import Client
from rest_framework.test import APIClient

from approvals.services import cycle_open
from planning.models import BusinessUnit, Cycle
from planning.roles import Role, Stage
from reviews.models import Submission

PEOPLE = {
    "director-a": Role.DIRECTOR,
    "director-b": Role.DIRECTOR,
    "ceo-a": Role.EXECUTIVE,
    "ceo-b": Role.EXECUTIVE,
    "seller": Role.SALES,
    "administrator": Role.ADMIN,
}


@pytest.fixture
def people(make_user, business_unit: BusinessUnit) -> dict[str, AbstractUser]:
    return {name: make_user(name, (role,), business_unit) for name, role in PEOPLE.items()}


@pytest.fixture
def open_cycle(people: dict[str, AbstractUser], make_family, business_unit: BusinessUnit) -> Cycle:
    make_family("FAM-1", unit_cost="10.00", unit_price="25.00")
    return cycle_open(
        actor=people["director-a"],
        business_unit_id=business_unit.pk,
        plan_month=datetime.date(2024, 3, 1),
        horizon_months=3,
    )


@pytest.fixture
def at_stage(open_cycle: Cycle) -> Callable[[Stage], Cycle]:
    """Put the cycle in a stage directly (the tests are about what happens from there)."""

    def put(stage: Stage) -> Cycle:
        Cycle.objects.filter(pk=open_cycle.pk).update(stage=stage)
        open_cycle.refresh_from_db()
        return open_cycle

    return put


def api_as(user: AbstractUser) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    # A fresh instance, as every real request loads one: permission caches live on it.
    client.force_authenticate(type(user).objects.get(pk=user.pk))
    return client


def browser_as(user: AbstractUser) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # type: ignore[arg-type]  # our user model is Django's
    return client


def post(client: Any, url: str, body: dict[str, Any]) -> Callable[[], int]:
    """A request to send later (from a thread); returns its status code."""
    return lambda: client.post(url, body, format="json").status_code


def submissions_all_in(cycle: Cycle) -> None:
    Submission.objects.filter(cycle=cycle).update(state="accepted")
