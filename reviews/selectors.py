"""Reading submissions and the finance view."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Sum, Value, When
from django.db.models.functions import Coalesce

from planning.models import Cycle, LineAnalysis
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
    One aggregate query, whatever the number of families.
    """
    money: DecimalField = DecimalField(max_digits=24, decimal_places=2)
    zero = Value(0)
    on_hand = Case(When(closing_stock__gt=0, then=F("closing_stock")), default=zero)
    backlog = Case(When(closing_stock__lt=0, then=-F("closing_stock")), default=zero)
    rows = (
        LineAnalysis.objects.filter(cycle_id=cycle.pk)
        .values("month")
        .order_by("month")
        .annotate(
            inventory_investment=Coalesce(
                Sum(ExpressionWrapper(on_hand * F("family__unit_cost"), output_field=money)),
                Value(0, output_field=money),
            ),
            revenue=Coalesce(
                Sum(
                    ExpressionWrapper(
                        F("effective_demand") * F("family__unit_price"), output_field=money
                    )
                ),
                Value(0, output_field=money),
            ),
            revenue_at_risk=Coalesce(
                Sum(ExpressionWrapper(backlog * F("family__unit_price"), output_field=money)),
                Value(0, output_field=money),
            ),
        )
    )
    return list(rows)
