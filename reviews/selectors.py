"""Reading submissions and the finance view."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, Value
from django.db.models.functions import Coalesce

from planning.models import Cycle, MonthSummary
from reviews.models import Submission, SubmissionKind, SubmissionState


def submissions_for_cycle(cycle: Cycle) -> list[Submission]:
    """All four kinds, in the order of the cycle (a missing one shows as an unsaved draft)."""
    existing = {
        submission.kind: submission
        for submission in Submission.objects.filter(cycle=cycle).select_related(
            "submitted_by", "reviewed_by"
        )
    }
    return [existing.get(kind) or Submission(cycle=cycle, kind=kind) for kind in SubmissionKind]


def accepted_submissions(cycle: Cycle) -> frozenset[SubmissionKind]:
    """The kinds of the cycle's accepted submissions (their inputs are frozen)."""
    accepted = Submission.objects.filter(cycle_id=cycle.pk, state=SubmissionState.ACCEPTED)
    return frozenset(SubmissionKind(kind) for kind in accepted.values_list("kind", flat=True))


def finance_by_month(cycle: Cycle) -> list[dict[str, Any]]:
    """Inventory investment, revenue and revenue at risk per month, from the current analysis.

    inventory investment = on-hand closing stock x unit cost (a backlog holds no inventory);
    revenue = effective demand x unit price; revenue at risk = backlog x unit price.
    The recompute keeps them in the month summary (one row a month), so a page view reads a
    handful of rows whatever the number of families.
    """
    money: DecimalField = DecimalField(max_digits=28, decimal_places=2)
    zero = Value(Decimal(0), output_field=money)
    rows = (
        MonthSummary.objects.filter(cycle_id=cycle.pk)
        .order_by("month")
        .values("month")
        .annotate(
            inventory_investment_total=Coalesce(F("inventory_investment"), zero),
            revenue_total=Coalesce(F("revenue"), zero),
            revenue_at_risk_total=Coalesce(F("revenue_at_risk"), zero),
        )
    )
    return [
        {
            "month": row["month"],
            "inventory_investment": row["inventory_investment_total"],
            "revenue": row["revenue_total"],
            "revenue_at_risk": row["revenue_at_risk_total"],
        }
        for row in rows
    ]
