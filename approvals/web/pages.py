"""What the workflow pages show: read-only assembly of a cycle's state for the templates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from approvals.models import StageDeadline
from approvals.services import actions_for, unmet_gates
from approvals.workflow import STAGE_OWNERS
from planning.access import cycle_roles, cycles_for, permissions_prefetch
from planning.models import Cycle, MonthSummary
from planning.permissions import can_take
from planning.roles import GUEST_ROLES, Role, Stage
from planning.selectors import cycle_guests
from reviews.models import Submission, SubmissionKind, SubmissionState
from reviews.selectors import submissions_for_cycle

SUBMISSION_OWNER = {
    SubmissionKind.SALES_FORECAST: Role.SALES,
    SubmissionKind.PRODUCTION_CAPACITY: Role.PRODUCTION,
    SubmissionKind.PROCUREMENT_RISK: Role.PROCUREMENT,
    SubmissionKind.FINANCE_REVIEW: Role.FINANCE,
}


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
