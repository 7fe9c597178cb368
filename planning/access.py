"""Fetch-and-authorize: the one place that decides which business units and cycles a user sees.

Access comes from django-guardian object permissions at two levels:

- *membership* of a business unit (``planning.view_businessunit``) with roles held there
  (``act_as_<role>`` on the business unit): every cycle of the unit, in those roles;
- a *guest* grant on one cycle (``planning.view_cycle`` with ``act_as_<role>`` on the cycle),
  e.g. a group controller invited to one month's finance review: that cycle only.

Objects outside these do not exist for the user: callers get ``Http404`` for "missing" and "not
yours" alike, and never re-check.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from planning.models import BusinessUnit, Cycle, PlanLine
from planning.roles import CYCLE_GUEST_PERMISSION, MEMBERSHIP_PERMISSION, Role

# Attribute on the user object holding its permission checker for the current request.
_CHECKER_ATTRIBUTE = "_sop_permission_checker"


def business_units_for(user: Any) -> QuerySet[BusinessUnit]:
    if not user.is_authenticated:
        return BusinessUnit.objects.none()
    return get_objects_for_user(
        user, MEMBERSHIP_PERMISSION, klass=BusinessUnit, accept_global_perms=False
    )


def guest_cycles_for(user: Any) -> QuerySet[Cycle]:
    """The cycles ``user`` was invited to as a guest (outside their business units)."""
    if not user.is_authenticated:
        return Cycle.objects.none()
    return get_objects_for_user(
        user, CYCLE_GUEST_PERMISSION, klass=Cycle, accept_global_perms=False
    )


def cycles_for(user: Any) -> QuerySet[Cycle]:
    visible = Q(business_unit__in=business_units_for(user)) | Q(
        pk__in=guest_cycles_for(user).values("pk")
    )
    return Cycle.objects.filter(visible).select_related("business_unit")


def cycle_for_user(user: Any, cycle_id: int, *, for_update: bool = False) -> Cycle:
    """The cycle if ``user`` may see it; ``Http404`` otherwise (missing or not theirs)."""
    queryset = cycles_for(user)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    cycle = queryset.filter(pk=cycle_id).first()
    if cycle is None:
        raise Http404("No such cycle.")
    return cycle


def plan_line_for_user(user: Any, line_id: int, *, cycle: Cycle | None = None) -> PlanLine:
    """The plan line if ``user`` may see its cycle (and it belongs to ``cycle``, when given);
    ``Http404`` otherwise. The query is scoped before it runs, so nothing outside the user's
    cycles is ever loaded, not even into an error page's variables."""
    cycles = cycles_for(user) if cycle is None else Cycle.objects.filter(pk=cycle.pk)
    line = (
        PlanLine.objects.select_related("family")
        .filter(pk=line_id, cycle__in=cycles.values("pk"))
        .first()
    )
    if line is None:
        raise Http404("No such plan line.")
    return line


def roles_in(user: Any, business_unit: BusinessUnit) -> frozenset[Role]:
    """The roles ``user`` holds in ``business_unit`` (granted ones only, superusers too)."""
    return _roles_granted(user, business_unit, "view_businessunit")


def cycle_roles(user: Any, cycle: Cycle) -> frozenset[Role]:
    """The roles ``user`` plays in ``cycle``: those held in its business unit, and as a guest."""
    held = roles_in(user, cycle.business_unit)
    if cycle.pk is None:  # a cycle about to be opened has no guests yet
        return held
    return held | _roles_granted(user, cycle, "view_cycle")


def permissions_prefetch(user: Any, objects: Sequence[Model]) -> None:
    """Load ``user``'s permissions on many objects of one model in two queries (for lists)."""
    if objects and user.is_authenticated:
        _checker(user).prefetch_perms(objects)  # type: ignore[arg-type]  # any list works


def permissions_forget(user: Any) -> None:
    """Drop ``user``'s cached object permissions (after they were granted or revoked)."""
    user.__dict__.pop(_CHECKER_ATTRIBUTE, None)


def _roles_granted(user: Any, obj: Model, access_codename: str) -> frozenset[Role]:
    if not user.is_authenticated:
        return frozenset()
    perms = set(_checker(user).get_perms(obj))
    if access_codename not in perms:
        return frozenset()
    return frozenset(role for role in Role if role.codename in perms)


def _checker(user: Any) -> ObjectPermissionChecker:
    # One checker per user object caches each object's permissions, so the several checks a
    # page or request makes cost two queries per object, not two per check.
    checker = user.__dict__.get(_CHECKER_ATTRIBUTE)
    if checker is None:
        checker = user.__dict__[_CHECKER_ATTRIBUTE] = ObjectPermissionChecker(_as_member(user))
    return checker


def _as_member(user: Any) -> Any:
    """``user`` as guardian should read them: with only the permissions granted to them.

    Guardian reads a superuser as holding every permission. Administration is not a business
    role: in a cycle an administrator acts only through roles granted to them, like anyone.
    """
    if not user.is_superuser:
        return user
    member = copy.copy(user)
    member.is_superuser = False
    return member
