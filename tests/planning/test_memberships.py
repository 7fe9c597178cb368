"""Roles in a business unit: given by its administrator, never to oneself, always in the trail."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied
from django.utils import translation

from planning.access import roles_in
from planning.models import AuditEvent, BusinessUnit
from planning.roles import Role
from planning.services.memberships import membership_grant, membership_revoke, membership_set


@pytest.fixture
def administrator(make_user, business_unit: BusinessUnit) -> AbstractUser:
    return make_user("unit-admin", (Role.ADMIN,), business_unit)


def fresh(user: AbstractUser) -> AbstractUser:
    return type(user).objects.get(pk=user.pk)


def test_nobody_grants_themselves_a_role_in_a_business_unit(
    administrator: AbstractUser, business_unit: BusinessUnit
) -> None:
    with translation.override("en"), pytest.raises(PermissionDenied, match="themselves"):
        membership_grant(
            actor=administrator,
            business_unit=business_unit,
            user=administrator,
            roles=[Role.EXECUTIVE],
        )

    assert roles_in(fresh(administrator), business_unit) == {Role.ADMIN}


def test_only_an_administrator_of_the_unit_gives_roles_there(
    make_user, business_unit: BusinessUnit
) -> None:
    director = make_user("chair", (Role.DIRECTOR,), business_unit)
    colleague = make_user("colleague")

    with pytest.raises(PermissionDenied):
        membership_grant(
            actor=director, business_unit=business_unit, user=colleague, roles=[Role.EXECUTIVE]
        )

    assert roles_in(fresh(colleague), business_unit) == frozenset()


def test_giving_and_withdrawing_roles_is_in_the_audit_trail(
    administrator: AbstractUser, make_user, business_unit: BusinessUnit
) -> None:
    colleague = make_user("colleague")

    membership_grant(
        actor=administrator, business_unit=business_unit, user=colleague, roles=[Role.SALES]
    )
    membership_set(
        actor=administrator,
        business_unit=business_unit,
        user=colleague,
        roles=[Role.SALES, Role.FINANCE],
    )
    membership_revoke(actor=administrator, business_unit=business_unit, user=colleague)

    trail = list(
        AuditEvent.objects.filter(business_unit=business_unit, target__endswith=" colleague")
        .order_by("id")
        .values_list("action", "actor__username", "before", "after")
    )
    assert trail == [
        ("membership_granted", "unit-admin", None, ["sales"]),
        ("membership_granted", "unit-admin", ["sales"], ["sales", "finance"]),
        ("membership_revoked", "unit-admin", ["sales", "finance"], None),
    ]
    assert roles_in(fresh(colleague), business_unit) == frozenset()


def test_granting_roles_already_held_changes_nothing(
    administrator: AbstractUser, make_user, business_unit: BusinessUnit
) -> None:
    colleague = make_user("colleague", (Role.SALES,), business_unit)
    recorded = AuditEvent.objects.count()

    membership_grant(
        actor=administrator, business_unit=business_unit, user=colleague, roles=[Role.SALES]
    )

    assert AuditEvent.objects.count() == recorded
