"""Each role's part of the cycle, in a real Chromium, against the live server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from planning.models import Cycle
from planning.roles import Stage
from tests.demo_snapshot import SEED_MONTHS, seed_month
from tests.web.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    expect(page.locator(".who")).to_have_text(username)


def current_cycle() -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


def test_sales_enters_a_forecast_and_the_analysis_follows(
    page: Page, live_server, demo: None
) -> None:
    cycle = current_cycle()
    sign_in(page, live_server.url, "sales")
    screenshot(page, "sales-home")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/demand/")
    closing_may = page.get_by_test_id("closing-SEED-01-2")
    expect(closing_may).to_have_text("500")

    cell = page.get_by_test_id(f"cell-SEED-01-{seed_month(1)}-demand_forecast")
    cell.fill("16000")
    cell.press("Tab")

    # 2,000 opening + 12,000 production - 16,000 demand: the backlog shows on the page
    expect(closing_may).to_have_text(re.compile(r"^-2[,.]?000$"))
    expect(page.get_by_test_id("closing-SEED-01-3")).to_have_text(re.compile(r"^-4[,.]?000$"))
    screenshot(page, "sales-demand-review")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/analysis/?family=SEED-01")
    expect(page.get_by_test_id("freshness")).to_have_class(re.compile("fresh"))
    expect(page.get_by_test_id("analysis-table")).to_contain_text("-2,000")


def test_a_bad_value_is_refused_in_place(page: Page, live_server, demo: None) -> None:
    cycle = current_cycle()
    sign_in(page, live_server.url, "sales")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/demand/")
    cell = page.get_by_test_id(f"cell-SEED-01-{seed_month(2)}-demand_forecast")
    cell.fill("-5")
    cell.press("Tab")
    line = cycle.plan_lines.get(family__code="SEED-01", month=SEED_MONTHS[2])
    expect(page.locator(f"#cell-{line.pk}-demand_forecast [role=alert]")).to_be_visible()
    line.refresh_from_db()
    assert line.demand_forecast == 15000


def test_the_director_advances_the_cycle(page: Page, live_server, demo: None) -> None:
    cycle = current_cycle()
    sign_in(page, live_server.url, "director")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/")
    screenshot(page, "director-cycle-overview")
    page.fill("#override", "销售预测晚到,先行供应评审")
    page.get_by_role("button", name=re.compile("Advance|推进")).click()
    expect(page.get_by_test_id("stage")).to_have_text(re.compile("Supply review|供应评审"))
    cycle.refresh_from_db()
    assert cycle.stage == Stage.SUPPLY_REVIEW


def test_the_ceo_approves_the_plan_in_the_browser(page: Page, live_server, demo: None) -> None:
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)
    sign_in(page, live_server.url, "ceo")
    screenshot(page, "ceo-home")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/decision/")
    screenshot(page, "ceo-executive-decision")
    page.fill("#comment", "同意;6 月增加一个班次")
    page.fill("input[name=kpi-0-name]", "订单满足率")
    page.fill("input[name=kpi-0-target]", "95")
    page.fill("input[name=kpi-0-unit]", "%")
    page.get_by_role("button", name=re.compile("^(Approve|批准)$")).click()
    expect(page.get_by_test_id("stage")).to_have_text(re.compile("Approved|已批准"))
    cycle.refresh_from_db()
    assert cycle.stage == Stage.APPROVED
    assert cycle.snapshot.comment == "同意;6 月增加一个班次"
    assert cycle.kpi_targets.get().name == "订单满足率"


def test_sales_of_another_unit_cannot_reach_the_cycle(page: Page, live_server, demo: None) -> None:
    cycle = current_cycle()
    sign_in(page, live_server.url, "sales2")
    screenshot(page, "sales2-home")
    expect(page.locator("main")).not_to_contain_text("华东")
    expect(page.locator("main")).to_contain_text("家电")
    for path in ("", "demand/", "analysis/", "decision/", "history/"):
        response = page.goto(f"{live_server.url}/cycles/{cycle.pk}/{path}")
        assert response is not None and response.status == 404, path


def test_the_director_invites_a_guest_who_then_reaches_that_cycle_only(
    page: Page, live_server, demo: None
) -> None:
    cycle = current_cycle()
    previous = Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)
    sign_in(page, live_server.url, "director")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/")
    guests = page.get_by_test_id("guests")
    guests.locator("input[name=username]").fill("sales2")
    guests.locator("input[name=roles][value=finance]").check()
    guests.get_by_role("button", name=re.compile("^(Invite|邀请)$")).click()
    expect(page.get_by_test_id("guests")).to_contain_text("sales2")
    screenshot(page, "director-guests")

    page.context.clear_cookies()
    sign_in(page, live_server.url, "sales2")
    expect(page.locator("main")).to_contain_text("华东")
    response = page.goto(f"{live_server.url}/cycles/{cycle.pk}/finance/")
    assert response is not None and response.status == 200
    response = page.goto(f"{live_server.url}/cycles/{previous.pk}/")
    assert response is not None and response.status == 404


def test_main_pages_of_the_other_roles_render(page: Page, live_server, demo: None) -> None:
    cycle = current_cycle()
    for username, path, name in (
        ("production", f"/cycles/{cycle.pk}/supply/", "production-supply-review"),
        ("procurement", f"/cycles/{cycle.pk}/supply/", "procurement-supply-review"),
        ("finance", f"/cycles/{cycle.pk}/finance/", "finance-review"),
        ("admin", "/maturity/", "admin-maturity"),
    ):
        page.context.clear_cookies()
        sign_in(page, live_server.url, username)
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_be_visible()
        screenshot(page, name)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/analysis/")
    expect(page.get_by_test_id("analysis-table")).to_be_visible()
    screenshot(page, "phone-analysis")
