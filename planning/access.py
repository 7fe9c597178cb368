"""Fetch-and-authorize: the one place that decides which business units and cycles a user sees.

Access comes from django-guardian object permissions at two levels:

- *membership* of a business unit (``planning.view_businessunit``) with roles held there
  (``act_as_<role>`` on the business unit): every cycle of the unit, in those roles;
- a *guest* grant on one cycle (``planning.view_cycle`` with ``act_as_<role>`` on the cycle),
  e.g. a group controller invited to one month's finance review: that cycle only.

Objects outside these do not exist for the user: callers get ``Http404`` for "missing" and "not
yours" alike, and never re-check.

All of a user's grants on business units and cycles are read in one plain query over guardian's
direct foreign-key permission tables, once per request (cached on the request's user object),
instead of building guardian's permission querysets for every check: the per-request Python,
not the database, is what limits the application under load.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.signals import request_started
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from planning.models import (
    BusinessUnit,
    BusinessUnitGroupObjectPermission,
    BusinessUnitUserObjectPermission,
    Cycle,
    CycleGroupObjectPermission,
    CycleUserObjectPermission,
    PlanLine,
)
from planning.roles import CYCLE_GUEST_PERMISSION, MEMBERSHIP_PERMISSION, Role

# Attribute on the user object holding its grants, with the request they were read in.
_GRANTS_ATTRIBUTE = "_sop_object_grants"
_MEMBERSHIP_CODENAME = MEMBERSHIP_PERMISSION.split(".")[1]
_GUEST_CODENAME = CYCLE_GUEST_PERMISSION.split(".")[1]


def business_units_for(user: Any) -> QuerySet[BusinessUnit]:
    if not user.is_authenticated:
        return BusinessUnit.objects.none()
    if user.is_superuser:  # as django-guardian's get_objects_for_user: every unit
        return BusinessUnit.objects.all()
    return BusinessUnit.objects.filter(pk__in=_grants(user).member_unit_ids)


def guest_cycles_for(user: Any) -> QuerySet[Cycle]:
    """The cycles ``user`` was invited to as a guest (outside their business units)."""
    if not user.is_authenticated:
        return Cycle.objects.none()
    if user.is_superuser:
        return Cycle.objects.all()
    return Cycle.objects.filter(pk__in=_grants(user).guest_cycle_ids)


def cycles_for(user: Any) -> QuerySet[Cycle]:
    cycles = Cycle.objects.select_related("business_unit")
    if not user.is_authenticated:
        return cycles.none()
    if user.is_superuser:
        return cycles.all()
    grants = _grants(user)
    return cycles.filter(
        Q(business_unit_id__in=grants.member_unit_ids) | Q(pk__in=grants.guest_cycle_ids)
    )


def cycle_for_user(user: Any, cycle_id: int, *, for_update: bool = False) -> Cycle:
    """The cycle if ``user`` may see it; ``Http404`` otherwise (missing or not theirs)."""
    queryset = cycles_for(user)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    cycle = queryset.filter(pk=cycle_id).first()
    if cycle is None:
        raise Http404("No such cycle.")
    return cycle


def roles_in(user: Any, business_unit: BusinessUnit) -> frozenset[Role]:
    """The roles ``user`` holds in ``business_unit`` (granted ones only, superusers too)."""
    return _roles_granted(user, business_unit, "view_businessunit")


def plan_line_for_user(user: Any, line_id: int, *, cycle: Cycle | None = None) -> PlanLine:
    """The plan line (with its family) if ``user`` may see its cycle, and it belongs to
    ``cycle`` when one (already authorized) is given; ``Http404`` otherwise.

    The query is scoped before it runs, so nothing outside the user's cycles is ever loaded,
    not even into an error page's variables.
    """
    lines = PlanLine.objects.select_related("family").filter(pk=line_id)
    if cycle is not None:
        lines = lines.filter(cycle_id=cycle.pk)
    elif not user.is_authenticated:
        lines = lines.none()
    elif not user.is_superuser:
        grants = _grants(user)
        lines = lines.filter(
            Q(cycle__business_unit_id__in=grants.member_unit_ids)
            | Q(cycle_id__in=grants.guest_cycle_ids)
        )
    line = lines.first()
    if line is None:
        raise Http404("No such plan line.")
    return line


def cycle_roles(user: Any, cycle: Cycle) -> frozenset[Role]:
    """The roles ``user`` plays in ``cycle``: those held in its business unit, and as a guest."""
    # Only the unit's id is needed: a cycle loaded without its unit costs no query for it.
    unit = (
        cycle.business_unit
        if Cycle.business_unit.is_cached(cycle)
        else BusinessUnit(pk=cycle.business_unit_id)
    )
    held = roles_in(user, unit)
    if cycle.pk is None:  # a cycle about to be opened has no guests yet
        return held
    return held | _roles_granted(user, cycle, "view_cycle")


def permissions_prefetch(user: Any, objects: Sequence[Model]) -> None:
    """Kept for list pages: every grant of ``user`` is already read in one query per request."""
    if objects and user.is_authenticated:
        _grants(user)


def permissions_forget(user: Any) -> None:
    """Drop ``user``'s cached object permissions (after they were granted or revoked)."""
    user.__dict__.pop(_GRANTS_ATTRIBUTE, None)


def _roles_granted(user: Any, obj: Model, access_codename: str) -> frozenset[Role]:
    if not user.is_authenticated:
        return frozenset()
    perms = _grants(user).codenames_on(obj)
    if access_codename not in perms:
        return frozenset()
    return frozenset(role for role in Role if role.codename in perms)


@dataclass(frozen=True)
class _Grants:
    """A user's object permissions on business units and cycles: object id -> codenames."""

    on_units: dict[int, frozenset[str]]
    on_cycles: dict[int, frozenset[str]]

    @functools.cached_property
    def member_unit_ids(self) -> list[int]:
        return sorted(pk for pk, names in self.on_units.items() if _MEMBERSHIP_CODENAME in names)

    @functools.cached_property
    def guest_cycle_ids(self) -> list[int]:
        return sorted(pk for pk, names in self.on_cycles.items() if _GUEST_CODENAME in names)

    def codenames_on(self, obj: Model) -> frozenset[str]:
        grants = self.on_cycles if isinstance(obj, Cycle) else self.on_units
        return grants.get(obj.pk, frozenset())


def _grants(user: Any) -> _Grants:
    # Read once per request: every check a request makes (which units, which cycles, which
    # roles) then costs no query, where django-guardian's querysets and checker cost several
    # queries and milliseconds each.  A user object normally lives for one request; one that
    # outlives it (a test client's forced user) reads its grants again in the next request.
    cached = user.__dict__.get(_GRANTS_ATTRIBUTE)
    if cached is not None and cached[0] == _requests_started[0]:
        return cached[1]
    grants = _grants_read(user)
    user.__dict__[_GRANTS_ATTRIBUTE] = (_requests_started[0], grants)
    return grants


_requests_started = [0]


def _count_request(**_signal: Any) -> None:
    _requests_started[0] += 1


request_started.connect(_count_request, dispatch_uid="planning.access.count_request")


def _grants_read(user: Any) -> _Grants:
    """One query over guardian's direct foreign-key tables: the user's and their groups'."""
    found: dict[str, dict[int, set[str]]] = {"unit": {}, "cycle": {}}
    if user.is_active:  # as guardian's checker: an inactive user holds no permission
        with connection.cursor() as cursor:
            cursor.execute(_grants_sql(), [user.pk] * 4)
            for kind, object_id, codename in cursor.fetchall():
                found[kind].setdefault(int(object_id), set()).add(codename)
    return _Grants(
        on_units={pk: frozenset(names) for pk, names in found["unit"].items()},
        on_cycles={pk: frozenset(names) for pk, names in found["cycle"].items()},
    )


@functools.cache
def _grants_sql() -> str:
    permission = Permission._meta.db_table
    user_groups = get_user_model().groups.through._meta.db_table
    parts = []
    for kind, user_table, group_table in (
        ("unit", BusinessUnitUserObjectPermission, BusinessUnitGroupObjectPermission),
        ("cycle", CycleUserObjectPermission, CycleGroupObjectPermission),
    ):
        parts.append(
            f"SELECT '{kind}', g.content_object_id, p.codename FROM {user_table._meta.db_table} g"
            f" JOIN {permission} p ON p.id = g.permission_id WHERE g.user_id = %s"
        )
        parts.append(
            f"SELECT '{kind}', g.content_object_id, p.codename FROM {group_table._meta.db_table} g"
            f" JOIN {permission} p ON p.id = g.permission_id"
            f" JOIN {user_groups} m ON m.group_id = g.group_id WHERE m.user_id = %s"
        )
    return " UNION ALL ".join(parts)
