"""Reading planning data: the user-facing queries and the recompute's one bulk read."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from planning.engine import BalanceInputs
from planning.engine.balance import STATUS_CODES, IntArray
from planning.models import (
    Cycle,
    CycleUserObjectPermission,
    LineAnalysis,
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
    transaction, so they always belong to the same computed version. Three plain statements:
    this is the most-read page of the application, and building ORM queries cost more CPU
    than the database spent answering them.
    """
    codes = list(family_codes or [])
    code_filter = f" AND f.code IN ({', '.join(['%s'] * len(codes))})" if codes else ""
    paged = bool(family_offset) or family_limit is not None
    with transaction.atomic(), connection.cursor() as cursor:
        if codes:
            cursor.execute(
                _ANALYSIS_HEAD_COUNTED_SQL.format(code_filter=code_filter), [*codes, cycle.pk]
            )
        else:
            cursor.execute(_ANALYSIS_HEAD_SQL, [cycle.pk])
        inputs_version, computed_version, computed_at, family_count = cursor.fetchone()
        page_filter = _ANALYSIS_PAGE_SQL.format(code_filter=code_filter) if paged else ""
        page_params: list[Any] = (
            [
                cycle.business_unit_id,
                *codes,
                cycle.pk,
                cycle.horizon_start,
                _sql_limit(family_limit),
                family_offset,
            ]
            if paged
            else []
        )
        cursor.execute(
            _ANALYSIS_ROWS_SQL.format(code_filter=code_filter, page_filter=page_filter),
            [cycle.pk, *codes, *page_params],
        )
        rows = [_analysis_row(values) for values in cursor.fetchall()]
        cursor.execute(_SUMMARY_SQL, [cycle.pk])
        summary = [_summary_row(values) for values in cursor.fetchall()]
    return CycleAnalysis(
        inputs_version=inputs_version,
        computed_version=computed_version,
        computed_at=_aware(computed_at),
        rows=rows,
        summary=summary,
        family_count=family_count,
    )


_ANALYSIS_COLUMNS = {
    "family__code": "f.code",
    "family__name": "f.name",
    "status": "a.status",
}
# A cycle has a line for every one of its families in every month of its horizon (opening a
# cycle and adding a family both create the whole row), so its analysed families are those
# with an analysis row in the first month: one probe of the (cycle, family, month) index each,
# never a scan of every line. Unfiltered, their number is already in the first month's summary
# (one row a family, each short, balanced or excess), which the recompute replaces in the same
# transaction as the rows.
_ANALYSIS_HEAD_SQL = (
    "SELECT c.inputs_version, c.computed_version, c.computed_at,"
    " COALESCE((SELECT s.families_short + s.families_balanced + s.families_excess"
    "  FROM planning_monthsummary s WHERE s.cycle_id = c.id AND s.month = c.horizon_start), 0)"
    " FROM planning_cycle c WHERE c.id = %s"
)
_ANALYSIS_HEAD_COUNTED_SQL = (
    "SELECT c.inputs_version, c.computed_version, c.computed_at,"
    " (SELECT COUNT(*) FROM planning_productfamily f"
    "  WHERE f.business_unit_id = c.business_unit_id{code_filter} AND EXISTS (SELECT 1"
    "  FROM planning_lineanalysis p WHERE p.cycle_id = c.id AND p.family_id = f.id"
    "  AND p.month = c.horizon_start))"
    " FROM planning_cycle c WHERE c.id = %s"
)
# Families in code order, each probed for its first-month row: the first page reads its 50
# families and stops (measured 0.4 ms at 10,000 families, against 77 ms for all of them).
_ANALYSIS_PAGE_SQL = (
    " AND a.family_id IN (SELECT f.id FROM planning_productfamily f"
    "  WHERE f.business_unit_id = %s{code_filter} AND EXISTS (SELECT 1"
    "  FROM planning_lineanalysis p WHERE p.cycle_id = %s AND p.family_id = f.id"
    "  AND p.month = %s)"
    "  ORDER BY f.code LIMIT %s OFFSET %s)"
)
_ANALYSIS_ROWS_SQL = (
    "SELECT "
    + ", ".join(_ANALYSIS_COLUMNS.get(name, f"a.{name}") for name in ANALYSIS_ROW_FIELDS)
    + " FROM planning_lineanalysis a JOIN planning_productfamily f ON f.id = a.family_id"
    " WHERE a.cycle_id = %s{code_filter}{page_filter} ORDER BY f.code, a.month"
)
_SUMMARY_SQL = (
    f"SELECT {', '.join(SUMMARY_FIELDS)} FROM planning_monthsummary"
    " WHERE cycle_id = %s ORDER BY month"
)
_BOOLEAN_ROW_FIELDS = frozenset({"over_capacity", "infeasible"})


def _analysis_row(values: tuple[Any, ...]) -> dict[str, Any]:
    row = dict(zip(ANALYSIS_ROW_FIELDS, values, strict=True))
    row["month"] = _date(row["month"])
    row["status"] = STATUS_CODES[row["status"]]
    for name in _BOOLEAN_ROW_FIELDS:  # SQLite answers 0/1
        row[name] = bool(row[name])
    return row


def _summary_row(values: tuple[Any, ...]) -> dict[str, Any]:
    row = dict(zip(SUMMARY_FIELDS, values, strict=True))
    row["month"] = _date(row["month"])
    return row


def _sql_limit(limit: int | None) -> int:
    return 2**62 if limit is None else limit  # "no limit" in both PostgreSQL and SQLite


def _date(value: datetime.date | str) -> datetime.date:
    # PostgreSQL answers dates; SQLite's plain cursor answers their ISO text.
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _aware(value: datetime.datetime | str | None) -> datetime.datetime | None:
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)  # stored in UTC (USE_TZ)
    return value


def families_matching(cycle: Cycle, text: str, limit: int) -> list[dict[str, str]]:
    """The cycle's unit's active families whose code starts with, or whose code or name
    contains, ``text`` (any case): codes that start with it first; at most ``limit``."""
    families = ProductFamily.objects.filter(business_unit_id=cycle.business_unit_id, is_active=True)
    text = text.strip()
    if text:
        families = families.filter(Q(code__icontains=text) | Q(name__icontains=text))
    starts = Case(When(code__istartswith=text, then=Value(0)), default=Value(1))
    rows = families.order_by(starts, "code").values_list("code", "name")[:limit]
    return [{"code": code, "name": name} for code, name in rows]


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
