"""Opening a cycle: a plan line for every active family x horizon month, in one statement,
with the values of the unit's last cycle carried over and the approved plan's closing stock
as the first month's opening stock."""

from __future__ import annotations

import datetime

from planning.models import Cycle, LineAnalysis, PlanLine
from planning.roles import Stage
from planning.services.recompute import cycle_recompute


def test_a_new_cycle_carries_the_last_cycles_values_and_the_approved_closing_stock(
    make_family, make_cycle
) -> None:
    # given an approved February plan, and a March cycle edited since
    kept = make_family("KEPT")
    make_family("RETIRED", is_active=False)
    approved = make_cycle(plan_month=datetime.date(2024, 2, 1), horizon_months=2)  # Mar, Apr
    PlanLine.objects.filter(cycle=approved).update(opening_stock=500, demand_forecast=100)
    cycle_recompute(approved.pk)
    Cycle.objects.filter(pk=approved.pk).update(stage=Stage.APPROVED)
    closing_march = LineAnalysis.objects.get(
        cycle=approved, family=kept, month=datetime.date(2024, 3, 1)
    ).closing_stock
    last = make_cycle(plan_month=datetime.date(2024, 3, 1), horizon_months=2)  # Apr, May
    PlanLine.objects.filter(cycle=last, month=datetime.date(2024, 5, 1)).update(
        demand_forecast=70, capacity_max=900, opening_stock=33
    )
    # when April opens (May, June)
    opened = make_cycle(plan_month=datetime.date(2024, 4, 1), horizon_months=2)
    # then only the active family is planned; May carries March's cycle's values
    lines = {
        line.month: line for line in PlanLine.objects.filter(cycle=opened).select_related("family")
    }
    assert {line.family.code for line in lines.values()} == {"KEPT"}
    assert sorted(lines) == [datetime.date(2024, 5, 1), datetime.date(2024, 6, 1)]
    may, june = lines[datetime.date(2024, 5, 1)], lines[datetime.date(2024, 6, 1)]
    assert (may.demand_forecast, may.capacity_max) == (70, 900)
    # the first month opens with the approved plan's closing stock of the month before (April)
    closing_april = LineAnalysis.objects.get(
        cycle=approved, family=kept, month=datetime.date(2024, 4, 1)
    ).closing_stock
    assert closing_march == 400
    assert may.opening_stock == max(closing_april, 0)
    assert (june.demand_forecast, june.opening_stock) == (0, 0)
    assert may.version == 1 and may.changed_in_version == opened.inputs_version
