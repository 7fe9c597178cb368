"""Giving people access: to a business unit in the roles held there, or to one cycle as a guest."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from planning.access import cycle_for_user, permissions_forget
from planning.events import WorkflowEvent, event_announce
from planning.models import (
    BusinessUnit,
    BusinessUnitUserObjectPermission,
    Cycle,
    CycleUserObjectPermission,
)
from planning.permissions import may_administer, require_action, require_unit_action
from planning.roles import CYCLE_GUEST_PERMISSION, GUEST_ROLES, MEMBERSHIP_PERMISSION, Role
from planning.selectors import cycle_guests
from planning.services.audit import audit_record


def role_group(role: Role) -> Group:
    group, _created = Group.objects.get_or_create(name=role.value)
    return group


def membership_grant(
    *, business_unit: BusinessUnit, user: AbstractUser, roles: Iterable[Role], actor: Any = None
) -> None:
    """Make ``user`` a member of ``business_unit`` holding ``roles`` there, besides those held.

    ``actor`` is who grants them (an administrator of the unit, never ``user`` themselves);
    ``None`` is the installation itself (``seed_demo``, a shell), which nobody can be over HTTP.
    """
    with transaction.atomic():
        held = _member_roles(business_unit, user)
        _membership_write(business_unit, user, held | set(roles), actor)


def membership_set(
    *, business_unit: BusinessUnit, user: AbstractUser, roles: Iterable[Role], actor: Any = None
) -> None:
    """Make ``user`` a member of ``business_unit`` holding exactly ``roles`` there."""
    with transaction.atomic():
        _membership_write(business_unit, user, set(roles), actor)


def membership_revoke(
    *, business_unit: BusinessUnit, user: AbstractUser, actor: Any = None
) -> None:
    """Remove ``user`` from ``business_unit`` and every role they held there."""
    with transaction.atomic():
        _require_administrator(actor, business_unit)
        before = _member_roles(business_unit, user)
        member = _is_member(business_unit, user)
        BusinessUnitUserObjectPermission.objects.filter(
            content_object=business_unit, user_id=user.pk
        ).delete()
        permissions_forget(user)
        if member:
            _membership_audit("membership_revoked", actor, business_unit, user, before, None)


def _membership_write(
    business_unit: BusinessUnit, user: AbstractUser, roles: set[Role], actor: Any
) -> None:
    _require_administrator(actor, business_unit)
    refuse_self_grant(actor, user)
    before = _member_roles(business_unit, user)
    member = _is_member(business_unit, user)
    if member and before == roles:
        return
    assign_perm(MEMBERSHIP_PERMISSION, user, business_unit)
    for role in Role:
        if role in roles and role not in before:
            assign_perm(role.permission, user, business_unit)
            user.groups.add(role_group(role))
        elif role in before and role not in roles:
            remove_perm(role.permission, user, business_unit)
    permissions_forget(user)
    _membership_audit(
        "membership_granted", actor, business_unit, user, before if member else None, roles
    )


def refuse_self_grant(actor: Any, user: AbstractUser) -> None:
    """Nobody grants a role to themselves, whatever roles they already hold."""
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied(
            _("Nobody can grant a role to themselves: ask another director or administrator.")
        )


def _refuse_chair_choosing_the_approver(actor: Any, cycle: Cycle, roles: Iterable[Role]) -> None:
    """Only the unit's administrator may invite someone to decide on a cycle's plan: the chair,
    who prepares the plan, does not choose who approves it."""
    if Role.EXECUTIVE not in roles:
        return
    if not may_administer(actor, cycle.business_unit, "business_unit.roles"):
        raise PermissionDenied(
            _(
                "Only an administrator can invite a guest as executive: "
                "the chair does not choose who approves the plan."
            )
        )


def _require_administrator(actor: Any, business_unit: BusinessUnit) -> None:
    if actor is not None:
        require_unit_action(actor, business_unit, "business_unit.roles")


def _member_roles(business_unit: BusinessUnit, user: AbstractUser) -> set[Role]:
    codenames = set(
        BusinessUnitUserObjectPermission.objects.filter(
            content_object=business_unit, user_id=user.pk
        ).values_list("permission__codename", flat=True)
    )
    return {role for role in Role if role.codename in codenames}


def _is_member(business_unit: BusinessUnit, user: AbstractUser) -> bool:
    return BusinessUnitUserObjectPermission.objects.filter(
        content_object=business_unit,
        user_id=user.pk,
        permission__codename=MEMBERSHIP_PERMISSION.split(".", 1)[1],
    ).exists()


def _membership_audit(
    action: str,
    actor: Any,
    business_unit: BusinessUnit,
    user: AbstractUser,
    before: set[Role] | None,
    after: set[Role] | None,
) -> None:
    audit_record(
        action=action,
        actor=actor,
        business_unit=business_unit,
        target=f"user:{user.pk} {user.get_username()}",
        field="roles",
        before=None if before is None else _role_values(before),
        after=None if after is None else _role_values(after),
    )


def cycle_guest_grant(*, actor: Any, cycle_id: int, username: str, roles: Iterable[Any]) -> Cycle:
    """Invite ``username`` into one cycle, in ``roles``; replaces their earlier guest roles."""
    wanted = _guest_roles(roles)
    with transaction.atomic():
        cycle = cycle_for_user(actor, cycle_id, for_update=True)
        require_action(actor, cycle, "cycle.guests")
        guest = _user_named(username)
        refuse_self_grant(actor, guest)
        _refuse_chair_choosing_the_approver(actor, cycle, wanted)
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
        event_announce(
            WorkflowEvent(
                name="guest_invited",
                cycle=cycle,
                actor=actor,
                subject=",".join(_role_values(wanted)),
                user_id=guest.pk,
            )
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
