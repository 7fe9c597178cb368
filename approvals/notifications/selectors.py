"""Reading notifications and who they go to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from approvals.models import Notification, NotificationPreference
from planning.access import cycles_for
from planning.models import (
    BusinessUnitGroupObjectPermission,
    BusinessUnitUserObjectPermission,
    Cycle,
    CycleGroupObjectPermission,
    CycleUserObjectPermission,
)
from planning.roles import CYCLE_GUEST_PERMISSION, MEMBERSHIP_PERMISSION, Role

_MEMBERSHIP = MEMBERSHIP_PERMISSION.split(".")[1]
_GUEST = CYCLE_GUEST_PERMISSION.split(".")[1]


def role_holders(cycle: Cycle, roles: Iterable[Role]) -> dict[int, frozenset[Role]]:
    """Active users who hold any of ``roles`` in ``cycle`` -> the roles of those they hold.

    The same grants as ``planning.access.cycle_roles`` reads for one user: roles held as a
    member of the cycle's business unit, or as a guest on the cycle itself, directly or through
    a group. Four small queries, whatever the number of users.
    """
    wanted = {role.codename: role for role in roles}
    if not wanted:
        return {}
    codenames = [*wanted, _MEMBERSHIP, _GUEST]
    grants: dict[tuple[str, int], set[str]] = {}
    # (level, permission table, its user, the object's id)
    sources: list[tuple[str, Any, str, int]] = [
        ("unit", BusinessUnitUserObjectPermission, "user", cycle.business_unit_id),
        ("unit", BusinessUnitGroupObjectPermission, "group__user", cycle.business_unit_id),
        ("cycle", CycleUserObjectPermission, "user", cycle.pk),
        ("cycle", CycleGroupObjectPermission, "group__user", cycle.pk),
    ]
    for level, model, user, object_id in sources:
        rows = model.objects.filter(
            content_object_id=object_id,
            permission__codename__in=codenames,
            **{f"{user}__is_active": True},
        ).values_list(f"{user}__id", "permission__codename")
        for user_id, codename in rows:
            grants.setdefault((level, user_id), set()).add(codename)
    holders: dict[int, set[Role]] = {}
    for (level, user_id), names in grants.items():
        if (_MEMBERSHIP if level == "unit" else _GUEST) not in names:
            continue
        held = {wanted[name] for name in names if name in wanted}
        if held:
            holders.setdefault(user_id, set()).update(held)
    return {user_id: frozenset(held) for user_id, held in holders.items()}


def notifications_for(user: Any) -> QuerySet[Notification]:
    """The user's own notifications, newest first (nobody else's, ever), of the cycles they may
    still see: a guest whose invitation was withdrawn, or a member who left the unit, no longer
    reads what the cycle told them (a return reason, say)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(
        user_id=user.pk, cycle_id__in=cycles_for(user).values("pk")
    ).select_related("cycle__business_unit")


def unread_count(user: Any) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


def notification_preference(user: Any) -> NotificationPreference:
    """The user's preference, or the defaults (e-mail on, the installation's language)."""
    found = NotificationPreference.objects.filter(user_id=user.pk).first()
    return found or NotificationPreference(user_id=user.pk)
