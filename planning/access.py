"""Fetch-and-authorize: the one place that decides which business units and cycles a user sees.

Objects outside the user's business units do not exist for them: callers get ``Http404`` for
"missing" and "not yours" alike, and never re-check.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user, get_perms

from planning.models import BusinessUnit, Cycle
from planning.roles import MEMBERSHIP_PERMISSION, Role


def business_units_for(user: Any) -> QuerySet[BusinessUnit]:
    if not user.is_authenticated:
        return BusinessUnit.objects.none()
    return get_objects_for_user(
        user, MEMBERSHIP_PERMISSION, klass=BusinessUnit, accept_global_perms=False
    )


def cycles_for(user: Any) -> QuerySet[Cycle]:
    return Cycle.objects.filter(business_unit__in=business_units_for(user)).select_related(
        "business_unit"
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
    """The roles ``user`` holds in ``business_unit`` (superusers hold every role)."""
    if not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset(Role)
    perms = set(get_perms(user, business_unit))
    if "view_businessunit" not in perms:
        return frozenset()
    return frozenset(role for role in Role if role.codename in perms)
