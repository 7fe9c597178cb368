"""Two worker processes, as when workers run on several machines against one database."""

from __future__ import annotations

import datetime
import itertools
from datetime import timedelta

import psycopg
import pytest

from planning.live_processes import wait_for
from planning.models import Cycle, RecomputeRun
from planning.services.recompute_schedule import recompute_sweep_stale
from tests.recompute.conftest import Stack
from tests.recompute.cycles import (
    all_fresh,
    assert_every_cycle_fresh_and_exact,
    edit,
    hold_recompute_lock,
    line_ids,
    make_fresh_cycle,
    make_unit,
    recompute_lock_waiters,
    release_recompute_lock,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def three_cycles(settings) -> list[Cycle]:
    settings.SOP_RECOMPUTE_MODE = "inline"
    unit = make_unit(families=10)
    cycles = [make_fresh_cycle(unit, datetime.date(2025, month, 1)) for month in (1, 2, 3)]
    settings.SOP_RECOMPUTE_MODE = "celery"
    return cycles


def overlapping_runs(cycle: Cycle) -> list[tuple[RecomputeRun, RecomputeRun]]:
    """Pairs of this cycle's recomputes whose time under the cycle's lock overlapped."""
    runs = list(RecomputeRun.objects.filter(cycle=cycle).order_by("started_at"))
    return [
        (earlier, later)
        for earlier, later in itertools.pairwise(runs)
        if earlier.started_at + timedelta(milliseconds=earlier.duration_ms) > later.started_at
    ]


def test_two_workers_given_the_same_cycle_at_once_recompute_it_once(
    three_cycles: list[Cycle], stack: Stack, admin: psycopg.Connection
) -> None:
    # given: both workers hold a recompute of the same cycle (an edit's, and a sweep's)
    cycle = three_cycles[0]
    stack.worker()
    stack.worker()
    baseline = cycle.inputs_version
    hold_recompute_lock(admin, cycle.pk)
    edit(line_ids(cycle)[0])
    assert recompute_sweep_stale() == 1
    wait_for(lambda: recompute_lock_waiters(admin, cycle.pk) == 2, 60, "both to wait")
    # when
    release_recompute_lock(admin, cycle.pk)
    # then: one computed, the other found the analysis fresh and did nothing
    wait_for(all_fresh, 60, "the recompute")
    wait_for(lambda: recompute_lock_waiters(admin, cycle.pk) == 0, 60, "both to finish")
    assert RecomputeRun.objects.filter(cycle=cycle, version__gt=baseline).count() == 1
    assert_every_cycle_fresh_and_exact()


def test_two_workers_take_a_burst_over_three_cycles_and_each_ends_exact(
    three_cycles: list[Cycle], stack: Stack
) -> None:
    # given: two workers, and beat sweeping every second (duplicate messages on purpose)
    stack.worker()
    stack.worker()
    stack.beat(sweep_seconds=1)
    lines = [line_ids(cycle) for cycle in three_cycles]
    # when: 90 edits, round robin over the cycles
    for index in range(30):
        for cycle_lines in lines:
            edit(cycle_lines[index], delta=index + 1)
    # then
    wait_for(all_fresh, 120, "every cycle to catch up")
    assert_every_cycle_fresh_and_exact()
    assert {cycle.pk: overlapping_runs(cycle) for cycle in three_cycles} == {
        cycle.pk: [] for cycle in three_cycles
    }
