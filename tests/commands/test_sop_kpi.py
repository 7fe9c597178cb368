"""`manage.py sop_kpi`: the issue's example in both formats, every bad file refused by row."""

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
HEADER = "family,month,actual,forecast"
FULL_HEADER = (
    "family,month,actual,forecast,baseline_forecast,planned_production,actual_production,shipped"
)
# The issue's example: A = 50, 200, 400 and F = 60, 180, 420.
ISSUE_ROWS = ["A,2024-01,50,60", "A,2024-02,200,180", "A,2024-03,400,420"]
# The same family with every optional column, and a family that had no demand at all.
FULL_ROWS = [
    "A,2024-01,50,60,70,100,90,50",
    "A,2024-02,200,180,150,100,120,180",
    "A,2024-03,400,420,500,0,10,420",
    "Z,2024-01,0,10,,,,",
]
KPI_KEYS = ["wape", "mape", "mape_excluded_months", "bias", "fva", "plan_adherence", "fill_rate"]


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / "kpi.csv"
    path.write_text(text, encoding=encoding)
    return str(path)


def run(*args: str) -> str:
    out = StringIO()
    call_command("sop_kpi", *args, stdout=out)
    return out.getvalue()


def run_json(tmp_path: Path, lines: list[str]) -> dict:
    return json.loads(run(write(tmp_path, "\n".join(lines)), "--format", "json"))


def test_the_issues_example_as_json_fractions(tmp_path: Path) -> None:
    document = run_json(tmp_path, [HEADER, *ISSUE_ROWS])
    # WAPE 50/650, MAPE (0.2 + 0.1 + 0.05)/3, bias +10/650, as fractions to six decimals.
    expected = {
        "wape": 0.076923,
        "mape": 0.116667,
        "mape_excluded_months": 0,
        "bias": 0.015385,
        "fva": None,
        "plan_adherence": None,
        "fill_rate": None,
    }
    assert document["overall"] == expected
    assert document["families"] == [{"family": "A", **expected}]
    assert [month["month"] for month in document["months"]] == ["2024-01", "2024-02", "2024-03"]
    assert document["months"][0]["mape"] == 0.2


def test_every_kpi_per_family_and_overall(tmp_path: Path) -> None:
    document = run_json(tmp_path, [FULL_HEADER, *FULL_ROWS])
    family_a = {
        "family": "A",
        "wape": 0.076923,  # 50 / 650
        "mape": 0.116667,
        "mape_excluded_months": 0,
        "bias": 0.015385,  # +10 / 650
        "fva": 0.184615,  # baseline 170/650 - consensus 50/650
        "plan_adherence": 0.95,  # (90 + 100 + 0) / (100 + 100 + 0)
        "fill_rate": 0.969231,  # (50 + 180 + 400) / 650, March's 420 capped at 400
    }
    family_z = {"family": "Z", **dict.fromkeys(KPI_KEYS), "mape_excluded_months": 1}
    assert document["families"] == [family_a, family_z]
    # Overall adds Z's month: |A-F| = 50 + 10 over 650; F-A = 10 + 10; one month out of MAPE.
    assert document["overall"] == {
        **{key: family_a[key] for key in KPI_KEYS},
        "wape": 0.092308,
        "bias": 0.030769,
        "mape_excluded_months": 1,
    }


def test_json_output_is_strict_json_with_null_for_undefined(tmp_path: Path) -> None:
    out = run(write(tmp_path, f"{HEADER}\nZ,2024-01,0,0\n"), "--format", "json")
    assert "NaN" not in out
    assert json.loads(out)["overall"]["wape"] is None
    assert '"wape": null' in out


def test_table_in_english_shows_percentages(tmp_path: Path) -> None:
    with translation.override("en"):
        out = run(write(tmp_path, "\n".join([FULL_HEADER, *FULL_ROWS])))
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["Product", "family", "WAPE"]
    overall = lines[2].split()
    assert overall[:2] == ["All", "families"]
    assert lines[3].split() == [
        "A", "7.692%", "11.667%", "0", "+1.538%", "+18.462%", "95.000%", "96.923%"
    ]  # fmt: skip
    assert lines[4].split() == ["Z", "—", "—", "1", "—", "—", "—", "—"]
    assert "Month" in out
    assert "Order fill rate" in out


def test_table_in_chinese(tmp_path: Path) -> None:
    with translation.override("zh-hans"):
        out = run(write(tmp_path, "\n".join([HEADER, *ISSUE_ROWS])))
    assert "全部产品族" in out
    assert "偏差" in out
    assert "7.692%" in out
    assert "+1.538%" in out


def test_gbk_file_is_read(tmp_path: Path) -> None:
    lines = [HEADER, "空调,2024-01,50,60", "空调,2024-02,200,180", "空调,2024-03,400,420"]
    path = write(tmp_path, "\n".join(lines), encoding="gbk")
    document = json.loads(run(path, "--format", "json"))
    assert document["families"][0]["family"] == "空调"
    assert document["families"][0]["wape"] == 0.076923


def test_empty_optional_cells_leave_the_row_out_of_that_kpi(tmp_path: Path) -> None:
    lines = [
        "family,month,actual,forecast,shipped",
        "A,2024-01,100,100,90",
        "A,2024-02,100,100,",
    ]
    # Only January's shipments are known: 90 of 100.
    assert run_json(tmp_path, lines)["overall"]["fill_rate"] == 0.9


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("family,month,actual\nA,2024-01,1\n", "column 'forecast' is missing"),
        ("month,actual,forecast\n2024-01,1,1\n", "column 'family' is missing"),
        (f"{HEADER}\nA,2024-01,12x,1\n", "row 1: actual must be a whole number, got '12x'"),
        (f"{HEADER}\nA,2024-01,1,-5\n", "row 1: forecast must not be negative, got -5"),
        (f"{FULL_HEADER}\nA,2024-01,1,1,,-3,,\n", "row 1: planned_production must not be negative, got -3"),
        (f"{FULL_HEADER}\nA,2024-01,1,1,,,,lots\n", "row 1: shipped must be a whole number, got 'lots'"),
        (f"{HEADER}\nA,April,1,1\n", "row 1: month must be a month written YYYY-MM, got 'April'"),
        (f"{HEADER}\nA,2024-13,1,1\n", "row 1: month must be a month written YYYY-MM, got '2024-13'"),
        (
            f"{HEADER}\nA,2024-01,1,1\nB,2024-01,1,1\nA,2024-01,2,2\n",
            "row 3: month 2024-01 appears twice for family 'A' (first in row 1)",
        ),
        (f"{HEADER}\nA,2024-01,,1\n", "row 1: actual is empty"),
        (f"{HEADER}\n,2024-01,1,1\n", "row 1: family is empty"),
        (f"{HEADER}\nA,2024-01,1,10000000000000\n", "row 1: forecast is implausibly large (10000000000000); the limit is 1000000000000"),
        (f"{HEADER}\n", "the plan has no rows"),
        ("", "column 'family' is missing"),
    ],
)  # fmt: skip
def test_bad_file_is_refused_naming_row_and_field(
    tmp_path: Path, content: str, message: str
) -> None:
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("sop_kpi", write(tmp_path, content), "--format", "json", stdout=out)
    assert message in str(raised.value).splitlines()
    assert out.getvalue() == ""


def test_every_problem_of_a_file_is_named_at_once(tmp_path: Path) -> None:
    content = f"{HEADER}\nA,2024-01,x,1\nA,Jan,1,-1\n"
    with translation.override("en"), pytest.raises(CommandError) as raised:
        run(write(tmp_path, content))
    assert str(raised.value).splitlines() == [
        "row 1: actual must be a whole number, got 'x'",
        "row 2: month must be a month written YYYY-MM, got 'Jan'",
        "row 2: forecast must not be negative, got -1",
    ]


def test_errors_in_chinese(tmp_path: Path) -> None:
    with translation.override("zh-hans"), pytest.raises(CommandError) as raised:
        run(write(tmp_path, f"{HEADER}\nA,2024-01,1,-5\n"))
    assert str(raised.value) == "第 1 行:forecast 不能为负数,实际为 -5"


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with translation.override("en"), pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "nope.csv"))


def test_as_a_real_process(tmp_path: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, "LANGUAGE_CODE": "en"}
    good = write(tmp_path, "\n".join([HEADER, *ISSUE_ROWS]))
    completed = subprocess.run(
        [sys.executable, "manage.py", "sop_kpi", good, "--format", "json"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["overall"]["wape"] == 0.076923

    bad = write(tmp_path, f"{HEADER}\nA,2024-01,1,-5\n")
    completed = subprocess.run(
        [sys.executable, "manage.py", "sop_kpi", bad],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert "row 1: forecast must not be negative, got -5" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_the_readme_defines_every_key_the_command_prints(tmp_path: Path) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Forecast accuracy and plan KPIs: `sop_kpi`")[1].split("\n## ")[0]
    documented = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
    printed = run_json(tmp_path, [HEADER, *ISSUE_ROWS])["overall"]
    assert documented == list(printed) == KPI_KEYS


def test_a_business_unit_column_adds_kpis_per_unit(tmp_path: Path) -> None:
    lines = [
        "business_unit,family,month,actual,forecast",
        "North,A,2024-01,100,110",
        "South,B,2024-01,100,100",
        "North,C,2024-01,100,70",
    ]
    document = run_json(tmp_path, lines)
    # North: |A-F| = 10 + 30 over 200 = 0.2; South forecast exactly.
    assert [(unit["business_unit"], unit["wape"]) for unit in document["business_units"]] == [
        ("North", 0.2),
        ("South", 0.0),
    ]
    with translation.override("en"):
        table = run(write(tmp_path, "\n".join(lines)))
    assert "Business unit" in table
    assert "business_units" not in run_json(tmp_path, [HEADER, *ISSUE_ROWS])
