"""Differential property tests: the vectorized engine against a per-row reading of the seed.

The reference below is written straight from the seed's ``SOPAnalyzer.analyze`` and
``rolling_plan`` (one family at a time, one month at a time, plain Python arithmetic), except
that capacity 0 leaves utilization undefined instead of dividing by zero.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from planning.engine import plan_table_from_records, python_round_1

QUANTITY = st.integers(min_value=0, max_value=10**7)
SMALL_OR_ZERO = st.one_of(st.just(0), st.integers(min_value=0, max_value=50), QUANTITY)


def reference_family(months: list[dict], multiplier: Fraction) -> list[dict]:
    results = []
    previous_closing = months[0]["opening_stock"]
    for month in months:
        opening = previous_closing
        effective = max(month["demand_forecast"], month["confirmed_orders"])
        closing = opening + month["production_plan"] - effective
        stock_days = closing / (effective / 30) if effective else 0
        capacity = month["capacity_max"]
        safety = month["safety_stock_target"]
        if closing < safety:
            status = "short"
        elif closing > safety * multiplier:
            status = "excess"
        else:
            status = "balanced"
        results.append(
            {
                "effective_demand": effective,
                "opening_stock": opening,
                "closing_stock": closing,
                "stock_days": round(stock_days, 1),
                "utilization": month["production_plan"] / capacity if capacity else None,
                "status": status,
                "over_capacity": month["production_plan"] > capacity,
            }
        )
        previous_closing = closing
    return results


@st.composite
def plans(draw: st.DrawFn) -> list[list[dict]]:
    families = draw(st.integers(min_value=1, max_value=12))
    plan = []
    for _family in range(families):
        length = draw(st.integers(min_value=1, max_value=24))
        start = draw(st.integers(min_value=2020 * 12, max_value=2030 * 12))
        months = []
        for offset in range(length):
            index = start + offset
            months.append(
                {
                    "month": f"{index // 12:04d}-{index % 12 + 1:02d}",
                    "demand_forecast": draw(SMALL_OR_ZERO),
                    "confirmed_orders": draw(SMALL_OR_ZERO),
                    "opening_stock": draw(SMALL_OR_ZERO),
                    "production_plan": draw(SMALL_OR_ZERO),
                    "capacity_max": draw(SMALL_OR_ZERO),
                    "safety_stock_target": draw(SMALL_OR_ZERO),
                }
            )
        plan.append(months)
    return plan


@settings(max_examples=200, deadline=None)
@given(plan=plans(), multiplier=st.sampled_from(["1", "2", "2.5", "3", "4"]))
def test_engine_matches_the_per_row_reference(plan: list[list[dict]], multiplier: str) -> None:
    # given: families interleaved month by month, as a planner's long-format file would be
    records = []
    for position in range(max(len(months) for months in plan)):
        for family, months in enumerate(plan):
            if position < len(months):
                records.append({**months[position], "family": f"F{family}"})
    # when
    rows = plan_table_from_records(records).analyse(multiplier)
    # then
    expected_by_family = {
        f"F{family}": iter(reference_family(months, Fraction(multiplier)))
        for family, months in enumerate(plan)
    }
    for row in rows:
        expected = next(expected_by_family[row.family])  # type: ignore[index]
        actual = {name: getattr(row, name) for name in expected}
        assert actual == expected


@settings(max_examples=500, deadline=None)
@given(
    value=st.one_of(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
        st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
        st.integers(min_value=-(10**6), max_value=10**6).map(lambda n: n / 20),
        st.integers(min_value=-(10**8), max_value=10**8).map(lambda n: n / 100 + 0.05),
    )
)
def test_python_round_1_equals_builtin_round(value: float) -> None:
    import numpy as np

    assert python_round_1(np.array([value]))[0] == round(value, 1)
