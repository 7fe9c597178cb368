"""`manage.py sop_balance`: the seed's numbers through every format, every bad file refused."""

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
SEED_CSV_ROWS = [
    "SEED,2024-04,12000,10500,3000,11000,15000,2000",
    "SEED,2024-05,13500,12000,0,12000,15000,2200",
    "SEED,2024-06,15000,14200,0,13000,15000,2500",
    "SEED,2024-07,11000,9000,0,12000,15000,2000",
    "SEED,2024-08,10000,8500,0,10500,15000,1800",
    "SEED,2024-09,14000,13000,0,13500,15000,2300",
]
# MISSION.md's table: month, effective demand, production, opening, closing, stock days,
# safety target, utilization (as a fraction to 4 places), status
SEED_TABLE = [
    ("2024-04", 12000, 11000, 3000, 2000, 5.0, 2000, 0.7333, "balanced"),
    ("2024-05", 13500, 12000, 2000, 500, 1.1, 2200, 0.8, "short"),
    ("2024-06", 15000, 13000, 500, -1500, -3.0, 2500, 0.8667, "short"),
    ("2024-07", 11000, 12000, -1500, -500, -1.4, 2000, 0.8, "short"),
    ("2024-08", 10000, 10500, -500, 0, 0.0, 1800, 0.7, "short"),
    ("2024-09", 14000, 13500, 0, -500, -1.1, 2300, 0.9, "short"),
]
KEYS = (
    "month",
    "effective_demand",
    "production_plan",
    "opening_stock",
    "closing_stock",
    "stock_days",
    "safety_stock_target",
    "utilization",
    "status",
)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("sop_balance", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def as_table_rows(rows: list[dict]) -> list[tuple]:
    return [tuple(row[key] for key in KEYS) for row in rows]


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_demo_json_prints_the_seed_table() -> None:
    out, _err = run("--demo", "--format", "json")
    rows = json.loads(out)
    assert as_table_rows(rows) == SEED_TABLE
    assert {row["over_capacity"] for row in rows} == {False}


def test_demo_as_a_real_process_exits_zero_with_json_on_stdout() -> None:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    completed = subprocess.run(
        [sys.executable, "manage.py", "sop_balance", "--demo", "--format", "json"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert as_table_rows(json.loads(completed.stdout)) == SEED_TABLE


def test_csv_file_with_interleaved_families(tmp_path: Path) -> None:
    other = [
        "OTHER,2024-04,100,0,50,100,0,10",
        "OTHER,2024-05,100,120,0,100,80,10",
    ]
    lines = [HEADER, SEED_CSV_ROWS[0], other[0], SEED_CSV_ROWS[1], other[1], *SEED_CSV_ROWS[2:]]
    out, _err = run(write(tmp_path, "plan.csv", "\n".join(lines)), "--format", "json")
    rows = json.loads(out)
    seed_rows = [row for row in rows if row["family"] == "SEED"]
    assert as_table_rows(seed_rows) == SEED_TABLE
    other_rows = [row for row in rows if row["family"] == "OTHER"]
    assert [(r["closing_stock"], r["utilization"], r["over_capacity"]) for r in other_rows] == [
        (50, None, True),
        (30, 1.25, True),
    ]
    assert [row["family"] for row in rows][:4] == ["SEED", "OTHER", "SEED", "OTHER"]


def test_json_file_gives_the_same_numbers(tmp_path: Path) -> None:
    names = HEADER.split(",")
    records = [
        dict(
            zip(
                names,
                [line.split(",")[0], line.split(",")[1], *map(int, line.split(",")[2:])],
                strict=True,
            )
        )
        for line in SEED_CSV_ROWS
    ]
    out, _err = run(write(tmp_path, "plan.json", json.dumps({"rows": records})), "--format", "json")
    assert as_table_rows(json.loads(out)) == SEED_TABLE


def test_csv_output_has_a_header_and_one_line_per_row() -> None:
    out, _err = run("--demo", "--format", "csv")
    lines = out.strip().splitlines()
    assert lines[0] == (
        "family,month,effective_demand,production_plan,opening_stock,closing_stock,stock_days,"
        "safety_stock_target,utilization,status,over_capacity,infeasible"
    )
    assert lines[1] == "SEED-01,2024-04,12000,11000,3000,2000,5.0,2000,0.7333,balanced,False,False"
    assert len(lines) == 7


def test_table_in_english() -> None:
    with translation.override("en"):
        out, _err = run("--demo")
    assert "Effective demand" in out
    assert "Short — expand capacity or add stock" in out
    assert "73.3%" in out
    assert "12,000" in out


def test_table_in_chinese() -> None:
    with translation.override("zh-hans"):
        out, _err = run("--demo")
    assert "有效需求" in out
    assert "供不应求 — 需扩产或增库存" in out
    assert "平衡" in out
    assert "73.3%" in out


def test_excess_multiplier_option_changes_the_status(tmp_path: Path) -> None:
    plan = write(tmp_path, "p.csv", f"{HEADER}\nA,2024-01,0,0,250,0,10,100\n")
    assert json.loads(run(plan, "--format", "json")[0])[0]["status"] == "balanced"
    out, _err = run(plan, "--format", "json", "--excess-multiplier", "2")
    assert json.loads(out)[0]["status"] == "excess"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "family,month,demand_forecast,opening_stock,production_plan,capacity_max,"
            "safety_stock_target\nA,2024-01,1,1,1,1,1\n",
            "column 'confirmed_orders' is missing",
        ),
        (f"{HEADER}\nA,2024-01,12x,0,0,0,0,0\n", "row 1: demand_forecast must be a whole number, got '12x'"),
        (f"{HEADER}\nA,2024-01,1,0,0,-5,0,0\n", "row 1: production_plan must not be negative, got -5"),
        (
            f"{HEADER}\nA,2024-01,1,0,0,0,0,0\nA,2024-01,1,0,0,0,0,0\n",
            "row 2: month 2024-01 appears twice for family 'A' (first in row 1)",
        ),
        (
            f"{HEADER}\nA,2024-02,1,0,0,0,0,0\nA,2024-01,1,0,0,0,0,0\n",
            "row 2: month 2024-01 comes after 2024-02 for family 'A'; months must be in order",
        ),
        (
            f"{HEADER}\nA,2024-01,1,0,0,0,0,0\nA,2024-04,1,0,0,0,0,0\n",
            "row 2: the horizon for family 'A' has a gap: 2024-01 is followed by 2024-04",
        ),
        (f"{HEADER}\nA,April,1,0,0,0,0,0\n", "row 1: month must be a month written YYYY-MM, got 'April'"),
        (f"{HEADER}\n", "the plan has no rows"),
    ],
)  # fmt: skip
def test_bad_csv_is_refused_naming_row_and_field(
    tmp_path: Path, content: str, message: str
) -> None:
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("sop_balance", write(tmp_path, "bad.csv", content), stdout=out)
    assert message in str(raised.value).splitlines()
    assert out.getvalue() == ""


def test_bad_json_is_refused(tmp_path: Path) -> None:
    with translation.override("en"), pytest.raises(CommandError) as raised:
        run(write(tmp_path, "bad.json", '[{"month": "2024-01",'))
    assert str(raised.value).startswith("The JSON plan is not valid JSON (line 1")


def test_json_that_is_not_a_list_is_refused(tmp_path: Path) -> None:
    with translation.override("en"), pytest.raises(CommandError) as raised:
        run(write(tmp_path, "bad.json", '{"month": "2024-01"}'))
    assert str(raised.value) == 'A JSON plan must be a list of row objects, or {"rows": [...]}.'


def test_bad_multiplier_is_refused() -> None:
    with translation.override("en"), pytest.raises(CommandError) as raised:
        run("--demo", "--excess-multiplier", "0.5")
    assert str(raised.value) == "excess_multiplier must be a number between 1 and 100, got '0.5'"


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with translation.override("en"), pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "nope.csv"))


def test_bad_file_exits_non_zero_as_a_process(tmp_path: Path) -> None:
    plan = write(tmp_path, "bad.csv", f"{HEADER}\nA,2024-01,1,0,0,-5,0,0\n")
    completed = subprocess.run(
        [sys.executable, "manage.py", "sop_balance", plan, "--format", "json"],
        cwd=PROJECT_ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, "LANGUAGE_CODE": "en"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert "row 1: production_plan must not be negative, got -5" in completed.stderr
