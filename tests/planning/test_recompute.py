"""The recompute service: one read, the engine, one bulk write, stamped with its version."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from planning.models import Cycle, LineAnalysis, MonthSummary, PlanLine
from planning.roles import Stage
from planning.services.plan_lines import plan_line_update
from planning.services.recompute import cycle_recompute
from tests.demo_snapshot import DEMO_PLAN_MONTH, SEED_MONTHS, seed_month

# MISSION.md's demonstration table:
# month, effective demand, production, opening, closing, stock days, safety, utilization, status
SEED_TABLE = [
    (seed_month(0), 12000, 11000, 3000, 2000, 5.0, 2000, "73.3%", 1),
    (seed_month(1), 13500, 12000, 2000, 500, 1.1, 2200, "80.0%", 0),
    (seed_month(2), 15000, 13000, 500, -1500, -3.0, 2500, "86.7%", 0),
    (seed_month(3), 11000, 12000, -1500, -500, -1.4, 2000, "80.0%", 0),
    (seed_month(4), 10000, 10500, -500, 0, 0.0, 1800, "70.0%", 0),
    (seed_month(5), 14000, 13500, 0, -500, -1.1, 2300, "90.0%", 0),
]


@pytest.fixture
def demo_cycle(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", plan_month=DEMO_PLAN_MONTH)


def editor(cycle: Cycle, field: str) -> AbstractUser:
    """The demo user who edits ``field``, with the cycle in a stage where they may."""
    if field == "production_plan":
        Cycle.objects.filter(pk=cycle.pk).update(stage=Stage.SUPPLY_REVIEW)
        return get_user_model().objects.get(username="production")
    return get_user_model().objects.get(username="sales")


def seed_rows(cycle: Cycle) -> list[tuple]:
    return [
        (
            f"{row.month:%Y-%m}",
            row.effective_demand,
            row.production_plan,
            row.opening_stock,
            row.closing_stock,
            row.stock_days,
            row.safety_stock_target,
            f"{(row.utilization or 0) * 100:.1f}%",
            row.status,
        )
        for row in LineAnalysis.objects.filter(cycle=cycle, family__code="SEED-01").order_by(
            "month"
        )
    ]


def analysis_rows(cycle: Cycle) -> list[dict]:
    """The stored analysis, less what differs between two writes of the same numbers."""
    return [
        {k: v for k, v in row.items() if k not in {"id", "computed_version"}}
        for row in LineAnalysis.objects.filter(cycle=cycle).order_by("plan_line_id").values()
    ]


def test_stored_analysis_reproduces_the_seed_table(demo_cycle: Cycle) -> None:
    assert seed_rows(demo_cycle) == SEED_TABLE
    assert demo_cycle.computed_version == demo_cycle.inputs_version


def test_every_plan_line_has_its_analysis(demo_cycle: Cycle) -> None:
    lines = PlanLine.objects.filter(cycle=demo_cycle).count()
    assert LineAnalysis.objects.filter(cycle=demo_cycle).count() == lines == 13 * 6


def test_month_summary_adds_up_the_families(demo_cycle: Cycle) -> None:
    june = SEED_MONTHS[2]
    summary = MonthSummary.objects.get(cycle=demo_cycle, month=june)
    rows = LineAnalysis.objects.filter(cycle=demo_cycle, month=june)
    assert summary.effective_demand == sum(row.effective_demand for row in rows)
    assert summary.backlog == sum(-row.closing_stock for row in rows if row.closing_stock < 0)
    assert summary.families_short == sum(1 for row in rows if row.status == 0)
    assert summary.families_short + summary.families_balanced + summary.families_excess == 13


def test_recompute_when_fresh_does_nothing(demo_cycle: Cycle) -> None:
    outcome = cycle_recompute(demo_cycle.pk)
    assert outcome.skipped
    assert outcome.version == demo_cycle.inputs_version


def test_edit_recomputes_only_the_changed_family(demo_cycle: Cycle) -> None:
    # given
    line = PlanLine.objects.get(cycle=demo_cycle, family__code="SEED-01", month=SEED_MONTHS[1])
    # when
    plan_line_update(
        plan_line=line,
        changes={"production_plan": 13500},
        expected_version=line.version,
        actor=editor(demo_cycle, "production_plan"),
    )
    outcome = cycle_recompute(demo_cycle.pk)
    # then
    assert not outcome.full
    assert outcome.rows == 6
    rows = seed_rows(demo_cycle)
    assert [row[4] for row in rows] == [2000, 2000, 0, 1000, 1500, 1000]


def test_partial_recompute_equals_a_full_one(demo_cycle: Cycle) -> None:
    for line in PlanLine.objects.filter(cycle=demo_cycle, month=SEED_MONTHS[3])[:3]:
        plan_line_update(
            plan_line=line,
            changes={"demand_forecast": line.demand_forecast + 777},
            expected_version=line.version,
            actor=editor(demo_cycle, "demand_forecast"),
        )
    cycle_recompute(demo_cycle.pk)
    partial = analysis_rows(demo_cycle)
    Cycle.objects.filter(pk=demo_cycle.pk).update(computed_version=0)
    assert cycle_recompute(demo_cycle.pk).full
    full = analysis_rows(demo_cycle)
    assert partial == full


def test_multiplier_change_forces_a_full_recompute(demo_cycle: Cycle) -> None:
    from planning.services.plan_lines import cycle_inputs_bump

    cycle_inputs_bump(demo_cycle.pk, structural=True)
    outcome = cycle_recompute(demo_cycle.pk)
    assert outcome.full
    assert outcome.rows == 13 * 6


def test_partial_recompute_keeps_the_month_summary_equal_to_a_full_aggregate(
    demo_cycle: Cycle,
) -> None:
    # given: edits that move families between short, balanced and excess
    for line in PlanLine.objects.filter(cycle=demo_cycle, month=SEED_MONTHS[1])[:4]:
        plan_line_update(
            plan_line=line,
            changes={"production_plan": line.production_plan + 40000},
            expected_version=line.version,
            actor=editor(demo_cycle, "production_plan"),
        )
    # when
    assert not cycle_recompute(demo_cycle.pk).full
    incremental = list(MonthSummary.objects.filter(cycle=demo_cycle).order_by("month").values())
    Cycle.objects.filter(pk=demo_cycle.pk).update(computed_version=0)
    cycle_recompute(demo_cycle.pk)
    aggregated = list(MonthSummary.objects.filter(cycle=demo_cycle).order_by("month").values())

    # then
    def comparable(rows: list[Any]) -> list[dict]:
        return [{k: v for k, v in row.items() if k != "id"} for row in rows]

    assert comparable(incremental) == comparable(aggregated)


def test_each_recompute_that_works_is_logged(demo_cycle: Cycle) -> None:
    from planning.models import RecomputeRun

    runs = RecomputeRun.objects.filter(cycle=demo_cycle)
    assert [(run.version, run.full, run.rows) for run in runs] == [
        (demo_cycle.inputs_version, True, 13 * 6)
    ]
