"""The grid in a real Chromium: a pasted block lands like a spreadsheet's (read-only rows kept in
place, confined to its family), and cells frozen by someone else's acceptance turn read-only on
an open grid without losing what is being typed.

Every wait is for a condition (a cell's state, a database row) with the generous deadline of
``tests.web.conftest``; nothing depends on how fast the machine is.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum
from playwright.sync_api import Browser, Page, expect

from planning.models import AuditEvent, PlanLine
from reviews.models import Submission, SubmissionKind, SubmissionState
from reviews.services import submission_transition
from tests.planning.live.servers import AsgiStack, asgi_stack
from tests.web.conftest import screenshot
from tests.web.test_grid_browser import (
    KEY_DELAY_MS,
    cell_id,
    current_cycle,
    months_of,
    open_demand_grid,
    paste,
    values_in_db,
)
from tests.web.test_live import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FROZEN = (
    "The sales forecast was accepted, so its inputs are frozen; "
    "the director can return it to reopen them."
)


def next_family_after(code: str) -> str:
    cycle = current_cycle()
    following = (
        PlanLine.objects.filter(cycle=cycle, family__code__gt=code)
        .order_by("family__code")
        .values_list("family__code", flat=True)
        .first()
    )
    assert following is not None
    return following


def month_sum(field: str, month) -> int:
    lines = PlanLine.objects.filter(cycle=current_cycle(), month=month)
    return int(lines.aggregate(total=Sum(field))["total"])


def test_a_block_over_a_read_only_row_and_past_the_familys_end_lands_like_a_spreadsheet(
    page: Page, live_server, demo: None
) -> None:
    # given: SEED-01's rows on the demand grid are demand, confirmed orders, closing stock
    # (computed); the block has five rows of two months, from the demand of the second month
    cycle = current_cycle()
    months = months_of(cycle)
    following = next_family_after("SEED-01")
    following_before = {
        field: values_in_db(cycle, following, field)
        for field in ("demand_forecast", "confirmed_orders")
    }
    opening_before = values_in_db(cycle, "SEED-01", "opening_stock")  # untouched input too
    open_demand_grid(page, live_server.url, cycle)
    audits_before = AuditEvent.objects.filter(cycle=cycle).count()
    block = [
        ["11,000", "12,000"],  # SEED-01 demand forecast
        ["9,000", "9,100"],  # SEED-01 confirmed orders
        ["1", "2"],  # SEED-01 closing stock: computed, refused, and the rows stay aligned
        ["7", "8"],  # beyond SEED-01: not pasted (not the next family's demand)
        ["5", "6"],  # beyond SEED-01
    ]
    text = "\r\n".join("\t".join(row) for row in block) + "\r\n"
    # when
    paste(page, cell_id("SEED-01", months[1], "demand_forecast"), text)
    # then: the message says what happened
    expect(page.locator("[data-grid-status]")).to_have_text(
        "Pasted 4 cells of SEED-01. 2 read-only cells were not pasted (marked). "
        "2 rows beyond this family were not pasted."
    )
    # ... exactly the four input cells are saved, in one change
    assert values_in_db(cycle, "SEED-01", "demand_forecast")[1:3] == [11000, 12000]
    assert values_in_db(cycle, "SEED-01", "confirmed_orders")[1:3] == [9000, 9100]
    events = AuditEvent.objects.filter(cycle=cycle).order_by("id")[audits_before:]
    assert [event.action for event in events] == ["plan_cells_saved"]
    assert sorted(events[0].after or {}) == sorted(
        f"SEED-01 {month:%Y-%m} {field}"
        for month in months[1:3]
        for field in ("demand_forecast", "confirmed_orders")
    )
    assert values_in_db(cycle, "SEED-01", "opening_stock") == opening_before
    # ... the refused closing-stock cells are marked, and show the computed stock, not 1 and 2
    for column in (2, 3):
        closing = page.get_by_test_id(f"closing-SEED-01-{column}")
        expect(closing).to_have_class("num paste-refused")
        expect(closing).to_have_attribute(
            "title", "Read-only here: this value of the pasted block was not pasted."
        )
        expect(closing).not_to_have_text(str(column - 1))
    # ... the next family is untouched, in the database and on the screen
    for field, values in following_before.items():
        assert values_in_db(cycle, following, field) == values
    expect(page.get_by_test_id(cell_id(following, months[1], "demand_forecast"))).to_have_value(
        f"{following_before['demand_forecast'][1]:,}"
    )
    # ... and the month totals under the grid follow the save (every family's sum)
    expect(page.get_by_test_id("month-total-demand_forecast-2")).to_have_text(
        f"{month_sum('demand_forecast', months[1]):,}"
    )
    expect(page.get_by_test_id("month-total-confirmed_orders-3")).to_have_text(
        f"{month_sum('confirmed_orders', months[2]):,}"
    )
    screenshot(page, "grid-paste-confined")


def test_a_save_refused_because_the_submission_was_accepted_freezes_the_row_keeping_the_text(
    page: Page, live_server, demo: None
) -> None:
    # given: sales is typing while the director accepts the sales forecast
    cycle = current_cycle()
    months = months_of(cycle)
    submission_transition(
        actor=get_user_model().objects.get(username="sales"),
        cycle_id=cycle.pk,
        kind="sales_forecast",
        action="submit",
    )
    open_demand_grid(page, live_server.url, cycle)
    typing = page.get_by_test_id(cell_id("SEED-01", months[0], "demand_forecast"))
    typing.click()
    page.keyboard.type("777", delay=KEY_DELAY_MS)
    before = values_in_db(cycle, "SEED-01", "demand_forecast")
    submission_transition(
        actor=get_user_model().objects.get(username="director"),
        cycle_id=cycle.pk,
        kind="sales_forecast",
        action="accept",
    )
    # when: the user leaves the cell
    page.keyboard.press("Tab")
    # then: the refusal is next to the cell, the text is kept, the row is read-only
    alert = page.locator(f"#{typing_form_id(cycle, months[0])} [role=alert]")
    expect(alert).to_have_text(FROZEN)
    expect(typing).to_have_value("777")
    expect(typing).not_to_be_editable()
    expect(
        page.get_by_test_id(cell_id("SEED-01", months[3], "demand_forecast"))
    ).not_to_be_editable()
    assert values_in_db(cycle, "SEED-01", "demand_forecast") == before
    # ... until Escape, which restores the saved value
    typing.focus()
    page.keyboard.press("Escape")
    expect(typing).to_have_value(f"{before[0]:,}")
    expect(alert).to_have_count(0)


def typing_form_id(cycle, month) -> str:
    line = PlanLine.objects.get(cycle=cycle, family__code="SEED-01", month=month)
    return f"cell-{line.pk}-demand_forecast"


@pytest.fixture
def stack(demo: None) -> Iterator[AsgiStack]:
    with asgi_stack() as served:
        yield served


def test_cells_frozen_by_the_directors_acceptance_turn_read_only_on_the_open_grid(
    browser: Browser, stack: AsgiStack
) -> None:
    # given: sales submitted the forecast and has the demand grid open, typing in a cell
    cycle = current_cycle()
    months = months_of(cycle)
    submission_transition(
        actor=get_user_model().objects.get(username="sales"),
        cycle_id=cycle.pk,
        kind="sales_forecast",
        action="submit",
    )
    sales = signed_in(browser, stack, "sales")
    grid = sales.new_page()
    grid.goto(f"/cycles/{cycle.pk}/demand/")
    expect(grid.locator("html")).to_have_attribute("data-live", "push")
    grid.evaluate("window.sopNoReload = true")
    other = grid.get_by_test_id(cell_id("SEED-01", months[2], "demand_forecast"))
    orders = grid.get_by_test_id(cell_id("SEED-01", months[1], "confirmed_orders"))
    expect(other).to_be_editable()
    typing = grid.get_by_test_id(cell_id("SEED-01", months[0], "demand_forecast"))
    typing.click()
    grid.keyboard.type("4321", delay=KEY_DELAY_MS)
    before = values_in_db(cycle, "SEED-01", "demand_forecast")
    # when: the director accepts the sales forecast, in their own browser
    director = signed_in(browser, stack, "director")
    overview = director.new_page()
    overview.goto(f"/cycles/{cycle.pk}/")
    row = overview.locator("#live-submissions tr").filter(
        has=overview.get_by_test_id("submission-sales_forecast")
    )
    row.get_by_role("button", name="Accept").click()
    expect(overview.get_by_test_id("submission-sales_forecast")).to_have_text("Accepted")
    assert (
        Submission.objects.get(cycle=cycle, kind=SubmissionKind.SALES_FORECAST).state
        == SubmissionState.ACCEPTED
    )
    # then: on the sales grid, without a reload, the frozen fields' cells turn read-only
    expect(other).not_to_be_editable()
    expect(orders).not_to_be_editable()
    # ... except the one being typed in, which keeps the typing and the focus
    expect(typing).to_be_focused()
    expect(typing).to_have_value("4321")
    expect(typing).to_be_editable()
    # when: sales saves it anyway
    grid.keyboard.press("Tab")
    # then: refused with the reason next to the cell; the text stays; nothing saved
    alert = grid.locator(f"#{typing_form_id(cycle, months[0])} [role=alert]")
    expect(alert).to_have_text(FROZEN)
    expect(typing).to_have_value("4321")
    expect(typing).not_to_be_editable()
    assert values_in_db(cycle, "SEED-01", "demand_forecast") == before
    assert grid.evaluate("window.sopNoReload") is True
    screenshot(grid, "grid-frozen-live")
    sales.close()
    director.close()
