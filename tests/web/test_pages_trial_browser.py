"""Defects found by the cold-user trial, checked in a real Chromium: the overview's buttons stay
reachable at desktop widths, and the user's chosen language wins over the browser's."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from approvals.models import LanguageChoice
from planning.models import Cycle
from planning.roles import Stage
from reviews.models import Submission, SubmissionState
from reviews.services import submission_transition
from tests.web.conftest import BROWSER_WAIT_MS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A comment as long as real ones are: it made the submissions table wider than its card.
LONG_COMMENT = (
    "Consensus demand aligned with the key account team; promotion uplift of 25% in the "
    "third month kept after review"
)


@pytest.fixture
def sign_in(browser: Browser, live_server) -> Iterator[Callable[..., Page]]:
    """A signed-in page at a window width, with the browser's Accept-Language set."""
    contexts = []

    def open_as(username: str, *, width: int = 1280, browser_locale: str = "en-US") -> Page:
        context = browser.new_context(
            viewport={"width": width, "height": 1000}, locale=browser_locale
        )
        contexts.append(context)
        context.set_default_timeout(BROWSER_WAIT_MS)
        context.set_default_navigation_timeout(BROWSER_WAIT_MS)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "demo")
        page.click("button[type=submit]")
        expect(page.locator(".who")).to_have_text(username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def current_cycle() -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


def element_at_centre_is(page: Page, selector: str) -> bool:
    """Whether a click at the element's centre lands on it (nothing covers it)."""
    return page.locator(selector).evaluate(
        """node => { const box = node.getBoundingClientRect();
            const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            return hit === node || node.contains(hit); }"""
    )


@pytest.mark.parametrize("width", [1280, 1920])
def test_the_directors_return_button_is_not_covered_by_the_balance_card(
    sign_in: Callable[..., Page], live_server, demo: None, width: int
) -> None:
    cycle = current_cycle()
    sales = get_user_model().objects.get(username="sales")
    submission_transition(
        actor=sales, cycle_id=cycle.pk, kind="sales_forecast", action="submit", text=LONG_COMMENT
    )
    page = sign_in("director", width=width)
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/")
    return_button = "#live-submissions form[action$='/return/'] button"
    expect(page.locator(return_button)).to_be_visible()
    page.locator(return_button).scroll_into_view_if_needed()
    screenshot(page, f"overview-return-button-{width}")
    assert element_at_centre_is(page, return_button)
    assert element_at_centre_is(page, "#live-submissions form[action$='/accept/'] button")
    page.fill("#live-submissions input[name=reason]", "Recheck the promotion month")
    page.locator(return_button).click()
    expect(page.get_by_test_id("submission-sales_forecast")).to_have_text("Returned")
    state = Submission.objects.get(cycle=cycle, kind="sales_forecast").state
    assert state == SubmissionState.RETURNED


@pytest.mark.parametrize(
    ("browser_locale", "chosen", "chosen_words"),
    [("zh-CN", "en", "My open tasks"), ("en-US", "zh-hans", "我的待办")],
)
def test_the_language_a_user_chose_wins_over_the_browsers_in_every_new_browser(
    sign_in: Callable[..., Page],
    live_server,
    demo: None,
    browser_locale: str,
    chosen: str,
    chosen_words: str,
) -> None:
    # given a browser asking for the other language, where the user picks theirs
    page = sign_in("sales", browser_locale=browser_locale)
    expect(page.locator("html")).not_to_have_attribute("lang", chosen)
    page.select_option("select[name=language]", chosen)
    expect(page.locator("html")).to_have_attribute("lang", chosen)
    # when they sign in from a fresh browser asking for the other language (no cookie)
    page = sign_in("sales", browser_locale=browser_locale)
    # then every page speaks the language they chose
    expect(page.locator("html")).to_have_attribute("lang", chosen)
    expect(page.locator("h1")).to_have_text(chosen_words)
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator("html")).to_have_attribute("lang", chosen)
    assert LanguageChoice.objects.get(user__username="sales").language == chosen
