"""History rows (as a CSV file gives them) into each family's monthly actuals."""

from __future__ import annotations

import datetime

import pytest

from planning.engine import PlanInputError
from planning.forecasting import FamilyHistory, histories_from_records

COLUMNS = ["family", "month", "actual"]


def row(family: str, month: str, actual: object) -> dict[str, object]:
    return {"family": family, "month": month, "actual": actual}


def test_families_keep_the_order_they_first_appear_in_and_months_any_order() -> None:
    records = [row("B", "2025-02", "5"), row("A", "2025-01", 7), row("B", "2025-01", " 3 ")]

    table = histories_from_records(records, COLUMNS)

    assert table.families == (
        FamilyHistory("B", ((datetime.date(2025, 2, 1), 5), (datetime.date(2025, 1, 1), 3))),
        FamilyHistory("A", ((datetime.date(2025, 1, 1), 7),)),
    )
    assert table.last_month == datetime.date(2025, 2, 1)


def test_no_rows_give_no_families_and_no_last_month() -> None:
    table = histories_from_records([], COLUMNS)

    assert (table.families, table.last_month) == ((), None)


@pytest.mark.parametrize(
    ("records", "columns", "messages"),
    [
        ([], ["family", "month"], ["column 'actual' is missing"]),
        ([], ["month", "actual"], ["column 'family' is missing"]),
        ([row("A", "2025-01", "12x")], COLUMNS, ["row 1: actual must be a whole number, got '12x'"]),
        ([row("A", "2025-01", "1.5")], COLUMNS, ["row 1: actual must be a whole number, got '1.5'"]),
        ([row("A", "2025-01", "-4")], COLUMNS, ["row 1: actual must not be negative, got -4"]),
        ([row("A", "2025-01", "")], COLUMNS, ["row 1: actual is empty"]),
        ([row("A", "Jan 2025", "1")], COLUMNS, ["row 1: month must be a month written YYYY-MM, got 'Jan 2025'"]),
        ([row("A", "2025-13", "1")], COLUMNS, ["row 1: month must be a month written YYYY-MM, got '2025-13'"]),
        ([row(" ", "2025-01", "1")], COLUMNS, ["row 1: family is empty"]),
        ([{"month": "2025-01", "actual": "1"}], None, ["row 1: family is empty"]),
        (
            [row("A", "2025-01", "1"), row("B", "2025-01", "1"), row("A", "2025-01", "2")],
            COLUMNS,
            ["row 3: month 2025-01 appears twice for family 'A' (first in row 1)"],
        ),
        (
            [row("A", "2025-01", "x"), row("A", "bad", "-1")],
            COLUMNS,
            [
                "row 1: actual must be a whole number, got 'x'",
                "row 2: month must be a month written YYYY-MM, got 'bad'",
                "row 2: actual must not be negative, got -1",
            ],
        ),
    ],
)  # fmt: skip
def test_bad_rows_are_refused_naming_row_and_field(
    records: list, columns: list[str] | None, messages: list[str]
) -> None:
    with pytest.raises(PlanInputError) as raised:
        histories_from_records(records, columns)
    assert [str(issue) for issue in raised.value.issues] == messages


def test_refusal_stops_at_fifty_problems() -> None:
    records = [row("A", f"{2000 + index // 12}-{index % 12 + 1:02d}", "x") for index in range(80)]

    with pytest.raises(PlanInputError) as raised:
        histories_from_records(records, COLUMNS)

    assert len(raised.value.issues) == 50
