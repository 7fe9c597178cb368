"""A family input in Chromium: typing part of a code fills the suggestions from the search, and
the entry is saved with the code picked."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from planning.models import Cycle
from planning.roles import Stage
from reviews.models import DemandAssumption
from tests.web.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_part_of_a_code_suggests_the_matching_families(
    page: Page, live_server, demo: None
) -> None:
    # given sales on the demand page
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    sign_in(page, live_server.url, "sales")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/demand/")
    form = page.get_by_test_id("assumption-form")
    family = form.locator("input[name=family]")
    # when they type part of a code
    family.fill("phn")
    # then the suggestions hold the matching families, and nothing else
    options = page.locator("#family-options option")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_attribute("value", "PHN-A")
    expect(options.nth(1)).to_have_attribute("value", "PHN-B")
    # and the entry is saved with the family picked
    family.fill("PHN-B")
    form.locator("select[name=kind]").select_option("risk")
    form.locator("input[name=quantity]").fill("10")
    form.locator("input[name=probability]").fill("50")
    form.locator("input[name=description]").fill("Picked from the suggestions")
    form.locator("button[type=submit]").first.click()
    expect(page.get_by_text("Picked from the suggestions")).to_be_visible()
    entry = DemandAssumption.objects.get(cycle=cycle, description="Picked from the suggestions")
    assert entry.family is not None and entry.family.code == "PHN-B"
