"""The measurements behind ``manage.py sop_bench``: a generated cycle, timed end to end.

Kept apart from the command so each measurement is a small function with one job.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import connection

from planning import bench_support as support
from planning import live_processes as live
from planning.engine import compute_balance
from planning.models import BusinessUnit, Cycle, LineAnalysis, PlanLine, ProductFamily
from planning.roles import Role
from planning.selectors import cycle_line_inputs
from planning.services.plan_lines import cycle_inputs_bump
from planning.services.recompute import cycle_recompute


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
    support.families_insert(unit.pk, families)
    support.plan_lines_insert(cycle, unit.pk)
    with connection.cursor() as cursor:
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
    month_dates = [support.scratch_month(m) for m in range(months)]
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


def measure_full_recompute(cycle: Cycle, repeat: int) -> float:
    def full() -> None:
        cycle_inputs_bump(cycle.pk, structural=True)
        outcome = cycle_recompute(cycle.pk)
        assert outcome.full and not outcome.skipped

    return support.median_seconds(full, repeat)


def measure_engine_rows_per_s(cycle: Cycle, repeat: int) -> float:
    lines = cycle_line_inputs(cycle.pk)
    seconds = support.median_seconds(lambda: compute_balance(lines.balance), repeat)
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
    with support.app_running(redis_url, log_dir) as app:
        user = support.user_with_roles(cycle.business_unit, [Role.SALES])
        return _edit_until_fresh(cycle, edits, app.session(user), poll_ms)


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
