"""API fixtures: a cycle with one user per role, and clients acting as them.

The cycle (a business unit, one user per role, two families, the opened cycle and its
analysis) is built once per test run and copied back for each test that asks for ``cycle``;
``business_unit`` and ``role_users`` then return the rows of that copy.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.test import override_settings
from rest_framework.test import APIClient

from approvals.services import cycle_open
from planning.models import BusinessUnit, Cycle, ProductFamily
from planning.roles import Role
from planning.services.memberships import membership_grant
from planning.services.recompute import cycle_recompute
from tests.demo_snapshot import DatabaseSnapshot, snapshot_of, snapshot_restore

PLAN_MONTH = datetime.date(2024, 3, 1)


def username_of(role: Role) -> str:
    return f"user-{role.value}"


def api_cycle_build() -> None:
    """What the fixtures built per test before: the same services, names and passwords."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        unit = BusinessUnit.objects.create(code="east", name="East")
        users = {}
        for role in Role:
            users[role] = get_user_model().objects.create_user(
                username=username_of(role), password="pw-" + username_of(role)
            )
            membership_grant(business_unit=unit, user=users[role], roles=(role,))
    ProductFamily.objects.create(
        business_unit=unit, code="FAM-1", name="FAM-1", unit_cost="10.00", unit_price="25.00"
    )
    ProductFamily.objects.create(
        business_unit=unit, code="FAM-2", name="FAM-2", unit_cost="4.00", unit_price="9.00"
    )
    opened = cycle_open(
        actor=users[Role.DIRECTOR],
        business_unit_id=unit.pk,
        plan_month=PLAN_MONTH,
        horizon_months=3,
    )
    # Built in a transaction that never commits, so run the after-commit recompute here.
    cycle_recompute(opened.pk)


@pytest.fixture(scope="session")
def api_cycle_snapshot(django_db_setup: None, django_db_blocker: Any) -> DatabaseSnapshot:
    from django.db import connection

    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", "run the suite on PostgreSQL (DATABASE_URL)"
        return snapshot_of(api_cycle_build)


@pytest.fixture(autouse=True)
def api_cycle_restored(request: pytest.FixtureRequest) -> bool:
    """Whether this test got the prebuilt cycle; autouse, so it is restored before any other
    fixture of the test writes a row."""
    if "cycle" not in request.fixturenames:
        return False
    snapshot = request.getfixturevalue("api_cycle_snapshot")  # built before the test's transaction
    request.getfixturevalue("db")
    snapshot_restore(snapshot)
    return True


@pytest.fixture
def business_unit(db: None, api_cycle_restored: bool) -> BusinessUnit:
    if api_cycle_restored:
        return BusinessUnit.objects.get(code="east")
    return BusinessUnit.objects.create(code="east", name="East")


@pytest.fixture
def role_users(
    make_user, business_unit: BusinessUnit, api_cycle_restored: bool
) -> dict[Role, AbstractUser]:
    if api_cycle_restored:
        users = get_user_model().objects.in_bulk(
            [username_of(role) for role in Role], field_name="username"
        )
        return {role: users[username_of(role)] for role in Role}
    return {role: make_user(username_of(role), (role,), business_unit) for role in Role}


@pytest.fixture
def cycle(role_users: dict[Role, AbstractUser], business_unit: BusinessUnit) -> Cycle:
    return Cycle.objects.get(business_unit=business_unit, plan_month=PLAN_MONTH)


@pytest.fixture
def client_for() -> Callable[[AbstractUser], APIClient]:
    def make(user: AbstractUser) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def json_of(response: Any) -> Any:
    return response.json() if response.content else None
