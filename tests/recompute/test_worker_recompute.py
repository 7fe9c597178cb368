"""The background recompute with a real Celery worker, real Redis and committed data."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from planning.engine import compute_balance
from planning.models import BusinessUnit, Cycle, LineAnalysis, PlanLine, RecomputeRun
from planning.roles import Stage
from planning.selectors import cycle_line_inputs
from planning.services.plan_lines import cycle_inputs_bump
from planning.services.recompute import ADVISORY_LOCK_NAMESPACE, cycle_recompute
from planning.tasks import recompute_sweep
from tests.recompute.conftest import PrivateRedis, Worker, use_celery, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_cycle(settings) -> Cycle:
    settings.DEBUG = True
    settings.SOP_RECOMPUTE_MODE = "inline"
    call_command("seed_demo", stdout=None)
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    assert cycle.is_fresh
    return cycle


def sales_client() -> APIClient:
    client = APIClient()
    assert client.login(username="sales", password="demo")
    return client


def is_fresh(cycle: Cycle) -> bool:
    cycle.refresh_from_db()
    return cycle.is_fresh


def from_scratch(cycle: Cycle) -> list[tuple[int, int, int, str]]:
    """(plan line, closing stock, effective demand, status) computed by the engine directly."""
    lines = cycle_line_inputs(cycle.pk)
    result = compute_balance(lines.balance, cycle.business_unit.excess_multiplier)
    return sorted(
        zip(
            lines.plan_line_ids.tolist(),
            result.closing_stock.tolist(),
            result.effective_demand.tolist(),
            result.status_names(),
            strict=True,
        )
    )


def stored(cycle: Cycle) -> list[tuple[int, int, int, str]]:
    names = {0: "short", 1: "balanced", 2: "excess"}
    return sorted(
        (row[0], row[1], row[2], names[row[3]])
        for row in LineAnalysis.objects.filter(cycle=cycle).values_list(
            "plan_line_id", "closing_stock", "effective_demand", "status"
        )
    )


def test_edit_is_recomputed_by_the_worker_and_the_api_shows_it_fresh(
    demo_cycle: Cycle, settings, redis_url: str, start_worker: Callable[..., Worker]
) -> None:
    # given
    start_worker()
    use_celery(settings, redis_url)
    client = sales_client()
    line = PlanLine.objects.get(cycle=demo_cycle, family__code="SEED-01", month="2024-05-01")
    # when
    response = client.patch(
        f"/api/plan-lines/{line.pk}/",
        {"demand_forecast": 16000, "version": line.version},
        format="json",
    )
    assert response.status_code == 200
    # then
    url = f"/api/cycles/{demo_cycle.pk}/analysis/?family=SEED-01"
    wait_for(lambda: client.get(url).json()["status"] == "fresh", 60, "a fresh analysis")
    rows = client.get(url).json()["rows"]
    assert [row["closing_stock"] for row in rows] == [2000, -2000, -4000, -3000, -2500, -3000]
    assert RecomputeRun.objects.filter(cycle=demo_cycle, full=False).count() == 1


def test_a_burst_of_edits_costs_at_most_two_recomputes(
    demo_cycle: Cycle, settings, redis_url: str, start_worker: Callable[..., Worker]
) -> None:
    # given
    use_celery(settings, redis_url)
    client = sales_client()
    baseline = demo_cycle.inputs_version
    lines = list(PlanLine.objects.filter(cycle=demo_cycle).order_by("pk")[:50])
    original = {line.pk: line.demand_forecast for line in lines}
    # when: 50 edits, published before and while the worker runs
    start_worker()
    for index, line in enumerate(lines):
        response = client.patch(
            f"/api/plan-lines/{line.pk}/",
            {"demand_forecast": line.demand_forecast + index + 1, "version": line.version},
            format="json",
        )
        assert response.status_code == 200
    # then
    wait_for(lambda: is_fresh(demo_cycle), 60, "the analysis to catch up")
    assert demo_cycle.inputs_version == baseline + 50
    saved = dict(PlanLine.objects.filter(pk__in=original).values_list("pk", "demand_forecast"))
    assert saved == {line.pk: original[line.pk] + index + 1 for index, line in enumerate(lines)}
    runs = RecomputeRun.objects.filter(cycle=demo_cycle, version__gt=baseline).count()
    assert 1 <= runs <= 2
    assert stored(demo_cycle) == from_scratch(demo_cycle)


def test_two_recomputes_racing_leave_the_newest_version(demo_cycle: Cycle) -> None:
    import threading

    # given: a recompute "in progress" elsewhere holds the cycle's lock
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, demo_cycle.pk]
        )
        line = PlanLine.objects.filter(cycle=demo_cycle).order_by("pk")[0]
        first_version = cycle_inputs_bump(demo_cycle.pk)
        PlanLine.objects.filter(pk=line.pk).update(
            demand_forecast=line.demand_forecast + 1, changed_in_version=first_version
        )
        cursor.execute("COMMIT")
    results: list[int] = []

    def recompute() -> None:
        results.append(cycle_recompute(demo_cycle.pk).version)
        connection.close()

    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, demo_cycle.pk]
        )
        racers = [threading.Thread(target=recompute) for _ in range(2)]
        racers[0].start()
        newest = cycle_inputs_bump(demo_cycle.pk)
        PlanLine.objects.filter(pk=line.pk).update(
            demand_forecast=line.demand_forecast + 2, changed_in_version=newest
        )
        racers[1].start()
        cursor.execute("COMMIT")  # both race for the lock now
    for racer in racers:
        racer.join()

    # then: whichever ran first computed the newest inputs; the other found nothing to do
    assert newest == first_version + 1
    assert results == [newest, newest]
    assert is_fresh(demo_cycle)
    assert demo_cycle.computed_version == newest
    assert stored(demo_cycle) == from_scratch(demo_cycle)
    assert RecomputeRun.objects.filter(cycle=demo_cycle, version__gte=first_version).count() == 1


def big_cycle(families: int, months: int) -> Cycle:
    unit = BusinessUnit.objects.create(code="big", name="Big")
    cycle = Cycle.objects.create(
        business_unit=unit,
        plan_month=datetime.date(2025, 1, 1),
        horizon_start=datetime.date(2025, 2, 1),
        horizon_months=months,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO planning_productfamily (business_unit_id, code, name, unit_of_measure,"
            " unit_cost, unit_price, is_active, created_at)"
            " SELECT %s, 'F' || lpad(n::text, 6, '0'), 'F' || n, 'pcs', 1, 2, true, now()"
            " FROM generate_series(1, %s) n",
            [unit.pk, families],
        )
        cursor.execute(
            "INSERT INTO planning_planline (cycle_id, family_id, month, demand_forecast,"
            " confirmed_orders, opening_stock, production_plan, capacity_max, safety_stock_target,"
            " version, changed_in_version, updated_at)"
            " SELECT %s, f.id, (date '2025-02-01' + make_interval(months => m))::date,"
            " (f.id * 7 + m * 13) %% 10000, (f.id * 3 + m) %% 9000, (f.id %% 5000), "
            " (f.id * 11 + m * 5) %% 10000, 12000, (f.id %% 3000), 1, 1, now()"
            " FROM planning_productfamily f CROSS JOIN generate_series(0, %s) m"
            " WHERE f.business_unit_id = %s",
            [cycle.pk, months - 1, unit.pk],
        )
    return cycle


def recompute_holds_lock(cycle: Cycle) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s"
            " AND objid = %s AND granted",
            [ADVISORY_LOCK_NAMESPACE, cycle.pk],
        )
        return bool(cursor.fetchone()[0])


def test_worker_killed_mid_recompute_is_recovered_by_the_sweep(
    settings, redis_url: str, start_worker: Callable[..., Worker]
) -> None:
    # given: a cycle big enough that its recompute takes a while, with an edit pending
    cycle = big_cycle(families=20000, months=24)
    use_celery(settings, redis_url)
    first = start_worker()
    line = PlanLine.objects.filter(cycle=cycle).order_by("pk")[0]
    PlanLine.objects.filter(pk=line.pk).update(demand_forecast=4321)
    cycle_inputs_bump(cycle.pk, structural=True)
    from planning.tasks import recompute_enqueue

    assert recompute_enqueue(cycle.pk)
    # when: the worker dies inside the recompute
    wait_for(lambda: recompute_holds_lock(cycle), 60, "the recompute to start")
    first.kill()
    # then: nothing half-written, the input is kept, and the analysis is visibly stale
    assert not is_fresh(cycle)
    assert not LineAnalysis.objects.filter(cycle=cycle).exists()
    assert PlanLine.objects.get(pk=line.pk).demand_forecast == 4321
    # when: a worker is back and the periodic sweep runs
    start_worker()
    wait_for(lambda: not recompute_holds_lock(cycle), 30, "the dead worker's lock to go")
    assert recompute_sweep() == 1
    # then
    wait_for(lambda: is_fresh(cycle), 120, "the swept recompute")
    assert stored(cycle) == from_scratch(cycle)


def test_redis_down_while_editing_keeps_the_edit_and_the_sweep_catches_up(
    demo_cycle: Cycle,
    settings,
    private_redis: PrivateRedis,
    start_worker: Callable[..., Worker],
) -> None:
    # given: the app and a worker on a Redis of our own, which then goes away
    use_celery(settings, private_redis.url)
    start_worker(private_redis.url)
    private_redis.stop()
    client = sales_client()
    line = PlanLine.objects.get(cycle=demo_cycle, family__code="SEED-01", month="2024-04-01")
    # when
    response = client.patch(
        f"/api/plan-lines/{line.pk}/",
        {"demand_forecast": 11000, "version": line.version},
        format="json",
    )
    # then: the user's edit is saved; the analysis says it is behind
    assert response.status_code == 200
    assert PlanLine.objects.get(pk=line.pk).demand_forecast == 11000
    assert client.get(f"/api/cycles/{demo_cycle.pk}/analysis/").json()["status"] == "stale"
    # when: Redis is back and the sweep runs
    private_redis.start()
    assert recompute_sweep() == 1
    # then
    wait_for(lambda: is_fresh(demo_cycle), 120, "the worker to reconnect and recompute")
    analysis = client.get(f"/api/cycles/{demo_cycle.pk}/analysis/?family=SEED-01").json()
    assert analysis["rows"][0]["closing_stock"] == 3000
    assert stored(demo_cycle) == from_scratch(demo_cycle)


def test_sweep_finds_nothing_when_everything_is_fresh(demo_cycle: Cycle) -> None:
    assert recompute_sweep() == 0
    assert np.all([cycle.is_fresh for cycle in Cycle.objects.all()])
