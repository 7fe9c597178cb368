"""Creating cycles and their plan lines."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from planning.errors import CycleExists
from planning.models import MAX_HORIZON_MONTHS, PLAN_INPUT_FIELDS, Cycle, PlanLine, ProductFamily
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
    months = month_range(cycle.horizon_start, cycle.horizon_months)
    families = list(
        ProductFamily.objects.filter(business_unit_id=cycle.business_unit_id, is_active=True)
        .order_by("code")
        .values_list("id", flat=True)
    )
    carried = _carried_values(cycle, months)
    opening = _approved_opening_stock(cycle)
    lines = []
    for family_id in families:
        for index, month in enumerate(months):
            values = dict(carried.get((family_id, month), {}))
            if index == 0 and family_id in opening:
                values["opening_stock"] = opening[family_id]
            if index > 0:
                values["opening_stock"] = 0  # derived from the previous month
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


def _carried_values(
    cycle: Cycle, months: list[datetime.date]
) -> dict[tuple[int, datetime.date], dict]:
    previous = (
        Cycle.objects.filter(
            business_unit_id=cycle.business_unit_id, plan_month__lt=cycle.plan_month
        )
        .order_by("-plan_month")
        .first()
    )
    if previous is None:
        return {}
    rows = PlanLine.objects.filter(cycle=previous, month__in=months).values(
        "family_id", "month", *PLAN_INPUT_FIELDS
    )
    return {
        (row["family_id"], row["month"]): {name: row[name] for name in PLAN_INPUT_FIELDS}
        for row in rows
    }


def _approved_opening_stock(cycle: Cycle) -> dict[int, int]:
    approved = (
        Cycle.objects.filter(
            business_unit_id=cycle.business_unit_id,
            plan_month__lt=cycle.plan_month,
            stage=Stage.APPROVED,
        )
        .order_by("-plan_month")
        .first()
    )
    if approved is None:
        return {}
    month_before = add_months(cycle.horizon_start, -1)
    return {
        family_id: max(closing, 0)
        for family_id, closing in approved.line_analyses.filter(month=month_before).values_list(
            "family_id", "closing_stock"
        )
    }
