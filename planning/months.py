"""Calendar months as first-of-month dates."""

from __future__ import annotations

import datetime


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_range(start: datetime.date, count: int) -> list[datetime.date]:
    return [add_months(first_of_month(start), offset) for offset in range(count)]


def parse_month(text: str) -> datetime.date:
    """'2024-04' -> date(2024, 4, 1); raises ValueError for anything else."""
    year, month = text.strip().split("-")
    if len(year) != 4 or len(month) != 2:
        raise ValueError(text)
    return datetime.date(int(year), int(month), 1)
