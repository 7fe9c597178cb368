"""What the workflow pages show: read-only assembly of a cycle's state for the templates."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import StageDeadline
from approvals.services import actions_for, unmet_gates
from planning.access import cycles_for, permissions_prefetch
from planning.models import AuditEvent, Cycle, MonthSummary
from planning.permissions import can_take
from planning.roles import GUEST_ROLES, Role, Stage
from planning.selectors import cycle_guests
from planning.workflow import STAGE_OWNERS, SUBMISSION_OWNER, SUBMISSION_TRANSITIONS
from reviews.models import Submission, SubmissionKind, SubmissionState
from reviews.selectors import submissions_for_cycle

# The page where each submission's work is done (its inputs, its registers, its Submit button);
# reviewing one (Accept, Return) is done on the overview.
SUBMISSION_PAGES = {
    SubmissionKind.SALES_FORECAST: "cycle-demand",
    SubmissionKind.PRODUCTION_CAPACITY: "cycle-supply",
    SubmissionKind.PROCUREMENT_RISK: "cycle-supply",
    SubmissionKind.FINANCE_REVIEW: "cycle-finance",
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
    """What the user should do now, across every cycle they can see (from the workflow table:
    a submission of theirs to hand in, one to review, the stage to move on, the decision)."""
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
    submittable, _target, _permission = SUBMISSION_TRANSITIONS["submit"]
    reviewable, _target, _permission = SUBMISSION_TRANSITIONS["accept"]
    for cycle in cycles:
        due = deadlines.get((cycle.pk, cycle.stage))
        for kind in SUBMISSION_OWNER:
            state = states.get((cycle.pk, kind), SubmissionState.DRAFT)
            label = {"kind": kind.label.lower()}
            if state in submittable and can_take(user, cycle, f"submission.submit.{kind}"):
                text = _("Submit the %(kind)s") % label
                tasks.append(Task(cycle, text, SUBMISSION_PAGES[SubmissionKind(kind)], due))
            if state in reviewable and can_take(user, cycle, f"submission.review.{kind}"):
                tasks.append(Task(cycle, _("Review the %(kind)s") % label, "cycle-overview", due))
        actions = actions_for(user, cycle)
        if "advance" in actions:
            text = _("Move the cycle on when the stage is done")
            tasks.append(Task(cycle, text, "cycle-overview", due))
        if "approve" in actions:
            text = _("Decide: approve the plan or send it back")
            tasks.append(Task(cycle, text, "cycle-decision", due))
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


def sent_back(cycle: Cycle) -> AuditEvent | None:
    """The send-back that brought the cycle to its current stage (its reason), if one did."""
    if cycle.stage == Stage.APPROVED:
        return None
    last_move = (
        AuditEvent.objects.filter(cycle=cycle, field="stage")
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    return last_move if last_move and last_move.action == "cycle_sent_back" else None


def overview(user: Any, cycle: Cycle) -> dict[str, Any]:
    return {
        "sent_back": sent_back(cycle),
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
