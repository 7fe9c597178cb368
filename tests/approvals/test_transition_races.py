"""Every transition moves the cycle exactly one stage per intended press, however presses meet.

Each race holds the cycle's row lock from a third session until PostgreSQL reports every
request waiting on it, so the requests really arrive together (see ``concurrency``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AbstractUser

from approvals.models import PlanSnapshot
from planning.models import AuditEvent, Cycle
from planning.roles import Stage

from .concurrency import Requests, lock_cycle_row, third_session, wait_for_lock_waiters
from .conftest import api_as, browser_as, post, submissions_all_in

pytestmark = pytest.mark.django_db(transaction=True)


def race(cycle: Cycle, calls: list[Callable[[], int]]) -> list[int]:
    """Start every call while the cycle row is locked; release it once all of them wait."""
    with third_session() as holder:
        lock_cycle_row(holder, cycle.pk)
        requests = Requests(calls).start()
        wait_for_lock_waiters(holder, len(calls))
        holder.rollback()
    return requests.join()


def events(cycle: Cycle, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(cycle=cycle, action=action).order_by("id"))


def test_two_api_advances_without_from_stage_move_the_cycle_one_stage(
    at_stage: Callable[[Stage], Cycle], people: dict[str, AbstractUser]
) -> None:
    cycle = at_stage(Stage.DEMAND_REVIEW)
    url = f"/api/cycles/{cycle.pk}/advance/"
    body = {"override_reason": "forecast agreed in the meeting"}

    statuses = race(
        cycle,
        [
            post(api_as(people["director-a"]), url, body),
            post(api_as(people["director-b"]), url, body),
        ],
    )

    assert sorted(statuses) == [200, 409]
    cycle.refresh_from_db()
    assert cycle.stage == Stage.SUPPLY_REVIEW
    assert len(events(cycle, "cycle_advanced")) == 1


def test_an_override_reason_waives_only_the_gate_of_the_stage_it_was_given_in(
    at_stage: Callable[[Stage], Cycle], people: dict[str, AbstractUser]
) -> None:
    # given: demand review's gate (sales forecast accepted) is unmet, and so are supply review's
    cycle = at_stage(Stage.DEMAND_REVIEW)
    url = f"/api/cycles/{cycle.pk}/advance/"
    body = {"override_reason": "forecast agreed in the meeting"}

    # when: two directors press advance with that reason at once
    race(
        cycle,
        [
            post(api_as(people["director-a"]), url, body),
            post(api_as(people["director-b"]), url, body),
        ],
    )

    # then: one override, of the sales forecast gate; supply review's gates still stand
    [override] = events(cycle, "gate_overridden")
    assert [gate["kind"] for gate in override.before or []] == ["sales_forecast"]
    cycle.refresh_from_db()
    assert cycle.stage == Stage.SUPPLY_REVIEW


def test_two_browser_advances_from_the_same_page_move_the_cycle_one_stage(
    at_stage: Callable[[Stage], Cycle], people: dict[str, AbstractUser]
) -> None:
    cycle = at_stage(Stage.DEMAND_REVIEW)
    url = f"/cycles/{cycle.pk}/advance/"
    # What the overview's Advance form sends (its hidden from_stage is the stage shown).
    form = {"from_stage": "demand_review", "override_reason": "agreed"}

    statuses = race(
        cycle,
        [
            post(browser_as(people["director-a"]), url, form),
            post(browser_as(people["director-b"]), url, form),
        ],
    )

    # the second press finds the stage moved on: its page comes back saying so (409)
    assert sorted(statuses) == [302, 409]
    cycle.refresh_from_db()
    assert cycle.stage == Stage.SUPPLY_REVIEW
    assert len(events(cycle, "cycle_advanced")) == 1


def test_the_advance_form_pressed_twice_moves_the_cycle_once(
    at_stage: Callable[[Stage], Cycle], people: dict[str, AbstractUser]
) -> None:
    cycle = at_stage(Stage.DATA_COLLECTION)
    browser = browser_as(people["director-a"])
    form = {"from_stage": "data_collection"}

    browser.post(f"/cycles/{cycle.pk}/advance/", form)
    second = browser.post(f"/cycles/{cycle.pk}/advance/", form, follow=True)

    cycle.refresh_from_db()
    assert cycle.stage == Stage.DEMAND_REVIEW
    assert "has moved on to Demand review since you looked" in second.content.decode()


def test_two_executives_sending_back_at_once_move_the_cycle_once(
    at_stage: Callable[[Stage], Cycle], people: dict[str, AbstractUser]
) -> None:
    cycle = at_stage(Stage.EXECUTIVE_REVIEW)
    url = f"/api/cycles/{cycle.pk}/send-back/"

    statuses = race(
        cycle,
        [
            post(api_as(people["ceo-a"]), url, {"to_stage": "demand_review", "reason": "a"}),
            post(api_as(people["ceo-b"]), url, {"to_stage": "supply_review", "reason": "b"}),
        ],
    )

    assert sorted(statuses) == [200, 409]
    assert len(events(cycle, "cycle_sent_back")) == 1


def test_two_executives_approving_at_once_approve_once(
    at_stage: Callable[[Stage], Cycle], people: dict[str, AbstractUser]
) -> None:
    cycle = at_stage(Stage.EXECUTIVE_REVIEW)
    submissions_all_in(cycle)
    url = f"/api/cycles/{cycle.pk}/approve/"

    statuses = race(
        cycle,
        [
            post(api_as(people["ceo-a"]), url, {"comment": "yes"}),
            post(api_as(people["ceo-b"]), url, {"comment": "yes too"}),
        ],
    )

    assert sorted(statuses) == [200, 409]
    assert PlanSnapshot.objects.filter(cycle=cycle).count() == 1
    assert len(events(cycle, "cycle_approved")) == 1


def test_approving_and_sending_back_at_once_do_one_of_the_two(
    at_stage: Callable[[Stage], Cycle], people: dict[str, AbstractUser]
) -> None:
    cycle = at_stage(Stage.EXECUTIVE_REVIEW)
    base = f"/api/cycles/{cycle.pk}"

    statuses = race(
        cycle,
        [
            post(api_as(people["ceo-a"]), f"{base}/approve/", {"comment": "yes"}),
            post(
                api_as(people["ceo-b"]),
                f"{base}/send-back/",
                {"to_stage": "supply_review", "reason": "capacity"},
            ),
        ],
    )

    assert sorted(statuses) == [200, 409]
    moves = events(cycle, "cycle_approved") + events(cycle, "cycle_sent_back")
    assert len(moves) == 1
