"""The API's JSON parser: bounded in size and depth, and strict about what it accepts.

DRF's own parser hands the stream to ``json.load``: a 50,000-level nested body raises
``RecursionError`` (a 500), the body is read whatever its size (``DATA_UPLOAD_MAX_MEMORY_SIZE`` only
guards ``request.body``), and a NUL character reaches PostgreSQL, which refuses it (a 500).  This
one refuses all three with the API's error shape; it is the default parser of every API view.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

# Our request bodies are at most four levels deep (approve → capacity_decisions → row → value);
# the margin leaves room for growth without letting a body recurse through the serializers.
MAX_JSON_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        raw = _read_bounded(stream, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise exceptions.ParseError(
                _("The request body is not valid %(encoding)s text.") % {"encoding": encoding}
            ) from None
        try:
            data = json.loads(
                text,
                parse_constant=_refuse_constant,
                parse_float=_finite_float,
                parse_int=_bounded_int,
            )
        except RecursionError:
            raise exceptions.ParseError(_too_deep_message()) from None
        except ValueError as error:
            raise exceptions.ParseError(
                _("The request body is not valid JSON: %(error)s") % {"error": error}
            ) from None
        json_value_check(data)
        return data


def _read_bounded(stream: IO[bytes] | None, limit: int | None) -> bytes:
    if stream is None:
        return b""
    if limit is None:
        return stream.read()
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise RequestTooLarge(_request_too_large_message(limit))
    return raw


def _request_too_large_message(limit: int) -> str:
    return _("The request body is larger than the limit of %(limit)s bytes.") % {
        "limit": f"{limit:,}"
    }


def _refuse_constant(name: str) -> Any:
    raise ValueError(_("%(name)s is not a number JSON allows.") % {"name": name})


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        # json reads 1e400 as infinity; refuse it rather than store a number nobody sent.
        raise ValueError(_("%(number)s is out of range.") % {"number": text[:40]})
    return value


# Python refuses to convert integers of more than 4,300 digits with a message meant for
# programmers; longer ones are refused here in our words. Shorter ones reach the serializers,
# which name the field that is out of range.
MAX_INTEGER_DIGITS = 4000


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError(
            _("A number has more than %(digits)d digits.") % {"digits": MAX_INTEGER_DIGITS}
        )
    return int(text)


def _too_deep_message() -> str:
    return _("The request body is nested deeper than %(depth)d levels.") % {"depth": MAX_JSON_DEPTH}


def json_value_check(data: Any) -> None:
    """Refuse bodies nested too deeply and text with NUL characters (naming the field).

    Iterative, so the check itself cannot exhaust the stack.
    """
    pending: list[tuple[Any, int, str]] = [(data, 1, "")]
    while pending:
        value, depth, field = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError(_too_deep_message())
        if isinstance(value, str):
            if "\x00" in value:
                raise _nul_error(field)
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    raise _nul_error(field)
                pending.append((item, depth + 1, field or key))
        elif isinstance(value, list):
            pending.extend((item, depth + 1, field) for item in value)


def _nul_error(field: str) -> exceptions.ValidationError:
    message = _("Text must not contain the NUL character.")
    return exceptions.ValidationError({field or "non_field_errors": [message]})
