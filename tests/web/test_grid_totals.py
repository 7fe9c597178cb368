"""The grid's month totals cover every family of the cycle (or of the filter), not only the page
shown, summed in one aggregate query; every answer of the grid's API brings them, with the
fields the user may edit now. Numbers carry thousands separators in both languages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext

from approvals.services import cycle_approve
from planning.models import Cycle, PlanLine, ProductFamily
from planning.plan_grid import FAMILIES_PER_PAGE, month_totals
from planning.roles import Stage
from reviews.models import Submission, SubmissionKind, SubmissionState
from tests.clients import client_as

pytestmark = pytest.mark.django_db

EXTRA_FAMILIES = 47  # the demo's 13 and these: three pages of 20
EXTRA_DEMAND = 1_000


@pytest.fixture
def current(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


def families_add(cycle: Cycle, count: int = EXTRA_FAMILIES) -> None:
    """``count`` families named X-..., each planning EXTRA_DEMAND a month, beyond page one; the
    cycle's inputs version moves, as when a family is added to a cycle by the service."""
    months = sorted(set(cycle.plan_lines.values_list("month", flat=True)))
    families = ProductFamily.objects.bulk_create(
        ProductFamily(business_unit=cycle.business_unit, code=f"X-{index:03}", name=f"X {index}")
        for index in range(count)
    )
    PlanLine.objects.bulk_create(
        PlanLine(cycle=cycle, family=family, month=month, demand_forecast=EXTRA_DEMAND)
        for family in families
        for month in months
    )
    Cycle.objects.filter(pk=cycle.pk).update(inputs_version=F("inputs_version") + 1)


def db_month_sums(cycle: Cycle, field: str, **filters: object) -> list[int]:
    rows = (
        PlanLine.objects.filter(cycle=cycle, **filters)
        .values("month")
        .annotate(total=Sum(field))
        .order_by("month")
    )
    return [row["total"] for row in rows]


def footer(body: str, field: str) -> list[str]:
    return re.findall(rf'data-testid="month-total-{field}-\d+">([^<]*)<', body)


def footer_total(body: str, field: str) -> str:
    row = body[body.index(f'<tr data-row="{field}">', body.index("<tfoot>")) :]
    match = re.search(r'<td class="num total" data-total>([^<]*)</td>', row)
    assert match is not None
    return match.group(1)


def test_the_month_totals_cover_every_family_not_only_the_page(current: Cycle) -> None:
    # given: more families than one page holds
    families_add(current)
    total_families = ProductFamily.objects.filter(business_unit=current.business_unit).count()
    assert total_families > FAMILIES_PER_PAGE
    expected = db_month_sums(current, "demand_forecast")
    # when: any page is shown
    for page in (1, 3):
        body = client_as("sales").get(f"/cycles/{current.pk}/demand/?page={page}").content.decode()
        # then: every month sums every family, and the grand total all months
        assert footer(body, "demand_forecast") == [f"{value:,}" for value in expected]
        assert footer_total(body, "demand_forecast") == f"{sum(expected):,}"
        assert 'data-testid="totals-scope">All families<' in body
        assert f"Totals of all {total_families} families, not only this page" in body


def test_the_month_totals_follow_the_filter(current: Cycle) -> None:
    families_add(current)
    body = client_as("sales").get(f"/cycles/{current.pk}/demand/?q=X-").content.decode()
    months = len(db_month_sums(current, "demand_forecast"))
    assert footer(body, "demand_forecast") == [f"{EXTRA_FAMILIES * EXTRA_DEMAND:,}"] * months
    assert 'data-testid="totals-scope">All matching families<' in body
    assert f"Totals of all {EXTRA_FAMILIES} families, not only this page" in body


def test_month_totals_are_one_query_whatever_the_number_of_families(current: Cycle) -> None:
    with CaptureQueriesContext(connection) as few:
        month_totals(current)
    families_add(current)
    with CaptureQueriesContext(connection) as many:
        totals = month_totals(current, "X-")
    assert len(few) == len(many) == 1
    assert {sums["demand_forecast"] for sums in totals.values()} == {EXTRA_FAMILIES * EXTRA_DEMAND}


def cells_post(client: Client, cycle: Cycle, line: PlanLine, value: int):
    return client.post(
        f"/api/cycles/{cycle.pk}/cells/",
        {"cells": [{"line": line.pk, "field": "demand_forecast", "value": value,
                    "version": line.version}]},
        content_type="application/json",
    )  # fmt: skip


def totals_of(client: Client, cycle: Cycle, query: str = "") -> dict:
    response = client.get(f"/api/cycles/{cycle.pk}/grid-rows/?totals=1&q={query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_live_refresh_brings_the_totals_of_every_family_as_they_are_after_a_save(
    current: Cycle,
) -> None:
    # given: more families than a page, and the totals as a screen read them
    families_add(current)
    client = client_as("sales")
    before = totals_of(client, current)
    line = PlanLine.objects.filter(cycle=current, family__code="SEED-01").order_by("month")[0]
    # when: a cell is saved (its answer names the fields the user may edit)
    saved = cells_post(client, current, line, line.demand_forecast + 250)
    assert saved.status_code == 200, saved.content
    assert saved.json()["editable"] == ["confirmed_orders", "demand_forecast"]
    with CaptureQueriesContext(connection) as summed:
        after = totals_of(client, current)
    # then: the sums of every family, at the version the save made
    expected = db_month_sums(current, "demand_forecast")
    assert after["totals"]["rows"]["demand_forecast"] == {
        "months": expected,
        "total": sum(expected),
    }
    assert after["totals"]["rows"]["demand_forecast"]["months"][0] == (
        before["totals"]["rows"]["demand_forecast"]["months"][0] + 250
    )
    assert after["totals"]["months"][0] == f"{current.horizon_start:%Y-%m}"
    assert after["totals_version"] == saved.json()["inputs_version"] > before["totals_version"]
    # ... and a screen asking again before the next change reads the sums cached, not summed
    with CaptureQueriesContext(connection) as cached:
        assert totals_of(client, current)["totals"] == after["totals"]
    assert len(cached) == len(summed) - 1


def test_a_live_refresh_sums_the_filters_families_when_asked(current: Cycle) -> None:
    families_add(current)
    line = PlanLine.objects.filter(cycle=current, family__code="X-001").order_by("month")[0]
    client = client_as("sales")
    assert cells_post(client, current, line, EXTRA_DEMAND + 1).status_code == 200
    sums = totals_of(client, current, "X-")["totals"]["rows"]["demand_forecast"]["months"]
    assert sums[0] == EXTRA_FAMILIES * EXTRA_DEMAND + 1
    assert set(sums[1:]) == {EXTRA_FAMILIES * EXTRA_DEMAND}


def test_the_grid_rows_bring_no_totals_unless_asked(current: Cycle) -> None:
    body = client_as("sales").get(f"/api/cycles/{current.pk}/grid-rows/").json()
    assert "totals" not in body


def test_a_filter_too_long_is_refused_naming_it(current: Cycle) -> None:
    response = client_as("sales").get(f"/api/cycles/{current.pk}/grid-rows/?q={'x' * 101}")
    assert response.status_code == 400
    assert "q" in response.json()


def test_the_grid_rows_say_which_fields_are_frozen_now(current: Cycle) -> None:
    client = client_as("sales")
    url = f"/api/cycles/{current.pk}/grid-rows/"
    assert client.get(url).json()["editable"] == ["confirmed_orders", "demand_forecast"]
    Submission.objects.filter(cycle=current, kind=SubmissionKind.SALES_FORECAST).update(
        state=SubmissionState.ACCEPTED
    )
    assert client.get(url).json()["editable"] == []


def test_the_grid_rows_cost_the_same_queries_for_13_and_60_families(current: Cycle) -> None:
    client = client_as("sales")
    seed = ProductFamily.objects.get(code="SEED-01")
    url = f"/api/cycles/{current.pk}/grid-rows/?family={seed.pk}&totals=1"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    families_add(current)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_number_of_the_grid_has_thousands_separators(current: Cycle, language: str) -> None:
    # given: an approved plan before this one, so each cell shows its value and the change
    previous = Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)
    cycle_approve(actor=get_user_model().objects.get(username="ceo"), cycle_id=previous.pk)
    # when
    body = client_as("sales", language).get(f"/cycles/{current.pk}/demand/?q=PHN-A")
    html = body.content.decode()
    # then: inputs, family totals, closing stock, month totals, grand totals, approved values
    seed = PlanLine.objects.filter(cycle=current, family__code="PHN-A").order_by("month")
    first = seed[0]
    assert f'value="{first.demand_forecast:,}"' in html
    family_total = sum(line.demand_forecast for line in seed)
    assert f'<td class="num total" data-total>{family_total:,}</td>' in html
    assert footer(html, "demand_forecast")[0] == f"{first.demand_forecast:,}"
    assert footer_total(html, "demand_forecast") == f"{family_total:,}"
    assert re.search(r'data-testid="closing-PHN-A-1">-?\d{1,3}(,\d{3})*<', html)
    approved = re.search(r'<span class="approved" data-approved="(\d+)"[^>]*>([^ ]*) ', html)
    assert approved is not None and approved.group(2) == f"{int(approved.group(1)):,}"
    assert int(approved.group(1)) >= 1000  # a number that needs a separator
    # ... and no number of four digits or more without one, anywhere in the grid's cells
    grid = html[html.index('<table class="grid planning-grid">') : html.index("</table>")]
    shown = re.findall(r">(-?\d[\d,]*)<|value=\"(-?\d[\d,]*)\"", grid)
    for text in (value for pair in shown for value in pair if value):
        assert re.fullmatch(r"-?\d{1,3}(,\d{3})*", text), text
