"""Recomputing a cycle's balance analysis: one read, the vectorized engine, one bulk write.

Correctness rules:

* The analysis is stamped with the inputs version it was computed from.  Versions are read
  *before* the plan lines, and every input change bumps the version in the same transaction as
  the change, so the lines read always include every change up to the stamped version.
* Recomputes of one cycle are serialized (a PostgreSQL advisory lock; SQLite serializes all
  writers anyway) and the whole write is one transaction: readers see the previous analysis or
  the new one, never half of each, and an older result never replaces a newer one.
* Only families whose lines changed since the last computed version are recomputed, unless a
  cycle-wide input (such as the excess multiplier) changed or nothing was computed yet.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from planning.engine import (
    STATUS_BALANCED,
    STATUS_EXCESS,
    STATUS_SHORT,
    BalanceResult,
    compute_balance,
)
from planning.live.publish import cycle_changed_publish
from planning.models import Cycle, RecomputeRun
from planning.pgcopy import binary_copy_payload, copy_in, month_index_to_pg_date
from planning.selectors import CycleLineInputs, cycle_line_inputs
from planning.services.recompute_schedule import recompute_follow_up, recompute_request

logger = logging.getLogger(__name__)

# First key of the advisory lock pair: "recompute" (the second is the cycle id).
ADVISORY_LOCK_NAMESPACE = 0x50_4C_41_4E  # "PLAN"

ANALYSIS_COLUMNS = (
    ("plan_line_id", "int8"),
    ("cycle_id", "int8"),
    ("family_id", "int8"),
    ("month", "int4"),
    ("production_plan", "int8"),
    ("capacity_max", "int8"),
    ("safety_stock_target", "int8"),
    ("effective_demand", "int8"),
    ("opening_stock", "int8"),
    ("closing_stock", "int8"),
    ("stock_days", "float8"),
    ("utilization", "float8"),
    ("status", "int2"),
    ("over_capacity", "bool"),
    ("infeasible", "bool"),
    ("computed_version", "int8"),
)


@dataclass(frozen=True)
class RecomputeOutcome:
    cycle_id: int
    version: int
    rows: int
    full: bool
    skipped: bool = False


def cycle_recompute(cycle_id: int) -> RecomputeOutcome:
    """Bring the cycle's analysis up to its current inputs version (idempotent)."""
    with transaction.atomic():
        _lock_recompute(cycle_id)
        # Timed from the lock on: a RecomputeRun spans only the time this run held the cycle.
        started = timezone.now()
        clock = time.perf_counter()
        state = (
            Cycle.objects.filter(pk=cycle_id)
            .values(
                "inputs_version",
                "computed_version",
                "structure_version",
                "business_unit__excess_multiplier",
            )
            .first()
        )
        if state is None or state["computed_version"] >= state["inputs_version"]:
            version = state["computed_version"] if state else 0
            return RecomputeOutcome(cycle_id, version, 0, full=False, skipped=True)
        version = state["inputs_version"]
        computed = state["computed_version"]
        full = computed == 0 or state["structure_version"] > computed
        lines = cycle_line_inputs(cycle_id, changed_since=None if full else computed)
        result = compute_balance(lines.balance, state["business_unit__excess_multiplier"])
        if full:
            _replace_line_analysis(cycle_id, version, lines, result, full=True)
            _replace_month_summary(cycle_id, version)
        else:
            families = lines.family_id_set()
            previous = _month_totals_in_db(cycle_id, families)
            previous_money = _month_money_in_db(cycle_id, families)
            _replace_line_analysis(cycle_id, version, lines, result, full=False)
            _adjust_month_summary(cycle_id, version, previous, _month_totals(lines, result))
            _adjust_month_money(cycle_id, previous_money, _month_money_in_db(cycle_id, families))
        Cycle.objects.filter(pk=cycle_id, computed_version__lt=version).update(
            computed_version=version, computed_at=timezone.now()
        )
        duration_ms = (time.perf_counter() - clock) * 1000
        RecomputeRun.objects.create(
            cycle_id=cycle_id,
            version=version,
            rows=len(lines),
            full=full,
            started_at=started,
            duration_ms=duration_ms,
        )
        cycle_changed_publish(cycle_id, "analysis", None if full else lines.family_id_set())
    logger.info(
        "Recomputed cycle %s at version %s: %s lines (%s) in %.0f ms",
        cycle_id,
        version,
        len(lines),
        "full" if full else "changed families",
        duration_ms,
    )
    return RecomputeOutcome(cycle_id, version, len(lines), full=full)


def recompute_schedule(cycle_id: int) -> None:
    """After the current transaction commits, bring the cycle's analysis up to date.

    With a broker configured a Celery worker does it, a burst of edits coalesced into one run
    (``planning.services.recompute_schedule``); otherwise it runs here, in-process.
    """
    if settings.SOP_RECOMPUTE_MODE == "inline":
        transaction.on_commit(lambda: _recompute_inline(cycle_id))
    else:
        transaction.on_commit(lambda: recompute_request(cycle_id))


def cycle_recompute_queued(cycle_id: int) -> RecomputeOutcome:
    """What a worker does with a published recompute: run it, then publish any follow-up."""
    outcome = cycle_recompute(cycle_id)
    recompute_follow_up(cycle_id)
    return outcome


def _recompute_inline(cycle_id: int) -> None:
    try:
        cycle_recompute(cycle_id)
    except Exception:
        # The change itself is committed; the analysis stays stale and visibly so.
        logger.exception("In-process recompute of cycle %s failed", cycle_id)


def _lock_recompute(cycle_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_NAMESPACE, cycle_id]
            )


def _replace_line_analysis(
    cycle_id: int, version: int, lines: CycleLineInputs, result: BalanceResult, full: bool
) -> None:
    with connection.cursor() as cursor:
        if full:
            cursor.execute("DELETE FROM planning_lineanalysis WHERE cycle_id = %s", [cycle_id])
        elif len(lines):
            families = lines.family_id_set()
            placeholders = ", ".join(["%s"] * len(families))
            cursor.execute(
                "DELETE FROM planning_lineanalysis WHERE cycle_id = %s"
                f" AND family_id IN ({placeholders})",
                [cycle_id, *families],
            )
    if not len(lines):
        return
    size = len(lines)
    values: dict[str, np.ndarray] = {
        "plan_line_id": lines.plan_line_ids,
        "cycle_id": np.full(size, cycle_id, dtype=np.int64),
        "family_id": lines.family_ids,
        "month": lines.month_indexes,
        "production_plan": lines.balance.production_plan,
        "capacity_max": lines.balance.capacity_max,
        "safety_stock_target": lines.balance.safety_stock_target,
        "effective_demand": result.effective_demand,
        "opening_stock": result.opening_stock,
        "closing_stock": result.closing_stock,
        "stock_days": result.stock_days,
        "utilization": result.utilization,
        "status": result.status.astype(np.int16),
        "over_capacity": result.over_capacity,
        "infeasible": result.infeasible,
        "computed_version": np.full(size, version, dtype=np.int64),
    }
    if connection.vendor == "postgresql":
        values["month"] = month_index_to_pg_date(lines.month_indexes)
        payload = binary_copy_payload(
            [(name, kind, values[name]) for name, kind in ANALYSIS_COLUMNS],
            null_mask={"utilization": np.isnan(result.utilization)},
        )
        copy_in("planning_lineanalysis", [name for name, _ in ANALYSIS_COLUMNS], payload)
    else:
        _insert_rows_generic(values)


def _insert_rows_generic(values: dict[str, np.ndarray]) -> None:
    """Any database: one executemany of plain tuples (no model instances)."""
    months = values["month"]
    iso_months = [f"{index // 12:04d}-{index % 12 + 1:02d}-01" for index in months.tolist()]
    utilization = [None if np.isnan(u) else u for u in values["utilization"].tolist()]
    columns = [name for name, _ in ANALYSIS_COLUMNS]
    listed = {
        name: values[name].tolist() for name in columns if name not in {"month", "utilization"}
    }
    listed["month"] = iso_months
    listed["utilization"] = utilization
    rows = list(zip(*(listed[name] for name in columns), strict=True))
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO planning_lineanalysis ({', '.join(columns)}) VALUES ({placeholders})",
            rows,
        )


def _replace_month_summary(cycle_id: int, version: int) -> None:
    """Aggregate the cycle's line analysis per month, in the database, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM planning_monthsummary WHERE cycle_id = %s", [cycle_id])
        cursor.execute(
            """
            INSERT INTO planning_monthsummary (
                cycle_id, month, effective_demand, production_plan, capacity_max, closing_stock,
                safety_stock_target, backlog, families_short, families_balanced, families_excess,
                families_over_capacity, utilization, inventory_investment, revenue,
                revenue_at_risk, computed_version
            )
            SELECT a.cycle_id, a.month, SUM(a.effective_demand), SUM(a.production_plan),
                SUM(a.capacity_max), SUM(a.closing_stock), SUM(a.safety_stock_target),
                SUM(CASE WHEN a.closing_stock < 0 THEN -a.closing_stock ELSE 0 END),
                SUM(CASE WHEN a.status = 0 THEN 1 ELSE 0 END),
                SUM(CASE WHEN a.status = 1 THEN 1 ELSE 0 END),
                SUM(CASE WHEN a.status = 2 THEN 1 ELSE 0 END),
                SUM(CASE WHEN a.over_capacity THEN 1 ELSE 0 END),
                CAST(SUM(a.production_plan) AS DOUBLE PRECISION) / NULLIF(SUM(a.capacity_max), 0),
                """
            + MONEY_SUMS
            + """,
                %s
            FROM planning_lineanalysis a
            JOIN planning_productfamily f ON f.id = a.family_id
            WHERE a.cycle_id = %s
            GROUP BY a.cycle_id, a.month
            """,
            [version, cycle_id],
        )


# The money columns of MonthSummary, summed over analysis rows ``a`` joined to their family ``f``
# (exact decimals: a quantity times a price of two decimals).
MONEY_COLUMNS = ("inventory_investment", "revenue", "revenue_at_risk")
MONEY_SUMS = """
    COALESCE(SUM(CASE WHEN a.closing_stock > 0 THEN a.closing_stock ELSE 0 END * f.unit_cost), 0),
    COALESCE(SUM(a.effective_demand * f.unit_price), 0),
    COALESCE(SUM(CASE WHEN a.closing_stock < 0 THEN -a.closing_stock ELSE 0 END * f.unit_price), 0)
"""
MonthMoney = dict[int, tuple[Decimal, ...]]  # month index -> money in MONEY_COLUMNS order

# Per-month totals of the analysis: the additive columns of MonthSummary.
TOTAL_COLUMNS = (
    "effective_demand",
    "production_plan",
    "capacity_max",
    "closing_stock",
    "safety_stock_target",
    "backlog",
    "families_short",
    "families_balanced",
    "families_excess",
    "families_over_capacity",
)
MonthTotals = dict[int, np.ndarray]  # month index -> totals in TOTAL_COLUMNS order


def _month_totals(lines: CycleLineInputs, result: BalanceResult) -> MonthTotals:
    """The new rows' totals per month, in numpy (a handful of families on the partial path)."""
    columns = np.column_stack(
        [
            result.effective_demand,
            lines.balance.production_plan,
            lines.balance.capacity_max,
            result.closing_stock,
            lines.balance.safety_stock_target,
            np.maximum(-result.closing_stock, 0),
            result.status == STATUS_SHORT,
            result.status == STATUS_BALANCED,
            result.status == STATUS_EXCESS,
            result.over_capacity,
        ]
    ).astype(np.int64)
    totals: MonthTotals = {}
    for month in np.unique(lines.month_indexes).tolist():
        totals[month] = columns[lines.month_indexes == month].sum(axis=0)
    return totals


def _month_totals_in_db(cycle_id: int, family_ids: list[int]) -> MonthTotals:
    """The stored analysis totals per month of the families about to be replaced."""
    if not family_ids:
        return {}
    placeholders = ", ".join(["%s"] * len(family_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT month, SUM(effective_demand), SUM(production_plan), SUM(capacity_max),
                SUM(closing_stock), SUM(safety_stock_target),
                SUM(CASE WHEN closing_stock < 0 THEN -closing_stock ELSE 0 END),
                SUM(CASE WHEN status = 0 THEN 1 ELSE 0 END),
                SUM(CASE WHEN status = 1 THEN 1 ELSE 0 END),
                SUM(CASE WHEN status = 2 THEN 1 ELSE 0 END),
                SUM(CASE WHEN over_capacity THEN 1 ELSE 0 END)
            FROM planning_lineanalysis
            WHERE cycle_id = %s AND family_id IN ({placeholders})
            GROUP BY month
            """,
            [cycle_id, *family_ids],
        )
        rows = cursor.fetchall()
    return {_month_index(month): np.asarray(values, dtype=np.int64) for month, *values in rows}


def _adjust_month_summary(
    cycle_id: int, version: int, previous: MonthTotals, current: MonthTotals
) -> None:
    """Apply (new - old) totals of the recomputed families: a few rows, not the whole cycle."""
    zeros = np.zeros(len(TOTAL_COLUMNS), dtype=np.int64)
    assignments = ", ".join(f"{name} = {name} + %s" for name in TOTAL_COLUMNS)
    params = []
    for month in sorted(set(previous) | set(current)):
        delta = current.get(month, zeros) - previous.get(month, zeros)
        params.append([*delta.tolist(), version, cycle_id, _month_date(month)])
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE planning_monthsummary SET {assignments}, computed_version = %s"
            " WHERE cycle_id = %s AND month = %s",
            params,
        )
        cursor.execute(
            "UPDATE planning_monthsummary SET computed_version = %s, utilization ="
            " CAST(production_plan AS DOUBLE PRECISION) / NULLIF(capacity_max, 0)"
            " WHERE cycle_id = %s",
            [version, cycle_id],
        )


def _month_money_in_db(cycle_id: int, family_ids: list[int]) -> MonthMoney:
    """The stored analysis money per month of these families, at their current prices.

    Prices do not change between the two reads of a partial recompute (a price change makes
    the next recompute a full one), so new minus old is exactly the change of the summary.
    """
    if not family_ids:
        return {}
    placeholders = ", ".join(["%s"] * len(family_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.month, "
            + MONEY_SUMS
            + " FROM planning_lineanalysis a JOIN planning_productfamily f ON f.id = a.family_id"
            f" WHERE a.cycle_id = %s AND a.family_id IN ({placeholders}) GROUP BY a.month",
            [cycle_id, *family_ids],
        )
        rows = cursor.fetchall()
    return {
        _month_index(month): tuple(Decimal(value) for value in values) for month, *values in rows
    }


def _adjust_month_money(cycle_id: int, previous: MonthMoney, current: MonthMoney) -> None:
    zeros = (Decimal(0),) * len(MONEY_COLUMNS)
    assignments = ", ".join(f"{name} = COALESCE({name}, 0) + %s" for name in MONEY_COLUMNS)
    params: list[list[Decimal | int | datetime.date]] = []
    for month in sorted(set(previous) | set(current)):
        new, old = current.get(month, zeros), previous.get(month, zeros)
        params.append(
            [*(a - b for a, b in zip(new, old, strict=True)), cycle_id, _month_date(month)]
        )
    if not params:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE planning_monthsummary SET {assignments} WHERE cycle_id = %s AND month = %s",
            params,
        )


def _month_index(month: datetime.date | str) -> int:
    if isinstance(month, str):  # SQLite returns dates as text
        month = datetime.date.fromisoformat(month)
    return month.year * 12 + month.month - 1


def _month_date(index: int) -> datetime.date:
    return datetime.date(index // 12, index % 12 + 1, 1)
