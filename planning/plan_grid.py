"""Reading the planning grid: a page of families x months, their inputs and computed rows.

The grid's computed rows (opening and closing stock, over-capacity) are computed here, by the
engine, from the families' own inputs: a cell save answers with its family's rows at once, with
no wait for the background recompute (which stores the same numbers for the analysis). Beside
each input, the last approved plan's value for the same family and month.

Every function reads a fixed number of queries whatever the number of families in the cycle.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value, Window
from django.db.models.expressions import RawSQL

from planning.engine import STATUS_CODES, BalanceInputs, compute_balance
from planning.issue_messages import FIELD_LABELS
from planning.models import PLAN_INPUT_FIELDS, Cycle, PlanLine, ProductFamily
from planning.roles import Stage

FAMILIES_PER_PAGE = 20
# The inputs summed per month under the grid (stock is a level, not a flow: no sum).
TOTAL_FIELDS = tuple(name for name in PLAN_INPUT_FIELDS if name != "opening_stock")
LINE_FIELDS = ("id", "family_id", "month", "version", *PLAN_INPUT_FIELDS)


@dataclass(frozen=True)
class GridLine:
    """One cell column of a family: its plan line, the computed results, the approved plan."""

    id: int
    month: datetime.date
    version: int
    inputs: dict[str, int]
    opening_stock: int  # as computed (the first month's is the input)
    closing_stock: int
    status: str
    over_capacity: bool
    approved: dict[str, int] | None  # the last approved plan's inputs for this family and month

    def change(self, name: str) -> int | None:
        """This input against the last approved plan (None when there is none)."""
        if self.approved is None:
            return None
        return self.inputs[name] - self.approved[name]


@dataclass(frozen=True)
class FamilyBlock:
    family: ProductFamily
    lines: list[GridLine]

    def total(self, name: str) -> int:
        return sum(line.inputs[name] for line in self.lines)


@dataclass(frozen=True)
class GridPage:
    families: list[ProductFamily]
    total: int
    page: int
    pages: int
    query: str
    months: list[datetime.date] = field(default_factory=list)


def cycle_families(cycle: Cycle, query: str = "") -> QuerySet[ProductFamily]:
    """The cycle's families, by code; ``query`` filters code or name.

    A cycle has a line for every one of its families in every month of its horizon (opening a
    cycle and adding a family both create the whole row), so "has a line in the first month"
    is the cheap test: one index probe per family.
    """
    families = ProductFamily.objects.filter(business_unit_id=cycle.business_unit_id).filter(
        Exists(
            PlanLine.objects.filter(
                cycle_id=cycle.pk, family_id=OuterRef("pk"), month=cycle.horizon_start
            )
        )
    )
    if query:
        families = families.filter(Q(code__icontains=query) | Q(name__icontains=query))
    return families.order_by("code")


def grid_page(
    cycle: Cycle, *, page: int = 1, query: str = "", per_page: int = FAMILIES_PER_PAGE
) -> GridPage:
    """One page of the cycle's families, filtered by ``query``, and how many there are in all.

    One query (the count rides along as a window); a second only for a page past the end.
    """
    families = cycle_families(cycle, query)
    page = max(page, 1)
    counted = families.annotate(matching=Window(Count("id")))
    chosen: list[ProductFamily] = list(counted[(page - 1) * per_page : page * per_page])
    total = int(getattr(chosen[0], "matching")) if chosen else families.count()  # noqa: B009
    pages = max(1, -(-total // per_page))
    if not chosen and page > pages:
        page = pages
        chosen = list(families[(page - 1) * per_page : page * per_page])
    return GridPage(families=chosen, total=total, page=page, pages=pages, query=query)


def month_totals(cycle: Cycle, query: str = "") -> dict[datetime.date, dict[str, int]]:
    """Month -> each summed input over ALL the cycle's families (or those ``query`` matches),
    not only a page of them: one aggregate query, whatever the number of families.

    Every plan line of a cycle belongs to one of its families (``cycle_families``), so the
    filter on the lines is the families' filter.
    """
    return _month_totals_read(cycle.pk, query)[0]


def _month_totals_read(
    cycle_id: int, query: str
) -> tuple[dict[datetime.date, dict[str, int]], int, str]:
    """The sums, and the cycle's inputs version and row version (``_cycle_row_version``) they
    were summed at, read by one statement (one snapshot: neither can move meanwhile)."""
    lines = PlanLine.objects.filter(cycle_id=cycle_id)
    if query:
        lines = lines.filter(Q(family__code__icontains=query) | Q(family__name__icontains=query))
    at_version = Subquery(Cycle.objects.filter(pk=cycle_id).values("inputs_version"))
    row_version = (
        RawSQL("SELECT xmin::text FROM planning_cycle WHERE id = %s", [cycle_id])
        if connection.vendor == "postgresql"
        else Value("")
    )
    rows = list(
        lines.values("month")
        .annotate(
            **{f"sum_{name}": Sum(name) for name in TOTAL_FIELDS},
            summed_at=at_version,
            row_version=row_version,
        )
        .order_by("month")
    )
    totals = {
        row["month"]: {name: int(row[f"sum_{name}"] or 0) for name in TOTAL_FIELDS} for row in rows
    }
    if not rows:
        return totals, 0, ""
    return totals, int(rows[0]["summed_at"]), str(rows[0]["row_version"])


# Every screen open on a cycle asks for the totals after each change (a live refresh), and so
# does every grid page: the first to ask sums (~50-150 ms at 10,000 families x 24 months), the
# others read what it cached (one query for the key instead of the sum). The key is
# the cycle row's version (PostgreSQL's xmin: every edit of a plan line bumps the cycle's
# inputs version, a new row version; never the same for two states of the database, unlike
# the inputs version, which a restored copy repeats). Without PostgreSQL, no cache.
TOTALS_CACHE_SECONDS = 120
logger = logging.getLogger(__name__)


def month_totals_cached(
    cycle: Cycle, query: str = ""
) -> tuple[dict[datetime.date, dict[str, int]], int]:
    """``month_totals`` of the cycle as it is now, and the inputs version they were summed at:
    summed by the first who asks after a change, read from the cache by the others."""
    row_version = _cycle_row_version(cycle.pk)
    cached = _cache_get(_totals_key(cycle.pk, row_version, query)) if row_version else None
    if cached is not None:
        return cached
    totals, version, summed_row_version = _month_totals_read(cycle.pk, query)
    if summed_row_version:
        _cache_set(_totals_key(cycle.pk, summed_row_version, query), (totals, version))
    return totals, version


def _cycle_row_version(cycle_id: int) -> str:
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM planning_cycle WHERE id = %s", [cycle_id])
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def _totals_key(cycle_id: int, row_version: str, query: str) -> str:
    database = connection.settings_dict["NAME"]
    digest = hashlib.sha256(f"{database}|{cycle_id}|{row_version}|{query}".encode()).hexdigest()
    return f"sop:grid-totals:{digest}"


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # the cache (Redis) is down: sum, as without it
        logger.warning("grid totals: the cache is unavailable", exc_info=True)
        return None


def _cache_set(key: str, value: Any) -> None:
    try:
        cache.set(key, value, TOTALS_CACHE_SECONDS)
    except Exception:
        logger.warning("grid totals: the cache is unavailable", exc_info=True)


def month_totals_json(totals: dict[datetime.date, dict[str, int]]) -> dict[str, Any]:
    """The grid's footer as its script reads it: per input, the months' sums and their total."""
    months = sorted(totals)
    rows = {name: [totals[month][name] for month in months] for name in TOTAL_FIELDS}
    return {
        "months": [f"{month:%Y-%m}" for month in months],
        "rows": {name: {"months": sums, "total": sum(sums)} for name, sums in rows.items()},
    }


def last_approved_cycle(cycle: Cycle) -> Cycle | None:
    """The business unit's most recent approved cycle planned before ``cycle``."""
    return (
        Cycle.objects.filter(
            business_unit_id=cycle.business_unit_id,
            stage=Stage.APPROVED,
            plan_month__lt=cycle.plan_month,
        )
        .order_by("-plan_month")
        .first()
    )


def approved_values(
    cycle: Cycle, family_ids: list[int]
) -> dict[tuple[int, datetime.date], dict[str, int]]:
    """(family id, month) -> the last approved plan's inputs, for the months both plans share.

    An approved cycle's plan lines are frozen (no stage allows edits), so they are its plan.
    """
    approved = last_approved_cycle(cycle)
    if approved is None or not family_ids:
        return {}
    rows = PlanLine.objects.filter(
        cycle_id=approved.pk, family_id__in=family_ids, month__gte=cycle.horizon_start
    ).values_list("family_id", "month", *PLAN_INPUT_FIELDS)
    return {(row[0], row[1]): dict(zip(PLAN_INPUT_FIELDS, row[2:], strict=True)) for row in rows}


def family_blocks(
    cycle: Cycle, families: list[ProductFamily], *, with_approved: bool = True
) -> list[FamilyBlock]:
    """The families' lines with their computed rows (the engine, run on these families only)."""
    family_ids = [family.pk for family in families]
    if not family_ids:
        return []
    rows = list(
        PlanLine.objects.filter(cycle_id=cycle.pk, family_id__in=family_ids)
        .order_by("family_id", "month")
        .values_list(*LINE_FIELDS)
    )
    approved = approved_values(cycle, family_ids) if with_approved else {}
    if not rows:
        return [FamilyBlock(family, []) for family in families]
    matrix = np.asarray([row[4:] for row in rows], dtype=np.int64).reshape(-1, 6)
    owners = np.asarray([row[1] for row in rows], dtype=np.int64)
    starts = np.ones(len(rows), dtype=np.bool_)
    starts[1:] = owners[1:] != owners[:-1]
    columns = {name: np.ascontiguousarray(matrix[:, i]) for i, name in enumerate(PLAN_INPUT_FIELDS)}
    result = compute_balance(
        BalanceInputs(**columns, family_starts=starts),
        cycle.business_unit.excess_multiplier,
    )
    opening = result.opening_stock.tolist()
    closing = result.closing_stock.tolist()
    status = result.status.tolist()
    over = result.over_capacity.tolist()
    by_family: dict[int, list[GridLine]] = {}
    for index, row in enumerate(rows):
        by_family.setdefault(row[1], []).append(
            GridLine(
                id=row[0],
                month=row[2],
                version=row[3],
                inputs=dict(zip(PLAN_INPUT_FIELDS, row[4:], strict=True)),
                opening_stock=opening[index],
                closing_stock=closing[index],
                status=STATUS_CODES[status[index]],
                over_capacity=over[index],
                approved=approved.get((row[1], row[2])),
            )
        )
    return [FamilyBlock(family, by_family.get(family.pk, [])) for family in families]


def family_block_json(block: FamilyBlock) -> dict[str, Any]:
    """A family's rows as the grid's script reads them (a save's answer, a live refresh)."""
    return {
        "family": block.family.pk,
        "code": block.family.code,
        "lines": [
            {
                "id": line.id,
                "month": f"{line.month:%Y-%m}",
                "version": line.version,
                **line.inputs,
                "computed_opening_stock": line.opening_stock,
                "closing_stock": line.closing_stock,
                "over_capacity": line.over_capacity,
                "approved": line.approved,
            }
            for line in block.lines
        ],
    }


# --- the grid as a page shows it ---------------------------------------------------------------

COMPUTED_ROWS = ("closing_stock",)


@dataclass(frozen=True)
class GridCell:
    line: GridLine
    field: str
    value: int
    is_input: bool  # an input box (editable or read-only); else a computed figure
    editable: bool

    @property
    def approved(self) -> int | None:
        return None if self.line.approved is None else self.line.approved.get(self.field)

    @property
    def change(self) -> int | None:
        return None if self.approved is None else self.value - self.approved

    @property
    def over_capacity(self) -> bool:
        return self.field == "production_plan" and self.line.over_capacity


@dataclass(frozen=True)
class GridRow:
    key: str  # the input field, or the computed row's name
    cells: list[GridCell]
    total: int | None  # over the months; None where a sum means nothing (stock)
    computed: bool = False

    @property
    def label(self) -> str:
        return str(FIELD_LABELS[self.key])


@dataclass(frozen=True)
class GridBlock:
    family: ProductFamily
    rows: list[GridRow]


@dataclass(frozen=True)
class Grid:
    blocks: list[GridBlock]
    months: list[datetime.date]
    footer: list[GridRow]  # per input field: each month summed over every family (or match)
    page: GridPage
    editable: frozenset[str]
    has_approved: bool


def grid_for(
    cycle: Cycle,
    fields: tuple[str, ...],
    *,
    editable: frozenset[str],
    page: int = 1,
    query: str = "",
) -> Grid:
    """A page of the grid: each family's input rows (``editable`` ones as inputs) and computed
    rows, per-family totals, and per-month totals over every family of the cycle (or every
    one the filter matches), not only the page's. Opening stock is an input in the first
    month only; later months show the stock rolled forward.
    """
    chosen = grid_page(cycle, page=page, query=query)
    blocks = family_blocks(cycle, chosen.families)
    months = [line.month for line in blocks[0].lines] if blocks else []
    grid_blocks = [GridBlock(block.family, _rows(block, fields, editable)) for block in blocks]
    totals = month_totals_cached(cycle, query)[0] if blocks else {}
    footer = []
    for name in fields:
        if name not in TOTAL_FIELDS:
            continue
        sums = [totals.get(month, {}).get(name, 0) for month in months]
        cells = [GridCell(_NO_LINE, name, value, is_input=False, editable=False) for value in sums]
        footer.append(GridRow(name, cells, sum(sums), computed=True))
    return Grid(
        blocks=grid_blocks,
        months=months,
        footer=footer,
        page=GridPage(chosen.families, chosen.total, chosen.page, chosen.pages, query, months),
        editable=editable,
        has_approved=any(line.approved for block in blocks for line in block.lines),
    )


def _rows(block: FamilyBlock, fields: tuple[str, ...], editable: frozenset[str]) -> list[GridRow]:
    rows = []
    for name in fields:
        may = name in editable
        if name == "opening_stock":
            cells = [
                GridCell(line, name, line.inputs[name], is_input=True, editable=may)
                if index == 0
                else GridCell(line, name, line.opening_stock, is_input=False, editable=False)
                for index, line in enumerate(block.lines)
            ]
            rows.append(GridRow(name, cells, None))
            continue
        cells = [
            GridCell(line, name, line.inputs[name], is_input=True, editable=may)
            for line in block.lines
        ]
        rows.append(GridRow(name, cells, block.total(name)))
    for name in COMPUTED_ROWS:
        cells = [
            GridCell(line, name, getattr(line, name), is_input=False, editable=False)
            for line in block.lines
        ]
        rows.append(GridRow(name, cells, None, computed=True))
    return rows


_NO_LINE = GridLine(
    id=0,
    month=datetime.date(2000, 1, 1),
    version=0,
    inputs={},
    opening_stock=0,
    closing_stock=0,
    status="balanced",
    over_capacity=False,
    approved=None,
)
