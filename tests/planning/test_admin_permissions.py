"""The Django admin's "Object permissions" pages obey the services' rules and write their trail."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AbstractUser, Group
from django.test import Client

from approvals.services import cycle_open
from planning.access import cycle_roles, roles_in
from planning.models import (
    AuditEvent,
    BusinessUnit,
    BusinessUnitGroupObjectPermission,
    Cycle,
    CycleUserObjectPermission,
)
from planning.roles import Role


@pytest.fixture
def root(make_user, business_unit: BusinessUnit) -> AbstractUser:
    """The unit's administrator, a superuser who may use the Django admin."""
    admin = make_user("root", (Role.ADMIN,), business_unit)
    admin.is_superuser = admin.is_staff = True
    admin.save(update_fields=["is_superuser", "is_staff"])
    return admin


@pytest.fixture
def admin_site(root: AbstractUser) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(root)  # type: ignore[arg-type]  # our user model is Django's
    return client


@pytest.fixture
def cycle(make_user, make_family, business_unit: BusinessUnit) -> Cycle:
    make_family("FAM-1")
    chair = make_user("chair", (Role.DIRECTOR,), business_unit)
    return cycle_open(
        actor=chair,
        business_unit_id=business_unit.pk,
        plan_month=datetime.date(2024, 3, 1),
        horizon_months=2,
    )


def fresh(user: AbstractUser) -> AbstractUser:
    return type(user).objects.get(pk=user.pk)


def unit_page(unit: BusinessUnit, user: AbstractUser) -> str:
    return f"/admin/planning/businessunit/{unit.pk}/permissions/user-manage/{user.pk}/"


def cycle_page(cycle: Cycle, user: AbstractUser) -> str:
    return f"/admin/planning/cycle/{cycle.pk}/permissions/user-manage/{user.pk}/"


def test_the_admin_cannot_give_themselves_a_role_on_the_business_unit_page(
    admin_site: Client, root: AbstractUser, business_unit: BusinessUnit
) -> None:
    page = admin_site.post(
        unit_page(business_unit, root),
        {"permissions": ["view_businessunit", "act_as_admin", "act_as_executive"]},
        follow=True,
    )

    assert "Nobody can grant a role to themselves" in page.content.decode()
    assert roles_in(fresh(root), business_unit) == {Role.ADMIN}


def test_roles_given_on_the_business_unit_page_are_in_the_audit_trail(
    admin_site: Client, make_user, business_unit: BusinessUnit
) -> None:
    colleague = make_user("colleague")

    admin_site.post(
        unit_page(business_unit, colleague),
        {"permissions": ["view_businessunit", "act_as_finance"]},
    )

    assert roles_in(fresh(colleague), business_unit) == {Role.FINANCE}
    event = AuditEvent.objects.get(action="membership_granted", target__endswith=" colleague")
    assert (event.actor.username, event.business_unit_id, event.after) == (  # type: ignore[union-attr]
        "root",
        business_unit.pk,
        ["finance"],
    )


def test_the_admin_cannot_invite_themselves_on_the_cycle_page(
    admin_site: Client, root: AbstractUser, cycle: Cycle
) -> None:
    page = admin_site.post(
        cycle_page(cycle, root), {"permissions": ["view_cycle", "act_as_executive"]}, follow=True
    )

    assert "Nobody can grant a role to themselves" in page.content.decode()
    assert cycle_roles(fresh(root), cycle) == {Role.ADMIN}


def test_a_guest_invited_on_the_cycle_page_is_audited_like_an_invitation_from_the_api(
    admin_site: Client, make_user, cycle: Cycle
) -> None:
    controller = make_user("controller")

    admin_site.post(
        cycle_page(cycle, controller), {"permissions": ["view_cycle", "act_as_finance"]}
    )

    assert cycle_roles(fresh(controller), cycle) == {Role.FINANCE}
    event = AuditEvent.objects.get(cycle=cycle, action="guest_granted")
    assert (event.actor.username, event.after) == ("root", ["finance"])  # type: ignore[union-attr]


def test_the_cycle_page_refuses_the_director_role_for_a_guest(
    admin_site: Client, make_user, cycle: Cycle
) -> None:
    controller = make_user("controller")

    page = admin_site.post(
        cycle_page(cycle, controller),
        {"permissions": ["view_cycle", "act_as_director"]},
        follow=True,
    )

    assert "A guest cannot be given the Supply chain director role." in page.content.decode()
    assert not CycleUserObjectPermission.objects.filter(user_id=controller.pk).exists()


def test_a_superuser_outside_the_unit_cannot_invite_guests_on_the_cycle_page(
    make_user, cycle: Cycle
) -> None:
    outsider = make_user("outside-root")
    outsider.is_superuser = outsider.is_staff = True
    outsider.save(update_fields=["is_superuser", "is_staff"])
    colleague = make_user("colleague")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(outsider)

    page = client.post(
        cycle_page(cycle, colleague),
        {"permissions": ["view_cycle", "act_as_executive"]},
        follow=True,
    )

    assert "may not do this (cycle.guests)" in page.content.decode()
    assert cycle_roles(fresh(colleague), cycle) == frozenset()


def test_object_permissions_for_groups_are_refused(
    admin_site: Client, business_unit: BusinessUnit
) -> None:
    executives = Group.objects.create(name="executive")
    url = f"/admin/planning/businessunit/{business_unit.pk}/permissions/group-manage/"

    page = admin_site.post(
        f"{url}{executives.pk}/",
        {"permissions": ["view_businessunit", "act_as_executive"]},
        follow=True,
    )

    assert "Roles are given to people, not to groups" in page.content.decode()
    assert not BusinessUnitGroupObjectPermission.objects.exists()


def test_a_cycle_cannot_be_moved_or_redated_in_the_admin(
    admin_site: Client, cycle: Cycle, make_user
) -> None:
    other = BusinessUnit.objects.create(code="west", name="West")
    page = f"/admin/planning/cycle/{cycle.pk}/change/"
    moved = {
        "business_unit": other.pk,
        "plan_month": "2030-01-01",
        "horizon_start": "2030-02-01",
        "horizon_months": 3,
        "created_by": "",
    }
    admin_site.post(page, moved)
    stored = Cycle.objects.get(pk=cycle.pk)
    assert (stored.business_unit_id, stored.plan_month) == (
        cycle.business_unit_id,
        datetime.date(2024, 3, 1),
    )


@pytest.mark.parametrize(
    "page",
    [
        "/admin/planning/cycle/add/",
        "/admin/planning/cycle/{cycle}/delete/",
        "/admin/planning/auditevent/add/",
        "/admin/knox/authtoken/add/",
    ],
)
def test_the_admin_neither_creates_nor_deletes_cycles_nor_forges_audit_or_tokens(
    admin_site: Client, cycle: Cycle, page: str
) -> None:
    assert admin_site.get(page.format(cycle=cycle.pk)).status_code == 403
    assert Cycle.objects.filter(pk=cycle.pk).exists()
