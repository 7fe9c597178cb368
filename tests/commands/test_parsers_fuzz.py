"""Fuzzing the command-line parsers: whatever the file holds, a result or a clear refusal.

A refusal is a ``CommandError`` (exit 1, no traceback); any other exception is a defect. The
documents are written as JSON text, so they can hold what Python will not serialize: numbers of
5,000 digits, NaN, nesting deeper than the interpreter's stack.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PLAN_COLUMNS = (
    "family",
    "month",
    "demand_forecast",
    "confirmed_orders",
    "opening_stock",
    "production_plan",
    "capacity_max",
    "safety_stock_target",
)
GAP_OPTION_KEYS = ("name", "additional_capacity", "cost", "lead_time_days")
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HOSTILE_TEXT = (
    "9" * 5000,
    "-" + "9" * 5000,
    "x" * 140_000,
    "NaN",
    "Infinity",
    "1e999999",
    "1,5",
    "1,2,3,4",
    "+-5",
    "²",
    "١٢",
    "\uff12\uff10\uff12\uff14-\uff10\uff14",  # 2024-04 in full-width digits
    "\x00",
    "9999-12",
    "0001-01",
)
HOSTILE_JSON = (
    "9" * 5000,
    "-" + "9" * 5000,
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "1e30",
    "[" * 50_000 + "]" * 50_000,
    "true",
    "null",
    "12.5",
)
CELL_TEXT = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(str),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=12),
)
JSON_SCALAR = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(str),
    st.sampled_from(HOSTILE_JSON),
    st.sampled_from(HOSTILE_TEXT).map(json.dumps),
    st.sampled_from(["2024-04", "2024-05", "A", ""]).map(json.dumps),
)


def json_array(items: list[str]) -> str:
    return "[" + ",".join(items) + "]"


def json_object(members: dict[str, str]) -> str:
    return "{" + ",".join(f"{json.dumps(key)}:{value}" for key, value in members.items()) + "}"


JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda children: (
        st.lists(children, max_size=3).map(json_array)
        | st.dictionaries(st.sampled_from(PLAN_COLUMNS), children, max_size=4).map(json_object)
    ),
    max_leaves=12,
)
PLAN_ROW = st.dictionaries(st.sampled_from(PLAN_COLUMNS), JSON_SCALAR, max_size=8).map(json_object)
PLAN_DOCUMENT = st.one_of(st.lists(PLAN_ROW, max_size=6).map(json_array), JSON_VALUE)
GAP_OPTION = st.dictionaries(st.sampled_from(GAP_OPTION_KEYS), JSON_SCALAR, max_size=4).map(
    json_object
)
GAP_DOCUMENT = st.one_of(
    st.fixed_dictionaries(
        {
            "demand": JSON_SCALAR,
            "current_capacity": JSON_SCALAR,
            "options": st.one_of(st.lists(GAP_OPTION, max_size=4).map(json_array), JSON_VALUE),
        }
    ).map(json_object),
    JSON_VALUE,
)


@contextmanager
def file_with(name: str, data: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


def result_or_refusal(command: str, path: Path, *args: str) -> str:
    """The command's stdout, or '' when it refused the file with a CommandError."""
    out = StringIO()
    try:
        call_command(command, str(path), *args, stdout=out)
    except CommandError:
        assert out.getvalue() == "", "a refused file printed a result"
        return ""
    return out.getvalue()


def strict_json(text: str) -> Any:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in the output is not JSON")

    return json.loads(text, parse_constant=refuse)


@FUZZ
@given(rows=st.lists(st.lists(CELL_TEXT, min_size=8, max_size=9), max_size=5))
def test_any_cells_in_a_csv_plan_give_a_result_or_a_refusal(rows: list[list[str]]) -> None:
    lines = [",".join(PLAN_COLUMNS)] + [",".join(cells) for cells in rows]
    with file_with("plan.csv", "\n".join(lines).encode()) as path:
        result_or_refusal("sop_balance", path, "--format", "json")


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes_as_a_csv_plan_give_a_result_or_a_refusal(data: bytes) -> None:
    header = ",".join(PLAN_COLUMNS).encode() + b"\n"
    with file_with("plan.csv", header + data) as path:
        result_or_refusal("sop_balance", path, "--format", "table")


@FUZZ
@given(text=st.text(max_size=400), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_any_text_as_a_csv_plan_gives_a_result_or_a_refusal(text: str, encoding: str) -> None:
    header = ",".join(PLAN_COLUMNS) + "\n"
    with file_with("plan.csv", (header + text).encode(encoding)) as path:
        result_or_refusal("sop_balance", path, "--format", "csv")


@FUZZ
@given(document=PLAN_DOCUMENT)
def test_any_json_plan_gives_strict_json_or_a_refusal(document: str) -> None:
    with file_with("plan.json", document.encode()) as path:
        out = result_or_refusal("sop_balance", path, "--format", "json")
    if out:
        strict_json(out)


@FUZZ
@given(document=GAP_DOCUMENT)
def test_any_gap_file_gives_strict_json_or_a_refusal(document: str) -> None:
    with file_with("gap.json", document.encode()) as path:
        out = result_or_refusal("sop_gap", path, "--format", "json")
    if out:
        strict_json(out)


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes_as_a_gap_file_give_a_result_or_a_refusal(data: bytes) -> None:
    with file_with("gap.json", data) as path:
        result_or_refusal("sop_gap", path)
