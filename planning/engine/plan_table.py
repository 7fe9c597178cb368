"""From loosely typed rows (a CSV file, a JSON document, an import) to validated engine inputs.

Every problem is collected with its row and field, so a planner fixes a file in one pass instead
of one error at a time.  Nothing here knows about Django or the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import numpy as np

from planning.engine.balance import (
    DEFAULT_EXCESS_MULTIPLIER,
    MAX_QUANTITY,
    QUANTITY_FIELDS,
    STATUS_CODES,
    BalanceInputs,
    IntArray,
    compute_balance,
)
from planning.engine.errors import InputIssue, PlanInputError, shown_value

REQUIRED_COLUMNS = ("month", *QUANTITY_FIELDS)
MAX_ISSUES = 50
_MONTH = re.compile(r"^\s*(\d{4})-(\d{2})\s*$", re.ASCII)
# ASCII digits only: int() would also read other scripts' digits ("١٢" as 12) without a word.
_INTEGRAL = re.compile(r"^\s*([+-]?)0*(\d+)(?:\.0*)?\s*$", re.ASCII)
# More digits than any quantity has: refused as too large without converting (Python refuses
# to convert integers of over 4,300 digits, and a message should not repeat them).
_MAX_DIGITS = len(str(MAX_QUANTITY))
_TOO_LONG = object()


@dataclass(frozen=True)
class PlanRow:
    """One analysed plan line, ready to print or serialize."""

    family: str | None
    month: str
    demand_forecast: int
    confirmed_orders: int
    effective_demand: int
    production_plan: int
    capacity_max: int
    opening_stock: int
    closing_stock: int
    stock_days: float
    safety_stock_target: int
    utilization: float | None
    status: str
    over_capacity: bool
    infeasible: bool


@dataclass(frozen=True, eq=False)
class PlanTable:
    """Validated rows: ``inputs`` holds them grouped by family; ``order`` maps back to the file."""

    families: tuple[str | None, ...]
    months: tuple[str, ...]
    inputs: BalanceInputs
    order: IntArray  # inputs row i is file row order[i]

    def analyse(
        self, excess_multiplier: int | float | str | Decimal | Fraction = DEFAULT_EXCESS_MULTIPLIER
    ) -> list[PlanRow]:
        """The analysis of every row, in the order of the file."""
        result = compute_balance(self.inputs, excess_multiplier)
        rows: list[PlanRow | None] = [None] * len(self.order)
        columns = {
            "demand_forecast": self.inputs.demand_forecast.tolist(),
            "confirmed_orders": self.inputs.confirmed_orders.tolist(),
            "effective_demand": result.effective_demand.tolist(),
            "production_plan": self.inputs.production_plan.tolist(),
            "capacity_max": self.inputs.capacity_max.tolist(),
            "opening_stock": result.opening_stock.tolist(),
            "closing_stock": result.closing_stock.tolist(),
            "stock_days": result.stock_days.tolist(),
            "safety_stock_target": self.inputs.safety_stock_target.tolist(),
            "over_capacity": result.over_capacity.tolist(),
            "infeasible": result.infeasible.tolist(),
        }
        utilization = result.utilization.tolist()
        status = result.status.tolist()
        for position, file_row in enumerate(self.order.tolist()):
            rows[file_row] = PlanRow(
                family=self.families[file_row],
                month=self.months[file_row],
                utilization=None if np.isnan(utilization[position]) else utilization[position],
                status=STATUS_CODES[status[position]],
                **{name: values[position] for name, values in columns.items()},
            )
        return [row for row in rows if row is not None]


def plan_table_from_records(
    records: Iterable[Mapping[str, Any]], columns: Iterable[str] | None = None
) -> PlanTable:
    """Validate ``records`` (dicts of strings or numbers) into a :class:`PlanTable`.

    ``columns``, when given (a CSV header), is checked for the required columns first.  Raises
    :class:`PlanInputError` listing every issue found, each naming its 1-based row and field.
    """
    if columns is not None:
        missing = [name for name in REQUIRED_COLUMNS if name not in set(columns)]
        if missing:
            raise PlanInputError([InputIssue("missing_column", name) for name in missing])
    parser = RowParser()
    for row_number, record in enumerate(records, start=1):
        parser.add(row_number, record)
        if len(parser.issues) >= MAX_ISSUES:
            break
    return parser.table()


class RowParser:
    """Parses a table's rows field by field, collecting every issue by row and column; the
    plan, KPI and forecast-history readers share it so that their refusals read alike."""

    def __init__(self) -> None:
        self.issues: list[InputIssue] = []
        self.families: list[str | None] = []
        self.months: list[str] = []
        self.values: dict[str, list[int]] = {name: [] for name in QUANTITY_FIELDS}
        self.family_index: dict[str | None, int] = {}
        self.row_family: list[int] = []
        self.last_month: dict[str | None, tuple[int, str, int]] = {}
        self.seen_months: dict[tuple[str | None, int], int] = {}

    def add(self, row: int, record: Mapping[str, Any]) -> None:
        if not isinstance(record, Mapping):
            self.issues.append(InputIssue("not_an_object", "row", row))
            return
        family = self._family(row, record)
        first_of_family = family not in self.last_month
        month_text, month_index = self._month(row, record)
        for name in QUANTITY_FIELDS:
            optional = name == "opening_stock" and not first_of_family
            self.values[name].append(self._quantity(row, record, name, optional))
        self.families.append(family)
        self.months.append(month_text)
        self.row_family.append(self.family_index.setdefault(family, len(self.family_index)))
        if month_index is not None:
            self._check_sequence(row, family, month_text, month_index)

    def table(self) -> PlanTable:
        if not self.families and not self.issues:
            self.issues.append(InputIssue("empty_plan", "rows"))
        if self.issues:
            raise PlanInputError(self.issues)
        family_of_row = np.asarray(self.row_family, dtype=np.int64)
        order = np.argsort(family_of_row, kind="stable")
        grouped_family = family_of_row[order]
        starts = np.ones(len(order), dtype=np.bool_)
        starts[1:] = grouped_family[1:] != grouped_family[:-1]
        arrays = {
            name: np.asarray(values, dtype=np.int64)[order] for name, values in self.values.items()
        }
        return PlanTable(
            families=tuple(self.families),
            months=tuple(self.months),
            inputs=BalanceInputs(family_starts=starts, **arrays),
            order=order,
        )

    def _family(self, row: int, record: Mapping[str, Any]) -> str | None:
        if "family" not in record or record["family"] is None:
            return None
        raw = record["family"]
        if not isinstance(raw, str | int) or isinstance(raw, bool):
            self.issues.append(InputIssue("bad_name", "family", row))
            return None
        family = str(raw).strip()
        if not family:
            self.issues.append(InputIssue("missing_value", "family", row))
        return family or None

    def _month(self, row: int, record: Mapping[str, Any]) -> tuple[str, int | None]:
        raw = record.get("month")
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            self.issues.append(InputIssue("missing_value", "month", row))
            return "", None
        match = _MONTH.match(raw) if isinstance(raw, str) else None
        if not match or not 1 <= int(match.group(2)) <= 12 or not int(match.group(1)) >= 1900:
            self.issues.append(InputIssue("bad_month", "month", row, {"value": raw}))
            return shown_value(raw), None
        year, month = int(match.group(1)), int(match.group(2))
        return f"{year:04d}-{month:02d}", year * 12 + month - 1

    def _quantity(self, row: int, record: Mapping[str, Any], name: str, optional: bool) -> int:
        raw = record.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if not optional:
                self.issues.append(InputIssue("missing_value", name, row))
            return 0
        value = _as_integer(raw)
        if value is _TOO_LONG:
            self.issues.append(
                InputIssue("too_large", name, row, {"value": raw, "limit": MAX_QUANTITY})
            )
        elif value is None:
            self.issues.append(InputIssue("not_integer", name, row, {"value": raw}))
        elif value < 0:
            self.issues.append(InputIssue("negative", name, row, {"value": value}))
        elif value > MAX_QUANTITY:
            self.issues.append(
                InputIssue("too_large", name, row, {"value": value, "limit": MAX_QUANTITY})
            )
        else:
            return value
        return 0

    def _check_sequence(self, row: int, family: str | None, month: str, index: int) -> None:
        key = (family, index)
        family_label = family or "-"
        if key in self.seen_months:
            self.issues.append(
                InputIssue(
                    "duplicate_month",
                    "month",
                    row,
                    {"value": month, "family": family_label, "other_row": self.seen_months[key]},
                )
            )
            return
        self.seen_months[key] = row
        previous = self.last_month.get(family)
        self.last_month[family] = (index, month, row)
        if previous is None:
            return
        previous_index, previous_month, _ = previous
        params = {"value": month, "previous": previous_month, "family": family_label}
        if index < previous_index:
            self.issues.append(InputIssue("month_out_of_order", "month", row, params))
        elif index > previous_index + 1:
            self.issues.append(InputIssue("month_gap", "month", row, params))


def _as_integer(raw: Any) -> Any:
    """A whole number from an int, an integral float or decimal, or text such as '12000'.

    ``None`` when ``raw`` is no whole number, ``_TOO_LONG`` when it has more digits than any
    quantity may have.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float | Decimal):
        try:
            return int(raw) if raw == int(raw) else None
        except (OverflowError, ValueError, InvalidOperation):
            return None
    if not isinstance(raw, str):
        return None
    match = _INTEGRAL.match(raw)
    if not match:
        return None
    sign, digits = match.groups()
    if len(digits) > _MAX_DIGITS:
        return _TOO_LONG
    return int(sign + digits)
