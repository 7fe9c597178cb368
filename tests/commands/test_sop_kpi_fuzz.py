"""Fuzzing `sop_kpi`: whatever the CSV holds, strict JSON KPIs in range or a clear refusal."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from tests.commands.test_parsers_fuzz import (
    CELL_TEXT,
    FUZZ,
    file_with,
    result_or_refusal,
    strict_json,
)

KPI_COLUMNS = (
    "family",
    "month",
    "actual",
    "forecast",
    "baseline_forecast",
    "planned_production",
    "actual_production",
    "shipped",
)
CELL = st.one_of(CELL_TEXT, st.sampled_from(["", "0", "2024-01", "2024-02", "A"]))


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(KPI_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


@FUZZ
@given(rows=st.lists(st.lists(CELL, min_size=8, max_size=8), max_size=5))
def test_any_cells_give_kpis_in_range_or_a_refusal(rows: list[list[str]]) -> None:
    with file_with("kpi.csv", csv_text(rows).encode()) as path:
        out = result_or_refusal("sop_kpi", path, "--format", "json")
        if out:
            document = strict_json(out)
            for kpis in [document["overall"], *document["families"], *document["months"]]:
                assert kpis["wape"] is None or kpis["wape"] >= 0
                for name in ("fill_rate", "plan_adherence"):
                    assert kpis[name] is None or 0 <= kpis[name] <= 1
        assert isinstance(result_or_refusal("sop_kpi", path, "--format", "table"), str)


@FUZZ
@given(
    rows=st.lists(
        st.sampled_from(["A,2024-01,10,12", "A,2024-01,0,1", "B,2024-02,5,0"]), max_size=6
    )
)
def test_only_a_repeated_family_month_or_no_rows_is_refused(rows: list[str]) -> None:
    text = "family,month,actual,forecast\n" + "\n".join(rows) + "\n"
    with file_with("kpi.csv", text.encode()) as path:
        out = result_or_refusal("sop_kpi", path, "--format", "json")
    distinct = len(set(rows)) == len(rows) and not (
        "A,2024-01,10,12" in rows and "A,2024-01,0,1" in rows
    )
    assert bool(out) == (distinct and bool(rows))
