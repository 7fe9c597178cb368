"""`manage.py seed_demo`: a living demo, loaded once however often it runs, never by accident."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from approvals.services import actions_for, cycle_approve
from planning.access import roles_in
from planning.models import AuditEvent, BusinessUnit, Cycle, PlanLine
from planning.months import add_months
from planning.permissions import editable_fields, may_administer
from planning.roles import Role, Stage
from planning.services.recompute import cycle_recompute
from reviews.models import DemandAssumption, MaterialRisk, Submission

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


TODAY = datetime.date(2026, 11, 25)


def seed(today: datetime.date = TODAY) -> None:
    call_command("seed_demo", f"--today={today:%Y-%m-%d}", stdout=None)


def test_demo_has_every_role_and_a_living_cycle(db: None, settings) -> None:
    settings.DEBUG = True
    seed()
    assert set(get_user_model().objects.values_list("username", flat=True)) == USERS
    demo = BusinessUnit.objects.get(code="demo")
    assert demo.families.count() == 13
    stages = dict(Cycle.objects.filter(business_unit=demo).values_list("plan_month", "stage"))
    assert sorted(stages.values()) == [Stage.APPROVED, Stage.DEMAND_REVIEW, Stage.EXECUTIVE_REVIEW]
    previous = Cycle.objects.get(business_unit=demo, stage=Stage.EXECUTIVE_REVIEW)
    assert set(Submission.objects.filter(cycle=previous).values_list("state", flat=True)) == {
        "accepted"
    }
    # the month before that one was decided: a frozen plan, a capacity decision, KPI targets
    approved = Cycle.objects.get(business_unit=demo, stage=Stage.APPROVED)
    assert approved.plan_month < previous.plan_month
    assert approved.snapshot.approved_by.username == "ceo"
    decision = approved.capacity_decisions.get()
    assert decision.family is not None
    assert (decision.family.code, decision.additional_capacity) == ("PHN-A", 800)
    assert approved.kpi_targets.count() == 3
    assert AuditEvent.objects.filter(cycle=approved, action="cycle_approved").exists()
    assert Cycle.objects.filter(business_unit__code="appliances").count() == 1


def test_demo_cycle_holds_the_seed_documents_months(db: None, settings) -> None:
    settings.DEBUG = True
    seed()
    current = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    seed_lines = PlanLine.objects.filter(cycle=current, family__code="SEED-01").order_by("month")
    assert [
        (f"{line.month:%Y-%m}", line.demand_forecast, line.production_plan) for line in seed_lines
    ] == [
        ("2026-12", 12000, 11000),
        ("2027-01", 13500, 12000),
        ("2027-02", 15000, 13000),
        ("2027-03", 11000, 12000),
        ("2027-04", 10000, 10500),
        ("2027-05", 14000, 13500),
    ]
    assert seed_lines[0].opening_stock == 3000


def test_the_demo_is_dated_around_today(db: None, settings) -> None:
    # given / when: the demo loaded on 25 November 2026
    settings.DEBUG = True
    seed(datetime.date(2026, 11, 25))
    # then: this month's cycle is in demand review, last month's awaits the CEO, the other
    # unit's is this month's too; the current stage is due this month, not years ago
    cycles = {
        (cycle.business_unit.code, f"{cycle.plan_month:%Y-%m}"): cycle
        for cycle in Cycle.objects.select_related("business_unit")
    }
    assert {key: cycle.stage for key, cycle in cycles.items()} == {
        ("demo", "2026-09"): Stage.APPROVED,
        ("demo", "2026-10"): Stage.EXECUTIVE_REVIEW,
        ("demo", "2026-11"): Stage.DEMAND_REVIEW,
        ("appliances", "2026-11"): Stage.DATA_COLLECTION,
    }
    current = cycles[("demo", "2026-11")]
    assert f"{current.horizon_start:%Y-%m}" == "2026-12"
    assert current.deadlines.get(stage=Stage.DEMAND_REVIEW).due_date == datetime.date(2026, 11, 14)
    assert current.deadlines.get(stage=Stage.EXECUTIVE_REVIEW).due_date == datetime.date(
        2026, 11, 28
    )
    # the registers name the seed's June and September by their months in the demo
    assumptions = DemandAssumption.objects.filter(cycle=current).order_by("pk")
    assert [(a.months, a.description) for a in assumptions] == [
        (["2027-02"], "2 月大促追加订单"),
        (["2027-05"], "竞品 5 月降价,可能流失份额"),
    ]
    risks = MaterialRisk.objects.filter(cycle=cycles[("demo", "2026-10")]).order_by("pk")
    assert [(r.months, r.due_date, r.mitigation) for r in risks] == [
        (
            ["2027-01", "2027-02"],
            datetime.date(2026, 12, 20),
            "启用第二供应商认证,提前锁定 2 月产能",
        ),
        (["2027-02"], datetime.date(2027, 1, 10), "增加安全库存 2 周"),
    ]


def test_today_defaults_to_the_local_date(db: None, settings) -> None:
    # given
    settings.DEBUG = True
    before = timezone.localdate().replace(day=1)
    # when
    call_command("seed_demo", stdout=None)
    # then: the current cycle is this month's (or the next, should the month turn meanwhile)
    after = timezone.localdate().replace(day=1)
    current = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    assert current.plan_month in {before, after}
    assert Cycle.objects.get(
        business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW
    ).plan_month == add_months(current.plan_month, -1)


def test_a_today_that_is_not_a_date_is_refused(db: None, settings) -> None:
    settings.DEBUG = True
    with (
        translation.override("en"),
        pytest.raises(
            CommandError, match=r"^--today: '2026-13-01' is not a date written YYYY-MM-DD\.$"
        ),
    ):
        call_command("seed_demo", "--today=2026-13-01", stdout=None)
    assert not Cycle.objects.exists()


def test_running_it_twice_changes_nothing(db: None, settings) -> None:
    settings.DEBUG = True
    seed()
    counts = (Cycle.objects.count(), PlanLine.objects.count(), AuditEvent.objects.count())
    seed()
    assert (Cycle.objects.count(), PlanLine.objects.count(), AuditEvent.objects.count()) == counts


def test_running_it_in_a_later_month_keeps_the_demo_it_built(db: None, settings) -> None:
    # given: the demo loaded in November
    settings.DEBUG = True
    seed(datetime.date(2026, 11, 25))
    counts = (Cycle.objects.count(), PlanLine.objects.count(), AuditEvent.objects.count())
    # when: loaded again in January
    seed(datetime.date(2027, 1, 3))
    # then: nothing is added; the demo keeps its months
    assert (Cycle.objects.count(), PlanLine.objects.count(), AuditEvent.objects.count()) == counts
    assert not Cycle.objects.filter(plan_month__gte=datetime.date(2026, 12, 1)).exists()


def test_refuses_demo_users_when_debug_is_off(db: None, settings) -> None:
    settings.DEBUG = False
    with translation.override("en"), pytest.raises(CommandError, match="DEBUG is off"):
        seed()
    assert not get_user_model().objects.exists()


def test_force_loads_the_demo_when_debug_is_off(db: None, settings) -> None:
    settings.DEBUG = False
    call_command("seed_demo", "--force", "--today=2026-11-25", stdout=None)
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
