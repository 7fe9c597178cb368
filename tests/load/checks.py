"""After a drill: was anything lost, and is every analysis fresh and exact?

- **Edits**: for every plan line, each field's stored value is the last value the server
  acknowledged (200) for it, and the line's version is at least the last acknowledged one.
  A write whose answer never arrived (a killed connection) may be stored too; then the stored
  value must be one that a client sent.
- **Analyses**: every cycle becomes fresh (computed version = inputs version), and its stored
  analysis equals the pure engine's result on the current inputs, line by line and month by
  month (computed here, independently of the recompute service).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from typing import Any

import numpy as np
from django.db.models import F

from planning.engine import STATUS_BALANCED, STATUS_EXCESS, STATUS_SHORT, compute_balance
from planning.models import Cycle, LineAnalysis, MonthSummary, PlanLine
from planning.selectors import cycle_line_inputs

LINE_FIELDS = ("effective_demand", "opening_stock", "closing_stock", "stock_days",
               "utilization", "status", "over_capacity", "infeasible")  # fmt: skip


def edits_check(acknowledged: list[dict[str, Any]], attempted: list[dict[str, Any]]) -> dict:
    """Lost edits (acknowledged but not stored) and edits stored without an answer."""
    last: dict[tuple[int, str], dict[str, Any]] = {}
    for ack in acknowledged:
        key = (ack["line"], ack["field"])
        if key not in last or ack["version"] > last[key]["version"]:
            last[key] = ack
    sent: dict[tuple[int, str], set[int]] = defaultdict(set)
    for attempt in attempted:
        sent[(attempt["line"], attempt["field"])].add(attempt["value"])
    newest: dict[int, int] = defaultdict(int)
    for (line, _field), ack in last.items():
        newest[line] = max(newest[line], ack["version"])
    stored: dict[int, dict[str, Any]] = {
        row["id"]: dict(row) for row in PlanLine.objects.filter(pk__in=newest).values()
    }
    lost, unanswered = [], 0
    for (line, field), ack in sorted(last.items()):
        row = stored[line]
        if row["version"] < ack["version"]:
            lost.append({**ack, "stored_version": row["version"], "stored": row[field]})
        elif row[field] != ack["value"]:
            if row["version"] > newest[line] and row[field] in sent[(line, field)]:
                unanswered += 1  # a later write whose answer was lost: stored, not lost
            else:
                lost.append({**ack, "stored_version": row["version"], "stored": row[field]})
    return {
        "acknowledged_edits": len(acknowledged),
        "lines_edited": len(newest),
        "lost_edits": len(lost),
        "lost_examples": lost[:10],
        "stored_without_answer": unanswered,
    }


def stale_cycles() -> list[int]:
    return list(
        Cycle.objects.filter(computed_version__lt=F("inputs_version")).values_list("pk", flat=True)
    )


def wait_until_fresh(timeout: float) -> float | None:
    """Seconds until no cycle is stale; None if some still are after ``timeout``."""
    started = time.monotonic()
    while stale_cycles():
        if time.monotonic() - started > timeout:
            return None
        time.sleep(0.1)
    return time.monotonic() - started


def analyses_check() -> dict:
    """Each cycle's stored analysis against the engine run from scratch on its inputs."""
    wrong: dict[int, list[str]] = {}
    cycles = list(Cycle.objects.select_related("business_unit"))
    for cycle in cycles:
        problems = _cycle_differences(cycle)
        if problems:
            wrong[cycle.pk] = problems[:5]
    return {"cycles_checked": len(cycles), "cycles_not_exact": len(wrong), "examples": wrong}


def _cycle_differences(cycle: Cycle) -> list[str]:
    lines = cycle_line_inputs(cycle.pk)
    result = compute_balance(lines.balance, cycle.business_unit.excess_multiplier)
    expected = {
        line_id: tuple(_plain(getattr(result, name)[index]) for name in LINE_FIELDS)
        for index, line_id in enumerate(lines.plan_line_ids.tolist())
    }
    stored = {
        row[0]: tuple(_plain(value) for value in row[1:])
        for row in LineAnalysis.objects.filter(cycle=cycle).values_list(
            "plan_line_id", *LINE_FIELDS
        )
    }
    problems = []
    if set(stored) != set(expected):
        problems.append(f"lines analysed {len(stored)} != lines {len(expected)}")
    for line_id in sorted(set(stored) & set(expected)):
        if not _same(stored[line_id], expected[line_id]):
            problems.append(f"line {line_id}: stored {stored[line_id]} != {expected[line_id]}")
    problems += _summary_differences(cycle, lines, result)
    return problems


def _summary_differences(cycle: Cycle, lines: Any, result: Any) -> list[str]:
    totals = {
        "effective_demand": result.effective_demand,
        "production_plan": lines.balance.production_plan,
        "capacity_max": lines.balance.capacity_max,
        "closing_stock": result.closing_stock,
        "safety_stock_target": lines.balance.safety_stock_target,
        "backlog": np.maximum(-result.closing_stock, 0),
        "families_short": result.status == STATUS_SHORT,
        "families_balanced": result.status == STATUS_BALANCED,
        "families_excess": result.status == STATUS_EXCESS,
        "families_over_capacity": result.over_capacity,
    }
    problems = []
    stored = {
        row["month"].year * 12 + row["month"].month - 1: row
        for row in MonthSummary.objects.filter(cycle=cycle).values("month", *totals)
    }
    months = sorted(set(lines.month_indexes.tolist()))
    if sorted(stored) != months:
        return [f"summary months {sorted(stored)} != {months}"]
    for month in months:
        rows = lines.month_indexes == month
        for name, column in totals.items():
            want = int(np.asarray(column)[rows].astype(np.int64).sum())
            if stored[month][name] != want:
                problems.append(f"summary {month} {name}: stored {stored[month][name]} != {want}")
    return problems


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None  # stored as NULL (utilization at capacity 0)
    return value


def _same(stored: tuple, expected: tuple) -> bool:
    for a, b in zip(stored, expected, strict=True):
        if isinstance(a, float) or isinstance(b, float):
            if a is None or b is None or not math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12):
                return False
        elif a != b:
            return False
    return True
