"""The decision page follows the room: another user's edit redraws its month table and its
charts (read from the Chart.js instances, not pixels) within 2 s, without a reload; printed,
the charts are drawn complete (no animation) at the paper's size."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from planning.models import Cycle, MonthSummary
from tests.planning.live.servers import AsgiStack, asgi_stack
from tests.web.conftest import screenshot
from tests.web.test_live import (
    PUSH_SECONDS,
    demand_cycle,
    edit_forecast,
    first_seed_line,
    signed_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the balance chart's demand bars say for the month in the table's first row.
CHART_DEMAND = """() => {
    const chart = window.Chart.getChart(document.querySelector('canvas[data-chart="balance"]'));
    return chart ? chart.data.datasets[0].data[0] : null;
}"""


@pytest.fixture
def stack(demo: None) -> Iterator[AsgiStack]:
    with asgi_stack() as served:
        yield served


def open_decision(browser: Browser, stack: AsgiStack, cycle: Cycle) -> Page:
    page = signed_in(browser, stack, "ceo").new_page()
    page.goto(f"/cycles/{cycle.pk}/decision/")
    page.evaluate("window.sopNoReload = true")  # a reload would lose this mark
    expect(page.locator("html")).to_have_attribute("data-live", "push")
    page.wait_for_function(f"() => ({CHART_DEMAND})() !== null")
    return page


def first_month_demand(cycle: Cycle) -> int:
    return int(MonthSummary.objects.filter(cycle=cycle).order_by("month")[0].effective_demand)


def test_another_users_edit_redraws_the_decision_table_and_charts_within_2_s(
    browser: Browser, stack: AsgiStack
) -> None:
    # given: the CEO has the decision page open; sales works in another browser
    cycle = demand_cycle()
    line = first_seed_line(cycle)
    page = open_decision(browser, stack, cycle)
    demand_cell = page.get_by_test_id("decision-months").locator("tbody tr").first.locator("td")
    before = first_month_demand(cycle)
    assert page.evaluate(CHART_DEMAND) == before
    expect(demand_cell.nth(1)).to_have_text(f"{before:,}")
    sales = signed_in(browser, stack, "sales")
    # when: sales adds 500,000 to the first month's forecast of one family
    started = time.monotonic()
    edit_forecast(sales, line.pk, line.demand_forecast + 500_000)
    # then: the table's first month and the chart's first bar both show the new demand
    expected = before + 500_000
    expect(demand_cell.nth(1)).to_have_text(f"{expected:,}")
    page.wait_for_function(f"() => ({CHART_DEMAND})() === {expected}")
    elapsed = time.monotonic() - started
    assert elapsed <= PUSH_SECONDS, f"the edit took {elapsed:.2f} s to reach the decision page"
    assert first_month_demand(cycle) == expected
    screenshot(page, "live-decision-after-edit")
    # and: every chart was redrawn from the fresh data, on the same page
    assert page.evaluate("window.sopNoReload") is True
    assert page.evaluate(
        """() => [...document.querySelectorAll("canvas[data-chart]")]
            .every((canvas) => window.Chart.getChart(canvas) !== undefined)"""
    )
    sales.close()


# Each chart: its animation setting, whether every drawn element stands where its value puts
# it (an element mid-animation has current coordinates short of its final ones), and its
# canvas's width against the width its figure gives it.
CHARTS_AS_DRAWN = """() => [...document.querySelectorAll("canvas[data-chart]")].map((canvas) => {
    const chart = window.Chart.getChart(canvas);
    const elements = chart.data.datasets.flatMap((_d, i) => chart.getDatasetMeta(i).data);
    const complete = elements.every((element) => {
        const now = element.getProps(["x", "y"], false), end = element.getProps(["x", "y"], true);
        return Math.abs(now.x - end.x) < 0.5 && Math.abs(now.y - end.y) < 0.5;
    });
    const figure = getComputedStyle(canvas.parentElement);
    const room = canvas.parentElement.clientWidth
        - parseFloat(figure.paddingLeft) - parseFloat(figure.paddingRight);
    return {
        chart: canvas.dataset.chart,
        animation: chart.options.animation,
        complete: complete && elements.length > 0,
        fits: Math.abs(chart.width - room) <= 1,
    };
})"""


def drawn_for_print(charts: list[dict[str, object]]) -> list[dict[str, object]]:
    return [
        {"chart": chart["chart"], "animation": False, "complete": True, "fits": True}
        for chart in charts
    ]


def test_printed_the_decision_charts_are_drawn_complete_at_the_papers_width(
    browser: Browser, stack: AsgiStack
) -> None:
    # given: the decision page, drawn for the screen
    page = open_decision(browser, stack, demand_cycle())
    page.set_viewport_size({"width": 1600, "height": 1000})
    # when: it is printed (the print media a print preview lays out)
    page.emulate_media(media="print")
    # then: every chart stops animating and follows the printed layout
    page.wait_for_function(
        "() => (" + CHARTS_AS_DRAWN + ")().every((c) => !c.animation && c.fits && c.complete)"
    )
    charts = page.evaluate(CHARTS_AS_DRAWN)
    assert len(charts) == 3
    screenshot(page, "decision-print-media")
    # when: the page is drawn afresh while printing (a print right after a load or a refresh)
    page.reload()
    page.wait_for_function(
        """() => [...document.querySelectorAll("canvas[data-chart]")]
            .every((canvas) => window.Chart && window.Chart.getChart(canvas))"""
    )
    # then: the first frame is already the finished drawing
    charts = page.evaluate(CHARTS_AS_DRAWN)
    assert charts == drawn_for_print(charts)
