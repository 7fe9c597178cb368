"""The finish of the pages, as the server renders them: the history in words, numbers aligned,
the charts' words, the decision page's own charts, read-only grids, the sign-in language."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from approvals.services import cycle_approve
from approvals.web.audit_labels import target_label
from planning.models import Cycle, PlanLine
from planning.roles import Stage
from tests.clients import client_choosing as client_as
from tests.demo_snapshot import SEED_MONTHS, seed_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def current(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


@pytest.fixture
def previous(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)


def history_table(client: Client, cycle: Cycle) -> str:
    body = client.get(f"/cycles/{cycle.pk}/history/").content.decode()
    table = body[body.index('data-testid="history"') :]
    return table[: table.index("</table>")]


def json_script(body: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', body)
    assert found, element_id
    return json.loads(found.group(1))


# --- the history in words ----------------------------------------------------------------------


def test_history_names_the_cycle_and_submissions_in_words_with_links(previous: Cycle) -> None:
    table = history_table(client_as("director"), previous)
    month = f"{previous.plan_month:%Y-%m}"
    assert f'<a href="/cycles/{previous.pk}/">Cycle {month}</a>' in table
    assert f'<a href="/cycles/{previous.pk}/demand/">Submission: Sales forecast</a>' in table
    assert f'<a href="/cycles/{previous.pk}/finance/">Submission: Finance review</a>' in table
    assert f'<a href="/cycles/{previous.pk}/supply/">Material risk no. ' in table
    assert "cycle:" not in table
    assert "submission:" not in table
    assert "material_risk:" not in table


def test_history_names_a_changed_plan_line_and_links_to_its_family_on_the_grid(
    current: Cycle,
) -> None:
    # given
    line = PlanLine.objects.get(cycle=current, family__code="SEED-01", month=SEED_MONTHS[1])
    client_as("sales").post(
        f"/cycles/{current.pk}/lines/{line.pk}/demand_forecast/",
        {"value": "14000", "version": line.version},
        HTTP_HX_REQUEST="true",
    )
    # when
    table = history_table(client_as("director"), current)
    # then
    assert (
        f'<a href="/cycles/{current.pk}/demand/?q=SEED-01">Plan line SEED-01 · {seed_month(1)}</a>'
        in table
    )
    assert "plan_line:" not in table


def test_history_objects_read_in_chinese(previous: Cycle) -> None:
    table = history_table(client_as("director", "zh-hans"), previous)
    assert f">{previous.plan_month:%Y-%m} 周期</a>" in table
    assert ">提交:销售预测</a>" in table
    assert "物料风险 第 " in table


@pytest.mark.parametrize(
    ("target", "field", "words", "link"),
    [
        ("cells:3", "", "3 grid cells", ""),
        ("cells:1", "", "1 grid cell", ""),
        ("family:7 PHN-A", "", "Product family PHN-A", ""),
        ("user:4 sales2", "", "User sales2", ""),
        ("production_constraint:5", "", "Production constraint no. 5", "supply/"),
        ("gap_option:2", "", "Gap alternative no. 2", "supply/"),
        ("demand_assumption:9", "", "Opportunity or risk no. 9", "demand/"),
        ("plan_line:8 PHN-A 2024-04", "capacity_max", "Plan line PHN-A · 2024-04", "supply/"),
        ("something:else", "", "something:else", None),
    ],
)
def test_every_kind_of_audited_object_reads_in_words(
    current: Cycle, target: str, field: str, words: str, link: str | None
) -> None:
    with translation.override("en"):
        label, url = target_label(target, field, current)
    assert label == words
    if link is None:
        assert url == ""
    elif link:
        assert url.startswith(f"/cycles/{current.pk}/{link}")


def test_history_names_the_business_unit(current: Cycle) -> None:
    with translation.override("en"):
        label, url = target_label("business_unit:1", "", current)
    assert label == f"Business unit {current.business_unit.name}"
    assert url == ""


# --- numbers aligned --------------------------------------------------------------------------


def test_analysis_numbers_are_marked_numeric_and_the_balance_note_wraps(current: Cycle) -> None:
    body = client_as("ceo").get(f"/cycles/{current.pk}/analysis/").content.decode()
    table = body[body.index('data-testid="analysis-table"') :]
    head = table[: table.index("</thead>")]
    assert '<th>Product family</th><th>Month</th><th class="num">Effective demand</th>' in head
    assert '<th class="note">Balance</th>' in head
    first_row = table[table.index("<tbody>") : table.index("</tr>", table.index("<tbody>"))]
    # family, month, seven numbers, the note
    assert first_row.count('<td class="num">') == 7
    assert first_row.count('<td class="note">') == 1


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_finance_amounts_are_right_aligned_and_grouped_in_both_languages(
    previous: Cycle, language: str
) -> None:
    for path in ("finance/", "decision/"):
        body = client_as("ceo", language).get(f"/cycles/{previous.pk}/{path}").content.decode()
        cells = re.findall(r'<td class="num">([^<]*)</td>', body)
        assert cells, path
        assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", cell) for cell in cells), (path, cells)


# --- charts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "percent", "month"),
    [("en", "Capacity utilization (%)", "Month"), ("zh-hans", "产能利用率(%)", "月份")],
)
def test_chart_axis_titles_come_with_the_page_in_its_language(
    current: Cycle, language: str, percent: str, month: str
) -> None:
    body = client_as("ceo", language).get(f"/cycles/{current.pk}/analysis/").content.decode()
    labels = json_script(body, "chart-labels")
    assert labels["axis_percent"] == percent
    assert labels["axis_month"] == month
    assert {"axis_units", "axis_stock", "axis_amount"} <= labels.keys()


def test_the_decision_page_draws_its_own_charts_and_month_table(previous: Cycle) -> None:
    body = client_as("ceo").get(f"/cycles/{previous.pk}/decision/").content.decode()
    for chart in ("balance", "utilization", "finance"):
        assert f'<canvas data-chart="{chart}" role="img"' in body
    analysis = json_script(body, "analysis-data")
    finance = json_script(body, "finance-data")
    assert len(analysis["labels"]) == previous.horizon_months
    assert len(finance["inventory"]) == previous.horizon_months
    assert json_script(body, "chart-labels")["axis_amount"] == "Amount (CNY)"
    assert "/static/vendor/chartjs/chart.umd.min.js" in body
    assert "/static/sop/charts.js" in body
    months = body[body.index('data-testid="decision-months"') :]
    assert months[: months.index("</table>")].count("<tr>") == previous.horizon_months + 1


def test_the_decision_forms_are_marked_to_stay_off_the_printout(previous: Cycle) -> None:
    body = client_as("ceo").get(f"/cycles/{previous.pk}/decision/").content.decode()
    assert '<div class="columns decision-forms">' in body
    assert '<p class="no-print"><a href="' in body


# --- grids: what they say about saving, how their cells are named -------------------------------

SAVES_ON_LEAVE = "A cell saves when you leave it"


def test_an_editable_grid_explains_saving(current: Cycle) -> None:
    body = client_as("sales").get(f"/cycles/{current.pk}/demand/").content.decode()
    assert SAVES_ON_LEAVE in body
    assert 'data-testid="grid-read-only"' not in body


def test_a_read_only_grid_in_an_open_stage_says_so(current: Cycle) -> None:
    body = client_as("finance").get(f"/cycles/{current.pk}/demand/").content.decode()
    assert SAVES_ON_LEAVE not in body
    assert "Read-only for you in this stage: nothing here can be changed." in body


@pytest.mark.parametrize("path", ["demand/", "supply/"])
def test_the_approved_grid_says_it_is_frozen_not_that_cells_save(
    previous: Cycle, path: str
) -> None:
    cycle_approve(actor=get_user_model().objects.get(username="ceo"), cycle_id=previous.pk)
    for username in ("sales", "production", "director"):
        body = client_as(username).get(f"/cycles/{previous.pk}/{path}").content.decode()
        assert SAVES_ON_LEAVE not in body
        assert "This plan is approved: its numbers are frozen and shown read-only." in body
    chinese = client_as("sales", "zh-hans").get(f"/cycles/{previous.pk}/{path}").content.decode()
    assert "此计划已批准:数字已冻结,仅供查看。" in chinese


def test_grid_cells_are_named_in_words(current: Cycle) -> None:
    body = client_as("sales").get(f"/cycles/{current.pk}/demand/?q=SEED-01").content.decode()
    names = re.findall(r'<input class="num"[^>]* aria-label="([^"]*)"', body)
    assert f"SEED-01 {seed_month(1)} Demand forecast" in names
    assert not [name for name in names if "_" in name]


def test_a_cell_saved_without_the_grid_script_names_its_field_in_words(current: Cycle) -> None:
    line = PlanLine.objects.get(cycle=current, family__code="SEED-01", month=SEED_MONTHS[1])
    response = client_as("sales").post(
        f"/cycles/{current.pk}/lines/{line.pk}/demand_forecast/",
        {"value": "14000", "version": line.version},
        HTTP_HX_REQUEST="true",
    )
    assert f'aria-label="SEED-01 {seed_month(1)} Demand forecast"' in response.content.decode()


# --- the sign-in page's language ---------------------------------------------------------------


def test_the_sign_in_page_comes_in_the_default_language_whatever_the_browser_asks() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/accounts/login/")
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "<h1>登录</h1>" in body
    assert response["Content-Language"] == "zh-hans"


def test_the_sign_in_page_follows_the_language_the_user_chose() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    # given: the user picked English on the page's language switch
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    # when
    body = client.get("/accounts/login/").content.decode()
    # then
    assert '<html lang="en">' in body
    assert "<h1>Sign in</h1>" in body


def test_a_refused_sign_in_stays_in_the_default_language(make_user) -> None:
    make_user("alice")
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="192.0.2.1"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in body
    assert '<p class="error">' in body


def test_the_default_language_is_the_installations_setting(settings) -> None:
    settings.LANGUAGE_CODE = "en"
    body = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/accounts/login/").content.decode()
    assert "<h1>Sign in</h1>" in body


def test_an_unknown_language_cookie_falls_back_to_the_default() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "xx-nowhere"
    assert "<h1>登录</h1>" in client.get("/accounts/login/").content.decode()
