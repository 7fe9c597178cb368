"""Reading planning data: the user-facing queries and the recompute's one bulk read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction

from planning.engine import BalanceInputs
from planning.engine.balance import STATUS_CODES, IntArray
from planning.models import (
    Cycle,
    CycleUserObjectPermission,
    LineAnalysis,
    MonthSummary,
    ProductFamily,
)
from planning.pgcopy import copy_out_int_rows
from planning.roles import Role

LINE_INPUT_COLUMNS = (
    "id",
    "family_id",
    "month_index",
    "demand_forecast",
    "confirmed_orders",
    "opening_stock",
    "production_plan",
    "capacity_max",
    "safety_stock_target",
)


@dataclass(frozen=True, eq=False)
class CycleLineInputs:
    """A cycle's plan lines as arrays, ordered by family then month."""

    plan_line_ids: IntArray
    family_ids: IntArray
    month_indexes: IntArray  # year * 12 + month - 1
    balance: BalanceInputs

    def __len__(self) -> int:
        return int(self.plan_line_ids.shape[0])

    def family_id_set(self) -> list[int]:
        return np.unique(self.family_ids).tolist()


def cycle_line_inputs(cycle_id: int, changed_since: int | None = None) -> CycleLineInputs:
    """All plan lines of the cycle in one query, or only the families changed since a version.

    A family is read whole even when one month changed: its stock rolls from month to month.
    """
    sql, params = _line_inputs_query(cycle_id, changed_since)
    if connection.vendor == "postgresql":
        matrix = copy_out_int_rows(sql, params, column_count=len(LINE_INPUT_COLUMNS))
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            matrix = np.asarray(cursor.fetchall(), dtype=np.int64).reshape(
                -1, len(LINE_INPUT_COLUMNS)
            )
    columns = {
        name: np.ascontiguousarray(matrix[:, i]) for i, name in enumerate(LINE_INPUT_COLUMNS)
    }
    family_ids = columns["family_id"]
    starts = np.ones(len(family_ids), dtype=np.bool_)
    starts[1:] = family_ids[1:] != family_ids[:-1]
    return CycleLineInputs(
        plan_line_ids=columns["id"],
        family_ids=family_ids,
        month_indexes=columns["month_index"],
        balance=BalanceInputs(
            demand_forecast=columns["demand_forecast"],
            confirmed_orders=columns["confirmed_orders"],
            opening_stock=columns["opening_stock"],
            production_plan=columns["production_plan"],
            capacity_max=columns["capacity_max"],
            safety_stock_target=columns["safety_stock_target"],
            family_starts=starts,
        ),
    )


def _line_inputs_query(cycle_id: int, changed_since: int | None) -> tuple[str, list[int]]:
    if connection.vendor == "postgresql":
        month_index = "(EXTRACT(YEAR FROM month) * 12 + EXTRACT(MONTH FROM month) - 1)::bigint"
    else:
        month_index = (
            "(CAST(strftime('%%Y', month) AS INTEGER) * 12"
            " + CAST(strftime('%%m', month) AS INTEGER) - 1)"
        )
    columns = ", ".join(
        month_index + " AS month_index" if name == "month_index" else name
        for name in LINE_INPUT_COLUMNS
    )
    sql = f"SELECT {columns} FROM planning_planline WHERE cycle_id = %s"
    params = [cycle_id]
    if changed_since is not None:
        sql += (
            " AND family_id IN (SELECT DISTINCT family_id FROM planning_planline"
            " WHERE cycle_id = %s AND changed_in_version > %s)"
        )
        params += [cycle_id, changed_since]
    return sql + " ORDER BY family_id, month", params


@dataclass(frozen=True)
class CycleAnalysis:
    """What readers see: the last complete analysis, and whether it is behind the inputs."""

    inputs_version: int
    computed_version: int
    computed_at: datetime.datetime | None
    rows: list[dict[str, Any]]
    summary: list[dict[str, Any]]
    family_count: int

    @property
    def status(self) -> str:
        return "fresh" if self.computed_version == self.inputs_version else "stale"


ANALYSIS_ROW_FIELDS = (
    "plan_line_id",
    "family_id",
    "family__code",
    "family__name",
    "month",
    "effective_demand",
    "production_plan",
    "capacity_max",
    "opening_stock",
    "closing_stock",
    "stock_days",
    "safety_stock_target",
    "utilization",
    "status",
    "over_capacity",
    "infeasible",
)
SUMMARY_FIELDS = (
    "month",
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
    "utilization",
)


def cycle_analysis_read(
    cycle: Cycle,
    *,
    family_offset: int = 0,
    family_limit: int | None = None,
    family_codes: list[str] | None = None,
) -> CycleAnalysis:
    """The cycle's analysis in one consistent read: rows (a page of families) and summary.

    Rows and summary come from one transaction, and the recompute replaces both in one
    transaction, so they always belong to the same computed version.
    """
    with transaction.atomic():
        versions = Cycle.objects.filter(pk=cycle.pk).values(
            "inputs_version", "computed_version", "computed_at"
        )[0]
        families = ProductFamily.objects.filter(
            pk__in=LineAnalysis.objects.filter(cycle_id=cycle.pk).values("family_id")
        )
        if family_codes:
            families = families.filter(code__in=family_codes)
        family_count = families.count()
        rows_query = LineAnalysis.objects.filter(cycle_id=cycle.pk)
        if family_codes:
            rows_query = rows_query.filter(family__code__in=family_codes)
        if family_offset or family_limit is not None:
            end = None if family_limit is None else family_offset + family_limit
            page = list(families.order_by("code").values_list("pk", flat=True)[family_offset:end])
            rows_query = rows_query.filter(family_id__in=page)
        rows = [
            {**row, "status": STATUS_CODES[row["status"]]}
            for row in rows_query.order_by("family__code", "month").values(*ANALYSIS_ROW_FIELDS)
        ]
        summary = list(
            MonthSummary.objects.filter(cycle_id=cycle.pk).order_by("month").values(*SUMMARY_FIELDS)
        )
    return CycleAnalysis(
        inputs_version=versions["inputs_version"],
        computed_version=versions["computed_version"],
        computed_at=versions["computed_at"],
        rows=rows,
        summary=summary,
        family_count=family_count,
    )


def cycle_guests(cycle: Cycle, user: Any = None) -> dict[int, tuple[Any, frozenset[Role]]]:
    """user id -> (user, guest roles) for everyone invited into ``cycle`` itself (or ``user``)."""
    grants = (
        CycleUserObjectPermission.objects.filter(content_object=cycle)
        .select_related("user", "permission")
        .order_by("user__username")
    )
    if user is not None:
        grants = grants.filter(user=user)
    codenames: dict[int, set[str]] = {}
    users: dict[int, Any] = {}
    for grant in grants:
        users[grant.user_id] = grant.user
        codenames.setdefault(grant.user_id, set()).add(grant.permission.codename)
    return {
        user_id: (users[user_id], frozenset(role for role in Role if role.codename in names))
        for user_id, names in codenames.items()
        if "view_cycle" in names
    }


# The approved plan's columns: the analysis row fields (``family`` holds the family's code), then
# the inputs they came from (``input_opening_stock`` as entered; ``opening_stock`` as computed).
_PLAN_INPUT_LOOKUPS = {
    "demand_forecast": "plan_line__demand_forecast",
    "confirmed_orders": "plan_line__confirmed_orders",
    "input_opening_stock": "plan_line__opening_stock",
}
_PLAN_RENAMED = {"family__code": "family", "family__name": "family_name"}
PLAN_COLUMNS = tuple(_PLAN_RENAMED.get(field, field) for field in ANALYSIS_ROW_FIELDS) + tuple(
    _PLAN_INPUT_LOOKUPS
)


def cycle_plan_columns(cycle_id: int) -> dict[str, list[Any]]:
    """The whole analysed plan as columns (one list per field), ordered by family then month.

    Columns, not a dict per row: the approval snapshot of 240,000 lines is then one read and
    a transpose, and its JSON names each field once instead of 240,000 times.
    """
    rows = (
        LineAnalysis.objects.filter(cycle_id=cycle_id)
        .order_by("family__code", "month")
        .values_list(*ANALYSIS_ROW_FIELDS, *_PLAN_INPUT_LOOKUPS.values())
    )
    transposed = list(zip(*rows, strict=True)) or [() for _name in PLAN_COLUMNS]
    columns = {name: list(values) for name, values in zip(PLAN_COLUMNS, transposed, strict=True)}
    labels = {month: f"{month:%Y-%m}" for month in set(columns["month"])}
    columns["month"] = [labels[month] for month in columns["month"]]
    columns["status"] = [STATUS_CODES[code] for code in columns["status"]]
    return columns
