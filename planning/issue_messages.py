"""Translated wording for the engine's input issues and result labels.

The engine reports issues as codes (``planning.engine.errors``); this module renders them in the
active language, for the command line, the API and the pages alike.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from planning.engine.errors import InputIssue, PlanInputError

ISSUE_TEXTS: dict[str, Promise] = {
    "missing_column": _("column '{field}' is missing"),
    "missing_value": _("{field} is empty"),
    "not_integer": _("{field} must be a whole number, got '{value}'"),
    "not_number": _("{field} must be a finite number, got '{value}'"),
    "negative": _("{field} must not be negative, got {value}"),
    "too_large": _("{field} is implausibly large ({value}); the limit is {limit}"),
    "bad_month": _("{field} must be a month written YYYY-MM, got '{value}'"),
    "duplicate_month": _(
        "month {value} appears twice for family '{family}' (first in row {other_row})"
    ),
    "month_out_of_order": _(
        "month {value} comes after {previous} for family '{family}'; months must be in order"
    ),
    "month_gap": _(
        "the horizon for family '{family}' has a gap: {previous} is followed by {value}"
    ),
    "bad_multiplier": _("{field} must be a number between 1 and 100, got '{value}'"),
    "empty_plan": _("the plan has no rows"),
    "not_an_object": _("each row must be an object with named fields"),
    "bad_name": _("{field} must be a non-empty text"),
}

STATUS_LABELS: dict[str, Promise] = {
    "short": _("Short — expand capacity or add stock"),
    "balanced": _("Balanced"),
    "excess": _("Excess stock — consider cutting production"),
}

FIELD_LABELS: dict[str, Promise] = {
    "family": _("Product family"),
    "month": _("Month"),
    "demand_forecast": _("Demand forecast"),
    "confirmed_orders": _("Confirmed orders"),
    "effective_demand": _("Effective demand"),
    "production_plan": _("Production plan"),
    "capacity_max": _("Maximum capacity"),
    "opening_stock": _("Opening stock"),
    "closing_stock": _("Closing stock"),
    "stock_days": _("Stock days"),
    "safety_stock_target": _("Safety stock target"),
    "utilization": _("Utilization"),
    "status": _("Balance"),
    "over_capacity": _("Over capacity"),
    "infeasible": _("Infeasible"),
    "name": _("Alternative"),
    "additional_capacity": _("Additional capacity"),
    "can_fill": _("Can fill"),
    "remaining_gap": _("Remaining gap"),
    "fill_rate": _("Fill rate"),
    "cost": _("Cost"),
    "lead_time_days": _("Lead time (days)"),
}

CAPACITY_SUFFICIENT = _("Capacity sufficient, no adjustment needed")


def describe_issue(issue: InputIssue) -> str:
    """One issue as a sentence in the active language, prefixed with its row when it has one."""
    template = ISSUE_TEXTS.get(issue.code)
    if template is None:
        return str(issue)
    text = str(template).format(field=issue.field, **issue.shown_params())
    if issue.row is None:
        return text
    return gettext("row %(row)s: %(text)s") % {"row": issue.row, "text": text}


def describe_error(error: PlanInputError) -> list[str]:
    return [describe_issue(issue) for issue in error.issues]
