"""Guests: someone from outside the business unit, invited into one cycle in chosen roles."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from rest_framework.test import APIClient

from approvals.services import cycle_open
from planning.models import AuditEvent, BusinessUnit, Cycle, PlanLine
from planning.roles import Role, Stage
from planning.services.memberships import membership_revoke

from .conftest import json_of


@pytest.fixture
def outsider(make_user) -> AbstractUser:
    other_unit = BusinessUnit.objects.create(code="group", name="Group finance")
    return make_user("controller", (Role.FINANCE,), other_unit)


@pytest.fixture
def sibling(cycle: Cycle, role_users: dict[Role, AbstractUser]) -> Cycle:
    """Another cycle of the same business unit, which the guest was not invited into."""
    return cycle_open(
        actor=role_users[Role.DIRECTOR],
        business_unit_id=cycle.business_unit_id,
        plan_month=datetime.date(2024, 4, 1),
        horizon_months=3,
    )


def invite(client: APIClient, cycle: Cycle, username: str, roles: list[str]) -> Any:
    return client.post(
        f"/api/cycles/{cycle.pk}/guests/", {"username": username, "roles": roles}, format="json"
    )


def test_a_guest_sees_the_cycle_they_were_invited_into_and_nothing_else(
    cycle: Cycle, sibling: Cycle, outsider: AbstractUser, role_users, client_for
) -> None:
    guest = client_for(outsider)
    assert guest.get(f"/api/cycles/{cycle.pk}/").status_code == 404

    response = invite(client_for(role_users[Role.DIRECTOR]), cycle, "controller", ["finance"])

    assert response.status_code == 200
    assert json_of(response) == [{"username": "controller", "roles": ["finance"]}]
    assert guest.get(f"/api/cycles/{cycle.pk}/").status_code == 200
    assert guest.get(f"/api/cycles/{cycle.pk}/analysis/").status_code == 200
    assert guest.get(f"/api/cycles/{sibling.pk}/").status_code == 404
    listed = {row["id"] for row in json_of(guest.get("/api/cycles/"))["results"]}
    assert listed == {cycle.pk}


def test_a_guest_acts_in_the_invited_roles_only(
    cycle: Cycle, outsider: AbstractUser, role_users, client_for
) -> None:
    invite(client_for(role_users[Role.DIRECTOR]), cycle, "controller", ["finance"])
    Cycle.objects.filter(pk=cycle.pk).update(stage=Stage.SUPPLY_REVIEW)
    guest = client_for(outsider)

    comment = guest.patch(f"/api/cycles/{cycle.pk}/finance-review/", {"comment": "Looks funded."})
    line = PlanLine.objects.filter(cycle=cycle).first()
    assert line is not None
    edit = guest.patch(
        f"/api/plan-lines/{line.pk}/",
        {"production_plan": 1, "version": line.version},
        format="json",
    )
    advance = guest.post(f"/api/cycles/{cycle.pk}/advance/", {"override_reason": "x"})

    assert comment.status_code == 200
    assert edit.status_code == 403
    assert advance.status_code == 403


def test_inviting_again_replaces_the_roles_and_withdrawing_ends_access(
    cycle: Cycle, outsider: AbstractUser, role_users, client_for
) -> None:
    director = client_for(role_users[Role.DIRECTOR])
    invite(director, cycle, "controller", ["finance"])
    # an executive guest is invited by the administrator (the chair does not choose the approver)
    administrator = client_for(role_users[Role.ADMIN])
    response = invite(administrator, cycle, "controller", ["executive", "procurement"])
    assert json_of(response) == [{"username": "controller", "roles": ["procurement", "executive"]}]

    assert director.delete(f"/api/cycles/{cycle.pk}/guests/controller/").status_code == 204

    assert client_for(outsider).get(f"/api/cycles/{cycle.pk}/").status_code == 404
    assert json_of(director.get(f"/api/cycles/{cycle.pk}/guests/")) == []
    trail = list(
        AuditEvent.objects.filter(cycle=cycle, field="roles")
        .order_by("id")
        .values_list("action", "before", "after")
    )
    assert trail == [
        ("guest_granted", None, ["finance"]),
        ("guest_granted", ["finance"], ["procurement", "executive"]),
        ("guest_revoked", ["procurement", "executive"], None),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "nobody", "roles": ["finance"]}, "username"),
        ({"username": "controller", "roles": ["director"]}, "roles"),
        ({"username": "controller", "roles": ["admin"]}, "roles"),
        ({"username": "controller", "roles": []}, "roles"),
        ({"username": "controller", "roles": ["chef"]}, "roles"),
    ],
)
def test_bad_invitations_name_the_field_and_grant_nothing(
    body: dict[str, object], field: str, cycle: Cycle, outsider, role_users, client_for
) -> None:
    response = client_for(role_users[Role.DIRECTOR]).post(
        f"/api/cycles/{cycle.pk}/guests/", body, format="json"
    )
    assert response.status_code == 400
    assert field in json_of(response)
    assert client_for(outsider).get(f"/api/cycles/{cycle.pk}/").status_code == 404


def test_a_guest_cannot_invite_further_guests(
    cycle: Cycle, outsider: AbstractUser, role_users, client_for, make_user
) -> None:
    make_user("friend")
    invite(client_for(role_users[Role.ADMIN]), cycle, "controller", ["executive"])
    assert invite(client_for(outsider), cycle, "friend", ["sales"]).status_code == 403


def test_guest_roles_do_not_leak_to_the_business_unit(
    cycle: Cycle, outsider: AbstractUser, role_users, client_for
) -> None:
    """Membership and guest grants are separate: losing one leaves the other as it was."""
    member = role_users[Role.SALES]
    invite(client_for(role_users[Role.DIRECTOR]), cycle, member.username, ["production"])
    membership_revoke(business_unit=cycle.business_unit, user=member)

    client: Callable[[AbstractUser], APIClient] = client_for
    workflow = json_of(client(member).get(f"/api/cycles/{cycle.pk}/workflow/"))
    assert workflow["stage"] == cycle.stage
    other = cycle_open(
        actor=role_users[Role.DIRECTOR],
        business_unit_id=cycle.business_unit_id,
        plan_month=datetime.date(2024, 5, 1),
        horizon_months=3,
    )
    assert client(member).get(f"/api/cycles/{other.pk}/").status_code == 404
