"""The measurements behind ``manage.py sop_bench``: a generated cycle, timed end to end.

Kept apart from the command so each measurement is a small function with one job.
"""

from __future__ import annotations

import datetime
import os
import resource
import secrets
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection

from planning import live_processes as live
from planning.engine import compute_balance
from planning.models import BusinessUnit, Cycle, LineAnalysis, PlanLine, ProductFamily
from planning.roles import Role
from planning.selectors import cycle_line_inputs
from planning.services.memberships import membership_grant
from planning.services.plan_lines import cycle_inputs_bump
from planning.services.recompute import cycle_recompute

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate_cycle(families: int, months: int) -> Cycle:
    """A business unit with ``families`` families and one cycle of ``months`` months, in SQL."""
    unit = BusinessUnit.objects.create(code=f"bench-{time.time_ns()}", name="Benchmark")
    cycle = Cycle.objects.create(
        business_unit=unit,
        plan_month=datetime.date(2025, 1, 1),
        horizon_start=datetime.date(2025, 2, 1),
        horizon_months=months,
    )
    if connection.vendor == "postgresql":
        _generate_postgresql(unit, cycle, families, months)
    else:
        _generate_generic(unit, cycle, families, months)
    return cycle


def _generate_postgresql(unit: BusinessUnit, cycle: Cycle, families: int, months: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO planning_productfamily (business_unit_id, code, name, unit_of_measure,"
            " unit_cost, unit_price, is_active, created_at)"
            " SELECT %s, 'F' || lpad(n::text, 7, '0'), 'Family ' || n, 'pcs', 10, 25, true, now()"
            " FROM generate_series(1, %s) n",
            [unit.pk, families],
        )
        cursor.execute(
            "INSERT INTO planning_planline (cycle_id, family_id, month, demand_forecast,"
            " confirmed_orders, opening_stock, production_plan, capacity_max,"
            " safety_stock_target, version, changed_in_version, updated_at)"
            " SELECT %s, f.id, (date '2025-02-01' + make_interval(months => m))::date,"
            " (random() * 10000)::bigint, (random() * 9000)::bigint,"
            " CASE WHEN m = 0 THEN (random() * 5000)::bigint ELSE 0 END,"
            " (random() * 10000)::bigint, 9000 + (random() * 3000)::bigint,"
            " (random() * 3000)::bigint, 1, 1, now()"
            " FROM planning_productfamily f CROSS JOIN generate_series(0, %s) m"
            " WHERE f.business_unit_id = %s",
            [cycle.pk, months - 1, unit.pk],
        )
        cursor.execute("ANALYZE planning_planline")


def _generate_generic(unit: BusinessUnit, cycle: Cycle, families: int, months: int) -> None:
    rng = np.random.default_rng(7)
    ProductFamily.objects.bulk_create(
        [
            ProductFamily(business_unit=unit, code=f"F{n:07d}", name=f"Family {n}")
            for n in range(families)
        ],
        batch_size=5000,
    )
    family_ids = list(ProductFamily.objects.filter(business_unit=unit).values_list("pk", flat=True))
    month_dates = [datetime.date(2025 + (1 + m) // 12, (1 + m) % 12 + 1, 1) for m in range(months)]
    values = rng.integers(0, 10000, size=(len(family_ids) * months, 6)).tolist()
    PlanLine.objects.bulk_create(
        (
            PlanLine(
                cycle=cycle,
                family_id=family_id,
                month=month,
                demand_forecast=row[0],
                confirmed_orders=row[1],
                opening_stock=row[2] if index == 0 else 0,
                production_plan=row[3],
                capacity_max=9000 + row[4] // 3,
                safety_stock_target=row[5] // 3,
            )
            for (family_id, (index, month)), row in zip(
                ((f, m) for f in family_ids for m in enumerate(month_dates)), values, strict=True
            )
        ),
        batch_size=5000,
    )


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure_full_recompute(cycle: Cycle, repeat: int) -> float:
    def full() -> None:
        cycle_inputs_bump(cycle.pk, structural=True)
        outcome = cycle_recompute(cycle.pk)
        assert outcome.full and not outcome.skipped

    return median_seconds(full, repeat)


def measure_engine_rows_per_s(cycle: Cycle, repeat: int) -> float:
    lines = cycle_line_inputs(cycle.pk)
    seconds = median_seconds(lambda: compute_balance(lines.balance), repeat)
    return len(lines) / seconds


def measure_naive_rows_per_s(cycle: Cycle, sample_families: int) -> tuple[float, int]:
    """The textbook way: model instances in, a Python loop per row, ``bulk_update`` out."""
    family_ids = list(
        PlanLine.objects.filter(cycle=cycle)
        .values_list("family_id", flat=True)
        .distinct()
        .order_by("family_id")[:sample_families]
    )
    started = time.perf_counter()
    lines = list(
        PlanLine.objects.filter(cycle=cycle, family_id__in=family_ids).order_by(
            "family_id", "month"
        )
    )
    analyses = {
        analysis.plan_line_id: analysis
        for analysis in LineAnalysis.objects.filter(plan_line__in=[line.pk for line in lines])
    }
    previous_family, closing = None, 0
    changed = []
    for line in lines:
        opening = line.opening_stock if line.family_id != previous_family else closing
        effective = max(line.demand_forecast, line.confirmed_orders)
        closing = opening + line.production_plan - effective
        analysis = analyses[line.pk]
        analysis.effective_demand = effective
        analysis.opening_stock = opening
        analysis.closing_stock = closing
        analysis.stock_days = round(closing / (effective / 30), 1) if effective else 0
        analysis.utilization = (
            line.production_plan / line.capacity_max if line.capacity_max else None
        )
        safety = line.safety_stock_target
        analysis.status = 0 if closing < safety else 2 if closing > 3 * safety else 1
        changed.append(analysis)
        previous_family = line.family_id
    LineAnalysis.objects.bulk_update(
        changed,
        [
            "effective_demand",
            "opening_stock",
            "closing_stock",
            "stock_days",
            "utilization",
            "status",
        ],
        batch_size=1000,
    )
    return len(lines) / (time.perf_counter() - started), len(lines)


@dataclass
class EditLatency:
    """Milliseconds from each PATCH's start until a GET of the analysis read ``fresh``."""

    latencies_ms: list[float]
    patch_ms: list[float]  # the PATCH alone: until the edit is committed and published
    get_ms: list[float]  # each GET of the analysis


def measure_edit_to_fresh(
    cycle: Cycle, edits: int, redis_url: str, log_dir: Path, poll_ms: float
) -> EditLatency:
    """Through real HTTP: gunicorn and a Celery worker as child processes on this database."""
    env = live.app_env(
        live.database_url(connection.settings_dict),
        redis_url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback: nothing to redirect to
        SECURE_COOKIES="false",
    )
    worker = live.start_worker(env, log_dir)
    try:
        web = live.start_web(env, log_dir, workers=2)
        try:
            session = live.HttpSession(web.port, _sales_user(cycle), env["SECRET_KEY"])
            return _edit_until_fresh(cycle, edits, session, poll_ms)
        finally:
            web.stop()
    finally:
        worker.stop()


def _sales_user(cycle: Cycle) -> Any:
    user = get_user_model().objects.create_user(f"bench-{time.time_ns()}")
    membership_grant(business_unit=cycle.business_unit, user=user, roles=[Role.SALES])
    return user


def _edit_until_fresh(
    cycle: Cycle, edits: int, session: live.HttpSession, poll_ms: float
) -> EditLatency:
    rng = np.random.default_rng(11)
    lines = list(PlanLine.objects.filter(cycle=cycle).values_list("pk", "family__code"))
    chosen = rng.choice(len(lines), size=edits, replace=False).tolist()
    versions = Cycle.objects.filter(pk=cycle.pk).values_list("inputs_version", "computed_version")
    _wait(lambda: (lambda v: v[0] == v[1])(versions.get()), 600)
    latencies: list[float] = []
    patches: list[float] = []
    gets: list[float] = []
    for index in chosen:
        line_id, family = lines[index]
        line = PlanLine.objects.values("demand_forecast", "version").get(pk=line_id)
        analysis = f"/api/cycles/{cycle.pk}/analysis/?family={family}&limit=1"
        started = time.perf_counter()
        status, body = session.patch(
            f"/api/plan-lines/{line_id}/",
            {"demand_forecast": line["demand_forecast"] + 1, "version": line["version"]},
        )
        assert status == 200, body
        patches.append((time.perf_counter() - started) * 1000)
        while True:  # the edit is committed: the first `fresh` includes it
            asked = time.perf_counter()
            status, body = session.get(analysis)
            gets.append((time.perf_counter() - asked) * 1000)
            assert status == 200, body
            if body["status"] == "fresh":
                break
            time.sleep(poll_ms / 1000)
            if time.perf_counter() - started > 60:
                raise TimeoutError("the analysis did not become fresh")
        latencies.append((time.perf_counter() - started) * 1000)
    return EditLatency(latencies, patches, gets)


def _wait(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the analysis did not become fresh")
        time.sleep(0.01)


def machine_load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))
