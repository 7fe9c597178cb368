"""The balance engine against MISSION.md's tables and every edge case it lists."""

from __future__ import annotations

import math
from dataclasses import asdict
from decimal import Decimal

import numpy as np
import pytest

from planning.engine import (
    BalanceInputs,
    GapOption,
    PlanInputError,
    compute_balance,
    plan_table_from_records,
    python_round_1,
    rank_gap_alternatives,
)
from planning.engine.balance import MAX_QUANTITY

SEED_RECORDS = [
    {"month": "2024-04", "demand_forecast": 12000, "confirmed_orders": 10500,
     "opening_stock": 3000, "production_plan": 11000, "capacity_max": 15000,
     "safety_stock_target": 2000},
    {"month": "2024-05", "demand_forecast": 13500, "confirmed_orders": 12000,
     "opening_stock": 0, "production_plan": 12000, "capacity_max": 15000,
     "safety_stock_target": 2200},
    {"month": "2024-06", "demand_forecast": 15000, "confirmed_orders": 14200,
     "opening_stock": 0, "production_plan": 13000, "capacity_max": 15000,
     "safety_stock_target": 2500},
    {"month": "2024-07", "demand_forecast": 11000, "confirmed_orders": 9000,
     "opening_stock": 0, "production_plan": 12000, "capacity_max": 15000,
     "safety_stock_target": 2000},
    {"month": "2024-08", "demand_forecast": 10000, "confirmed_orders": 8500,
     "opening_stock": 0, "production_plan": 10500, "capacity_max": 15000,
     "safety_stock_target": 1800},
    {"month": "2024-09", "demand_forecast": 14000, "confirmed_orders": 13000,
     "opening_stock": 0, "production_plan": 13500, "capacity_max": 15000,
     "safety_stock_target": 2300},
]  # fmt: skip

# MISSION.md: month, effective demand, production, opening, closing, stock days, safety target,
# utilization, status
SEED_TABLE = [
    ("2024-04", 12000, 11000, 3000, 2000, 5.0, 2000, "73.3%", "balanced"),
    ("2024-05", 13500, 12000, 2000, 500, 1.1, 2200, "80.0%", "short"),
    ("2024-06", 15000, 13000, 500, -1500, -3.0, 2500, "86.7%", "short"),
    ("2024-07", 11000, 12000, -1500, -500, -1.4, 2000, "80.0%", "short"),
    ("2024-08", 10000, 10500, -500, 0, 0.0, 1800, "70.0%", "short"),
    ("2024-09", 14000, 13500, 0, -500, -1.1, 2300, "90.0%", "short"),
]


def analyse(records: list[dict], multiplier: object = 3) -> list:
    return plan_table_from_records(records).analyse(multiplier)  # type: ignore[arg-type]


def one_row(**fields: object) -> dict:
    row = {"month": "2024-01", "demand_forecast": 100, "confirmed_orders": 0, "opening_stock": 0,
           "production_plan": 100, "capacity_max": 200, "safety_stock_target": 10}  # fmt: skip
    row.update(fields)
    return row


def test_seed_demonstration_table_is_reproduced_exactly() -> None:
    rows = analyse(SEED_RECORDS)
    assert [
        (
            row.month,
            row.effective_demand,
            row.production_plan,
            row.opening_stock,
            row.closing_stock,
            row.stock_days,
            row.safety_stock_target,
            f"{row.utilization * 100:.1f}%",
            row.status,
        )
        for row in rows
    ] == SEED_TABLE


def test_seed_gap_table_is_reproduced_exactly() -> None:
    options = [
        GapOption("加班加班(双倍工资)", 1500),
        GapOption("外包给合作工厂 A", 2500),
        GapOption("调用渠道安全库存", 2000),
        GapOption("说服客户分批交付", 1000),
    ]
    analysis = rank_gap_alternatives(15000, 13000, options)
    assert analysis.gap == 2000
    assert [
        (a.name, a.additional_capacity, a.can_fill, a.remaining_gap, a.fill_rate_percent)
        for a in analysis.alternatives
    ] == [
        ("外包给合作工厂 A", 2500, 2000, 0, "100%"),
        ("调用渠道安全库存", 2000, 2000, 0, "100%"),
        ("加班加班(双倍工资)", 1500, 1500, 500, "75%"),
        ("说服客户分批交付", 1000, 1000, 1000, "50%"),
    ]


def test_capacity_zero_leaves_utilization_undefined_and_flags_production_infeasible() -> None:
    [row] = analyse([one_row(capacity_max=0, production_plan=50)])
    assert row.utilization is None
    assert row.infeasible
    assert row.over_capacity


def test_capacity_zero_without_production_is_not_infeasible() -> None:
    [row] = analyse([one_row(capacity_max=0, production_plan=0)])
    assert row.utilization is None
    assert not row.infeasible
    assert not row.over_capacity


def test_production_above_capacity_is_flagged_over_capacity() -> None:
    rows = analyse([one_row(production_plan=201), one_row(month="2024-02", production_plan=200)])
    assert [row.over_capacity for row in rows] == [True, False]
    assert rows[0].utilization == 201 / 200


def test_zero_demand_gives_zero_stock_days() -> None:
    [row] = analyse([one_row(demand_forecast=0, confirmed_orders=0, opening_stock=500)])
    assert row.effective_demand == 0
    assert row.stock_days == 0.0
    assert row.closing_stock == 600


def test_effective_demand_is_the_larger_of_forecast_and_orders() -> None:
    rows = analyse([one_row(demand_forecast=100, confirmed_orders=150),
                    one_row(month="2024-02", demand_forecast=90, confirmed_orders=40)])  # fmt: skip
    assert [row.effective_demand for row in rows] == [150, 90]


def test_backlog_is_carried_forward_as_negative_stock() -> None:
    rows = analyse(
        [
            one_row(month="2024-01", opening_stock=0, demand_forecast=300, production_plan=100),
            one_row(month="2024-02", demand_forecast=100, production_plan=150),
            one_row(month="2024-03", demand_forecast=100, production_plan=300),
        ]
    )
    assert [(row.opening_stock, row.closing_stock) for row in rows] == [
        (0, -200),
        (-200, -150),
        (-150, 50),
    ]


def test_only_the_first_months_opening_stock_is_used() -> None:
    rows = analyse([one_row(opening_stock=40), one_row(month="2024-02", opening_stock=9999)])
    assert rows[1].opening_stock == rows[0].closing_stock == 40


@pytest.mark.parametrize(
    ("multiplier", "closing", "status"),
    [
        (3, 30, "balanced"),  # exactly 3 x safety 10
        (3, 31, "excess"),
        (2, 20, "balanced"),
        (2, 21, "excess"),
        ("2.5", 25, "balanced"),
        (Decimal("2.5"), 26, "excess"),
        (2.5, 25, "balanced"),
        (3, 10, "balanced"),  # exactly the safety target is not short
        (3, 9, "short"),
    ],
)
def test_excess_multiplier_is_configurable_and_exact_at_the_boundary(
    multiplier: object, closing: int, status: str
) -> None:
    [row] = analyse(
        [one_row(opening_stock=closing, demand_forecast=0, production_plan=0)], multiplier
    )
    assert row.closing_stock == closing
    assert row.status == status


@pytest.mark.parametrize("multiplier", [0, "0.5", "abc", 101, None])
def test_bad_excess_multiplier_is_refused(multiplier: object) -> None:
    with pytest.raises(PlanInputError) as raised:
        analyse([one_row()], multiplier)
    assert [issue.code for issue in raised.value.issues] == ["bad_multiplier"]
    assert raised.value.issues[0].field == "excess_multiplier"


def test_families_roll_their_stock_independently() -> None:
    records = [
        {**one_row(month="2024-01", opening_stock=1000), "family": "A"},
        {**one_row(month="2024-01", opening_stock=5), "family": "B"},
        {**one_row(month="2024-02", production_plan=0), "family": "A"},
        {**one_row(month="2024-02", production_plan=300), "family": "B"},
    ]
    rows = analyse(records)
    assert [(row.family, row.month, row.closing_stock) for row in rows] == [
        ("A", "2024-01", 1000),
        ("B", "2024-01", 5),
        ("A", "2024-02", 900),
        ("B", "2024-02", 205),
    ]


def test_records_are_not_mutated() -> None:
    records = [dict(record) for record in SEED_RECORDS]
    before = [dict(record) for record in records]
    analyse(records)
    assert records == before


def test_input_arrays_are_not_mutated() -> None:
    table = plan_table_from_records(SEED_RECORDS)
    before = {name: value.copy() for name, value in asdict(table.inputs).items()}
    compute_balance(table.inputs)
    for name, value in asdict(table.inputs).items():
        assert np.array_equal(value, before[name]), name


@pytest.mark.parametrize(
    "value", [29.95, 0.05, 0.15, 0.25, 1.25, 2.675, -0.05, -29.95, -1.25, 1e15 + 0.5, 12345.65]
)
def test_python_round_1_matches_round_on_ties(value: float) -> None:
    assert python_round_1(np.array([value]))[0] == round(value, 1)


def test_numpy_round_disagrees_where_python_round_1_does_not() -> None:
    # The reason python_round_1 exists: np.round(29.95, 1) gives 30.0, Python gives 29.9.
    assert np.round(29.95, 1) != round(29.95, 1)
    assert python_round_1(np.array([29.95]))[0] == round(29.95, 1)


@pytest.mark.parametrize(
    ("field", "value", "code", "message"),
    [
        ("demand_forecast", -5, "negative", "row 2: demand_forecast must not be negative, got -5"),
        ("capacity_max", "1.5", "not_integer",
         "row 2: capacity_max must be a whole number, got '1.5'"),
        ("production_plan", "abc", "not_integer",
         "row 2: production_plan must be a whole number, got 'abc'"),
        ("confirmed_orders", True, "not_integer",
         "row 2: confirmed_orders must be a whole number, got 'True'"),
        ("safety_stock_target", MAX_QUANTITY + 1, "too_large",
         f"row 2: safety_stock_target is implausibly large ({MAX_QUANTITY + 1});"
         f" the limit is {MAX_QUANTITY}"),
        ("month", "2024-13", "bad_month",
         "row 2: month must be a month written YYYY-MM, got '2024-13'"),
        ("demand_forecast", "", "missing_value", "row 2: demand_forecast is empty"),
    ],
)  # fmt: skip
def test_bad_value_names_row_and_field(field: str, value: object, code: str, message: str) -> None:
    records = [one_row(month="2024-01"), {**one_row(month="2024-02"), field: value}]
    with pytest.raises(PlanInputError) as raised:
        plan_table_from_records(records)
    [issue] = raised.value.issues
    assert (issue.code, issue.row, issue.field) == (code, 2, field)
    assert str(issue) == message


def test_duplicate_month_is_refused() -> None:
    with pytest.raises(PlanInputError) as raised:
        plan_table_from_records([one_row(month="2024-01"), one_row(month="2024-01")])
    [issue] = raised.value.issues
    assert str(issue) == "row 2: month 2024-01 appears twice for family '-' (first in row 1)"


def test_months_out_of_order_are_refused() -> None:
    with pytest.raises(PlanInputError) as raised:
        plan_table_from_records([one_row(month="2024-02"), one_row(month="2024-01")])
    [issue] = raised.value.issues
    assert (issue.code, issue.row, issue.field) == ("month_out_of_order", 2, "month")
    assert str(issue) == (
        "row 2: month 2024-01 comes after 2024-02 for family '-'; months must be in order"
    )


def test_gap_in_horizon_is_refused() -> None:
    with pytest.raises(PlanInputError) as raised:
        plan_table_from_records(
            [
                {**one_row(month="2024-01"), "family": "A"},
                {**one_row(month="2024-03"), "family": "A"},
            ]
        )
    [issue] = raised.value.issues
    assert (
        str(issue) == "row 2: the horizon for family 'A' has a gap: 2024-01 is followed by 2024-03"
    )


def test_missing_column_is_refused_before_any_row() -> None:
    columns = ["month", "demand_forecast", "opening_stock", "production_plan", "capacity_max"]
    with pytest.raises(PlanInputError) as raised:
        plan_table_from_records([], columns)
    assert [str(issue) for issue in raised.value.issues] == [
        "column 'confirmed_orders' is missing",
        "column 'safety_stock_target' is missing",
    ]


def test_empty_plan_is_refused() -> None:
    with pytest.raises(PlanInputError, match="the plan has no rows"):
        plan_table_from_records([])


def test_every_issue_is_reported_at_once() -> None:
    with pytest.raises(PlanInputError) as raised:
        plan_table_from_records([one_row(demand_forecast=-1, capacity_max="x")])
    assert [(issue.field, issue.code) for issue in raised.value.issues] == [
        ("demand_forecast", "negative"),
        ("capacity_max", "not_integer"),
    ]


def test_engine_refuses_negative_arrays_naming_the_row() -> None:
    table = plan_table_from_records(SEED_RECORDS)
    demand = table.inputs.demand_forecast.copy()
    demand[3] = -7
    inputs = BalanceInputs(**{**asdict(table.inputs), "demand_forecast": demand})
    with pytest.raises(PlanInputError) as raised:
        compute_balance(inputs)
    assert str(raised.value) == "row 4: demand_forecast must not be negative, got -7"


def test_empty_inputs_give_an_empty_result() -> None:
    empty = np.zeros(0, dtype=np.int64)
    inputs = BalanceInputs(empty, empty, empty, empty, empty, empty, np.zeros(0, dtype=np.bool_))
    assert len(compute_balance(inputs)) == 0


def test_stock_days_follow_the_seed_formula() -> None:
    [row] = analyse([one_row(demand_forecast=14000, opening_stock=0, production_plan=13500)])
    assert row.stock_days == round(-500 / (14000 / 30), 1) == -1.1
    assert not math.isnan(row.stock_days)


def test_gap_at_or_below_capacity_needs_no_adjustment() -> None:
    for demand in (13000, 12000):
        analysis = rank_gap_alternatives(demand, 13000, [GapOption("A", 500)])
        assert analysis.capacity_sufficient
        assert analysis.gap == 0
        assert analysis.alternatives == ()


def test_gap_ties_keep_the_order_entered() -> None:
    options = [GapOption("first", 10), GapOption("second", 99), GapOption("third", 10)]
    analysis = rank_gap_alternatives(110, 100, options)
    assert [a.name for a in analysis.alternatives] == ["first", "second", "third"]


def test_gap_alternative_with_no_capacity_fills_nothing() -> None:
    [alternative] = rank_gap_alternatives(110, 100, [GapOption("none", 0)]).alternatives
    assert (alternative.can_fill, alternative.remaining_gap, alternative.fill_rate_percent) == (
        0,
        10,
        "0%",
    )


def test_gap_refuses_negative_additional_capacity() -> None:
    with pytest.raises(PlanInputError) as raised:
        rank_gap_alternatives(110, 100, [GapOption("bad", -1)])
    assert str(raised.value) == "row 1: additional_capacity must not be negative, got -1"


def test_gap_does_not_mutate_its_options() -> None:
    options = [GapOption("b", 5), GapOption("a", 50)]
    rank_gap_alternatives(110, 100, options)
    assert [option.name for option in options] == ["b", "a"]
