"""Giving people access to a business unit, in the roles they hold there."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractUser, Group
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from planning.models import BusinessUnit
from planning.roles import MEMBERSHIP_PERMISSION, Role


def role_group(role: Role) -> Group:
    group, _created = Group.objects.get_or_create(name=role.value)
    return group


@transaction.atomic
def membership_grant(
    *, business_unit: BusinessUnit, user: AbstractUser, roles: Iterable[Role]
) -> None:
    """Make ``user`` a member of ``business_unit`` holding ``roles`` there (idempotent)."""
    assign_perm(MEMBERSHIP_PERMISSION, user, business_unit)
    for role in roles:
        assign_perm(role.permission, user, business_unit)
        user.groups.add(role_group(role))


@transaction.atomic
def membership_revoke(*, business_unit: BusinessUnit, user: AbstractUser) -> None:
    """Remove ``user`` from ``business_unit`` and every role they held there."""
    remove_perm(MEMBERSHIP_PERMISSION, user, business_unit)
    for role in Role:
        remove_perm(role.permission, user, business_unit)
