"""The send-back in Chromium: the CEO sends the plan back, production finds the task on its home
page, the reason on the overview, and its submission returned."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from planning.models import Cycle
from planning.roles import Stage

from .conftest import screenshot
from .test_browser import sign_in

pytestmark = pytest.mark.browser


def test_a_send_back_reopens_submissions_and_tasks(page: Page, live_server, demo: None) -> None:
    # given the CEO sends the plan back to supply review
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)
    sign_in(page, live_server.url, "ceo")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/decision/")
    page.select_option("#to_stage", "supply_review")
    page.fill("#reason", "6 月产能不可信,请重新评估")
    page.get_by_role("button", name=re.compile("^(Send back|退回)$")).click()
    expect(page.get_by_test_id("stage")).to_have_text(re.compile("Supply review|供应评审"))
    # when production signs in
    page.context.clear_cookies()
    sign_in(page, live_server.url, "production")
    # then the task is back on its home page
    expect(page.get_by_test_id("tasks")).to_contain_text(
        re.compile("Submit the production capacity|提交生产产能")
    )
    # and the overview says why, with the submission returned
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/")
    expect(page.get_by_test_id("sent-back")).to_contain_text("6 月产能不可信,请重新评估")
    expect(page.get_by_test_id("return-reason-production_capacity")).to_contain_text(
        "6 月产能不可信"
    )
    expect(page.get_by_test_id("submission-production_capacity")).to_have_text(
        re.compile("Returned|已退回")
    )
    screenshot(page, "production-after-send-back")
