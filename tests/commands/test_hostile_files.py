"""`sop_balance` and `sop_gap` given the files that used to end in a traceback.

Each bad file: exit 1 with every problem named by row and field, nothing printed on stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HEADER = (
    "family,month,demand_forecast,confirmed_orders,opening_stock,production_plan,"
    "capacity_max,safety_stock_target"
)
FIVE_THOUSAND_DIGITS = "9" * 5000
DEEPLY_NESTED = "[" * 100_000 + "]" * 100_000


def refusal(command: str, path: Path, *args: str) -> list[str]:
    """The command's error lines (in English) for ``path``; fails if it printed a result."""
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command(command, str(path), *args, stdout=out)
    assert out.getvalue() == ""
    return str(raised.value).splitlines()


def as_process(command: str, path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "manage.py", command, str(path), *args],
        cwd=PROJECT_ROOT,
        env={**env, "LANGUAGE_CODE": "en"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_csv_field_over_the_csv_limit_is_named_by_its_row(tmp_path: Path) -> None:
    # given
    plan = tmp_path / "long.csv"
    plan.write_text(f"{HEADER}\nA,2024-04,1,0,0,0,0,0\nA,2024-05,{'1' * 140_000},0,0,0,0,0\n")
    # when
    lines = refusal("sop_balance", plan)
    # then
    assert lines == [
        "The CSV file cannot be read at row 2: a field is longer than 131,072 characters"
    ]


def test_a_five_thousand_digit_csv_number_is_too_large(tmp_path: Path) -> None:
    plan = tmp_path / "digits.csv"
    plan.write_text(f"{HEADER}\nA,2024-04,{FIVE_THOUSAND_DIGITS},0,0,0,0,0\n")
    assert refusal("sop_balance", plan) == [
        "row 1: demand_forecast is implausibly large "
        "(999999999999999999999999999999999999999…); the limit is 1000000000000"
    ]


def test_a_five_thousand_digit_json_number_is_too_large(tmp_path: Path) -> None:
    plan = tmp_path / "digits.json"
    row = (
        f'{{"month": "2024-04", "demand_forecast": {FIVE_THOUSAND_DIGITS}, "confirmed_orders": 0,'
        ' "opening_stock": 0, "production_plan": 0, "capacity_max": 0, "safety_stock_target": 0}'
    )
    plan.write_text(f"[{row}]")
    assert refusal("sop_balance", plan) == [
        "row 1: demand_forecast is implausibly large "
        "(999999999999999999999999999999999999999…); the limit is 1000000000000"
    ]


def test_a_deeply_nested_json_plan_is_refused(tmp_path: Path) -> None:
    plan = tmp_path / "nested.json"
    plan.write_text(DEEPLY_NESTED)
    assert refusal("sop_balance", plan) == ["The JSON plan is nested too deeply to be read."]


def test_a_deeply_nested_gap_file_is_refused(tmp_path: Path) -> None:
    gap = tmp_path / "nested.json"
    gap.write_text(DEEPLY_NESTED)
    assert refusal("sop_gap", gap) == ["The gap file is nested too deeply to be read."]


def test_a_nested_value_in_a_row_is_named_not_repeated(tmp_path: Path) -> None:
    plan = tmp_path / "nested-value.json"
    nested = "[" * 500 + "]" * 500
    plan.write_text(
        f'[{{"family": {nested}, "month": {nested}, "demand_forecast": 1, "confirmed_orders": 0,'
        ' "opening_stock": 0, "production_plan": 0, "capacity_max": 0,'
        ' "safety_stock_target": 0}]'
    )
    assert refusal("sop_balance", plan) == [
        "row 1: family must be a non-empty text",
        "row 1: month must be a month written YYYY-MM, got '[…]'",
    ]


def test_a_gbk_csv_is_read_like_utf8(tmp_path: Path) -> None:
    # given: the same plan saved by a Chinese spreadsheet (GBK) and as UTF-8 with a BOM
    text = f"{HEADER}\n空调,2024-04,12000,10500,3000,11000,15000,2000\n"
    gbk, utf8 = tmp_path / "gbk.csv", tmp_path / "utf8.csv"
    gbk.write_bytes(text.encode("gbk"))
    utf8.write_bytes(text.encode("utf-8-sig"))
    # when
    outputs = []
    for path in (gbk, utf8):
        out = StringIO()
        call_command("sop_balance", str(path), "--format", "json", stdout=out)
        outputs.append(json.loads(out.getvalue()))
    # then
    assert outputs[0] == outputs[1]
    assert outputs[0][0]["family"] == "空调"


def test_a_gb18030_only_character_is_read(tmp_path: Path) -> None:
    plan = tmp_path / "gb18030.csv"
    plan.write_bytes(f"{HEADER}\n𠀀,2024-04,1,0,0,0,0,0\n".encode("gb18030"))
    out = StringIO()
    call_command("sop_balance", str(plan), "--format", "json", stdout=out)
    assert json.loads(out.getvalue())[0]["family"] == "𠀀"


def test_a_file_in_neither_encoding_names_the_accepted_ones(tmp_path: Path) -> None:
    plan = tmp_path / "latin.csv"
    plan.write_bytes(HEADER.encode() + b"\n\xff\xfe,2024-04,1,0,0,0,0,0\n")
    assert refusal("sop_balance", plan) == [
        f"{plan} is neither UTF-8 nor GB18030/GBK text. Save it in one of these encodings "
        "(UTF-8 with or without BOM, GB18030 or GBK) and try again."
    ]


@pytest.mark.parametrize("cost", ["NaN", "Infinity", "-Infinity", "nan", "1e999999"])
def test_a_non_finite_or_huge_cost_is_refused(tmp_path: Path, cost: str) -> None:
    gap = tmp_path / "gap.json"
    option = {"name": "A", "additional_capacity": 100, "cost": cost}
    gap.write_text(json.dumps({"demand": 15000, "current_capacity": 13000, "options": [option]}))
    [line] = refusal("sop_gap", gap, "--format", "json")
    assert line.startswith("row 1: cost ")


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_a_bare_json_nan_cost_is_refused(tmp_path: Path, token: str) -> None:
    gap = tmp_path / "gap.json"
    gap.write_text(
        '{"demand": 15000, "current_capacity": 13000,'
        f' "options": [{{"name": "A", "additional_capacity": 100, "cost": {token}}}]}}'
    )
    assert refusal("sop_gap", gap, "--format", "json") == [
        f"row 1: cost must be a finite number, got '{token}'"
    ]


def test_every_problem_of_a_gap_file_is_named_at_once(tmp_path: Path) -> None:
    gap = tmp_path / "gap.json"
    gap.write_text(
        f'{{"demand": {FIVE_THOUSAND_DIGITS}, "options": [{{"name": "", "additional_capacity": -1,'
        f' "lead_time_days": {FIVE_THOUSAND_DIGITS}, "cost": "abc"}}]}}'
    )
    assert refusal("sop_gap", gap) == [
        "current_capacity is empty",
        "row 1: lead_time_days is implausibly large "
        "(999999999999999999999999999999999999999…); the limit is 36500",
        "demand is implausibly large "
        "(999999999999999999999999999999999999999…); the limit is 1000000000000",
        "row 1: name must be a non-empty text",
        "row 1: additional_capacity must not be negative, got -1",
        "row 1: cost must be a finite number, got 'abc'",
    ]


def test_a_hostile_file_exits_one_without_traceback_as_a_process(tmp_path: Path) -> None:
    plan = tmp_path / "nested.json"
    plan.write_text(DEEPLY_NESTED)
    completed = as_process("sop_balance", plan, "--format", "json")
    assert (completed.returncode, completed.stdout) == (1, "")
    assert "Traceback" not in completed.stderr
    assert "The JSON plan is nested too deeply to be read." in completed.stderr
