"""API fixtures: a cycle with one user per role, and clients acting as them."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from rest_framework.test import APIClient

from approvals.services import cycle_open
from planning.models import BusinessUnit, Cycle
from planning.roles import Role
from planning.services.recompute import cycle_recompute


@pytest.fixture
def role_users(make_user, business_unit: BusinessUnit) -> dict[Role, AbstractUser]:
    return {role: make_user(f"user-{role.value}", (role,), business_unit) for role in Role}


@pytest.fixture
def cycle(role_users: dict[Role, AbstractUser], make_family, business_unit: BusinessUnit) -> Cycle:
    make_family("FAM-1", unit_cost="10.00", unit_price="25.00")
    make_family("FAM-2", unit_cost="4.00", unit_price="9.00")
    opened = cycle_open(
        actor=role_users[Role.DIRECTOR],
        business_unit_id=business_unit.pk,
        plan_month=datetime.date(2024, 3, 1),
        horizon_months=3,
    )
    # The test transaction never commits, so run the after-commit recompute here.
    cycle_recompute(opened.pk)
    opened.refresh_from_db()
    return opened


@pytest.fixture
def client_for() -> Callable[[AbstractUser], APIClient]:
    def make(user: AbstractUser) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def json_of(response: Any) -> Any:
    return response.json() if response.content else None
