"""Aligned plain-text tables for the command line, counting CJK characters as two columns."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def format_int(value: int) -> str:
    return f"{value:,}"


def render_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric_columns: set[int] | None = None
) -> str:
    numeric_columns = numeric_columns or set()
    widths = [
        max(display_width(line[column]) for line in [header, *rows])
        for column in range(len(header))
    ]

    def line(cells: Sequence[str]) -> str:
        padded = []
        for column, cell in enumerate(cells):
            padding = " " * (widths[column] - display_width(cell))
            padded.append(padding + cell if column in numeric_columns else cell + padding)
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(row) for row in rows)])
