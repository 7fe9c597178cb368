"""Input errors that name the row and field, without depending on any UI language.

The engine reports *what* is wrong as a code plus parameters; the interface layer (the command
line, the API, the browser) turns the code into a translated sentence.  ``str()`` gives a plain
English rendering for logs and for callers without a translation layer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Default English wording for each issue code; the Django layer has the translatable twins.
ISSUE_TEMPLATES: dict[str, str] = {
    "missing_column": "column '{field}' is missing",
    "missing_value": "{field} is empty",
    "not_integer": "{field} must be a whole number, got '{value}'",
    "not_number": "{field} must be a finite number, got '{value}'",
    "negative": "{field} must not be negative, got {value}",
    "too_large": "{field} is implausibly large ({value}); the limit is {limit}",
    "bad_month": "{field} must be a month written YYYY-MM, got '{value}'",
    "duplicate_month": (
        "month {value} appears twice for family '{family}' (first in row {other_row})"
    ),
    "month_out_of_order": (
        "month {value} comes after {previous} for family '{family}'; months must be in order"
    ),
    "month_gap": "the horizon for family '{family}' has a gap: {previous} is followed by {value}",
    "bad_multiplier": "{field} must be a number between 1 and 100, got '{value}'",
    "empty_plan": "the plan has no rows",
    "not_an_object": "each row must be an object with named fields",
    "bad_name": "{field} must be a non-empty text",
}


@dataclass(frozen=True)
class InputIssue:
    """One problem with one field of one input row (``row`` is 1-based, ``None`` for the file)."""

    code: str
    field: str
    row: int | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def describe(self, templates: dict[str, str] | None = None) -> str:
        template = (templates or ISSUE_TEMPLATES).get(self.code, self.code)
        text = template.format(field=self.field, **self.shown_params())
        return f"row {self.row}: {text}" if self.row is not None else text

    def shown_params(self) -> dict[str, str]:
        return {name: shown_value(value) for name, value in self.params.items()}

    def __str__(self) -> str:
        return self.describe()


SHOWN_LENGTH = 40


def shown_value(value: Any) -> str:
    """``value`` as a short text for a message: an input may be a 5,000-digit number, a
    megabyte of text or a deeply nested list, none of which a message should repeat in full."""
    if isinstance(value, dict | list | tuple):
        return "{…}" if isinstance(value, dict) else "[…]"
    try:
        text = str(value)
    except ValueError:  # an integer too long for Python to convert to text
        return "…"
    if len(text) <= SHOWN_LENGTH:
        return text
    return f"{text[: SHOWN_LENGTH - 1]}…"


class PlanInputError(ValueError):
    """Raised when the input plan cannot be analysed; carries every issue found, not just one."""

    def __init__(self, issues: Sequence[InputIssue]):
        self.issues: tuple[InputIssue, ...] = tuple(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))
