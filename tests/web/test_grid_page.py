"""The grid pages as served: values with separators, approved plan, totals, filter, opening stock."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from approvals.services import cycle_approve
from planning.models import Cycle, PlanLine, ProductFamily
from planning.plan_grid import approved_values, family_blocks, last_approved_cycle
from planning.roles import Stage
from planning.services.plan_lines import CellChange, plan_cells_save
from tests.clients import client_as
from tests.demo_snapshot import seed_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def current(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


@pytest.fixture
def previous(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)


def cell_tag(body: str, testid: str) -> str:
    match = re.search(rf'<input [^>]*data-testid="{re.escape(testid)}"[^>]*>', body)
    assert match is not None, testid
    return match.group()


def test_values_show_thousands_separators_in_both_languages(current: Cycle) -> None:
    for language in ("en", "zh-hans"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.login(username="sales", password="demo")
        body = client.get(f"/cycles/{current.pk}/demand/").content.decode()
        assert 'value="13,500"' in cell_tag(body, f"cell-SEED-01-{seed_month(1)}-demand_forecast")
        assert 'data-saved="13500"' in cell_tag(
            body, f"cell-SEED-01-{seed_month(1)}-demand_forecast"
        )


def test_the_grid_shows_each_familys_unit_and_the_currency(current: Cycle) -> None:
    body = client_as("sales").get(f"/cycles/{current.pk}/demand/").content.decode()
    assert "unit: pcs · price CNY 149.00" in body
    assert "prices in CNY" in body


def test_totals_per_family_and_per_month(current: Cycle) -> None:
    # given
    lines = PlanLine.objects.filter(cycle=current)
    month = current.horizon_start
    expected_month = sum(line.demand_forecast for line in lines if line.month == month)
    expected_family = sum(line.demand_forecast for line in lines if line.family.code == "SEED-01")
    # when
    body = client_as("sales").get(f"/cycles/{current.pk}/demand/").content.decode()
    # then
    footer = re.search(r'data-testid="month-total-demand_forecast-1">([^<]*)<', body)
    assert footer is not None and footer.group(1) == f"{expected_month:,}"
    seed_block = body[body.index('data-testid="family-SEED-01"') :]
    row = seed_block[seed_block.index('data-row="demand_forecast"') :]
    total = re.search(r"<td class=\"num total\" data-total>([^<]*)</td>", row)
    assert total is not None and total.group(1) == f"{expected_family:,}"


def test_the_filter_shows_matching_families_only(current: Cycle) -> None:
    body = client_as("sales").get(f"/cycles/{current.pk}/demand/?q=耳机").content.decode()
    families = re.findall(r'data-testid="family-([^"]+)"', body)
    assert families == ["EAR-L", "EAR-P"]
    assert "All matching families" in body


def test_a_filter_longer_than_100_characters_is_refused(current: Cycle) -> None:
    response = client_as("sales").get(f"/cycles/{current.pk}/demand/?q={'x' * 101}")
    assert response.status_code == 400
    assert "q: Ensure this value has at most 100 characters (it has 101)." in (
        response.content.decode()
    )


def test_no_family_matching_says_so(current: Cycle) -> None:
    body = client_as("sales").get(f"/cycles/{current.pk}/demand/?q=nothing-like-it").content
    assert "No product family matches." in body.decode()


def test_each_cell_shows_the_last_approved_plan_and_the_change(
    current: Cycle, previous: Cycle
) -> None:
    # given: the CEO approved last month's plan; sales changes a number this month
    cycle_approve(actor=get_user_model().objects.get(username="ceo"), cycle_id=previous.pk)
    family = ProductFamily.objects.get(code="PHN-A")
    month = current.horizon_start
    approved = PlanLine.objects.get(cycle=previous, family=family, month=month)
    line = PlanLine.objects.get(cycle=current, family=family, month=month)
    plan_cells_save(
        cycle=current,
        cells=[
            CellChange(line.pk, "demand_forecast", approved.demand_forecast + 500, line.version)
        ],
        actor=get_user_model().objects.get(username="sales"),
    )
    # when
    body = client_as("sales").get(f"/cycles/{current.pk}/demand/?q=PHN-A").content.decode()
    # then
    form = body[body.index(f'id="cell-{line.pk}-demand_forecast"') :]
    form = form[: form.index("</form>")]
    assert f'data-approved="{approved.demand_forecast}"' in form
    assert f'{approved.demand_forecast:,} <span class="delta up">+500</span>' in form
    assert f"Last approved plan: {approved.demand_forecast:,} (change +500)" in form


def test_the_last_approved_plan_is_the_latest_approved_cycle_before(
    current: Cycle, previous: Cycle
) -> None:
    # the demo's cycle planned two months back is approved; the previous one awaits the CEO
    approved = Cycle.objects.get(business_unit=current.business_unit, stage=Stage.APPROVED)
    assert last_approved_cycle(current) == approved
    assert last_approved_cycle(approved) is None
    assert approved_values(current, [ProductFamily.objects.get(code="PHN-A").pk]) != {}
    cycle_approve(actor=get_user_model().objects.get(username="ceo"), cycle_id=previous.pk)
    assert last_approved_cycle(current) == Cycle.objects.get(pk=previous.pk)
    assert last_approved_cycle(previous) == approved


def test_computed_rows_come_from_the_inputs_at_once(current: Cycle) -> None:
    # given: the analysis is stale (the recompute has not run), the grid still adds up
    family = ProductFamily.objects.get(code="SEED-01")
    Cycle.objects.filter(pk=current.pk).update(inputs_version=current.inputs_version + 5)
    # when
    block = family_blocks(current, [family])[0]
    # then: the seed's April..September closing stock
    assert [line.closing_stock for line in block.lines] == [2000, 500, -1500, -500, 0, -500]
    assert [line.opening_stock for line in block.lines][:2] == [3000, 2000]


def test_the_supply_grid_has_opening_stock_editable_in_the_first_month_only(
    demo: None,
) -> None:
    # given: a cycle in data collection (the only stage the director edits opening stock)
    cycle = Cycle.objects.get(business_unit__code="appliances")
    assert cycle.stage == Stage.DATA_COLLECTION
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username="director2", password="demo")
    # when
    body = client.get(f"/cycles/{cycle.pk}/supply/").content.decode()
    # then
    code = ProductFamily.objects.filter(business_unit=cycle.business_unit).order_by("code")[0].code
    first, second = (
        f"cell-{code}-{month:%Y-%m}-opening_stock"
        for month in (
            cycle.horizon_start,
            cycle.horizon_start.replace(month=cycle.horizon_start.month % 12 + 1),
        )
    )
    assert "readonly" not in cell_tag(body, first)
    assert f'data-testid="{second}"' not in body  # later months show the stock rolled forward


def test_the_grid_page_costs_the_same_queries_for_13_and_60_families(
    current: Cycle,
) -> None:
    client = client_as("sales")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/cycles/{current.pk}/demand/")
    unit = current.business_unit
    families = ProductFamily.objects.bulk_create(
        ProductFamily(business_unit=unit, code=f"X-{index:03}", name=f"X {index}")
        for index in range(47)
    )
    PlanLine.objects.bulk_create(
        PlanLine(cycle=current, family=family, month=line.month)
        for family in families
        for line in PlanLine.objects.filter(cycle=current, family__code="SEED-01")
    )
    # as adding families to a cycle does (the grid's cached month totals follow it)
    Cycle.objects.filter(pk=current.pk).update(inputs_version=F("inputs_version") + 1)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/cycles/{current.pk}/demand/?page=3")
    assert response.status_code == 200
    assert "Page 3 of 3 (60 families)" in response.content.decode()
    assert len(many) == len(few)
