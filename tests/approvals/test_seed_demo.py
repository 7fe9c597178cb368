"""`manage.py seed_demo`: a living demo, loaded once however often it runs, never by accident."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import translation

from approvals.services import actions_for, cycle_approve
from planning.access import roles_in
from planning.models import AuditEvent, BusinessUnit, Cycle, PlanLine
from planning.permissions import editable_fields, may_administer
from planning.roles import Role, Stage
from planning.services.recompute import cycle_recompute
from reviews.models import Submission

USERS = {
    "director",
    "sales",
    "production",
    "procurement",
    "finance",
    "ceo",
    "admin",
    "director2",
    "sales2",
}


def seed() -> None:
    call_command("seed_demo", stdout=None)


def test_demo_has_every_role_and_a_living_cycle(db: None, settings) -> None:
    settings.DEBUG = True
    seed()
    assert set(get_user_model().objects.values_list("username", flat=True)) == USERS
    demo = BusinessUnit.objects.get(code="demo")
    assert demo.families.count() == 13
    stages = dict(Cycle.objects.filter(business_unit=demo).values_list("plan_month", "stage"))
    assert sorted(stages.values()) == [Stage.DEMAND_REVIEW, Stage.EXECUTIVE_REVIEW]
    previous = Cycle.objects.get(business_unit=demo, stage=Stage.EXECUTIVE_REVIEW)
    assert set(Submission.objects.filter(cycle=previous).values_list("state", flat=True)) == {
        "accepted"
    }
    assert Cycle.objects.filter(business_unit__code="appliances").count() == 1


def test_demo_cycle_holds_the_seed_documents_months(db: None, settings) -> None:
    settings.DEBUG = True
    seed()
    current = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    seed_lines = PlanLine.objects.filter(cycle=current, family__code="SEED-01").order_by("month")
    assert [
        (f"{line.month:%Y-%m}", line.demand_forecast, line.production_plan) for line in seed_lines
    ] == [
        ("2024-04", 12000, 11000),
        ("2024-05", 13500, 12000),
        ("2024-06", 15000, 13000),
        ("2024-07", 11000, 12000),
        ("2024-08", 10000, 10500),
        ("2024-09", 14000, 13500),
    ]
    assert seed_lines[0].opening_stock == 3000


def test_running_it_twice_changes_nothing(db: None, settings) -> None:
    settings.DEBUG = True
    seed()
    counts = (Cycle.objects.count(), PlanLine.objects.count(), AuditEvent.objects.count())
    seed()
    assert (Cycle.objects.count(), PlanLine.objects.count(), AuditEvent.objects.count()) == counts


def test_refuses_demo_users_when_debug_is_off(db: None, settings) -> None:
    settings.DEBUG = False
    with translation.override("en"), pytest.raises(CommandError, match="DEBUG is off"):
        seed()
    assert not get_user_model().objects.exists()


def test_force_loads_the_demo_when_debug_is_off(db: None, settings) -> None:
    settings.DEBUG = False
    call_command("seed_demo", "--force", stdout=None)
    assert get_user_model().objects.filter(username="ceo").exists()


def test_the_ceo_approves_the_demo_cycle_waiting_for_the_decision(db: None, settings) -> None:
    settings.DEBUG = True
    seed()
    previous = Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)
    cycle_recompute(previous.pk)  # the test transaction never commits
    ceo = get_user_model().objects.get(username="ceo")

    cycle_approve(actor=ceo, cycle_id=previous.pk, comment="approved")

    previous.refresh_from_db()
    assert previous.stage == Stage.APPROVED


def test_the_demo_admin_administers_both_units_and_plays_no_business_role(
    db: None, settings
) -> None:
    settings.DEBUG = True
    seed()
    admin = get_user_model().objects.get(username="admin")
    for unit in BusinessUnit.objects.all():
        assert roles_in(admin, unit) == {Role.ADMIN}
        assert may_administer(admin, unit, "business_unit.roles")
        assert may_administer(admin, unit, "business_unit.maturity")
    for cycle in Cycle.objects.all():
        assert actions_for(admin, cycle) == []
        assert editable_fields(admin, cycle) == frozenset()


def test_each_demo_unit_has_its_own_chair(db: None, settings) -> None:
    settings.DEBUG = True
    seed()
    chairs = {
        unit.code: {
            user.username
            for user in get_user_model().objects.all()
            if Role.DIRECTOR in roles_in(user, unit)
        }
        for unit in BusinessUnit.objects.all()
    }
    assert chairs == {"demo": {"director"}, "appliances": {"director2"}}
