"""Serializer fields for the API's own value types, each with the schema it really accepts.

* A **month** is written ``YYYY-MM`` (a full ``YYYY-MM-DD`` date is read as its month), between
  ``MIN_MONTH`` and ``MAX_MONTH``: month 0001-01 or 9999-12 is a typing error, and 9999-12 used
  to crash the horizon arithmetic.
* A **quantity** of units is a whole number: a JSON integer, or a string of digits with an
  optional sign and commas only between groups of three (``"12,500"``). ``"1,5"`` or
  ``"1,2,3,4"`` could mean several numbers, so they are refused rather than guessed
  (``planning.services.plan_lines.whole_number`` is the rule; the service applies it).
* An **id** is a positive integer that fits the database's 64-bit key.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from planning.engine.balance import MAX_QUANTITY

# The longest comment, reason or note anybody writes: the browser forms and the API agree.
TEXT_LIMIT = 2000

MIN_MONTH = datetime.date(2000, 1, 1)
MAX_MONTH = datetime.date(2100, 12, 1)
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])(-[0-9]{2})?$"
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2}))?")
MAX_ID = 2**63 - 1
QUANTITY_TEXT_PATTERN = r"^\s*[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)\s*$"


@extend_schema_field(
    {
        "type": "string",
        "pattern": MONTH_PATTERN,
        "example": "2024-04",
        "description": "A month, YYYY-MM, from 2000-01 to 2100-12.",
    }
)
class MonthField(serializers.Field):
    default_error_messages = {
        "invalid": _("Enter a month as YYYY-MM."),
        "range": _("Enter a month from 2000-01 to 2100-12."),
    }

    def to_internal_value(self, data: Any) -> datetime.date:
        match = _MONTH.fullmatch(data.strip()) if isinstance(data, str) else None
        if match is None:
            self.fail("invalid")
        year, month, day = match.groups()
        try:
            value = datetime.date(int(year), int(month), int(day or 1))
        except ValueError:
            self.fail("invalid")
        if not MIN_MONTH <= value.replace(day=1) <= MAX_MONTH:
            self.fail("range")
        return value.replace(day=1)

    def to_representation(self, value: datetime.date | str) -> str:
        return value if isinstance(value, str) else f"{value:%Y-%m}"


def month_list_field(**kwargs: Any) -> serializers.ListField:
    """A list of months, at most a decade's worth."""
    return serializers.ListField(child=MonthField(), max_length=120, **kwargs)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 0, "maximum": MAX_QUANTITY},
            {"type": "string", "pattern": QUANTITY_TEXT_PATTERN, "example": "12,500"},
        ],
        "description": "Units: a whole number, or its digits as text (commas only between "
        "groups of three).",
    }
)
class QuantityField(serializers.JSONField):
    """Passes the raw value on: the plan-line service reads it by the one rule for quantities."""


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)
