"""Properties every KPI keeps whatever the numbers: ranges, and totals that add up."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from planning.engine.kpi import KpiRow, by_family, by_month, compute_kpis, group_kpis

QUANTITY = st.one_of(st.just(0), st.integers(min_value=0, max_value=50), st.integers(0, 10**9))
OPTIONAL = st.one_of(st.none(), QUANTITY)


@st.composite
def kpi_rows(draw: st.DrawFn) -> list[KpiRow]:
    count = draw(st.integers(min_value=0, max_value=30))
    return [
        KpiRow(
            family=draw(st.sampled_from(["A", "B", "C"])),
            month=f"2024-{draw(st.integers(min_value=1, max_value=12)):02d}",
            actual=draw(QUANTITY),
            forecast=draw(QUANTITY),
            baseline_forecast=draw(OPTIONAL),
            planned_production=draw(OPTIONAL),
            actual_production=draw(OPTIONAL),
            shipped=draw(OPTIONAL),
        )
        for _row in range(count)
    ]


def within(value: Decimal | None, low: int, high: int) -> bool:
    return value is None or low <= value <= high


@settings(max_examples=150, deadline=None)
@given(kpi_rows())
def test_kpis_stay_in_their_ranges(rows: list[KpiRow]) -> None:
    kpis = compute_kpis(rows)
    assert kpis.wape is None or kpis.wape >= 0
    assert kpis.mape is None or kpis.mape >= 0
    assert kpis.bias is None or kpis.bias >= -1  # a forecast of nothing misses all of demand
    assert within(kpis.fill_rate, 0, 1)
    assert within(kpis.plan_adherence, 0, 1)
    demand_rows = sum(1 for row in rows if row.actual)
    assert kpis.mape_excluded_months == len(rows) - demand_rows
    assert (kpis.wape is None) == (demand_rows == 0)
    assert (kpis.mape is None) == (demand_rows == 0)


@settings(max_examples=200, deadline=None)
@given(kpi_rows())
def test_the_overall_kpis_lie_between_the_groups(rows: list[KpiRow]) -> None:
    """Summed ratios are weighted means of their groups' ratios, whichever way rows are grouped."""
    overall = compute_kpis(rows)
    for key in (by_family, by_month):
        groups = list(group_kpis(rows, key).values())
        assert sum(group.mape_excluded_months for group in groups) == overall.mape_excluded_months
        for name in ("wape", "bias", "fill_rate", "plan_adherence"):
            values = [getattr(group, name) for group in groups if getattr(group, name) is not None]
            assert (getattr(overall, name) is None) == (values == [])
            # A group with no demand (or nothing planned) adds to the overall numerator but has
            # no ratio of its own, so the weighted-mean bound holds when every group has one.
            if values and len(values) == len(groups):
                assert min(values) <= getattr(overall, name) <= max(values)


@settings(max_examples=200, deadline=None)
@given(kpi_rows())
def test_a_perfect_forecast_has_no_error_and_no_bias(rows: list[KpiRow]) -> None:
    perfect = [
        KpiRow(row.family, row.month, row.actual, row.actual, baseline_forecast=row.actual)
        for row in rows
    ]
    kpis = compute_kpis(perfect)
    assert kpis.wape in (None, 0)
    assert kpis.mape in (None, 0)
    assert kpis.bias in (None, 0)
    assert kpis.fva in (None, 0)
