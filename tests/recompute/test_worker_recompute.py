"""The background recompute with a real Celery worker, real Redis and committed data."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection
from rest_framework.test import APIClient

from planning.live_processes import wait_for
from planning.models import Cycle, PlanLine, RecomputeRun
from planning.roles import Stage
from planning.services.plan_lines import cycle_inputs_bump
from planning.services.recompute import ADVISORY_LOCK_NAMESPACE, cycle_recompute
from planning.services.recompute_schedule import recompute_sweep_stale
from tests.demo_snapshot import SEED_MONTHS
from tests.recompute.conftest import Stack
from tests.recompute.cycles import from_scratch, stored

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_cycle(demo: None) -> Cycle:
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


def test_edit_is_recomputed_by_the_worker_and_the_api_shows_it_fresh(
    demo_cycle: Cycle, stack: Stack
) -> None:
    # given
    stack.worker()
    client = sales_client()
    line = PlanLine.objects.get(cycle=demo_cycle, family__code="SEED-01", month=SEED_MONTHS[1])
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
    assert stored(demo_cycle.pk) == from_scratch(demo_cycle.pk)
    assert RecomputeRun.objects.filter(cycle=demo_cycle, version__gte=first_version).count() == 1


def test_sweep_finds_nothing_when_everything_is_fresh(demo_cycle: Cycle) -> None:
    assert recompute_sweep_stale() == 0
    assert np.all([cycle.is_fresh for cycle in Cycle.objects.all()])
