"""Notifications appear for the right people only, in a real Chromium against the live server."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from approvals.models import Notification
from approvals.notifications.services import notify_stage_opened
from planning.models import Cycle
from planning.roles import Stage
from tests.web.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base_url}])
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    expect(page.locator(".who")).to_have_text(username)


def unread_of(username: str) -> int:
    return Notification.objects.filter(user__username=username, read_at__isnull=True).count()


def test_a_submission_and_its_return_reach_the_right_people_only(
    page: Page, live_server, demo: None
) -> None:
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    label = f"{cycle.business_unit.name} {cycle.plan_month:%Y-%m}"
    awaits = f"{label}: the sales forecast awaits your review."
    returned = f"{label}: your sales forecast was returned."

    # given sales submits the forecast on the overview
    sign_in(page, live_server.url, "sales")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/")
    page.get_by_test_id("submission-sales_forecast").locator("xpath=../..").get_by_role(
        "button", name="Submit"
    ).click()
    expect(page.get_by_test_id("submission-sales_forecast")).to_have_text("Submitted")

    # then the director's bell counts it, and the list says so first
    sign_in(page, live_server.url, "director")
    expect(page.get_by_test_id("bell-count")).to_have_text(str(unread_of("director")))
    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("notifications").locator("li").first).to_contain_text(awaits)
    screenshot(page, "director-notifications")

    # when the director returns it, saying why
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/")
    row = page.get_by_test_id("submission-sales_forecast").locator("xpath=../..")
    row.locator("input[name=reason]").fill("June looks too low")
    row.get_by_role("button", name="Return").click()
    expect(page.get_by_test_id("submission-sales_forecast")).to_have_text("Returned")

    # then sales sees it, with the reason, and reading it lowers the count
    sign_in(page, live_server.url, "sales")
    before = unread_of("sales")
    expect(page.get_by_test_id("bell-count")).to_have_text(str(before))
    page.get_by_test_id("bell").click()
    newest = page.get_by_test_id("notifications").locator("li").first
    expect(newest).to_contain_text(returned)
    expect(newest).to_contain_text("Reason: June looks too low")
    screenshot(page, "sales-notifications")
    newest.get_by_role("button", name="Mark read").click()
    expect(page.get_by_test_id("bell-count")).to_have_text(str(before - 1))

    # and clicking an unread one opens its cycle and marks it read
    opened = Notification.objects.filter(user__username="sales", read_at__isnull=True).latest(
        "created_at", "id"
    )
    page.get_by_test_id(f"open-notification-{opened.pk}").click()
    expect(page).to_have_url(f"{live_server.url}/cycles/{opened.cycle_id}/")
    expect(page.get_by_test_id("bell-count")).to_have_text(str(before - 2))
    opened.refresh_from_db()
    assert opened.read

    # and nobody else hears of either: not production in the same unit, nor the other unit
    for username in ("production", "sales2"):
        sign_in(page, live_server.url, username)
        page.get_by_test_id("bell").click()
        expect(page.locator("h1")).to_have_text("Notifications")
        expect(page.locator("main")).not_to_contain_text("sales forecast awaits")
        expect(page.locator("main")).not_to_contain_text("was returned")
    expect(page.locator("main")).not_to_contain_text(cycle.business_unit.name)
    assert set(
        Notification.objects.filter(
            kind__in=["review_awaited", "submission_returned"], cycle=cycle
        ).values_list("user__username", "kind")
    ) == {("director", "review_awaited"), ("sales", "submission_returned")}


def test_the_bell_follows_a_change_announced_on_the_page(
    page: Page, live_server, demo: None
) -> None:
    # given the finance user's page is open
    sign_in(page, live_server.url, "finance")
    before = unread_of("finance")
    expect(page.get_by_test_id("bell-count")).to_have_text(str(before))
    page.evaluate("window.sopSamePage = true")
    # when somebody opens the supply review (a notification for finance) and the page hears
    # of a change to the cycle (the live updates' event)
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    Cycle.objects.filter(pk=cycle.pk).update(stage=Stage.SUPPLY_REVIEW)
    cycle.refresh_from_db()
    notify_stage_opened(cycle, None)
    page.evaluate(
        "document.body.dispatchEvent(new CustomEvent('sop:cycle-changed', {bubbles: true}))"
    )
    # then the bell shows it without a reload
    expect(page.get_by_test_id("bell-count")).to_have_text(str(before + 1))
    assert page.evaluate("window.sopSamePage") is True
