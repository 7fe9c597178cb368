"""Paging query parameters, read strictly: a value we cannot read is refused, not ignored.

DRF's ``LimitOffsetPagination`` silently falls back to its default for ``?limit=abc`` or
``?offset=-1``, so a client never learns that it got another page than it asked for.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

MAX_PAGE_SIZE = 5000
MAX_OFFSET = 10**9


def query_int(request: Request, name: str, *, default: int, low: int, high: int) -> int:
    """The integer query parameter ``name`` (plain digits), or 400 naming it."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)):
        raise exceptions.ValidationError(
            {name: [_("Enter a whole number from %(low)d to %(high)d.") % _bounds(low, high)]}
        )
    value = int(text)
    if not low <= value <= high:
        raise exceptions.ValidationError(
            {name: [_("Enter a whole number from %(low)d to %(high)d.") % _bounds(low, high)]}
        )
    return value


def _bounds(low: int, high: int) -> dict[str, int]:
    return {"low": low, "high": high}


def query_int_schema(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


class StrictLimitOffsetPagination(LimitOffsetPagination):
    max_limit = MAX_PAGE_SIZE

    def get_limit(self, request: Request) -> int:
        default = self.default_limit or MAX_PAGE_SIZE
        name = self.limit_query_param
        return query_int(request, name, default=default, low=1, high=MAX_PAGE_SIZE)

    def get_offset(self, request: Request) -> int:
        return query_int(request, self.offset_query_param, default=0, low=0, high=MAX_OFFSET)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: query_int_schema(1, MAX_PAGE_SIZE),
            self.offset_query_param: query_int_schema(0, MAX_OFFSET),
        }
        for parameter in parameters:
            parameter["schema"] = bounds.get(parameter["name"], parameter["schema"])
        return parameters
