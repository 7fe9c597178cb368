"""Master-data changes that are inputs of every open cycle: the excess multiplier, new families.

Approved cycles are frozen snapshots and executive review freezes the plan for the meeting, so
only cycles still in data collection, demand or supply review take such a change.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from planning.models import BusinessUnit, Cycle, PlanLine, ProductFamily
from planning.months import month_range
from planning.services.audit import audit_record
from planning.services.plan_lines import cycle_inputs_bump
from planning.services.recompute import recompute_schedule
from planning.workflow import OPEN_STAGES


def _open_cycles(business_unit_id: int) -> list[Cycle]:
    return list(
        Cycle.objects.select_for_update()
        .filter(business_unit_id=business_unit_id, stage__in=OPEN_STAGES)
        .order_by("pk")
    )


def excess_multiplier_set(*, business_unit: BusinessUnit, multiplier: Any, actor: Any) -> None:
    """Change the unit's excess-stock multiplier; every open cycle is recomputed in full."""
    try:
        value = Decimal(str(multiplier))
    except InvalidOperation:
        value = Decimal(0)
    if not Decimal(1) <= value <= Decimal(100) or value != value.quantize(Decimal("0.01")):
        raise ValidationError(
            {"excess_multiplier": _("Enter a number from 1 to 100 with at most two decimals.")}
        )
    with transaction.atomic():
        unit = BusinessUnit.objects.select_for_update().get(pk=business_unit.pk)
        before = unit.excess_multiplier
        BusinessUnit.objects.filter(pk=unit.pk).update(excess_multiplier=value)
        business_unit.excess_multiplier = value
        for cycle in _open_cycles(unit.pk):
            cycle_inputs_bump(cycle.pk, structural=True)
            audit_record(
                action="excess_multiplier_changed",
                actor=actor,
                cycle=cycle,
                target=f"business_unit:{unit.pk}",
                field="excess_multiplier",
                before=str(before),
                after=str(value),
            )
            recompute_schedule(cycle.pk)


def family_lines_add(*, family: ProductFamily, actor: Any) -> int:
    """Give a new (or re-activated) family plan lines in every open cycle; returns how many."""
    added = 0
    with transaction.atomic():
        for cycle in _open_cycles(family.business_unit_id):
            existing = set(
                PlanLine.objects.filter(cycle=cycle, family=family).values_list("month", flat=True)
            )
            months = [
                month
                for month in month_range(cycle.horizon_start, cycle.horizon_months)
                if month not in existing
            ]
            if not months:
                continue
            version = cycle_inputs_bump(cycle.pk)
            PlanLine.objects.bulk_create(
                PlanLine(cycle=cycle, family=family, month=month, changed_in_version=version)
                for month in months
            )
            audit_record(
                action="family_added",
                actor=actor,
                cycle=cycle,
                target=f"family:{family.pk} {family.code}",
                after={"months": len(months)},
            )
            recompute_schedule(cycle.pk)
            added += len(months)
    return added
