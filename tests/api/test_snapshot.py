"""The approved snapshot: the plan as columns, readable through the API once approved."""

from __future__ import annotations

import datetime
import importlib

from django.contrib.auth.models import AbstractUser

from planning.models import BusinessUnit, Cycle
from planning.roles import Role
from planning.selectors import PLAN_COLUMNS, cycle_plan_columns
from planning.services.cycles import cycle_create


def test_an_unapproved_cycle_has_no_snapshot(
    cycle: Cycle, role_users: dict[Role, AbstractUser], client_for
) -> None:
    response = client_for(role_users[Role.EXECUTIVE]).get(f"/api/cycles/{cycle.pk}/snapshot/")
    assert response.status_code == 404


def test_plan_columns_of_a_cycle_not_yet_analysed_are_empty(db: None) -> None:
    unit = BusinessUnit.objects.create(code="empty", name="Empty")
    cycle = cycle_create(
        business_unit_id=unit.pk, plan_month=datetime.date(2024, 3, 1), horizon_months=3
    )
    assert cycle_plan_columns(cycle.pk) == {name: [] for name in PLAN_COLUMNS}


def test_plan_columns_line_up_with_the_analysis(cycle: Cycle) -> None:
    columns = cycle_plan_columns(cycle.pk)
    lengths = {len(values) for values in columns.values()}
    assert lengths == {2 * 3}  # two families x three months, every column as long
    assert columns["family"] == ["FAM-1"] * 3 + ["FAM-2"] * 3
    assert columns["month"][:3] == ["2024-04", "2024-05", "2024-06"]
    assert set(columns["status"]) <= {"short", "balanced", "excess"}


def test_older_row_snapshots_are_migrated_to_columns() -> None:
    migration = importlib.import_module("approvals.migrations.0003_snapshot_lines_as_columns")
    rows = [
        {"family__code": "A", "month": "2024-04", "status": 0, "closing_stock": 5},
        {"family__code": "A", "month": "2024-05", "status": 2, "closing_stock": 9},
    ]
    assert migration.rows_to_columns(rows) == {
        "family": ["A", "A"],
        "month": ["2024-04", "2024-05"],
        "status": ["short", "excess"],
        "closing_stock": [5, 9],
    }
