"""Every change of a cycle tells its open screens, once, after commit; nothing on a rollback."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from approvals.services import cycle_advance
from planning.live.publish import cycle_changed_publish, cycle_live_state
from planning.models import Cycle, PlanLine
from planning.roles import Stage
from planning.services.plan_lines import plan_line_update
from planning.services.recompute import cycle_recompute
from reviews.registers import DemandAssumptionInput, demand_assumption_save
from reviews.services import submission_transition
from tests.planning.live.conftest import Listener

pytestmark = pytest.mark.django_db


def user(username: str):
    return get_user_model().objects.get(username=username)


def demand_cycle() -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


def seed_line(cycle: Cycle) -> PlanLine:
    return PlanLine.objects.filter(cycle=cycle, family__code="SEED-01").order_by("month")[0]


def test_a_plan_line_edit_publishes_its_family_then_the_fresh_analysis(
    demo: None, listener: Listener, django_capture_on_commit_callbacks
) -> None:
    # given
    cycle = demand_cycle()
    line = seed_line(cycle)
    listener.subscribe(cycle.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        plan_line_update(
            plan_line=line,
            changes={"demand_forecast": line.demand_forecast + 100},
            expected_version=line.version,
            actor=user("sales"),
        )
    # then: the edit, then the recompute it caused (in-process in tests), for that family only
    assert listener.events_until_sentinel(cycle.pk) == [
        {"cycle": cycle.pk, "kind": "lines", "families": [line.family_id]},
        {"cycle": cycle.pk, "kind": "analysis", "families": [line.family_id]},
    ]


def test_a_recompute_that_finds_the_analysis_fresh_publishes_nothing(
    demo: None, listener: Listener, django_capture_on_commit_callbacks
) -> None:
    # given
    cycle = demand_cycle()
    assert cycle.is_fresh
    listener.subscribe(cycle.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        cycle_recompute(cycle.pk)
    # then
    assert listener.events_until_sentinel(cycle.pk) == []


def test_a_stage_transition_publishes_the_stage(
    demo: None, listener: Listener, django_capture_on_commit_callbacks
) -> None:
    # given
    cycle = demand_cycle()
    listener.subscribe(cycle.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        cycle_advance(actor=user("director"), cycle_id=cycle.pk, override_reason="meeting")
    # then
    assert listener.events_until_sentinel(cycle.pk) == [{"cycle": cycle.pk, "kind": "stage"}]


def test_a_submission_and_a_register_entry_publish_their_kinds(
    demo: None, listener: Listener, django_capture_on_commit_callbacks
) -> None:
    # given
    cycle = demand_cycle()
    sales = user("sales")
    listener.subscribe(cycle.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        demand_assumption_save(
            actor=sales,
            cycle_id=cycle.pk,
            entry=DemandAssumptionInput(
                kind="opportunity", quantity=10, probability=50, description="trade fair",
                months=[cycle.horizon_start],
            ),
        )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        submission_transition(
            actor=sales, cycle_id=cycle.pk, kind="sales_forecast", action="submit"
        )
    # then
    assert listener.events_until_sentinel(cycle.pk) == [
        {"cycle": cycle.pk, "kind": "register"},
        {"cycle": cycle.pk, "kind": "submission"},
    ]


def test_a_refused_change_publishes_nothing(
    demo: None, listener: Listener, django_capture_on_commit_callbacks
) -> None:
    # given: production may not edit the demand forecast
    cycle = demand_cycle()
    listener.subscribe(cycle.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        demand_assumption_save(
            actor=user("production"),
            cycle_id=cycle.pk,
            entry=DemandAssumptionInput(
                kind="opportunity", quantity=10, probability=50, description="refused"
            ),
        )
    # then
    assert listener.events_until_sentinel(cycle.pk) == []


def test_an_event_of_a_rolled_back_transaction_is_never_sent(
    demo: None, listener: Listener, django_capture_on_commit_callbacks
) -> None:
    # given
    cycle = demand_cycle()
    listener.subscribe(cycle.pk)
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                cycle_changed_publish(cycle.pk, "lines")
                raise RuntimeError("refused")
        except RuntimeError:
            pass
    # then
    assert callbacks == []
    assert listener.events_until_sentinel(cycle.pk) == []


def test_with_redis_down_the_change_is_saved_and_nothing_is_raised(
    demo: None, settings, django_capture_on_commit_callbacks
) -> None:
    # given: nothing listens on this port
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    cycle = demand_cycle()
    line = seed_line(cycle)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        plan_line_update(
            plan_line=line,
            changes={"demand_forecast": 4321},
            expected_version=line.version,
            actor=user("sales"),
        )
    # then
    line.refresh_from_db()
    assert line.demand_forecast == 4321


def test_the_state_a_polling_screen_compares_moves_with_each_kind_of_change(
    demo: None, django_capture_on_commit_callbacks
) -> None:
    # given
    cycle = demand_cycle()
    before = cycle_live_state(cycle)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        submission_transition(
            actor=user("sales"), cycle_id=cycle.pk, kind="sales_forecast", action="submit"
        )
    after = cycle_live_state(Cycle.objects.get(pk=cycle.pk))
    # then: only the audit moved (a submission or a register)
    assert after["audit"] > before["audit"]
    assert (after["cycle"], after["lines"], after["analysis"], after["stage"]) == (
        before["cycle"],
        before["lines"],
        before["analysis"],
        before["stage"],
    )
