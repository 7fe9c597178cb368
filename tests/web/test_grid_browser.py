"""The grid as a spreadsheet, in a real Chromium: fast typing, Enter, arrows, Escape, paste, live.

Every wait is for a condition (a cell's saved value, a database row) with the generous deadline
of ``tests.web.conftest``; nothing depends on how fast the machine is.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from planning.models import AuditEvent, Cycle, PlanLine
from planning.roles import Stage
from planning.services.plan_lines import CellChange, plan_cells_save
from tests.web.conftest import BROWSER_WAIT_MS, screenshot
from tests.web.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEY_DELAY_MS = 60  # an ordinary typist


def current_cycle() -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


def months_of(cycle: Cycle) -> list[datetime.date]:
    return sorted(set(cycle.plan_lines.values_list("month", flat=True)))


def cell_id(code: str, month: datetime.date, field: str) -> str:
    return f"cell-{code}-{month:%Y-%m}-{field}"


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BROWSER_WAIT_MS / 1000
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.1)


def values_in_db(cycle: Cycle, code: str, field: str) -> list[int]:
    return list(
        PlanLine.objects.filter(cycle=cycle, family__code=code)
        .order_by("month")
        .values_list(field, flat=True)
    )


def open_demand_grid(page: Page, base_url: str, cycle: Cycle, username: str = "sales") -> None:
    sign_in(page, base_url, username)
    page.goto(f"{base_url}/cycles/{cycle.pk}/demand/")
    expect(page.locator("[data-grid]")).to_be_visible()


def test_fast_typing_with_tab_across_eight_cells_saves_and_shows_every_value(
    page: Page, live_server, demo: None
) -> None:
    # given: the measurement, continued into the confirmed orders of the same lines
    cycle = current_cycle()
    months = months_of(cycle)
    demand = [22000, 26000, 17000, 16800, 21000, 20000]
    orders = [9000, 9500]
    open_demand_grid(page, live_server.url, cycle)
    page.get_by_test_id(cell_id("SEED-01", months[0], "demand_forecast")).click()
    # when: typed at 60 ms per key, Tab after each value
    for value in [*demand, *orders]:
        page.keyboard.type(str(value), delay=KEY_DELAY_MS)
        page.keyboard.press("Tab")
    # then: every value saved, in the right cell
    for month, value in zip(months, demand, strict=True):
        expect(page.get_by_test_id(cell_id("SEED-01", month, "demand_forecast"))).to_have_attribute(
            "data-saved", str(value)
        )
    for month, value in zip(months, orders, strict=False):
        expect(
            page.get_by_test_id(cell_id("SEED-01", month, "confirmed_orders"))
        ).to_have_attribute("data-saved", str(value))
    assert values_in_db(cycle, "SEED-01", "demand_forecast") == demand
    assert values_in_db(cycle, "SEED-01", "confirmed_orders")[:2] == orders
    # ... shown as typed, with separators
    for month, value in zip(months, demand, strict=True):
        expect(page.get_by_test_id(cell_id("SEED-01", month, "demand_forecast"))).to_have_value(
            f"{value:,}"
        )
    for month, value in zip(months, orders, strict=False):
        expect(page.get_by_test_id(cell_id("SEED-01", month, "confirmed_orders"))).to_have_value(
            f"{value:,}"
        )
    # ... the closing stock rolled from them (opening 3,000, the seed's production plan)
    production = values_in_db(cycle, "SEED-01", "production_plan")
    confirmed = values_in_db(cycle, "SEED-01", "confirmed_orders")
    stock = 3000
    for index, (made, wanted, ordered) in enumerate(
        zip(production, demand, confirmed, strict=True), start=1
    ):
        stock += made - max(wanted, ordered)
        expect(page.get_by_test_id(f"closing-SEED-01-{index}")).to_have_text(f"{stock:,}")
    # ... and the focus is where the user put it: the ninth cell
    expect(page.get_by_test_id(cell_id("SEED-01", months[2], "confirmed_orders"))).to_be_focused()
    screenshot(page, "grid-fast-typing")


def test_enter_saves_once_and_moves_down(page: Page, live_server, demo: None) -> None:
    # given
    cycle = current_cycle()
    month = months_of(cycle)[1]
    open_demand_grid(page, live_server.url, cycle)
    before = AuditEvent.objects.filter(cycle=cycle).count()
    cell = page.get_by_test_id(cell_id("SEED-01", month, "demand_forecast"))
    cell.click()
    # when
    page.keyboard.type("14,250", delay=KEY_DELAY_MS)
    page.keyboard.press("Enter")
    # then
    expect(page.get_by_test_id(cell_id("SEED-01", month, "confirmed_orders"))).to_be_focused()
    expect(cell).to_have_attribute("data-saved", "14250")
    expect(cell).to_have_value("14,250")
    assert (
        PlanLine.objects.get(cycle=cycle, family__code="SEED-01", month=month).demand_forecast
        == 14250
    )
    page.keyboard.press("Tab")  # leaving the cell below saves nothing: it was not changed
    expect(
        page.get_by_test_id(cell_id("SEED-01", months_of(cycle)[2], "confirmed_orders"))
    ).to_be_focused()
    assert AuditEvent.objects.filter(cycle=cycle).count() == before + 1
    assert page.url.endswith(f"/cycles/{cycle.pk}/demand/")  # no page load


def test_arrow_keys_move_and_escape_restores(page: Page, live_server, demo: None) -> None:
    # given
    cycle = current_cycle()
    months = months_of(cycle)
    open_demand_grid(page, live_server.url, cycle)
    start = page.get_by_test_id(cell_id("SEED-01", months[1], "demand_forecast"))
    start.click()
    saved = start.get_attribute("data-saved")
    version = PlanLine.objects.get(cycle=cycle, family__code="SEED-01", month=months[1]).version
    # when / then: arrows move between cells
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id(cell_id("SEED-01", months[2], "demand_forecast"))).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_test_id(cell_id("SEED-01", months[2], "confirmed_orders"))).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowLeft")
    expect(start).to_be_focused()
    # ... and Escape throws away what was typed
    page.keyboard.type("999", delay=KEY_DELAY_MS)
    page.keyboard.press("Escape")
    expect(start).to_have_value(f"{int(saved or 0):,}")
    page.keyboard.press("Tab")
    line = PlanLine.objects.get(cycle=cycle, family__code="SEED-01", month=months[1])
    assert str(line.demand_forecast) == saved and line.version == version


def test_a_bad_value_stays_with_its_error_while_the_next_cells_save(
    page: Page, live_server, demo: None
) -> None:
    cycle = current_cycle()
    months = months_of(cycle)
    open_demand_grid(page, live_server.url, cycle)
    page.get_by_test_id(cell_id("SEED-01", months[0], "demand_forecast")).click()
    for value in ("-5", "3800", "0"):
        page.keyboard.type(value, delay=KEY_DELAY_MS)
        page.keyboard.press("Tab")
    bad = page.get_by_test_id(cell_id("SEED-01", months[0], "demand_forecast"))
    expect(page.get_by_test_id(cell_id("SEED-01", months[2], "demand_forecast"))).to_have_attribute(
        "data-saved", "0"
    )
    expect(page.get_by_test_id(cell_id("SEED-01", months[1], "demand_forecast"))).to_have_value(
        "3,800"
    )
    expect(bad).to_have_value("-5")
    expect(bad.locator("xpath=..").locator("[role=alert]")).to_have_text("Must not be negative.")


def paste(page: Page, testid: str, text: str) -> None:
    """What Ctrl+V of a spreadsheet selection delivers: a paste event with tab-separated text."""
    page.get_by_test_id(testid).click()
    page.get_by_test_id(testid).evaluate(
        """(input, text) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            input.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        text,
    )


def test_a_2x4_block_pasted_from_a_spreadsheet_is_saved_in_one_change(
    page: Page, live_server, demo: None
) -> None:
    # given: two rows of four months, as Excel copies them (CRLF, separators, a full-width one)
    cycle = current_cycle()
    months = months_of(cycle)
    open_demand_grid(page, live_server.url, cycle)
    before = AuditEvent.objects.filter(cycle=cycle).count()
    block = [
        ["11,000", "12,000", "13,000", "14,000"],  # SEED-01 demand forecast
        ["9,000", "9100", "9\uff0c200", "9,300"],  # SEED-01 confirmed orders (a full-width comma)
    ]
    text = "\r\n".join("\t".join(row) for row in block) + "\r\n"
    # when
    paste(page, cell_id("SEED-01", months[1], "demand_forecast"), text)
    # then
    expect(page.locator("[data-grid-status]")).to_have_text("Pasted 8 cells of SEED-01.")
    assert values_in_db(cycle, "SEED-01", "demand_forecast")[1:5] == [11000, 12000, 13000, 14000]
    assert values_in_db(cycle, "SEED-01", "confirmed_orders")[1:5] == [9000, 9100, 9200, 9300]
    events = AuditEvent.objects.filter(cycle=cycle).order_by("id")[before:]
    assert [event.action for event in events] == ["plan_cells_saved"]
    expect(page.get_by_test_id(cell_id("SEED-01", months[3], "confirmed_orders"))).to_have_value(
        "9,200"
    )
    screenshot(page, "grid-paste")


def test_a_pasted_block_with_a_bad_value_saves_nothing_and_marks_it(
    page: Page, live_server, demo: None
) -> None:
    cycle = current_cycle()
    months = months_of(cycle)
    open_demand_grid(page, live_server.url, cycle)
    before = values_in_db(cycle, "SEED-01", "demand_forecast")
    paste(page, cell_id("SEED-01", months[0], "demand_forecast"), "100\t200\t-5\n")
    expect(page.locator("[data-grid-status]")).to_have_text(
        "1 cell was refused, so nothing was saved."
    )
    line = PlanLine.objects.get(cycle=cycle, family__code="SEED-01", month=months[2])
    expect(page.locator(f"#cell-{line.pk}-demand_forecast [role=alert]")).to_have_text(
        "-5: Must not be negative."
    )
    assert values_in_db(cycle, "SEED-01", "demand_forecast") == before


def test_a_block_that_does_not_fit_is_refused_before_sending(
    page: Page, live_server, demo: None
) -> None:
    cycle = current_cycle()
    months = months_of(cycle)
    open_demand_grid(page, live_server.url, cycle)
    before = values_in_db(cycle, "SEED-01", "demand_forecast")
    paste(page, cell_id("SEED-01", months[-1], "demand_forecast"), "1\t2\n")
    expect(page.locator("[data-grid-status]")).to_contain_text("reaches beyond the last month")
    assert values_in_db(cycle, "SEED-01", "demand_forecast") == before


def test_someone_elses_change_appears_without_touching_the_cell_being_typed_in(
    page: Page, live_server, demo: None
) -> None:
    # given: sales is typing in one cell of SEED-01 while somebody else saves two cells of
    # the same family (one of them the cell being typed in)
    cycle = current_cycle()
    months = months_of(cycle)
    open_demand_grid(page, live_server.url, cycle)
    typing = page.get_by_test_id(cell_id("SEED-01", months[0], "demand_forecast"))
    typing.click()
    page.keyboard.type("777", delay=KEY_DELAY_MS)
    lines = {
        line.month: line for line in PlanLine.objects.filter(cycle=cycle, family__code="SEED-01")
    }
    plan_cells_save(
        cycle=cycle,
        cells=[
            CellChange(lines[months[0]].pk, "demand_forecast", 1111, lines[months[0]].version),
            CellChange(lines[months[3]].pk, "demand_forecast", 4444, lines[months[3]].version),
        ],
        actor=get_user_model().objects.get(username="sales"),
    )
    family_id = lines[months[0]].family_id
    # when: the live channel says the lines changed
    page.evaluate(
        """([cycle, family]) => document.dispatchEvent(new CustomEvent("sop:cycle-changed",
            {detail: {cycle, kind: "lines", families: [family]}}))""",
        [cycle.pk, family_id],
    )
    # then: the other cell shows the new value; the one being typed in keeps the typing
    expect(page.get_by_test_id(cell_id("SEED-01", months[3], "demand_forecast"))).to_have_value(
        "4,444"
    )
    expect(typing).to_have_value("777")
    expect(typing).to_be_focused()
    # ... until the user leaves it: then theirs is marked and the user's own value saved
    page.keyboard.press("Tab")
    expect(typing).to_have_attribute("data-saved", "777")
    assert values_in_db(cycle, "SEED-01", "demand_forecast")[0] == 777


def test_the_header_and_family_column_stay_in_place_while_scrolling(
    page: Page, live_server, demo: None
) -> None:
    # given: a screen smaller than the grid
    cycle = current_cycle()
    page.set_viewport_size({"width": 700, "height": 600})
    open_demand_grid(page, live_server.url, cycle)
    area = page.locator(".grid-scroll")
    header = page.locator(".planning-grid thead th").nth(3)
    family = page.get_by_test_id("family-SEED-01").locator("th.family-col")
    family.scroll_into_view_if_needed()
    # when: scrolled down and to the right
    area.evaluate(
        "area => { area.scrollTop = area.scrollHeight; area.scrollLeft = area.scrollWidth; }"
    )
    # then: the header row is still at the top of the area, the family column at its left
    box = area.bounding_box()
    wait_until(
        lambda: abs((header.bounding_box() or {"y": -99})["y"] - (box or {"y": 0})["y"]) < 3,
        "the header at the top",
    )
    last_family = page.locator("tbody[data-family] th.family-col").last
    assert abs((last_family.bounding_box() or {"x": -99})["x"] - (box or {"x": 0})["x"]) < 3
    screenshot(page, "grid-scrolled")


def test_the_director_edits_opening_stock_on_the_supply_grid(
    page: Page, live_server, demo: None
) -> None:
    # given: a cycle in data collection, the stage where the director sets opening stock
    cycle = Cycle.objects.get(business_unit__code="appliances")
    assert cycle.stage == Stage.DATA_COLLECTION
    code = cycle.plan_lines.order_by("family__code").values_list("family__code", flat=True)[0]
    first = months_of(cycle)[0]
    sign_in(page, live_server.url, "director2")
    page.goto(f"{live_server.url}/cycles/{cycle.pk}/supply/")
    closing = page.get_by_test_id(f"closing-{code}-1")
    closing_before = int(closing.inner_text().replace(",", ""))
    wanted = PlanLine.objects.get(cycle=cycle, family__code=code, month=first).opening_stock + 1000
    # when
    page.get_by_test_id(cell_id(code, first, "opening_stock")).click()
    page.keyboard.type(str(wanted), delay=KEY_DELAY_MS)
    page.keyboard.press("Tab")
    # then: saved, and the family's stock rolls from it at once
    expect(page.get_by_test_id(cell_id(code, first, "opening_stock"))).to_have_attribute(
        "data-saved", str(wanted)
    )
    expect(closing).to_have_text(f"{closing_before + 1000:,}")
    assert PlanLine.objects.get(cycle=cycle, family__code=code, month=first).opening_stock == wanted
