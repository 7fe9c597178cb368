"""Database constraints hold even when the services are bypassed."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from planning.models import BusinessUnit, Cycle, PlanLine


@pytest.fixture
def cycle(make_family, make_cycle) -> Cycle:
    make_family("FAM-1")
    return make_cycle()


def test_duplicate_plan_line_is_refused(cycle: Cycle) -> None:
    # given
    line = cycle.plan_lines.all()[0]
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanLine.objects.create(cycle=cycle, family=line.family, month=line.month)


@pytest.mark.parametrize(
    "field",
    [
        "demand_forecast",
        "confirmed_orders",
        "opening_stock",
        "production_plan",
        "capacity_max",
        "safety_stock_target",
    ],
)
def test_negative_quantity_is_refused(cycle: Cycle, field: str) -> None:
    line = cycle.plan_lines.all()[0]
    with pytest.raises(IntegrityError, match=f"plan_line_{field}_range"), transaction.atomic():
        PlanLine.objects.filter(pk=line.pk).update(**{field: -1})


def test_second_cycle_for_the_same_month_is_refused(cycle: Cycle) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Cycle.objects.create(
            business_unit=cycle.business_unit,
            plan_month=cycle.plan_month,
            horizon_start=cycle.horizon_start,
            horizon_months=6,
        )


def test_horizon_length_outside_range_is_refused(business_unit: BusinessUnit) -> None:
    with pytest.raises(IntegrityError, match="cycle_horizon_length_range"), transaction.atomic():
        Cycle.objects.create(
            business_unit=business_unit,
            plan_month=datetime.date(2024, 1, 1),
            horizon_start=datetime.date(2024, 2, 1),
            horizon_months=0,
        )


def test_excess_multiplier_below_one_is_refused(business_unit: BusinessUnit) -> None:
    with (
        pytest.raises(IntegrityError, match="business_unit_excess_multiplier_range"),
        transaction.atomic(),
    ):
        BusinessUnit.objects.filter(pk=business_unit.pk).update(excess_multiplier="0.5")


def test_computed_version_cannot_run_ahead_of_inputs(cycle: Cycle) -> None:
    with (
        pytest.raises(IntegrityError, match="cycle_computed_not_ahead_of_inputs"),
        transaction.atomic(),
    ):
        Cycle.objects.filter(pk=cycle.pk).update(computed_version=cycle.inputs_version + 1)
