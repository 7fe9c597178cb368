"""From loosely typed rows (a CSV file, later an import) to each family's monthly actuals.

The rows are checked by the plan parser's own machinery (``planning.engine.plan_table``), so a
history file is refused with exactly the row-and-field messages of a plan file: a missing
column, a missing family or month, text in a number, a negative, a month not written YYYY-MM,
a (family, month) given twice. Unlike a plan, a history may list months in any order and skip
months (a month without demand often has no row); the forecast counts a skipped month as zero.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from planning.engine.errors import InputIssue, PlanInputError
from planning.engine.plan_table import MAX_ISSUES, RowParser

REQUIRED_COLUMNS = ("family", "month", "actual")


@dataclass(frozen=True)
class FamilyHistory:
    family: str
    actuals: tuple[tuple[datetime.date, int], ...]  # (first of month, actual), file order


@dataclass(frozen=True)
class HistoryTable:
    """Every family's history, families in the order they first appear, and the last month
    of the whole file (``None`` without rows), from which all families are forecast."""

    families: tuple[FamilyHistory, ...]
    last_month: datetime.date | None


def histories_from_records(
    records: Iterable[Mapping[str, Any]], columns: Iterable[str] | None = None
) -> HistoryTable:
    """Validate ``records`` (dicts of strings or numbers with family, month, actual).

    ``columns``, when given (a CSV header), is checked for the required columns first. Raises
    :class:`PlanInputError` listing every issue found (at most ``MAX_ISSUES``), each naming its
    1-based row and field.
    """
    if columns is not None:
        missing = [name for name in REQUIRED_COLUMNS if name not in set(columns)]
        if missing:
            raise PlanInputError([InputIssue("missing_column", name) for name in missing])
    parser = _HistoryParser()
    for row_number, record in enumerate(records, start=1):
        parser.add(row_number, record)
        if len(parser.issues) >= MAX_ISSUES:
            break
    if parser.issues:
        raise PlanInputError(parser.issues)
    return parser.history_table()


class _HistoryParser(RowParser):
    """The plan parser's family, month and quantity checks, with a history's own rules for the
    order of months (any) and duplicates (refused, naming the first row)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_family: dict[str, list[tuple[datetime.date, int]]] = {}
        self.last_index: int | None = None

    def add(self, row: int, record: Mapping[str, Any]) -> None:
        if not isinstance(record, Mapping):
            self.issues.append(InputIssue("not_an_object", "row", row))
            return
        issues_before = len(self.issues)
        family = self._family(row, record)
        if family is None and len(self.issues) == issues_before:
            self.issues.append(InputIssue("missing_value", "family", row))
        _month_text, month_index = self._month(row, record)
        actual = self._quantity(row, record, "actual", optional=False)
        if family is None or month_index is None:
            return
        if self._is_duplicate(row, family, month_index) or len(self.issues) > issues_before:
            return
        month = datetime.date(month_index // 12, month_index % 12 + 1, 1)
        self.by_family.setdefault(family, []).append((month, actual))
        self.last_index = max(month_index, self.last_index or month_index)

    def history_table(self) -> HistoryTable:
        families = tuple(
            FamilyHistory(family, tuple(actuals)) for family, actuals in self.by_family.items()
        )
        if self.last_index is None:
            return HistoryTable(families, None)
        last = datetime.date(self.last_index // 12, self.last_index % 12 + 1, 1)
        return HistoryTable(families, last)

    def _is_duplicate(self, row: int, family: str, month_index: int) -> bool:
        key = (family, month_index)
        if key not in self.seen_months:
            self.seen_months[key] = row
            return False
        month = f"{month_index // 12:04d}-{month_index % 12 + 1:02d}"
        params = {"value": month, "family": family, "other_row": self.seen_months[key]}
        self.issues.append(InputIssue("duplicate_month", "month", row, params))
        return True
