"""More of a page follows the room: a register list on a review page shows an entry somebody
else added, and the decision page's approve form keeps what the CEO is typing while the rest of
the page moves on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, expect

from planning.models import Cycle
from planning.roles import Stage
from reviews.registers import DemandAssumptionInput, demand_assumption_save
from tests.planning.live.servers import AsgiStack, asgi_stack
from tests.web.test_live import announce, demand_cycle, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def stack(demo: None) -> Iterator[AsgiStack]:
    with asgi_stack() as served:
        yield served


def test_the_demand_register_shows_an_entry_somebody_else_added_without_a_reload(
    browser: Browser, stack: AsgiStack
) -> None:
    # given: the director has the demand review open
    cycle = demand_cycle()
    page = signed_in(browser, stack, "director").new_page()
    page.goto(f"/cycles/{cycle.pk}/demand/")
    page.evaluate("window.sopNoReload = true")
    expect(page.locator("html")).to_have_attribute("data-live", "push")
    register = page.locator("#assumptions")
    expect(register).not_to_contain_text("Trade fair in Shenzhen")
    # when: sales adds an opportunity (committed; the event as the service sends it)
    demand_assumption_save(
        actor=get_user_model().objects.get(username="sales"),
        cycle_id=cycle.pk,
        entry=DemandAssumptionInput(
            kind="opportunity", quantity=500, probability=50, description="Trade fair in Shenzhen"
        ),
    )
    announce(stack, cycle, "register")
    # then
    expect(register).to_contain_text("Trade fair in Shenzhen")
    assert page.evaluate("window.sopNoReload") is True


def test_the_approve_form_keeps_what_the_ceo_types_while_the_decision_page_moves_on(
    browser: Browser, stack: AsgiStack
) -> None:
    # given: the CEO is writing a decision on the executive review's decision page
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)
    page = signed_in(browser, stack, "ceo").new_page()
    page.goto(f"/cycles/{cycle.pk}/decision/")
    expect(page.locator("html")).to_have_attribute("data-live", "push")
    page.evaluate(
        """() => {
            for (const id of ["live-decision-forms", "live-decision-submissions"]) {
                document.getElementById(id).dataset.original = "yes";
            }
            document.addEventListener("sop:live-refreshed", () => {
                document.body.dataset.refreshes = Number(document.body.dataset.refreshes || 0) + 1;
            });
        }"""
    )
    decision = page.get_by_label("Decision:")
    decision.fill("Second shift from")
    page.get_by_role("heading", name="Submissions").click()  # typed, then left the field
    # when: a submission changes meanwhile
    announce(stack, cycle, "submission")
    expect(page.locator("body")).to_have_attribute("data-refreshes", "1")
    # then: the submissions are re-read, the form with what was typed is not
    expect(page.locator("#live-decision-submissions")).not_to_have_attribute("data-original", "yes")
    expect(page.locator("#live-decision-forms")).to_have_attribute("data-original", "yes")
    expect(decision).to_have_value("Second shift from")
