"""From loosely typed rows (a CSV file, an import) to validated :class:`KpiRow` values.

The checks and their wording are the balance reader's (``plan_table``): a missing column, an
empty field, text in a number, a negative or absurd quantity, a month not written YYYY-MM, a
(family, month) given twice, a file with no rows; every issue names its 1-based row and field,
and every issue of the file is reported at once.  Unlike a plan, actuals need not cover an
unbroken run of months, so gaps and order are not checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from planning.engine.errors import InputIssue, PlanInputError
from planning.engine.kpi import KpiRow, Quantity
from planning.engine.plan_table import MAX_ISSUES, RowParser

REQUIRED_COLUMNS = ("family", "month", "actual", "forecast")
# A missing optional column, or an empty cell in one, means "not known": that row takes no part
# in the KPIs that need the figure (FVA, plan adherence, fill rate).
OPTIONAL_COLUMNS = ("baseline_forecast", "planned_production", "actual_production", "shipped")
# Optional too: the business unit a row belongs to, so KPIs can be grouped by unit.
BUSINESS_UNIT = "business_unit"


def kpi_rows_from_records(
    records: Iterable[Mapping[str, Any]], columns: Iterable[str] | None = None
) -> list[KpiRow]:
    """Validate ``records`` into KPI rows; :class:`PlanInputError` lists every issue found.

    ``columns``, when given (a CSV header), is checked for the required columns first.
    """
    if columns is not None:
        present = set(columns)
        missing = [name for name in REQUIRED_COLUMNS if name not in present]
        if missing:
            raise PlanInputError([InputIssue("missing_column", name) for name in missing])
    parser = _KpiRowParser()
    for row_number, record in enumerate(records, start=1):
        parser.add_kpi_row(row_number, record)
        if len(parser.issues) >= MAX_ISSUES:
            break
    return parser.kpi_rows()


class _KpiRowParser(RowParser):
    """The balance reader's field checks, applied to the KPI file's columns."""

    def __init__(self) -> None:
        super().__init__()
        self.parsed: list[KpiRow] = []
        self.first_row_of: dict[tuple[str, int], int] = {}

    def add_kpi_row(self, row: int, record: Mapping[str, Any]) -> None:
        if not isinstance(record, Mapping):
            self.issues.append(InputIssue("not_an_object", "row", row))
            return
        issues_before = len(self.issues)
        family = self._required_family(row, record)
        month, month_index = self._month(row, record)
        actual = self._quantity(row, record, "actual", optional=False)
        forecast = self._quantity(row, record, "forecast", optional=False)
        baseline, planned, produced, shipped = (
            self._optional_quantity(row, record, name) for name in OPTIONAL_COLUMNS
        )
        if family is not None and month_index is not None:
            self._check_duplicate(row, family, month, month_index)
        if len(self.issues) == issues_before and family is not None:
            self.parsed.append(
                KpiRow(
                    family,
                    month,
                    actual,
                    forecast,
                    baseline_forecast=baseline,
                    planned_production=planned,
                    actual_production=produced,
                    shipped=shipped,
                    business_unit=self._business_unit(record),
                )
            )

    def kpi_rows(self) -> list[KpiRow]:
        if not self.parsed and not self.issues:
            self.issues.append(InputIssue("empty_plan", "rows"))
        if self.issues:
            raise PlanInputError(self.issues)
        return self.parsed

    def _required_family(self, row: int, record: Mapping[str, Any]) -> str | None:
        if record.get("family") is None:
            self.issues.append(InputIssue("missing_value", "family", row))
            return None
        return self._family(row, record)

    @staticmethod
    def _business_unit(record: Mapping[str, Any]) -> str | None:
        raw = record.get(BUSINESS_UNIT)
        if raw is None:
            return None
        return str(raw).strip() or None

    def _optional_quantity(self, row: int, record: Mapping[str, Any], name: str) -> Quantity | None:
        raw = record.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        return self._quantity(row, record, name, optional=False)

    def _check_duplicate(self, row: int, family: str, month: str, month_index: int) -> None:
        first = self.first_row_of.setdefault((family, month_index), row)
        if first != row:
            self.issues.append(
                InputIssue(
                    "duplicate_month",
                    "month",
                    row,
                    {"value": month, "family": family, "other_row": first},
                )
            )
