"""The Content-Security-Policy holds on every page: nothing inline, and the pages still work.

The browser tests walk each main page as each demo user in a real Chromium and fail on any
violation the browser reports; the template scan keeps inline code from coming back unseen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from planning.models import Cycle
from planning.roles import Stage
from tests.demo_snapshot import SEED_MONTHS, seed_month

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CYCLE_PAGES = ("", "demand/", "supply/", "finance/", "analysis/", "decision/", "history/")
DEMO_UNIT_USERS = ("director", "sales", "production", "procurement", "finance", "ceo", "admin")
# What a policy without 'unsafe-inline' refuses, as it appears in served HTML.
INLINE_CODE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"),
    "style element": re.compile(r"<style\b"),
    "style attribute": re.compile(r"<[^>]+\sstyle=", re.DOTALL),
    "event handler attribute": re.compile(r"<[^>]+\son[a-z]+=", re.DOTALL),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}
# Reports every violation to the console, where the test collects it; injected by the
# browser's debugging protocol, so the policy under test does not apply to it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " blocked "
    + (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""
CHARTS_DRAWN = """() => [...document.querySelectorAll("canvas[data-chart]")]
  .every((canvas) => window.Chart && window.Chart.getChart(canvas))"""


TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)


def inline_code_in(html: str) -> list[str]:
    return [name for name, pattern in INLINE_CODE.items() if pattern.search(html)]


@pytest.mark.parametrize(
    "template", sorted((PROJECT_ROOT / "templates").rglob("*.html")), ids=lambda path: path.name
)
def test_no_template_carries_inline_code(template: Path) -> None:
    source = TEMPLATE_COMMENT.sub("", template.read_text(encoding="utf-8"))
    assert inline_code_in(source) == []


@pytest.mark.django_db
def test_pages_are_served_with_a_policy_that_allows_nothing_inline() -> None:
    policy = Client().get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


class Visitor:
    """One signed-in browser context that records every violation and inline code it meets."""

    def __init__(self, browser: Browser, base_url: str, username: str | None) -> None:
        self.base_url = base_url
        self.username = username or "anonymous"
        self.context: BrowserContext = browser.new_context(locale="en-US")
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.page: Page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        if username is not None:
            self.sign_in(username)

    def _console(self, message) -> None:
        if "CSP violation" in message.text or "Content Security Policy" in message.text:
            self.problems.append(f"{self.username} {self.page.url}: {message.text}")

    def sign_in(self, username: str) -> None:
        self.visit("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "demo")
        self.page.click("button[type=submit]")
        expect(self.page.locator(".who")).to_have_text(username)

    def visit(self, path: str) -> Page:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == 200, (self.username, path)
        found = inline_code_in(response.text())
        self.problems += [f"{self.username} {path}: {name} in the page" for name in found]
        return self.page

    def settle(self) -> None:
        """Wait until everything the page did so far has been reported to this test.

        The browser reports a refused inline script or style to the console as it refuses it,
        and the debugging protocol delivers that report before the answer to a later call.
        """
        self.page.evaluate("() => document.readyState")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit_as(browser: Browser, live_server, demo: None) -> Iterator:
    visitors: list[Visitor] = []

    def make(username: str | None) -> Visitor:
        visitor = Visitor(browser, live_server.url, username)
        visitors.append(visitor)
        return visitor

    yield make
    for visitor in visitors:
        visitor.close()


def pages_of(username: str) -> list[str]:
    """Each main page this demo user can open: home, maturity, every page of the cycle in
    review, and the overview and decision of the one awaiting the executive."""
    paths = ["/", "/maturity/", "/notifications/", "/notifications/settings/"]
    if username == "sales2":
        cycle = Cycle.objects.get(business_unit__code="appliances")
        return paths + [f"/cycles/{cycle.pk}/{page}" for page in CYCLE_PAGES]
    current = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    previous = Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)
    paths += [f"/cycles/{current.pk}/{page}" for page in CYCLE_PAGES]
    paths += [f"/cycles/{previous.pk}/", f"/cycles/{previous.pk}/decision/"]
    if username == "admin":
        paths += [
            "/admin/",
            f"/admin/planning/cycle/{current.pk}/change/",
            f"/admin/planning/cycle/{current.pk}/permissions/",
            "/api/docs/",
        ]
    return paths


def is_ours(path: str) -> bool:
    """The application's pages (Django's admin and Swagger UI bring their own scripts)."""
    return not path.startswith(("/admin/", "/api/"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_main_page_as_every_user_runs_without_a_policy_violation(visit_as) -> None:
    problems: list[str] = []
    for username in (*DEMO_UNIT_USERS, "sales2"):
        visitor = visit_as(username)
        for path in pages_of(username):
            page = visitor.visit(path)
            if is_ours(path):
                # the charts are drawn and htmx runs, configured not to inject its own styles
                page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
                assert page.evaluate("() => htmx.config.includeIndicatorStyles") is False
            visitor.settle()
        problems += visitor.problems
        visitor.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_sign_in_and_lockout_pages_run_without_a_policy_violation(visit_as, settings) -> None:
    visitor = visit_as(None)
    page = visitor.visit("/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.fill("#id_username", "sales")
        page.fill("#id_password", "wrong")
        page.click("button[type=submit]")
    expect(page.get_by_test_id("locked-out")).to_be_visible()
    visitor.settle()
    assert visitor.problems == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_language_menu_switches_without_an_inline_handler(visit_as) -> None:
    visitor = visit_as("sales")
    page = visitor.visit("/")
    page.select_option("select[name=language]", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    visitor.settle()
    assert visitor.problems == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_grid_cell_saves_through_htmx_under_the_policy(visit_as) -> None:
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    visitor = visit_as("sales")
    page = visitor.visit(f"/cycles/{cycle.pk}/demand/")
    cell = page.get_by_test_id(f"cell-SEED-01-{seed_month(1)}-demand_forecast")
    cell.fill("16000")
    cell.press("Tab")
    expect(page.get_by_test_id("closing-SEED-01-2")).to_have_text(re.compile(r"^-2[,.]?000$"))
    line = cycle.plan_lines.get(family__code="SEED-01", month=SEED_MONTHS[1])
    assert line.demand_forecast == 16000
    visitor.settle()
    assert visitor.problems == []
