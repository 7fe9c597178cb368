"""Master-data changes that are inputs of every open cycle: the excess multiplier, new families,
a family's unit cost and price (the finance figures the recompute keeps per month).

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


def family_prices_set(
    *, family: ProductFamily, unit_cost: Decimal, unit_price: Decimal, actor: Any
) -> None:
    """Change a family's unit cost and price; every open cycle's money is recomputed in full.

    The month summaries hold money at the prices they were computed with, so a price change is
    a cycle-wide input: without the bump the finance figures would keep the old prices.
    """
    with transaction.atomic():
        locked = ProductFamily.objects.select_for_update().get(pk=family.pk)
        before = {"unit_cost": str(locked.unit_cost), "unit_price": str(locked.unit_price)}
        after = {"unit_cost": str(unit_cost), "unit_price": str(unit_price)}
        ProductFamily.objects.filter(pk=family.pk).update(
            unit_cost=unit_cost, unit_price=unit_price
        )
        family.unit_cost, family.unit_price = unit_cost, unit_price
        if before == after:
            return
        for cycle in _open_cycles(family.business_unit_id):
            cycle_inputs_bump(cycle.pk, structural=True)
            audit_record(
                action="family_prices_changed",
                actor=actor,
                cycle=cycle,
                target=f"family:{family.pk} {family.code}",
                before=before,
                after=after,
            )
            recompute_schedule(cycle.pk)
