"""Coalescing, proven without timing: the worker's run is held at a known point by a lock.

The promise: while a recompute of a cycle is queued or running, further edits publish
nothing, and one follow-up run takes them all.
"""

from __future__ import annotations

import datetime

import psycopg
import pytest

from planning.live_processes import wait_for
from planning.models import Cycle, RecomputeRun
from tests.recompute.conftest import Stack
from tests.recompute.cycles import (
    all_fresh,
    assert_every_cycle_fresh_and_exact,
    edit,
    hold_recompute_lock,
    line_ids,
    make_fresh_cycle,
    make_unit,
    recompute_publishes,
    release_recompute_lock,
    waiting_for_lock,
    waiting_for_recompute_lock,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cycle(settings) -> Cycle:
    settings.SOP_RECOMPUTE_MODE = "inline"
    return make_fresh_cycle(make_unit(families=10), datetime.date(2025, 1, 1))


def runs_since(cycle: Cycle, version: int) -> list[int]:
    return sorted(
        RecomputeRun.objects.filter(cycle=cycle, version__gt=version).values_list(
            "version", flat=True
        )
    )


def test_edits_while_a_recompute_waits_publish_nothing_and_it_takes_them_all(
    cycle: Cycle, stack: Stack, admin: psycopg.Connection
) -> None:
    # given: the worker's recompute of the cycle is running, held before it reads any input
    stack.worker()
    baseline = cycle.inputs_version
    lines = line_ids(cycle)[:50]
    hold_recompute_lock(admin, cycle.pk)
    with recompute_publishes() as first:
        edit(lines[0])
    wait_for(lambda: waiting_for_recompute_lock(admin, cycle.pk), 60, "the run to wait")
    # when: 49 more edits, then the run goes on
    with recompute_publishes() as burst:
        for line_id in lines[1:]:
            edit(line_id)
    release_recompute_lock(admin, cycle.pk)
    # then
    wait_for(all_fresh, 60, "the analysis to catch up")
    assert first == [cycle.pk]
    assert burst == []
    assert runs_since(cycle, baseline) == [baseline + 50]
    assert_every_cycle_fresh_and_exact()


def test_edits_while_a_recompute_writes_cost_exactly_one_follow_up_run(
    cycle: Cycle, stack: Stack, admin: psycopg.Connection
) -> None:
    # given: the worker's recompute has read version +1 and waits to write its analysis
    stack.worker()
    baseline = cycle.inputs_version
    lines = line_ids(cycle)[:50]
    with admin.transaction():
        admin.execute("LOCK TABLE planning_lineanalysis IN SHARE MODE")
        edit(lines[0])
        wait_for(
            lambda: waiting_for_lock(admin, "relation = 'planning_lineanalysis'::regclass", []),
            60,
            "the run to wait for its write",
        )
        # when: 49 more edits, then the run writes
        with recompute_publishes() as burst:
            for line_id in lines[1:]:
                edit(line_id)
    # then: nothing published by the edits; the worker's one follow-up took all 49
    wait_for(all_fresh, 60, "the analysis to catch up")
    assert burst == []
    assert runs_since(cycle, baseline) == [baseline + 1, baseline + 50]
    assert_every_cycle_fresh_and_exact()
