"""The finance figures kept per month by the recompute: exact, partial = full, fresh prices."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from planning.models import Cycle, LineAnalysis, MonthSummary, PlanLine, ProductFamily
from planning.roles import Stage
from planning.services.business_units import family_prices_set
from planning.services.plan_lines import plan_line_update
from planning.services.recompute import cycle_recompute
from reviews.selectors import finance_by_month
from tests.demo_snapshot import DEMO_PLAN_MONTH, SEED_MONTHS

pytestmark = pytest.mark.django_db

MONEY = ("inventory_investment", "revenue", "revenue_at_risk")


@pytest.fixture
def demo_cycle(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", plan_month=DEMO_PLAN_MONTH)


def money_from_lines(cycle: Cycle) -> list[dict]:
    """The figures summed here, line by line, independently of the recompute's SQL."""
    months: dict = {}
    rows = LineAnalysis.objects.filter(cycle=cycle).select_related("family")
    for row in rows:
        month = months.setdefault(row.month, dict.fromkeys(MONEY, Decimal(0)))
        month["inventory_investment"] += max(row.closing_stock, 0) * row.family.unit_cost
        month["revenue"] += row.effective_demand * row.family.unit_price
        month["revenue_at_risk"] += max(-row.closing_stock, 0) * row.family.unit_price
    return [{"month": month, **months[month]} for month in sorted(months)]


def summary_money(cycle: Cycle) -> list[dict]:
    return list(MonthSummary.objects.filter(cycle=cycle).order_by("month").values("month", *MONEY))


def edit(cycle: Cycle, line: PlanLine, field: str, value: int) -> None:
    if field == "production_plan":
        Cycle.objects.filter(pk=cycle.pk).update(stage=Stage.SUPPLY_REVIEW)
        actor = get_user_model().objects.get(username="production")
    else:
        actor = get_user_model().objects.get(username="sales")
    plan_line_update(
        plan_line=line, changes={field: value}, expected_version=line.version, actor=actor
    )


def test_the_summary_holds_the_money_of_its_lines(demo_cycle: Cycle) -> None:
    expected = money_from_lines(demo_cycle)
    assert summary_money(demo_cycle) == expected
    assert finance_by_month(demo_cycle) == expected
    assert all(month["revenue"] > 0 for month in expected)
    assert any(month["revenue_at_risk"] > 0 for month in expected)


def test_a_partial_recompute_gives_the_money_of_a_full_one(demo_cycle: Cycle) -> None:
    # given: demand up (revenue, backlog) and production up (stock, inventory) in a few families
    before = summary_money(demo_cycle)
    for line in PlanLine.objects.filter(cycle=demo_cycle, month=SEED_MONTHS[1])[:3]:
        edit(demo_cycle, line, "demand_forecast", line.demand_forecast + 5000)
    for line in PlanLine.objects.filter(cycle=demo_cycle, month=SEED_MONTHS[2])[3:6]:
        edit(demo_cycle, line, "production_plan", line.production_plan + 40000)
    # when
    assert not cycle_recompute(demo_cycle.pk).full
    partial = summary_money(demo_cycle)
    Cycle.objects.filter(pk=demo_cycle.pk).update(computed_version=0)
    assert cycle_recompute(demo_cycle.pk).full
    # then
    assert partial == summary_money(demo_cycle) == money_from_lines(demo_cycle)
    assert partial != before


def test_a_price_change_reaches_the_finance_page(
    demo_cycle: Cycle, django_capture_on_commit_callbacks
) -> None:
    # given
    family = ProductFamily.objects.get(business_unit__code="demo", code="PHN-A")
    before = finance_by_month(demo_cycle)
    page_before = finance_page_amounts(demo_cycle)
    admin = get_user_model().objects.get(username="admin")
    # when: the price doubles (the cycle is open, so it recomputes in full on commit)
    with django_capture_on_commit_callbacks(execute=True):
        family_prices_set(
            family=family,
            unit_cost=family.unit_cost,
            unit_price=family.unit_price * 2,
            actor=admin,
        )
    # then
    demo_cycle.refresh_from_db()
    assert demo_cycle.computed_version == demo_cycle.inputs_version
    after = finance_by_month(demo_cycle)
    assert after == money_from_lines(demo_cycle)
    revenue_gain = sum(a["revenue"] - b["revenue"] for a, b in zip(after, before, strict=True))
    demand = sum(
        LineAnalysis.objects.filter(cycle=demo_cycle, family=family).values_list(
            "effective_demand", flat=True
        )
    )
    assert revenue_gain == demand * (family.unit_price / 2)
    assert finance_page_amounts(demo_cycle) != page_before


def test_the_admin_price_change_goes_through_the_service(
    demo_cycle: Cycle, django_capture_on_commit_callbacks
) -> None:
    family = ProductFamily.objects.get(business_unit__code="demo", code="PHN-A")
    inputs_version = demo_cycle.inputs_version
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/planning/productfamily/{family.pk}/change/",
            {
                "business_unit": family.business_unit_id,
                "code": family.code,
                "name": family.name,
                "unit_of_measure": family.unit_of_measure,
                "unit_cost": str(family.unit_cost + 1),
                "unit_price": str(family.unit_price),
                "is_active": "on",
            },
        )
    assert response.status_code == 302
    demo_cycle.refresh_from_db()
    assert demo_cycle.inputs_version > inputs_version
    assert demo_cycle.structure_version > inputs_version
    assert demo_cycle.computed_version == demo_cycle.inputs_version
    assert summary_money(demo_cycle) == money_from_lines(demo_cycle)


def finance_page_amounts(cycle: Cycle) -> list[str]:
    client = Client()
    client.cookies["django_language"] = "en"
    assert client.login(username="finance", password="demo")
    body = client.get(f"/cycles/{cycle.pk}/finance/").content.decode()
    cells = re.findall(r'<td class="num">([^<]*)</td>', body)
    assert cells
    return cells
