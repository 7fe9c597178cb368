"""How many events one user action sends to the open screens: one per kind of thing it
changed, and one more once the analysis it made stale is fresh again ("lines", then
"analysis"); never one per step of the services it runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from planning.live.publish import cycle_changed_publish
from planning.models import Cycle, PlanLine
from planning.roles import Stage
from planning.services.plan_lines import CellChange, plan_cells_save, plan_line_update
from tests.planning.live.conftest import Listener

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener(settings) -> Iterator[Listener]:
    assert settings.REDIS_URL, "live tests need Redis: set REDIS_URL (make test does)"
    subscriber = Listener(settings.REDIS_URL)
    yield subscriber
    subscriber.close()


def user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def demand_cycle() -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


def first_lines(cycle: Cycle, count: int) -> list[PlanLine]:
    """The first month's line of ``count`` different families."""
    first_month = PlanLine.objects.filter(cycle=cycle).order_by("month")[0].month
    return list(PlanLine.objects.filter(cycle=cycle, month=first_month).order_by("family_id"))[
        :count
    ]


def test_one_edit_through_the_api_sends_its_lines_then_its_fresh_analysis_and_nothing_else(
    demo: None, listener: Listener, django_capture_on_commit_callbacks
) -> None:
    # given
    cycle = demand_cycle()
    line = first_lines(cycle, 1)[0]
    sales = Client()
    sales.force_login(user("sales"))
    listener.subscribe(cycle.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = sales.patch(
            f"/api/plan-lines/{line.pk}/",
            {"demand_forecast": line.demand_forecast + 1, "version": line.version},
            content_type="application/json",
        )
    # then
    assert response.status_code == 200
    assert listener.events_until_sentinel(cycle.pk) == [
        {"cycle": cycle.pk, "kind": "lines", "families": [line.family_id]},
        {"cycle": cycle.pk, "kind": "analysis", "families": [line.family_id]},
    ]


def test_a_pasted_block_of_three_families_sends_one_lines_and_one_analysis_event(
    demo: None, listener: Listener, django_capture_on_commit_callbacks
) -> None:
    # given
    cycle = demand_cycle()
    lines = first_lines(cycle, 3)
    listener.subscribe(cycle.pk)
    cells = [CellChange(line.pk, "demand_forecast", "123", line.version) for line in lines]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        plan_cells_save(cycle=cycle, cells=cells, actor=user("sales"))
    # then
    families = sorted(line.family_id for line in lines)
    assert listener.events_until_sentinel(cycle.pk) == [
        {"cycle": cycle.pk, "kind": "lines", "families": families},
        {"cycle": cycle.pk, "kind": "analysis", "families": families},
    ]


def test_edits_made_in_one_transaction_are_announced_once_with_all_their_families(
    demo: None, listener: Listener, django_capture_on_commit_callbacks
) -> None:
    # given: a service that edits three lines one by one (each edit announces itself)
    cycle = demand_cycle()
    lines = first_lines(cycle, 3)
    listener.subscribe(cycle.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for line in lines:
            plan_line_update(
                plan_line=line,
                changes={"demand_forecast": line.demand_forecast + 7},
                expected_version=line.version,
                actor=user("sales"),
            )
        cycle_changed_publish(cycle.pk, "register")
        cycle_changed_publish(cycle.pk, "register")
    # then: one event of each kind (the analysis recomputed once, for the three families)
    families = sorted(line.family_id for line in lines)
    events = listener.events_until_sentinel(cycle.pk)
    assert events == [
        {"cycle": cycle.pk, "kind": "lines", "families": families},
        {"cycle": cycle.pk, "kind": "register"},
        {"cycle": cycle.pk, "kind": "analysis", "families": families},
    ]


def test_an_event_for_some_families_and_one_for_all_make_one_for_all(
    demo: None, listener: Listener, django_capture_on_commit_callbacks
) -> None:
    # given
    cycle = demand_cycle()
    listener.subscribe(cycle.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        cycle_changed_publish(cycle.pk, "lines", families=[1])
        cycle_changed_publish(cycle.pk, "lines")
        cycle_changed_publish(cycle.pk, "lines", families=[2])
    # then
    assert listener.events_until_sentinel(cycle.pk) == [{"cycle": cycle.pk, "kind": "lines"}]


def test_a_rolled_back_transactions_events_do_not_ride_on_the_next_one(
    demo: None, listener: Listener, django_capture_on_commit_callbacks
) -> None:
    # given: a transaction announced a register change, then rolled back
    cycle = demand_cycle()
    listener.subscribe(cycle.pk)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                cycle_changed_publish(cycle.pk, "register")
                raise RuntimeError("refused")
        except RuntimeError:
            pass
        # when: the next one announces a submission
        with transaction.atomic():
            cycle_changed_publish(cycle.pk, "submission")
    # then
    assert listener.events_until_sentinel(cycle.pk) == [{"cycle": cycle.pk, "kind": "submission"}]
