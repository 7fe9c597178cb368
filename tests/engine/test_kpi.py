"""The KPIs of issue 10 §4, each against an example worked out by hand."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest

from planning.engine import plan_table_from_records
from planning.engine.kpi import (
    KPI_CONTEXT,
    KpiRow,
    Kpis,
    by_business_unit,
    by_family,
    by_month,
    capacity_utilization,
    compute_kpis,
    group_kpis,
    rounded,
)

MONTHS = ("2024-01", "2024-02", "2024-03")


def family_rows(family: str, actual: list, forecast: list, **columns: list) -> list[KpiRow]:
    return [
        KpiRow(
            family,
            MONTHS[index],
            actual[index],
            forecast[index],
            **{name: values[index] for name, values in columns.items()},
        )
        for index in range(len(actual))
    ]


def ratio(numerator: int, denominator: int) -> Decimal:
    """The quotient as the KPIs carry it: a Decimal to 34 significant digits."""
    with localcontext(KPI_CONTEXT):
        return Decimal(numerator) / Decimal(denominator)


# The issue's own example: A = 50, 200, 400 and F = 60, 180, 420.
ISSUE_ROWS = family_rows("A", [50, 200, 400], [60, 180, 420])


def test_the_issues_example_wape_mape_and_bias() -> None:
    kpis = compute_kpis(ISSUE_ROWS)
    # WAPE: |A-F| = 10, 20, 20, sum 50; sum A = 650; 50 / 650 = 0.0769230... = 7.692 %.
    assert kpis.wape == ratio(50, 650)
    # MAPE: 10/50 = 0.2, 20/200 = 0.1, 20/400 = 0.05; (0.2 + 0.1 + 0.05) / 3 = 0.11666... = 11.667 %.
    assert kpis.mape == ratio(35, 300)
    # Bias: F-A = +10, -20, +20, sum +10; 10 / 650 = +0.0153846... = +1.538 % (over-forecast).
    assert kpis.bias == ratio(10, 650)
    assert kpis.mape_excluded_months == 0
    # Ratios carry 34 significant digits, whatever the caller's decimal context.
    assert kpis.wape == Decimal("0.0" + "769230" * 5 + "7692")
    assert [rounded(kpis.wape, 5), rounded(kpis.mape, 5), rounded(kpis.bias, 5)] == [
        Decimal("0.07692"),
        Decimal("0.11667"),
        Decimal("0.01538"),
    ]


def test_the_optional_kpis_are_undefined_without_their_columns() -> None:
    kpis = compute_kpis(ISSUE_ROWS)
    assert (kpis.fva, kpis.plan_adherence, kpis.fill_rate) == (None, None, None)


def test_no_demand_at_all_leaves_every_demand_kpi_undefined() -> None:
    rows = family_rows("Z", [0, 0], [10, 0], baseline_forecast=[5, 5], shipped=[0, 3])
    kpis = compute_kpis(rows)
    assert kpis == Kpis(
        wape=None,
        mape=None,
        mape_excluded_months=2,
        bias=None,
        fva=None,
        plan_adherence=None,
        fill_rate=None,
    )


def test_a_month_without_demand_is_left_out_of_mape_and_counted() -> None:
    rows = family_rows("A", [50, 0, 400], [60, 30, 420])
    kpis = compute_kpis(rows)
    # MAPE over the two months with demand: (10/50 + 20/400) / 2 = (0.2 + 0.05) / 2 = 0.125.
    assert kpis.mape == ratio(1, 8)
    assert kpis.mape_excluded_months == 1
    # WAPE and bias keep the month: |A-F| = 10 + 30 + 20 = 60 over 450; F-A = 10 + 30 + 20 = 60.
    assert kpis.wape == ratio(60, 450)
    assert kpis.bias == ratio(60, 450)


def test_under_forecast_gives_a_negative_bias() -> None:
    # F-A = -10 + -20 = -30 over 300.
    kpis = compute_kpis(family_rows("A", [100, 200], [90, 180]))
    assert kpis.bias == ratio(-30, 300)


def test_forecast_value_added_is_positive_when_the_consensus_beats_the_baseline() -> None:
    rows = family_rows("A", [50, 200, 400], [60, 180, 420], baseline_forecast=[70, 150, 500])
    # Baseline |A-B| = 20 + 50 + 100 = 170, WAPE 170/650; consensus WAPE 50/650.
    # FVA = 170/650 - 50/650 = 120/650 = +0.184615 (the planners' judgement removed error).
    assert compute_kpis(rows).fva == ratio(120, 650)


def test_forecast_value_added_is_negative_when_the_consensus_adds_error() -> None:
    rows = family_rows("A", [50, 200, 400], [60, 180, 420], baseline_forecast=[50, 200, 400])
    # A perfect baseline has WAPE 0; FVA = 0 - 50/650 = -0.0769: the consensus made it worse.
    assert compute_kpis(rows).fva == ratio(-50, 650)


def test_forecast_value_added_compares_only_the_months_with_a_baseline() -> None:
    rows = family_rows("A", [50, 200, 400], [60, 180, 420], baseline_forecast=[None, 150, 500])
    # Over Feb and Mar (sum A = 600): baseline 50 + 100 = 150, consensus 20 + 20 = 40.
    # FVA = 150/600 - 40/600 = 110/600.
    assert compute_kpis(rows).fva == ratio(110, 600)


def test_plan_adherence_caps_overproduction_per_month() -> None:
    rows = family_rows(
        "A", [50, 200, 400], [60, 180, 420], planned_production=[100, 100, 0],
        actual_production=[90, 120, 10],
    )  # fmt: skip
    # min(produced, planned) = 90, 100 (120 capped), 0; sum 190 over planned 200 = 0.95.
    assert compute_kpis(rows).plan_adherence == ratio(190, 200)


def test_nothing_planned_leaves_plan_adherence_undefined() -> None:
    rows = family_rows(
        "A", [50, 200], [60, 180], planned_production=[0, 0], actual_production=[30, 0]
    )
    assert compute_kpis(rows).plan_adherence is None


def test_plan_adherence_needs_both_the_plan_and_the_production() -> None:
    rows = family_rows(
        "A", [50, 200], [60, 180], planned_production=[100, 100], actual_production=[None, 50]
    )
    # Only February counts: 50 of 100.
    assert compute_kpis(rows).plan_adherence == ratio(1, 2)


def test_fill_rate_caps_each_line_at_its_demand() -> None:
    rows = family_rows("A", [50, 200, 400], [60, 180, 420], shipped=[50, 180, 420])
    # min(shipped, demand) = 50, 180, 400 (420 capped): 630 / 650 = 0.969231. Uncapped, the
    # 20 shipped over March's demand would hide February's shortfall: 650 / 650 = 100 %.
    assert compute_kpis(rows).fill_rate == ratio(630, 650)


def test_fill_rate_with_no_demand_is_undefined() -> None:
    rows = family_rows("A", [0], [10], shipped=[5])
    assert compute_kpis(rows).fill_rate is None


def test_per_family_and_overall_weigh_by_demand() -> None:
    small = family_rows("SMALL", [10, 10], [20, 20])  # WAPE 20/20 = 100 %
    large = family_rows("LARGE", [1000, 1000], [990, 1010])  # WAPE 20/2000 = 1 %
    rows = [*small, *large]
    families = group_kpis(rows, by_family)
    assert list(families) == ["SMALL", "LARGE"]
    assert families["SMALL"].wape == 1
    assert families["LARGE"].wape == ratio(20, 2000)
    # Overall: (20 + 20) / 2020, not the mean of 100 % and 1 %.
    assert compute_kpis(rows).wape == ratio(40, 2020)
    # Overall MAPE is the mean over all four rows: (1 + 1 + 0.01 + 0.01) / 4.
    assert compute_kpis(rows).mape == ratio(202, 400)


def test_per_month_groups_every_family_of_the_month() -> None:
    rows = [*family_rows("A", [100, 100], [110, 100]), *family_rows("B", [300, 0], [270, 5])]
    months = group_kpis(rows, by_month)
    # January: |A-F| = 10 + 30 over 400. February: 0 + 5 over 100, with B's month out of MAPE.
    assert months["2024-01"].wape == ratio(40, 400)
    assert months["2024-02"].wape == ratio(5, 100)
    assert months["2024-02"].mape == 0
    assert months["2024-02"].mape_excluded_months == 1


def test_any_key_groups_the_rows_for_example_business_units() -> None:
    rows = [
        KpiRow("A", "2024-01", 100, 110, business_unit="North"),
        KpiRow("B", "2024-01", 100, 100, business_unit="South"),
        KpiRow("C", "2024-01", 100, 70, business_unit="North"),
    ]
    units = group_kpis(rows, by_business_unit)
    assert units["North"].wape == ratio(40, 200)
    assert units["South"].wape == 0
    quarters = group_kpis(rows, lambda row: (row.business_unit, row.month[:4]))
    assert set(quarters) == {("North", "2024"), ("South", "2024")}


def test_decimal_quantities_are_exact() -> None:
    rows = [
        KpiRow("A", "2024-01", Decimal("100.5"), Decimal("100.2")),
        KpiRow("A", "2024-02", 100, Decimal("99.5"), shipped=Decimal("99.25")),
    ]
    # |A-F| = 0.3 + 0.5 = 0.8 over 200.5 = 8/2005; fill rate 99.25 / 100 = 0.9925.
    assert compute_kpis(rows).wape == ratio(8, 2005)
    assert compute_kpis(rows).fill_rate == Decimal("0.9925")


def test_the_callers_decimal_context_changes_nothing() -> None:
    with localcontext() as coarse:
        coarse.prec = 3
        kpis = compute_kpis(ISSUE_ROWS)
        shown = rounded(kpis.mape)
    assert kpis == compute_kpis(ISSUE_ROWS)
    assert shown == Decimal("0.116667")


def test_rounding_is_half_to_even_and_keeps_none() -> None:
    assert rounded(Decimal("0.125"), 2) == Decimal("0.12")
    assert rounded(Decimal("0.375"), 2) == Decimal("0.38")
    assert rounded(ratio(50, 650)) == Decimal("0.076923")
    assert rounded(None) is None
    assert str(rounded(Decimal("-0.0000001"))) == "0.000000"


def test_as_dict_names_every_kpi() -> None:
    assert compute_kpis(ISSUE_ROWS).as_dict() == {
        "wape": Decimal("0.076923"),
        "mape": Decimal("0.116667"),
        "mape_excluded_months": 0,
        "bias": Decimal("0.015385"),
        "fva": None,
        "plan_adherence": None,
        "fill_rate": None,
    }


@pytest.mark.parametrize(
    ("production", "capacity", "expected"),
    [([11000], [15000], ratio(11, 15)), ([11000, 12000], [15000, 15000], ratio(23, 30))],
)
def test_capacity_utilization_is_the_engines_production_over_capacity(
    production: list[int], capacity: list[int], expected: Decimal
) -> None:
    assert capacity_utilization(production, capacity) == expected
    # The balance engine's utilization of the seed's April: 11,000 / 15,000.
    record = {
        "month": "2024-04",
        "demand_forecast": 0,
        "confirmed_orders": 0,
        "opening_stock": 0,
        "production_plan": production[0],
        "capacity_max": capacity[0],
        "safety_stock_target": 0,
    }
    engine_row = plan_table_from_records([record]).analyse()[0]
    assert engine_row.utilization == pytest.approx(production[0] / capacity[0])


def test_capacity_utilization_without_capacity_is_undefined() -> None:
    assert capacity_utilization([100], [0]) is None
    assert capacity_utilization([], []) is None


def test_no_rows_leaves_every_kpi_undefined() -> None:
    kpis = compute_kpis([])
    assert kpis.wape is None
    assert kpis.mape is None
    assert kpis.mape_excluded_months == 0
