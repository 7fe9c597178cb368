"""What the pages show: read-only assembly of a cycle's state for the templates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from approvals.models import StageDeadline
from approvals.services import actions_for, unmet_gates
from approvals.workflow import STAGE_OWNERS
from planning.access import cycle_roles, cycles_for, permissions_prefetch
from planning.engine import GapOption as EngineGapOption
from planning.engine import rank_gap_alternatives
from planning.models import Cycle, LineAnalysis, MonthSummary, PlanLine, ProductFamily
from planning.permissions import ACTION_RULES, can_take, editable_fields
from planning.roles import GUEST_ROLES, Role, Stage
from planning.selectors import cycle_guests
from reviews.models import GapOption, Submission, SubmissionKind, SubmissionState
from reviews.selectors import submissions_for_cycle

SUBMISSION_OWNER = {
    SubmissionKind.SALES_FORECAST: Role.SALES,
    SubmissionKind.PRODUCTION_CAPACITY: Role.PRODUCTION,
    SubmissionKind.PROCUREMENT_RISK: Role.PROCUREMENT,
    SubmissionKind.FINANCE_REVIEW: Role.FINANCE,
}
FAMILIES_PER_PAGE = 20


@dataclass(frozen=True)
class Task:
    cycle: Cycle
    text: str
    url_name: str
    due: datetime.date | None

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate()


def open_tasks(user: Any) -> list[Task]:
    """What the user should do now, across every cycle they can see."""
    from django.utils.translation import gettext as _

    tasks: list[Task] = []
    cycles = list(cycles_for(user).exclude(stage=Stage.APPROVED))
    permissions_prefetch(user, cycles)
    permissions_prefetch(user, list({cycle.business_unit for cycle in cycles}))
    deadlines = {
        (row.cycle_id, row.stage): row.due_date
        for row in StageDeadline.objects.filter(cycle__in=cycles)
    }
    states = {
        (row.cycle_id, row.kind): row.state for row in Submission.objects.filter(cycle__in=cycles)
    }
    for cycle in cycles:
        roles = cycle_roles(user, cycle)
        due = deadlines.get((cycle.pk, cycle.stage))
        for kind, owner in SUBMISSION_OWNER.items():
            action = f"submission.submit.{kind}"
            state = states.get((cycle.pk, kind), SubmissionState.DRAFT)
            if owner in roles and can_take(user, cycle, action) and state in ("draft", "returned"):
                tasks.append(
                    Task(
                        cycle,
                        _("Submit the %(kind)s") % {"kind": kind.label.lower()},
                        "cycle-overview",
                        due,
                    )
                )
        if Role.DIRECTOR in roles and cycle.stage != Stage.EXECUTIVE_REVIEW:
            waiting = [
                kind
                for (cid, kind), state in states.items()
                if cid == cycle.pk and state == SubmissionState.SUBMITTED
            ]
            for waiting_kind in waiting:
                label = SubmissionKind(waiting_kind).label.lower()
                text = _("Review the %(kind)s") % {"kind": label}
                tasks.append(Task(cycle, text, "cycle-overview", due))
            tasks.append(
                Task(cycle, _("Move the cycle on when the stage is done"), "cycle-overview", due)
            )
        if "approve" in actions_for(user, cycle):
            tasks.append(
                Task(cycle, _("Decide: approve the plan or send it back"), "cycle-decision", due)
            )
    return sorted(tasks, key=lambda task: (task.due or datetime.date.max, task.cycle.pk))


def timeline(cycle: Cycle) -> list[dict[str, Any]]:
    deadlines = {row.stage: row for row in StageDeadline.objects.filter(cycle=cycle)}
    order = list(Stage)
    current = order.index(Stage(cycle.stage))
    today = timezone.localdate()
    steps = []
    for index, stage in enumerate(order):
        deadline = deadlines.get(stage)
        done = index < current or cycle.stage == Stage.APPROVED
        steps.append(
            {
                "stage": stage,
                "owner": STAGE_OWNERS.get(stage),
                "due": deadline.due_date if deadline else None,
                "done": done,
                "current": index == current,
                "overdue": bool(deadline and not done and deadline.due_date < today),
            }
        )
    return steps


def at_a_glance(cycle: Cycle) -> dict[str, Any]:
    summary = list(MonthSummary.objects.filter(cycle=cycle).order_by("month"))
    capacity = sum(row.capacity_max for row in summary)
    return {
        "months_short": sum(1 for row in summary if row.families_short),
        "months": len(summary),
        "backlog": sum(row.backlog for row in summary),
        "utilization": (sum(row.production_plan for row in summary) / capacity)
        if capacity
        else None,
        "short": sum(row.families_short for row in summary),
        "balanced": sum(row.families_balanced for row in summary),
        "excess": sum(row.families_excess for row in summary),
        "summary": summary,
    }


def overview(user: Any, cycle: Cycle) -> dict[str, Any]:
    return {
        "cycle": cycle,
        "timeline": timeline(cycle),
        "submissions": submissions_for_cycle(cycle),
        "glance": at_a_glance(cycle),
        "actions": actions_for(user, cycle),
        "unmet_gates": unmet_gates(cycle),
        "reviewable": {
            kind for kind in SubmissionKind if can_take(user, cycle, f"submission.review.{kind}")
        },
        "submittable": {
            kind for kind in SubmissionKind if can_take(user, cycle, f"submission.submit.{kind}")
        },
        "guests": [
            (guest, [role for role in Role if role in roles])
            for guest, roles in cycle_guests(cycle).values()
        ],
        "may_invite": can_take(user, cycle, "cycle.guests"),
        "guest_roles": [role for role in Role if role in GUEST_ROLES],
    }


@dataclass(frozen=True)
class GridRow:
    family: ProductFamily
    field: str
    label: Any
    cells: list[Any]  # PlanLine per month, or an int for computed rows
    editable: bool
    computed: bool = False


def grid(
    user: Any, cycle: Cycle, fields: tuple[str, ...], page: int, computed: tuple[str, ...]
) -> dict[str, Any]:
    """A page of families x months: input rows (editable where allowed) and computed rows."""
    from planning.issue_messages import FIELD_LABELS

    families_all = ProductFamily.objects.filter(plan_lines__cycle=cycle).distinct().order_by("code")
    total = families_all.count()
    pages = max(1, -(-total // FAMILIES_PER_PAGE))
    page = min(max(page, 1), pages)
    families = list(families_all[(page - 1) * FAMILIES_PER_PAGE : page * FAMILIES_PER_PAGE])
    lines = (
        PlanLine.objects.filter(cycle=cycle, family__in=families)
        .select_related("family")
        .order_by("month")
    )
    by_family: dict[int, list[PlanLine]] = {}
    for line in lines:
        by_family.setdefault(line.family_id, []).append(line)
    analyses = {
        row["plan_line_id"]: row
        for row in LineAnalysis.objects.filter(cycle=cycle, family__in=families).values(
            "plan_line_id", *computed, "over_capacity"
        )
    }
    allowed = editable_fields(user, cycle)
    months = [line.month for line in by_family.get(families[0].pk, [])] if families else []
    rows = []
    for family in families:
        family_lines = by_family.get(family.pk, [])
        for field in fields:
            rows.append(GridRow(family, field, FIELD_LABELS[field], family_lines, field in allowed))
        for field in computed:
            values = [analyses.get(line.pk, {}).get(field) for line in family_lines]
            rows.append(GridRow(family, field, FIELD_LABELS[field], values, False, computed=True))
    over_capacity = {pk for pk, row in analyses.items() if row["over_capacity"]}
    return {
        "rows": rows,
        "months": months,
        "page": page,
        "pages": pages,
        "total": total,
        "over_capacity": over_capacity,
    }


def gap_months(cycle: Cycle) -> list[dict[str, Any]]:
    """Per month where demand exceeds planned production, the alternatives ranked (seed logic)."""
    options = [
        EngineGapOption(option.name, option.additional_capacity, option.cost, option.lead_time_days)
        for option in GapOption.objects.filter(cycle=cycle)
    ]
    result = []
    for month in MonthSummary.objects.filter(cycle=cycle).order_by("month"):
        analysis = rank_gap_alternatives(month.effective_demand, month.production_plan, options)
        result.append({"month": month.month, "analysis": analysis})
    return result


def may(user: Any, cycle: Cycle, action: str) -> bool:
    return action in ACTION_RULES and can_take(user, cycle, action)
