"""`manage.py sop_forecast`: generated histories through every format, every bad file refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from planning.forecasting import ets as ets_module
from tests.engine.test_forecast import FailingSmoothing, observed, true_demand

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HEADER = "family,month,actual"


def month_label(index: int, start_year: int = 2023) -> str:
    return f"{start_year + index // 12}-{index % 12 + 1:02d}"


def history_lines(family: str, actuals: list[int] | np.ndarray, first: int = 0) -> list[str]:
    return [f"{family},{month_label(first + i)},{int(a)}" for i, a in enumerate(actuals)]


def mixed_history() -> str:
    """Four families whose last rows all end in 2025-12: seasonal, intermittent, short, zero."""
    lines = [
        HEADER,
        *history_lines("SEASONAL", observed(36, "multiplicative")),
        *history_lines("SPARES", [0, 0, 6] * 12),
        *history_lines("NEW", [90, 110, 100], first=33),
        *history_lines("RETIRED", [0] * 24, first=12),
    ]
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str, name: str = "history.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("sop_forecast", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refusal(*args: str) -> list[str]:
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("sop_forecast", *args, stdout=out)
    assert out.getvalue() == ""
    return str(raised.value).splitlines()


def test_json_gives_each_family_its_method_and_the_same_future_months(tmp_path: Path) -> None:
    # given
    history = write(tmp_path, mixed_history())
    # when
    out, err = run(history, "--horizon", "12", "--format", "json")
    # then
    rows = json.loads(out)
    by_family: dict[str, list[dict]] = {}
    for row in rows:
        by_family.setdefault(row["family"], []).append(row)
    assert list(by_family) == ["SEASONAL", "SPARES", "NEW", "RETIRED"]
    expected_months = [month_label(36 + i) for i in range(12)]
    assert all([row["month"] for row in rows] == expected_months for rows in by_family.values())
    assert {family: rows[0]["method"] for family, rows in by_family.items()} == {
        "SEASONAL": "ets(A,A,M)",
        "SPARES": "croston_sba",
        "NEW": "mean",
        "RETIRED": "zero",
    }
    seasonal = np.array([row["forecast"] for row in by_family["SEASONAL"]])
    truth = true_demand(range(36, 48), "multiplicative")
    assert (np.abs(seasonal - truth) / truth).max() < 0.03
    assert [row["forecast"] for row in by_family["SPARES"]] == [2] * 12
    assert [row["forecast"] for row in by_family["NEW"]] == [100] * 12
    assert [row["forecast"] for row in by_family["RETIRED"]] == [0] * 12
    assert all(row["notes"] == [] for row in rows)
    assert err == ""


def test_csv_has_the_four_columns_and_a_line_per_family_and_month(tmp_path: Path) -> None:
    out, _err = run(write(tmp_path, mixed_history()), "--horizon", "2", "--format", "csv")

    lines = out.strip().splitlines()
    assert lines[0] == "family,month,forecast,method"
    assert lines[3:] == [
        "SPARES,2026-01,2,croston_sba",
        "SPARES,2026-02,2,croston_sba",
        "NEW,2026-01,100,mean",
        "NEW,2026-02,100,mean",
        "RETIRED,2026-01,0,zero",
        "RETIRED,2026-02,0,zero",
    ]
    assert lines[1].startswith("SEASONAL,2026-01,") and lines[1].endswith(',"ets(A,A,M)"')


def test_table_in_english(tmp_path: Path) -> None:
    history = "\n".join([HEADER, *history_lines("BIG", [12000] * 6)])

    out, _err = run(write(tmp_path, history), "--horizon", "1")

    assert out.splitlines()[0].split() == [
        "Product",
        "family",
        "Month",
        "Baseline",
        "forecast",
        "Method",
    ]
    assert out.splitlines()[2].split() == ["BIG", "2023-07", "12,000", "mean"]


def test_table_in_chinese(tmp_path: Path) -> None:
    history = "\n".join([HEADER, *history_lines("BIG", [12000] * 6)])
    out = StringIO()

    with translation.override("zh-hans"):
        call_command("sop_forecast", write(tmp_path, history), "--horizon", "1", stdout=out)

    assert out.getvalue().splitlines()[0].split() == ["产品族", "月份", "基线预测", "方法"]


def test_a_family_without_recent_rows_is_forecast_from_the_files_last_month(
    tmp_path: Path,
) -> None:
    # OLD's nine months of 60 stop in September, NEW runs to October: OLD had no demand since.
    lines = [HEADER, *history_lines("OLD", [60] * 9), *history_lines("NEW", [10] * 10)]

    out, _err = run(write(tmp_path, "\n".join(lines)), "--horizon", "1", "--format", "json")

    assert [(r["family"], r["month"], r["forecast"]) for r in json.loads(out)] == [
        ("OLD", "2023-11", 54),
        ("NEW", "2023-11", 10),
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_bom_and_gb18030_files_are_read(tmp_path: Path, encoding: str) -> None:
    history = "\n".join([HEADER, *history_lines("空调", [5, 7, 6])])

    out, _err = run(
        write(tmp_path, history, encoding=encoding), "--horizon", "1", "--format", "csv"
    )

    assert out.splitlines()[1] == "空调,2023-04,6,mean"


def test_a_failed_fit_is_named_on_stderr_and_in_the_json_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ets_module, "ExponentialSmoothing", FailingSmoothing)
    history = write(tmp_path, "\n".join([HEADER, *history_lines("S", observed(36, "additive"))]))

    out, err = run(history, "--horizon", "1", "--format", "csv")
    json_out, _err = run(history, "--horizon", "1", "--format", "json")

    assert out.splitlines()[1].endswith(",seasonal_naive_drift")
    assert err.splitlines() == ["S: ets failed (LinAlgError); the next method was used"]
    assert json.loads(json_out)[0]["notes"] == [
        "ets failed (LinAlgError); the next method was used"
    ]


def test_timing_is_reported_on_stderr(tmp_path: Path) -> None:
    history = write(tmp_path, "\n".join([HEADER, *history_lines("A", [1, 2, 3])]))

    out, err = run(history, "--horizon", "1", "--format", "csv", "--timing")

    assert err.startswith("Forecast 1 families in ")
    assert err.rstrip().endswith("ms each).")
    assert len(out.splitlines()) == 2


@pytest.mark.parametrize(
    ("content", "messages"),
    [
        ("family,month\nA,2024-01\n", ["column 'actual' is missing"]),
        ("month,actual\n2024-01,5\n", ["column 'family' is missing"]),
        (f"{HEADER}\nA,2024-01,12x\n", ["row 1: actual must be a whole number, got '12x'"]),
        (f"{HEADER}\nA,2024-01,-5\n", ["row 1: actual must not be negative, got -5"]),
        (f"{HEADER}\nA,April,5\n", ["row 1: month must be a month written YYYY-MM, got 'April'"]),
        (f"{HEADER}\nA,2024-01,5\nB,2024-01,5\nA,2024-01,6\n", ["row 3: month 2024-01 appears twice for family 'A' (first in row 1)"]),
        (f"{HEADER}\n,2024-01,5\n", ["row 1: family is empty"]),
        (f"{HEADER}\nA,2024-01,1,extra\nA,2024-02\n", ["row 2: actual is empty"]),
        (f"{HEADER}\nA,2024-01,{'9' * 5000}\n", [f"row 1: actual is implausibly large ({'9' * 39}…); the limit is 1000000000000"]),
        ("", ["The history file is empty."]),
        (f"{HEADER}\n", ["The history file has no rows."]),
    ],
)  # fmt: skip
def test_bad_files_are_refused_naming_row_and_field(
    tmp_path: Path, content: str, messages: list[str]
) -> None:
    assert refusal(write(tmp_path, content), "--horizon", "3") == messages


def test_a_file_in_another_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"family,month,actual\n\xff\xfe,2024-01,5\n")

    assert refusal(str(path), "--horizon", "3") == [
        f"{path} is neither UTF-8 nor GB18030/GBK text. Save it in one of these encodings "
        "(UTF-8 with or without BOM, GB18030 or GBK) and try again."
    ]


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    (line,) = refusal(str(tmp_path / "nope.csv"), "--horizon", "3")
    assert line.startswith("Cannot read ")


@pytest.mark.parametrize("horizon", ["0", "-1", "37", "abc", "1.5", "١٢"])
def test_a_horizon_outside_one_to_thirty_six_months_is_refused(
    tmp_path: Path, horizon: str
) -> None:
    history = write(tmp_path, f"{HEADER}\nA,2024-01,5\n")

    assert refusal(history, "--horizon", horizon) == [
        f"--horizon must be a whole number of months from 1 to 36, got '{horizon}'"
    ]


def as_process(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "manage.py", "sop_forecast", *args],
        cwd=PROJECT_ROOT,
        env={**env, "LANGUAGE_CODE": "en"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_bad_file_exits_non_zero_as_a_process_without_a_traceback(tmp_path: Path) -> None:
    history = write(tmp_path, f"{HEADER}\nA,2024-01,-5\nA,2024-01,3\n")

    completed = as_process(history, "--horizon", "3", "--format", "json")

    assert completed.returncode == 1
    assert completed.stdout == ""
    assert "row 1: actual must not be negative, got -5" in completed.stderr
    assert "row 2: month 2024-01 appears twice for family 'A' (first in row 1)" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_good_file_exits_zero_as_a_process_with_json_on_stdout(tmp_path: Path) -> None:
    history = write(tmp_path, "\n".join([HEADER, *history_lines("A", [4, 6])]))

    completed = as_process(history, "--horizon", "2", "--format", "json")

    assert completed.returncode == 0, completed.stderr
    assert [row["forecast"] for row in json.loads(completed.stdout)] == [5, 5]
