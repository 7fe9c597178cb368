"""Reading the plan and gap files people bring: whatever the bytes, a document or a clear error.

Chinese spreadsheets save CSV as GBK/GB18030 unless told otherwise, and Excel adds a BOM to
UTF-8, so both are accepted; anything else is refused naming the encodings that are. JSON
numbers too long to be quantities stay text (the parsers then name the field), ``NaN`` and
``Infinity`` are not numbers, and a document nested too deeply is refused instead of
exhausting the stack. A CSV field over the csv module's limit is named by its line.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

# Tried in order: UTF-8 (a BOM, if any, is dropped), then GB18030, the superset of GBK.
ACCEPTED_ENCODINGS = ("utf-8-sig", "gb18030")
# A quantity has at most 13 digits (the engine's limit is 10**12); longer stays text.
MAX_NUMBER_DIGITS = 30


class InputFileError(ValueError):
    """The file cannot be read as a document; ``messages`` say why, in the active language."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


def read_text(path: Path) -> str:
    """The file's text, decoded as UTF-8 (with or without BOM) or GB18030/GBK."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputFileError(
            [_("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror}]
        ) from None
    for encoding in ACCEPTED_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputFileError(
        [
            _(
                "%(path)s is neither UTF-8 nor GB18030/GBK text. Save it in one of these "
                "encodings (UTF-8 with or without BOM, GB18030 or GBK) and try again."
            )
            % {"path": path}
        ]
    )


def parse_json(text: str, *, what: str) -> Any:
    """The JSON document in ``text``; ``what`` names the file in messages ("plan", "gap file")."""
    try:
        return json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise InputFileError(
            [
                _("The %(what)s is not valid JSON (line %(line)s, column %(column)s): %(message)s")
                % {"what": what, "line": error.lineno, "column": error.colno, "message": error.msg}
            ]
        ) from None
    except RecursionError:
        raise InputFileError(
            [_("The %(what)s is nested too deeply to be read.") % {"what": what}]
        ) from None


class LongNumber(str):
    """A JSON integer with more digits than any quantity, kept as its text."""


def _bounded_int(text: str) -> int | str:
    # Python refuses to convert integers of over 4,300 digits; no quantity has more than a few.
    return int(text) if len(text.lstrip("-")) <= MAX_NUMBER_DIGITS else LongNumber(text)


def _no_constant(name: str) -> str:
    # NaN, Infinity and -Infinity are not JSON numbers; kept as text, they are refused by field.
    return name


def csv_records(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of a CSV text with a header row, as dicts, and the (stripped) column names."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[dict[str, Any]] = []
    try:
        columns = [name.strip() for name in reader.fieldnames or []]
        reader.fieldnames = columns
        rows.extend(reader)
    except csv.Error as error:
        # Rows are numbered as in every other message: row 1 is the first row after the header.
        where = _("row %(row)s") % {"row": len(rows) + 1} if reader.fieldnames else _("the header")
        raise InputFileError(
            [
                _("The CSV file cannot be read at %(where)s: %(error)s")
                % {"where": where, "error": _csv_problem(error)}
            ]
        ) from None
    return rows, columns


def _csv_problem(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return _("a field is longer than %(limit)s characters") % {
            "limit": f"{csv.field_size_limit():,}"
        }
    return str(error)
