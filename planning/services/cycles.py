"""Creating cycles and their plan lines."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from planning.errors import CycleExists
from planning.models import (
    MAX_HORIZON_MONTHS,
    PLAN_INPUT_FIELDS,
    Cycle,
    LineAnalysis,
    PlanLine,
    ProductFamily,
)
from planning.months import add_months, first_of_month, month_range
from planning.roles import Stage
from planning.services.audit import audit_record
from planning.services.recompute import recompute_schedule


@transaction.atomic
def cycle_create(
    *,
    business_unit_id: int,
    plan_month: datetime.date,
    horizon_months: int,
    horizon_start: datetime.date | None = None,
    actor: Any = None,
) -> Cycle:
    """Open a cycle with a plan line for every active family x horizon month.

    Values carry over from the most recent earlier cycle of the business unit for the same
    family and month; the first month's opening stock comes from the latest approved plan's
    closing stock of the month before the horizon (a backlog carries over as 0 stock).
    """
    plan_month = first_of_month(plan_month)
    horizon_start = first_of_month(horizon_start or add_months(plan_month, 1))
    if not 1 <= horizon_months <= MAX_HORIZON_MONTHS:
        raise ValidationError(
            {
                "horizon_months": _("The horizon must be between 1 and %(max)d months.")
                % {"max": MAX_HORIZON_MONTHS}
            }
        )
    _refuse_if_exists(business_unit_id, plan_month)
    try:
        # A savepoint: a parallel request that opened the same month first makes this INSERT
        # wait on the unique index and then fail; only the savepoint is lost, and the answer
        # names the cycle that won.
        with transaction.atomic():
            cycle = Cycle.objects.create(
                business_unit_id=business_unit_id,
                plan_month=plan_month,
                horizon_start=horizon_start,
                horizon_months=horizon_months,
                created_by=actor,
            )
    except IntegrityError:
        _refuse_if_exists(business_unit_id, plan_month)
        raise
    _create_plan_lines(cycle)
    audit_record(
        action="cycle_created",
        actor=actor,
        cycle=cycle,
        target=f"cycle:{cycle.pk}",
        after={"plan_month": f"{plan_month:%Y-%m}", "horizon_months": horizon_months},
    )
    recompute_schedule(cycle.pk)
    return cycle


def _refuse_if_exists(business_unit_id: int, plan_month: datetime.date) -> None:
    existing = (
        Cycle.objects.filter(business_unit_id=business_unit_id, plan_month=plan_month)
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:
        month = f"{plan_month:%Y-%m}"
        raise CycleExists(
            _("This business unit already has a cycle for %(month)s (cycle %(id)d).")
            % {"month": month, "id": existing},
            extra={"cycle": existing, "plan_month": month},
        )


def _create_plan_lines(cycle: Cycle) -> None:
    """One INSERT ... SELECT: every active family x horizon month, with the values carried
    over (one statement at any number of families; 10,000 families x 6 months took seconds as
    60,000 model instances)."""
    months = month_range(cycle.horizon_start, cycle.horizon_months)
    previous = (
        Cycle.objects.filter(
            business_unit_id=cycle.business_unit_id, plan_month__lt=cycle.plan_month
        )
        .order_by("-plan_month")
        .values_list("pk", flat=True)
        .first()
    )
    approved = _approved_cycle_id(cycle)
    if connection.vendor != "postgresql":
        _create_plan_lines_portably(cycle, months, previous, approved)
        return
    with connection.cursor() as cursor:
        # Hash joins, whatever the statistics say: the last cycle's lines are often newer than
        # the table's statistics, and a nested loop over a "1-row" estimate of 60,000 rows is
        # minutes instead of milliseconds. (No JIT: it would compile for the cost figure that
        # comes with the ban, longer than the statement runs.)
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("SET LOCAL jit = off")
        # Its joins and sort in memory: at 10,000 families x 24 months the default 4 MB spilled
        # both to disk (temporary files, ~0.3 s); 64 MB holds 240,000 rows for this statement.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            _CREATE_PLAN_LINES_SQL,
            {
                "cycle": cycle.pk,
                "version": cycle.inputs_version,
                "months": months,
                "previous": previous,
                "approved": approved,
                "month_before": add_months(cycle.horizon_start, -1),
                "unit": cycle.business_unit_id,
            },
        )
        cursor.execute("RESET enable_nestloop")
        cursor.execute("RESET jit")
        cursor.execute("RESET work_mem")


def _create_plan_lines_portably(
    cycle: Cycle, months: list[datetime.date], previous: int | None, approved: int | None
) -> None:
    """The same lines through the ORM, for SQLite (`make run` without services): the statement
    above is PostgreSQL's (unnest, GREATEST, SET LOCAL)."""
    carried = {
        (row["family_id"], row["month"]): {name: row[name] for name in PLAN_INPUT_FIELDS}
        for row in PlanLine.objects.filter(cycle_id=previous or 0, month__in=months).values(
            "family_id", "month", *PLAN_INPUT_FIELDS
        )
    }
    opening = dict(
        LineAnalysis.objects.filter(
            cycle_id=approved or 0, month=add_months(cycle.horizon_start, -1)
        ).values_list("family_id", "closing_stock")
    )
    families = ProductFamily.objects.filter(
        business_unit_id=cycle.business_unit_id, is_active=True
    ).order_by("code")
    lines = []
    for family_id in families.values_list("id", flat=True):
        for index, month in enumerate(months):
            values = dict(carried.get((family_id, month), {}))
            if index > 0:
                values["opening_stock"] = 0  # derived from the month before
            elif family_id in opening:
                values["opening_stock"] = max(opening[family_id], 0)
            lines.append(
                PlanLine(
                    cycle=cycle,
                    family_id=family_id,
                    month=month,
                    changed_in_version=cycle.inputs_version,
                    **values,
                )
            )
    PlanLine.objects.bulk_create(lines, batch_size=5000)


# Values carry over from the unit's most recent earlier cycle for the same family and month;
# the first month's opening stock comes from the latest approved plan's closing stock of the
# month before the horizon (a backlog carries over as 0 stock); later months' opening stock is
# derived from the month before (0).
_CARRIED = {name: f"COALESCE(p.{name}, 0)" for name in PLAN_INPUT_FIELDS}
_CARRIED["opening_stock"] = (
    "CASE WHEN m.n > 1 THEN 0 ELSE COALESCE(o.opening, p.opening_stock, 0) END"
)
_CREATE_PLAN_LINES_SQL = (
    "INSERT INTO planning_planline (cycle_id, family_id, month, "
    + ", ".join(PLAN_INPUT_FIELDS)
    + ", version, changed_in_version, updated_at)"
    " SELECT %(cycle)s, f.id, m.month, "
    + ", ".join(_CARRIED[name] for name in PLAN_INPUT_FIELDS)
    + ", 1, %(version)s, now()"
    # Written in family-code and month order, sorted by each family's rank among the unit's
    # codes (an integer): sorting 240,000 rows by the code itself compares strings under the
    # database's collation, ~1 s at 10,000 families x 24 months.
    " FROM (SELECT id, row_number() OVER (ORDER BY code) AS rank FROM planning_productfamily"
    "  WHERE business_unit_id = %(unit)s AND is_active) f"
    " CROSS JOIN unnest(%(months)s::date[]) WITH ORDINALITY AS m(month, n)"
    " LEFT JOIN planning_planline p"
    "  ON p.cycle_id = %(previous)s AND p.family_id = f.id AND p.month = m.month"
    " LEFT JOIN (SELECT family_id, GREATEST(closing_stock, 0) AS opening"
    "  FROM planning_lineanalysis WHERE cycle_id = %(approved)s AND month = %(month_before)s) o"
    "  ON o.family_id = f.id AND m.n = 1"
    " ORDER BY f.rank, m.n"
)


def _approved_cycle_id(cycle: Cycle) -> int | None:
    """The unit's latest approved cycle before this one: its closing stock opens this one."""
    return (
        Cycle.objects.filter(
            business_unit_id=cycle.business_unit_id,
            plan_month__lt=cycle.plan_month,
            stage=Stage.APPROVED,
        )
        .order_by("-plan_month")
        .values_list("pk", flat=True)
        .first()
    )
