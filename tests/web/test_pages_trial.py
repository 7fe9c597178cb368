"""Defects found by the cold-user trial, as the server renders the pages, in both languages: the
history in words (field labels, stage names, family codes with spaces), grouped figures, times
with their time zone, natural status sentences, tasks that open the page of their work."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from approvals.web.pages import at_a_glance
from planning.models import Cycle, PlanLine
from planning.roles import Stage
from planning.services.plan_lines import CellChange, plan_cells_save, plan_line_update
from reviews.models import DemandAssumption, GapOption
from reviews.services import submission_transition
from tests.clients import client_choosing as client_as
from tests.demo_snapshot import SEED_MONTHS, seed_month

pytestmark = pytest.mark.django_db

SPACED_CODE = "PHN A 5G"


@pytest.fixture
def current(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


def history_table(client: Client, cycle: Cycle) -> str:
    body = client.get(f"/cycles/{cycle.pk}/history/").content.decode()
    table = body[body.index('data-testid="history"') :]
    return table[: table.index("</table>")]


def seed_line(cycle: Cycle, month_index: int) -> PlanLine:
    return PlanLine.objects.get(cycle=cycle, family__code="SEED-01", month=SEED_MONTHS[month_index])


def sales() -> Any:
    return get_user_model().objects.get(username="sales")


# --- the history in words -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "field_words"), [("en", "demand forecast"), ("zh-hans", "需求预测")]
)
def test_cells_saved_together_name_their_field_in_words_with_grouped_numbers(
    current: Cycle, language: str, field_words: str
) -> None:
    line = seed_line(current, 1)
    plan_cells_save(
        cycle=current,
        cells=[CellChange(line.pk, "demand_forecast", "14250", line.version)],
        actor=sales(),
    )
    table = history_table(client_as("director", language), current)
    assert f"SEED-01 · {seed_month(1)} · {field_words}: 14,250" in table
    assert "demand_forecast" not in table


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_family_code_with_spaces_stays_whole_in_the_history(
    current: Cycle, language: str
) -> None:
    line = seed_line(current, 2)
    line.family.code = SPACED_CODE
    line.family.save(update_fields=["code"])
    plan_line_update(
        plan_line=line,
        changes={"demand_forecast": 15100},
        expected_version=line.version,
        actor=sales(),
    )
    line.refresh_from_db()
    plan_cells_save(
        cycle=current,
        cells=[CellChange(line.pk, "confirmed_orders", "14300", line.version)],
        actor=sales(),
    )
    table = history_table(client_as("director", language), current)
    month = seed_month(2)
    plan_line = "Plan line" if language == "en" else "计划行"
    assert f"{plan_line} {SPACED_CODE} · {month}</a>" in table
    assert "?q=PHN+A+5G" in table
    assert f"{SPACED_CODE} · {month} · " in table  # the cell saved in a batch
    assert "PHN · A" not in table


@pytest.mark.parametrize(
    ("language", "stage"), [("en", "Data collection"), ("zh-hans", "数据收集与刷新")]
)
def test_the_stage_named_by_the_demo_loader_reads_in_the_users_language(
    current: Cycle, language: str, stage: str
) -> None:
    table = history_table(client_as("director", language), current)
    assert f"<td>{stage}</td></tr>" in table
    assert "data collection" not in table


# --- figures grouped by thousands -------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_overviews_backlog_is_grouped_by_thousands_in_both_languages(
    current: Cycle, language: str
) -> None:
    backlog = at_a_glance(current)["backlog"]
    assert backlog >= 1000  # the demo's current cycle is short somewhere
    body = client_as("director", language).get(f"/cycles/{current.pk}/").content.decode()
    assert f"<dd>{backlog:,}</dd>" in body


# --- tasks open the page of their work ---------------------------------------------------------


def test_the_sales_task_opens_the_demand_grid_and_the_review_task_the_overview(
    current: Cycle,
) -> None:
    home = client_as("sales").get("/").content.decode()
    assert f'<a href="/cycles/{current.pk}/demand/">Submit the sales forecast</a>' in home
    submission_transition(
        actor=sales(), cycle_id=current.pk, kind="sales_forecast", action="submit"
    )
    home = client_as("director").get("/").content.decode()
    assert f'<a href="/cycles/{current.pk}/">Review the sales forecast</a>' in home


@pytest.mark.parametrize(
    ("kind", "owner", "stage", "page"),
    [
        ("sales_forecast", "sales", Stage.DEMAND_REVIEW, "demand"),
        ("production_capacity", "production", Stage.SUPPLY_REVIEW, "supply"),
        ("procurement_risk", "procurement", Stage.SUPPLY_REVIEW, "supply"),
        ("finance_review", "finance", Stage.SUPPLY_REVIEW, "finance"),
    ],
)
def test_each_submit_task_leads_to_the_page_with_its_submit_button(
    current: Cycle, kind: str, owner: str, stage: Stage, page: str
) -> None:
    Cycle.objects.filter(pk=current.pk).update(stage=stage)
    client = client_as(owner)
    home = client.get("/").content.decode()
    page_url = f"/cycles/{current.pk}/{page}/"
    assert f'<a href="{page_url}">Submit the ' in home
    body = client.get(page_url).content.decode()
    assert f'action="/cycles/{current.pk}/submissions/{kind}/submit/"' in body


# --- register refusals name their own register ------------------------------------------------


REGISTER_ENTRIES = [
    # (model, web segment, API segment, words in English, in Chinese)
    (GapOption, "gap-options", "gap-options", "gap alternatives", "缺口填补方案"),
    (
        DemandAssumption,
        "assumptions",
        "demand-assumptions",
        "opportunities and risks",
        "机会与风险",
    ),
]


@pytest.mark.parametrize(("model", "segment", "api", "english", "chinese"), REGISTER_ENTRIES)
def test_a_refused_delete_names_its_register_in_words_on_the_page_and_in_the_api(
    current: Cycle, model: Any, segment: str, api: str, english: str, chinese: str
) -> None:
    entry = model.objects.filter(cycle=current).first()
    # someone whose role never edits this register: finance
    sentences = {
        "en": f"Your role may not add, edit or delete {english} in this cycle.",
        "zh-hans": f"你的角色不能在本周期新增、编辑或删除{chinese}。",
    }
    for language, sentence in sentences.items():
        response = client_as("finance", language).post(
            f"/cycles/{current.pk}/{segment}/{entry.pk}/delete/", follow=True
        )
        body = response.content.decode()
        assert sentence in body, language
        assert ".edit" not in body
    refused = client_as("finance").delete(
        f"/api/cycles/{current.pk}/{api}/{entry.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        f"Your role may not add, edit or delete {english} in this cycle."
    )
    assert model.objects.filter(pk=entry.pk).exists()


def test_a_register_closed_in_this_stage_says_when_it_opens(current: Cycle) -> None:
    option = GapOption.objects.filter(cycle=current).first()
    assert option is not None
    refused = client_as("production").delete(
        f"/api/cycles/{current.pk}/gap-options/{option.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith(
        "Gap alternatives cannot be changed in the Demand review stage; they can be in: "
    )


# --- times name their time zone, without abbreviation periods -----------------------------------


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("en", r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M CST"),
        ("zh-hans", r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} CST"),
    ],
)
def test_history_times_carry_the_time_zone_and_no_doubled_periods(
    current: Cycle, language: str, written: str
) -> None:
    table = history_table(client_as("director", language), current)
    times = re.findall(r"<tr><td>([^<]*)</td>", table)
    assert times
    assert all(re.fullmatch(written, when) for when in times), times
    assert "a.m." not in table and "p.m." not in table
