"""Giving people access: to a business unit in the roles held there, or to one cycle as a guest."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from planning.access import cycle_for_user, permissions_forget
from planning.models import BusinessUnit, Cycle, CycleUserObjectPermission
from planning.permissions import require_action
from planning.roles import CYCLE_GUEST_PERMISSION, GUEST_ROLES, MEMBERSHIP_PERMISSION, Role
from planning.selectors import cycle_guests
from planning.services.audit import audit_record


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
    permissions_forget(user)


@transaction.atomic
def membership_revoke(*, business_unit: BusinessUnit, user: AbstractUser) -> None:
    """Remove ``user`` from ``business_unit`` and every role they held there."""
    remove_perm(MEMBERSHIP_PERMISSION, user, business_unit)
    for role in Role:
        remove_perm(role.permission, user, business_unit)
    permissions_forget(user)


def cycle_guest_grant(*, actor: Any, cycle_id: int, username: str, roles: Iterable[Any]) -> Cycle:
    """Invite ``username`` into one cycle, in ``roles``; replaces their earlier guest roles."""
    wanted = _guest_roles(roles)
    with transaction.atomic():
        cycle = cycle_for_user(actor, cycle_id, for_update=True)
        require_action(actor, cycle, "cycle.guests")
        guest = _user_named(username)
        before = _role_values(cycle_guest_roles(cycle, guest))
        _guest_perms_clear(cycle, guest)
        assign_perm(CYCLE_GUEST_PERMISSION, guest, cycle)
        for role in wanted:
            assign_perm(role.permission, guest, cycle)
        audit_record(
            action="guest_granted",
            actor=actor,
            cycle=cycle,
            target=f"user:{guest.pk} {guest.get_username()}",
            field="roles",
            before=before or None,
            after=_role_values(wanted),
        )
    return cycle


def cycle_guest_revoke(*, actor: Any, cycle_id: int, username: str) -> None:
    """Withdraw ``username``'s guest access to the cycle (their business units are untouched)."""
    with transaction.atomic():
        cycle = cycle_for_user(actor, cycle_id, for_update=True)
        require_action(actor, cycle, "cycle.guests")
        guest = _user_named(username)
        before = _role_values(cycle_guest_roles(cycle, guest))
        if not before:
            return
        _guest_perms_clear(cycle, guest)
        audit_record(
            action="guest_revoked",
            actor=actor,
            cycle=cycle,
            target=f"user:{guest.pk} {guest.get_username()}",
            field="roles",
            before=before,
            after=None,
        )


def cycle_guest_roles(cycle: Cycle, user: AbstractUser) -> frozenset[Role]:
    """The roles granted to ``user`` on ``cycle`` itself (not through a business unit)."""
    return cycle_guests(cycle, user).get(user.pk, (user, frozenset()))[1]


def _role_values(roles: Iterable[Role]) -> list[str]:
    """Role values in the roles' own order (director first), as the API and history show them."""
    chosen = set(roles)
    return [role.value for role in Role if role in chosen]


def _guest_perms_clear(cycle: Cycle, user: AbstractUser) -> None:
    # Every permission held on the cycle itself is a guest grant: one DELETE removes them all.
    CycleUserObjectPermission.objects.filter(content_object=cycle, user_id=user.pk).delete()
    permissions_forget(user)


def _guest_roles(raw: Iterable[Any]) -> list[Role]:
    roles = []
    for value in raw:
        try:
            role = Role(value)
        except ValueError:
            message = _("%(value)s is not a role.") % {"value": value}
            raise ValidationError({"roles": message}) from None
        if role not in GUEST_ROLES:
            raise ValidationError(
                {"roles": _("A guest cannot be given the %(role)s role.") % {"role": role.label}}
            )
        roles.append(role)
    if not roles:
        raise ValidationError({"roles": _("Give the guest at least one role.")})
    return roles


def _user_named(username: str) -> AbstractUser:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        message = _("No active user is called %(name)s.") % {"name": username}
        raise ValidationError({"username": message})
    return user
