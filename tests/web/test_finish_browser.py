"""The finish of the pages in a real Chromium: tables inside the screen, numbers aligned, charts
with axis titles, and the decision page printing as an executive summary."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from planning.models import Cycle
from planning.roles import Stage
from tests.web.conftest import BROWSER_WAIT_MS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A4_WIDTH_PX = 794  # 210 mm at 96 px per inch


@pytest.fixture
def open_page(browser: Browser, live_server) -> Iterator[Callable[..., Page]]:
    """A signed-in page at a given window width and in a given language (the user's choice)."""
    contexts = []

    def open_as(username: str, language: str = "en", width: int = 1920, height: int = 1000):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
        contexts.append(context)
        context.set_default_timeout(BROWSER_WAIT_MS)
        context.set_default_navigation_timeout(BROWSER_WAIT_MS)
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
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


def executive_cycle() -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)


def right_edge(page: Page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"]


def overflow(page: Page, selector: str) -> int:
    """How far the element's content runs past its box (0: all of it shows)."""
    return page.locator(selector).first.evaluate("node => node.scrollWidth - node.clientWidth")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_history_table_fits_the_screen_with_its_reason_column(
    open_page: Callable[..., Page], live_server, demo: None, language: str
) -> None:
    cycle = executive_cycle()
    for width in (1920, 420):
        page = open_page("director", language, width)
        page.goto(f"{live_server.url}/cycles/{cycle.pk}/history/")
        table = page.get_by_test_id("history")
        expect(table).to_be_visible()
        screenshot(page, f"finish-history-{language}-{width}")
        # the page itself never scrolls sideways; at 1920 px nor does the table
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if width == 1920:
            assert overflow(page, "div.scroll:has([data-testid=history])") <= 0
            assert right_edge(page, "[data-testid=history] thead th:last-child") <= width
            assert right_edge(page, "[data-testid=history] tbody td:last-child") <= width


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_per_family_analysis_table_is_not_cut_off(
    open_page: Callable[..., Page], live_server, demo: None, language: str
) -> None:
    cycle = executive_cycle()
    page = open_page("ceo", language)
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/analysis/")
    expect(page.get_by_test_id("analysis-table")).to_be_visible()
    screenshot(page, f"finish-analysis-{language}")
    assert overflow(page, "div.scroll:has([data-testid=analysis-table])") <= 0
    assert right_edge(page, "[data-testid=analysis-table] thead th:last-child") <= 1920


@pytest.mark.parametrize(
    ("path", "table"),
    [
        ("analysis/", "analysis-table"),
        ("finance/", "finance-table"),
        ("decision/", "decision-finance"),
        ("decision/", "decision-months"),
    ],
)
def test_numeric_columns_are_right_aligned_in_tabular_figures(
    open_page: Callable[..., Page], live_server, demo: None, path: str, table: str
) -> None:
    cycle = executive_cycle()
    page = open_page("ceo")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/{path}")
    expect(page.get_by_test_id(table)).to_be_visible()
    styles = page.get_by_test_id(table).evaluate(
        """table => [...table.querySelectorAll("th.num, td.num")].map((cell) => {
            const style = getComputedStyle(cell);
            return style.textAlign + " " + style.fontVariantNumeric;
        })"""
    )
    assert styles
    assert set(styles) == {"right tabular-nums"}


def chart_scales(page: Page, chart: str) -> dict[str, str]:
    """The axis titles Chart.js drew on the page's chart (once it is drawn)."""
    page.wait_for_function(
        f"""() => {{
            const canvas = document.querySelector('canvas[data-chart="{chart}"]');
            return canvas && window.Chart && window.Chart.getChart(canvas);
        }}"""
    )
    return page.evaluate(
        f"""() => {{
            const canvas = document.querySelector('canvas[data-chart="{chart}"]');
            const scales = window.Chart.getChart(canvas).options.scales;
            return Object.fromEntries(Object.entries(scales).map(
                ([name, scale]) => [name, scale.title.display ? scale.title.text : ""]));
        }}"""
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", {"x": "Month", "pct": "Capacity utilization (%)", "units": "Units per month"}),
        ("zh-hans", {"x": "月份", "pct": "产能利用率(%)", "units": "每月数量"}),
    ],
)
def test_the_utilization_chart_titles_its_axes(
    open_page: Callable[..., Page], live_server, demo: None, language: str, expected: dict
) -> None:
    cycle = executive_cycle()
    page = open_page("ceo", language)
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/analysis/")
    assert chart_scales(page, "utilization") == expected
    assert chart_scales(page, "balance")["x"] == expected["x"]


def test_the_decision_page_draws_its_charts(
    open_page: Callable[..., Page], live_server, demo: None
) -> None:
    cycle = executive_cycle()
    page = open_page("ceo")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/decision/")
    expect(page.get_by_test_id("decision-charts")).to_be_visible()
    assert chart_scales(page, "balance") == {"x": "Month", "y": "Units (demand, production, stock)"}
    assert chart_scales(page, "utilization")["pct"] == "Capacity utilization (%)"
    assert chart_scales(page, "finance") == {"x": "Month", "y": "Amount (CNY)"}
    screenshot(page, "finish-decision")
    # a live refresh (sop/live.js) replaces the charts' region: the new canvases are drawn too
    page.evaluate("document.querySelector('#live-charts canvas').dataset.old = 'yes'")
    page.evaluate(
        """htmx.ajax("GET", location.href,
            {target: "#live-charts", swap: "outerHTML", select: "#live-charts"})"""
    )
    expect(page.locator("#live-charts canvas[data-old]")).to_have_count(0)
    for chart in ("balance", "utilization", "finance"):
        assert chart_scales(page, chart)["x"] == "Month"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_decision_page_prints_as_an_executive_summary(
    open_page: Callable[..., Page], live_server, demo: None, language: str
) -> None:
    # given the CEO's decision page, with its forms, at the width of an A4 sheet
    cycle = executive_cycle()
    page = open_page("ceo", language, A4_WIDTH_PX, 1123)
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/decision/")
    expect(page.locator("form[action$='/approve/']")).to_be_visible()
    chart_scales(page, "finance")
    # when it is printed
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    # then no navigation, no form, no button; the KPIs, charts and tables, all within the sheet
    for hidden in (".topbar", "nav.tabs", "form", "button", "select", "textarea", ".no-print"):
        expect(page.locator(hidden).first).to_be_hidden()
        assert page.locator(f"{hidden} >> visible=true").count() == 0, hidden
    expect(page.locator("#live-kpis")).to_be_visible()
    for chart in ("balance", "utilization", "finance"):
        canvas = f'canvas[data-chart="{chart}"]'
        expect(page.locator(canvas)).to_be_visible()
        assert right_edge(page, canvas) <= A4_WIDTH_PX, chart
    for table in ("decision-months", "decision-finance"):
        expect(page.get_by_test_id(table)).to_be_visible()
        assert right_edge(page, f"[data-testid={table}]") <= A4_WIDTH_PX, table
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_WIDTH_PX
    screenshot(page, f"finish-decision-print-{language}")
