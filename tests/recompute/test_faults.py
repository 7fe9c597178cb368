"""Faults with the real beat scheduler running: every cycle ends fresh and exact.

"Exact" means the stored analysis equals the pure engine's result on the current inputs.  Each
test times the catch-up from the end of the fault and holds it to two sweep intervals: the
sweep interval is the design's bound, and it is long here next to the work (a few small
cycles), so the check is about the design, not the machine's speed.
"""

from __future__ import annotations

import datetime
import re
import time

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from planning.live_processes import HttpSession, wait_for
from planning.models import BusinessUnit, Cycle, LineAnalysis, PlanLine
from planning.roles import Role
from planning.services.cycles import cycle_create
from planning.services.memberships import membership_grant
from sop_project.celery import BROKER_RETRY_INTERVALS
from tests.recompute.conftest import PrivateRedis, Stack
from tests.recompute.cycles import (
    all_fresh,
    assert_every_cycle_fresh_and_exact,
    edit,
    hold_recompute_lock,
    line_ids,
    make_fresh_cycle,
    make_stale_without_publishing,
    make_unit,
    recompute_publishes,
    release_recompute_lock,
    stale_cycles,
    waiting_for_recompute_lock,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SWEEP_SECONDS = 5.0
CATCH_UP_LIMIT = 2 * SWEEP_SECONDS


@pytest.fixture
def unit() -> BusinessUnit:
    return make_unit(families=8)


@pytest.fixture
def two_cycles(settings, unit: BusinessUnit) -> list[Cycle]:
    settings.SOP_RECOMPUTE_MODE = "inline"
    cycles = [
        make_fresh_cycle(unit, datetime.date(2025, 1, 1)),
        make_fresh_cycle(unit, datetime.date(2025, 2, 1)),
    ]
    settings.SOP_RECOMPUTE_MODE = "celery"
    return cycles


def seconds_until_all_fresh(since: float, deadline: float = 120) -> float:
    wait_for(all_fresh, deadline, "every cycle to be fresh")
    return time.monotonic() - since


def test_beat_sweeps_up_a_cycle_whose_recompute_was_never_published(
    two_cycles: list[Cycle], stack: Stack
) -> None:
    # given: a worker and the beat scheduler
    stack.worker()
    stack.beat(SWEEP_SECONDS)
    # when: an input changes and no message reaches a worker
    make_stale_without_publishing(two_cycles[0])
    changed = time.monotonic()
    # then
    assert seconds_until_all_fresh(changed) <= CATCH_UP_LIMIT
    assert_every_cycle_fresh_and_exact()


def test_worker_sigkilled_in_a_burst_of_edits_is_caught_up_after_a_new_worker_starts(
    two_cycles: list[Cycle], stack: Stack, admin: psycopg.Connection
) -> None:
    # given: the worker is inside a recompute of the first cycle (held at its lock), with edits
    # to both cycles behind it
    first, second = two_cycles
    worker = stack.worker()
    stack.beat(SWEEP_SECONDS)
    lines = {cycle.pk: line_ids(cycle) for cycle in two_cycles}
    hold_recompute_lock(admin, first.pk)
    edit(lines[first.pk][0])
    wait_for(lambda: waiting_for_recompute_lock(admin, first.pk), 60, "the recompute to run")
    for index in range(1, 11):
        edit(lines[first.pk][index])
        edit(lines[second.pk][index])
    # when: the worker dies mid-run, the burst goes on, and a new worker starts
    worker.kill()
    release_recompute_lock(admin, first.pk)
    for index in range(11, 21):
        edit(lines[first.pk][index])
        edit(lines[second.pk][index])
    assert not all_fresh()
    stack.worker()
    recovered = time.monotonic()
    # then
    assert seconds_until_all_fresh(recovered) <= CATCH_UP_LIMIT
    assert_every_cycle_fresh_and_exact()


def test_redis_outage_keeps_edits_and_new_cycles_which_are_computed_once_it_is_back(
    two_cycles: list[Cycle],
    unit: BusinessUnit,
    private_stack: Stack,
    private_redis: PrivateRedis,
) -> None:
    # given: a worker and beat on a Redis of the test's own, which goes away
    worker = private_stack.worker()
    private_stack.beat(SWEEP_SECONDS)
    first = two_cycles[0]
    private_redis.stop()
    # when: people edit and a cycle is opened during the outage
    lines = line_ids(first)[:5]
    before = dict(PlanLine.objects.filter(pk__in=lines).values_list("pk", "demand_forecast"))
    for line_id in lines:
        edit(line_id, delta=100)
    opened = cycle_create(
        business_unit_id=unit.pk, plan_month=datetime.date(2025, 3, 1), horizon_months=6
    )
    # an outage long enough for Celery's own back-off to have grown past 2 s (its 4th retry
    # waits 8 s): a condition on the worker's log, not a fixed sleep
    wait_for(
        lambda: worker.log_text().count("Trying again in") >= 4,
        90,
        f"the worker to retry the broker four times ({worker.log})",
    )
    # then: every edit is saved, and nothing pretends to be fresh
    saved = dict(PlanLine.objects.filter(pk__in=lines).values_list("pk", "demand_forecast"))
    assert saved == {pk: value + 100 for pk, value in before.items()}
    assert not LineAnalysis.objects.filter(cycle=opened).exists()
    assert sorted(stale_cycles()) == sorted([first.pk, opened.pk])
    # when: Redis is back
    private_redis.start()
    recovered = time.monotonic()
    # then
    assert seconds_until_all_fresh(recovered) <= CATCH_UP_LIMIT
    assert LineAnalysis.objects.filter(cycle=opened).count() == 8 * 6
    # and: the worker kept trying every 2 s at most (Celery's own back-off grows to 30 s)
    retries = [
        float(delay) for delay in re.findall(r"Trying again in ([\d.]+) seconds", worker.log_text())
    ]
    assert retries, f"the worker never noticed the outage ({worker.log})"
    assert max(retries) <= BROKER_RETRY_INTERVALS["interval_max"]
    assert_every_cycle_fresh_and_exact()
    # and: the next edit is published at once again (no connection left broken)
    with recompute_publishes() as published:
        edit(lines[0])
    assert published == [first.pk]
    wait_for(all_fresh, 60, "the edit after the outage")
    assert_every_cycle_fresh_and_exact()


def test_redis_lost_while_a_prefork_worker_runs_a_recompute_leaves_the_worker_running(
    two_cycles: list[Cycle],
    private_stack: Stack,
    private_redis: PrivateRedis,
    admin: psycopg.Connection,
) -> None:
    # given: a prefork worker (main process + child) whose child runs a recompute, held on the
    # cycle's lock, so its message is delivered and not yet acknowledged
    worker = private_stack.worker(pool="prefork")
    private_stack.beat(SWEEP_SECONDS)
    first = two_cycles[0]
    hold_recompute_lock(admin, first.pk)
    edit(line_ids(first)[0])
    wait_for(lambda: waiting_for_recompute_lock(admin, first.pk), 60, "the run to wait")
    # when: Redis goes away under it, the run finishes, and Redis comes back
    private_redis.stop()
    worker.wait_until_logged("Connection to broker lost")
    release_recompute_lock(admin, first.pk)
    private_redis.start()
    recovered = time.monotonic()
    # then: the worker survived its broker connection's clean-up and caught up
    assert seconds_until_all_fresh(recovered) <= CATCH_UP_LIMIT
    assert worker.process.poll() is None, f"the worker died; see {worker.log}"
    assert "Unrecoverable error" not in worker.log_text()
    assert_every_cycle_fresh_and_exact()
    # and: it keeps working
    edit(line_ids(first)[1])
    wait_for(all_fresh, 60, "the next edit")
    assert_every_cycle_fresh_and_exact()


@pytest.fixture
def http_sales(two_cycles: list[Cycle], unit: BusinessUnit, stack: Stack) -> HttpSession:
    """gunicorn, a worker and beat, and a sales user signed in over HTTP; connections warm."""
    web = stack.web()
    stack.worker()
    stack.beat(SWEEP_SECONDS)
    sales = get_user_model().objects.create_user("sales-http")
    membership_grant(business_unit=unit, user=sales, roles=[Role.SALES])
    session = HttpSession(web.port, sales)
    for line_id in line_ids(two_cycles[0])[:4]:  # each gunicorn worker keeps its connection
        assert patch_forecast(session, line_id) == 200
    wait_for(all_fresh, 60, "the warm-up edits to be recomputed")
    return session


def test_web_side_reopens_its_terminated_database_connections(
    two_cycles: list[Cycle], http_sales: HttpSession, admin: psycopg.Connection
) -> None:
    # given: gunicorn's and the worker's connections open and idle
    lines = line_ids(two_cycles[0])
    # when
    terminated = terminate_other_backends(admin)
    recovered = time.monotonic()
    # then: the next edits are answered, and recomputed
    assert terminated >= 2
    for line_id in lines[4:10]:
        assert patch_forecast(http_sales, line_id) == 200
    assert seconds_until_all_fresh(recovered) <= CATCH_UP_LIMIT
    assert_every_cycle_fresh_and_exact()


def test_worker_reopens_its_terminated_idle_database_connection_for_the_sweep(
    two_cycles: list[Cycle], stack: Stack, admin: psycopg.Connection
) -> None:
    # given: a worker that has recomputed, its connection kept and idle
    first, second = two_cycles
    stack.worker()
    stack.beat(SWEEP_SECONDS)
    edit(line_ids(first)[0])
    wait_for(all_fresh, 60, "the first recompute")
    # when: its connection is terminated, and only the sweep can see a change
    assert terminate_other_backends(admin) >= 1
    make_stale_without_publishing(second)
    recovered = time.monotonic()
    # then
    assert seconds_until_all_fresh(recovered) <= CATCH_UP_LIMIT
    assert_every_cycle_fresh_and_exact()


def test_database_connection_terminated_mid_recompute_is_retried(
    two_cycles: list[Cycle], http_sales: HttpSession, admin: psycopg.Connection
) -> None:
    # given: the worker is inside a recompute (held at its lock), more edits behind it
    first = two_cycles[0]
    lines = line_ids(first)
    hold_recompute_lock(admin, first.pk)
    assert patch_forecast(http_sales, lines[4]) == 200
    wait_for(lambda: waiting_for_recompute_lock(admin, first.pk), 60, "the recompute to run")
    # when: every connection but the test's own is terminated
    terminated = terminate_other_backends(admin)
    release_recompute_lock(admin, first.pk)
    recovered = time.monotonic()
    # then
    assert terminated >= 2
    for line_id in lines[5:8]:
        assert patch_forecast(http_sales, line_id) == 200
    assert seconds_until_all_fresh(recovered) <= CATCH_UP_LIMIT
    status, analysis = http_sales.get(f"/api/cycles/{first.pk}/analysis/?limit=1")
    assert (status, analysis["status"]) == (200, "fresh")
    assert_every_cycle_fresh_and_exact()


def patch_forecast(session: HttpSession, line_id: int) -> int:
    line = PlanLine.objects.get(pk=line_id)
    status, _body = session.patch(
        f"/api/plan-lines/{line_id}/",
        {"demand_forecast": line.demand_forecast + 1, "version": line.version},
    )
    return status


def terminate_other_backends(admin: psycopg.Connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = cursor.fetchone()[0]
    row = admin.execute(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
        [own],
    ).fetchone()
    assert row is not None
    return int(row[0])
