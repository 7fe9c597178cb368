"""Cycles for the worker tests, edits through the real service, and the checks of the result."""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery.signals import after_task_publish
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import connection
from django.db.models import F

from planning.engine import compute_balance
from planning.models import BusinessUnit, Cycle, LineAnalysis, PlanLine, ProductFamily
from planning.roles import Role
from planning.selectors import cycle_line_inputs
from planning.services.cycles import cycle_create
from planning.services.memberships import membership_grant
from planning.services.plan_lines import cycle_inputs_bump, plan_line_update
from planning.services.recompute import ADVISORY_LOCK_NAMESPACE, cycle_recompute
from planning.services.recompute_schedule import RECOMPUTE_TASK

_unit_numbers = itertools.count(1)


def make_unit(families: int = 8) -> BusinessUnit:
    number = next(_unit_numbers)
    unit = BusinessUnit.objects.create(code=f"unit-{number}", name=f"Unit {number}")
    ProductFamily.objects.bulk_create(
        ProductFamily(business_unit=unit, code=f"U{number}-F{index:03d}", name=f"F{index}")
        for index in range(families)
    )
    return unit


def make_fresh_cycle(unit: BusinessUnit, plan_month: datetime.date, months: int = 6) -> Cycle:
    """A cycle with varied inputs and its analysis computed (call with recompute inline)."""
    cycle = cycle_create(business_unit_id=unit.pk, plan_month=plan_month, horizon_months=months)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE planning_planline SET demand_forecast = (id * 37) %% 9000,"
            " confirmed_orders = (id * 11) %% 7000, production_plan = (id * 53) %% 9500,"
            " capacity_max = 9000, safety_stock_target = (id * 7) %% 2500,"
            " opening_stock = CASE WHEN month = %s THEN (id * 13) %% 4000 ELSE 0 END"
            " WHERE cycle_id = %s",
            [cycle.horizon_start, cycle.pk],
        )
    cycle_inputs_bump(cycle.pk, structural=True)
    cycle_recompute(cycle.pk)
    cycle.refresh_from_db()
    assert cycle.is_fresh
    return cycle


def sales_of(unit_id: int) -> AbstractUser:
    """The unit's salesperson (made the first time), who may edit the demand forecast."""
    user, created = get_user_model().objects.get_or_create(username=f"sales-of-unit-{unit_id}")
    if created:
        unit = BusinessUnit.objects.get(pk=unit_id)
        membership_grant(business_unit=unit, user=user, roles=[Role.SALES])
    return user


def edit(line_id: int, delta: int = 1) -> None:
    """One user's edit through the service the API calls: committed, then scheduled."""
    line = PlanLine.objects.select_related("cycle").get(pk=line_id)
    plan_line_update(
        plan_line=line,
        changes={"demand_forecast": line.demand_forecast + delta},
        expected_version=line.version,
        actor=sales_of(line.cycle.business_unit_id),
    )


def line_ids(cycle: Cycle) -> list[int]:
    return list(PlanLine.objects.filter(cycle=cycle).order_by("pk").values_list("pk", flat=True))


def make_stale_without_publishing(cycle: Cycle) -> None:
    """An input change whose message never reached a worker (lost, or Redis was down)."""
    line = PlanLine.objects.filter(cycle=cycle).order_by("pk").first()
    assert line is not None
    version = cycle_inputs_bump(cycle.pk)
    PlanLine.objects.filter(pk=line.pk).update(
        demand_forecast=F("demand_forecast") + 5, changed_in_version=version
    )


def stale_cycles() -> list[int]:
    return list(
        Cycle.objects.filter(computed_version__lt=F("inputs_version")).values_list("pk", flat=True)
    )


def all_fresh() -> bool:
    return not stale_cycles()


def from_scratch(cycle_id: int) -> list[tuple[Any, ...]]:
    """Every analysis field of every line, computed by the pure engine from the current inputs."""
    lines = cycle_line_inputs(cycle_id)
    multiplier = Cycle.objects.values_list("business_unit__excess_multiplier", flat=True).get(
        pk=cycle_id
    )
    result = compute_balance(lines.balance, multiplier)
    utilization = [None if math.isnan(value) else value for value in result.utilization.tolist()]
    return sorted(
        zip(
            lines.plan_line_ids.tolist(),
            result.effective_demand.tolist(),
            result.opening_stock.tolist(),
            result.closing_stock.tolist(),
            result.stock_days.tolist(),
            utilization,
            result.status.tolist(),
            result.over_capacity.tolist(),
            result.infeasible.tolist(),
            strict=True,
        )
    )


def stored(cycle_id: int) -> list[tuple[Any, ...]]:
    return sorted(
        LineAnalysis.objects.filter(cycle_id=cycle_id).values_list(
            "plan_line_id", "effective_demand", "opening_stock", "closing_stock", "stock_days",
            "utilization", "status", "over_capacity", "infeasible",
        )
    )  # fmt: skip


def assert_every_cycle_fresh_and_exact() -> None:
    assert stale_cycles() == []
    for cycle_id in Cycle.objects.order_by("pk").values_list("pk", flat=True):
        assert stored(cycle_id) == from_scratch(cycle_id), f"cycle {cycle_id}"


@contextmanager
def recompute_publishes() -> Iterator[list[int]]:
    """The cycle ids of every recompute this process published (to the broker) in the block."""
    published: list[int] = []

    def count(sender: str | None = None, body: Any = None, **kwargs: Any) -> None:
        if sender == RECOMPUTE_TASK:
            args = body[0] if isinstance(body, tuple) else body.get("args", ())
            published.append(int(args[0]))

    after_task_publish.connect(count, weak=False)
    try:
        yield published
    finally:
        after_task_publish.disconnect(count)


def waiting_for_lock(admin: Any, sql_condition: str, params: list[Any]) -> bool:
    """True once some backend waits (not granted) on a lock matching the condition."""
    row = admin.execute(
        f"SELECT count(*) FROM pg_locks WHERE NOT granted AND {sql_condition}", params
    ).fetchone()
    return bool(row[0])


def recompute_lock_waiters(admin: Any, cycle_id: int) -> int:
    """How many backends wait for the cycle's recompute lock."""
    row = admin.execute(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'advisory'"
        " AND classid = %s AND objid = %s",
        [ADVISORY_LOCK_NAMESPACE, cycle_id],
    ).fetchone()
    return int(row[0])


def waiting_for_recompute_lock(admin: Any, cycle_id: int) -> bool:
    return recompute_lock_waiters(admin, cycle_id) > 0


def hold_recompute_lock(admin: Any, cycle_id: int) -> None:
    admin.execute("SELECT pg_advisory_lock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, cycle_id])


def release_recompute_lock(admin: Any, cycle_id: int) -> None:
    admin.execute("SELECT pg_advisory_unlock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, cycle_id])
