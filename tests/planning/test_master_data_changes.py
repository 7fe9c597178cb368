"""Master-data changes reach the open cycles' inputs, and leave frozen cycles alone."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from planning.models import Cycle, LineAnalysis, PlanLine
from planning.roles import Stage
from planning.services.business_units import excess_multiplier_set, family_lines_add
from planning.services.plan_lines import plan_lines_bulk_set
from planning.services.recompute import cycle_recompute


@pytest.fixture
def cycles(make_family, make_cycle) -> tuple[Cycle, Cycle]:
    make_family("FAM-1")
    open_cycle = make_cycle(plan_month=datetime.date(2024, 3, 1), horizon_months=2)
    approved = make_cycle(plan_month=datetime.date(2024, 2, 1), horizon_months=2)
    Cycle.objects.filter(pk=approved.pk).update(stage=Stage.APPROVED)
    for cycle in (open_cycle, approved):
        cycle_recompute(cycle.pk)
        cycle.refresh_from_db()
    return open_cycle, approved


def test_multiplier_change_bumps_open_cycles_only(cycles: tuple[Cycle, Cycle]) -> None:
    open_cycle, approved = cycles
    excess_multiplier_set(business_unit=open_cycle.business_unit, multiplier="2", actor=None)
    open_cycle.refresh_from_db()
    approved.refresh_from_db()
    assert open_cycle.structure_version == open_cycle.inputs_version > open_cycle.computed_version
    assert approved.is_fresh


def test_multiplier_change_changes_the_status_after_recompute(
    cycles: tuple[Cycle, Cycle],
) -> None:
    open_cycle, _approved = cycles
    line = PlanLine.objects.filter(cycle=open_cycle).order_by("month")[0]
    values = {"opening_stock": 250, "safety_stock_target": 100, "demand_forecast": 0}
    plan_lines_bulk_set(cycle=open_cycle, values={(line.family_id, line.month): values}, actor=None)
    cycle_recompute(open_cycle.pk)
    assert LineAnalysis.objects.get(plan_line=line).status == 1  # 250 <= 3 x 100: balanced
    excess_multiplier_set(business_unit=open_cycle.business_unit, multiplier="2", actor=None)
    assert cycle_recompute(open_cycle.pk).full
    assert LineAnalysis.objects.get(plan_line=line).status == 2  # 250 > 2 x 100: excess
    assert open_cycle.business_unit.excess_multiplier == Decimal("2")


@pytest.mark.parametrize("value", ["0.5", "101", "2.555", "abc"])
def test_bad_multiplier_is_refused(cycles: tuple[Cycle, Cycle], value: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        excess_multiplier_set(business_unit=cycles[0].business_unit, multiplier=value, actor=None)
    assert raised.value.message_dict == {
        "excess_multiplier": ["Enter a number from 1 to 100 with at most two decimals."]
    }


def test_new_family_gets_lines_in_open_cycles_only(
    cycles: tuple[Cycle, Cycle], make_family
) -> None:
    open_cycle, approved = cycles
    family = make_family("FAM-NEW")
    assert family_lines_add(family=family, actor=None) == 2
    assert PlanLine.objects.filter(cycle=open_cycle, family=family).count() == 2
    assert not PlanLine.objects.filter(cycle=approved, family=family).exists()
    open_cycle.refresh_from_db()
    assert not open_cycle.is_fresh
    cycle_recompute(open_cycle.pk)
    assert LineAnalysis.objects.filter(cycle=open_cycle, family=family).count() == 2
    assert family_lines_add(family=family, actor=None) == 0
