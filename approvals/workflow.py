"""The cycle's stage machine at a glance: transitions, gates, owners and default deadlines."""

from __future__ import annotations

import datetime

from planning.months import add_months
from planning.roles import Role, Stage
from reviews.models import SubmissionKind, SubmissionState

S = Stage

# action -> {from stage: stages it may lead to}
TRANSITIONS: dict[str, dict[Stage, frozenset[Stage]]] = {
    "advance": {
        S.DATA_COLLECTION: frozenset({S.DEMAND_REVIEW}),
        S.DEMAND_REVIEW: frozenset({S.SUPPLY_REVIEW}),
        S.SUPPLY_REVIEW: frozenset({S.EXECUTIVE_REVIEW}),
    },
    "send_back": {S.EXECUTIVE_REVIEW: frozenset({S.DEMAND_REVIEW, S.SUPPLY_REVIEW})},
    "approve": {S.EXECUTIVE_REVIEW: frozenset({S.APPROVED})},
}

# Leaving a stage needs these submissions in one of these states (or an override reason).
DONE = frozenset({SubmissionState.SUBMITTED, SubmissionState.ACCEPTED})
GATES: dict[Stage, tuple[tuple[SubmissionKind, frozenset[str]], ...]] = {
    S.DATA_COLLECTION: (),
    S.DEMAND_REVIEW: ((SubmissionKind.SALES_FORECAST, frozenset({SubmissionState.ACCEPTED})),),
    S.SUPPLY_REVIEW: (
        (SubmissionKind.PRODUCTION_CAPACITY, DONE),
        (SubmissionKind.PROCUREMENT_RISK, DONE),
        (SubmissionKind.FINANCE_REVIEW, DONE),
    ),
}

# Separation of duties: who took part in a cycle in these ways (per its audit trail) does not
# also decide on it — approve it or send it back. Chairing: opening it or moving it on.
CHAIR_ACTIONS = frozenset({"cycle_created", "cycle_advanced"})
PLAN_EDIT_ACTIONS = frozenset({"plan_line_changed", "plan_lines_loaded", "plan_cells_saved"})
DECISIONS = ("approve", "send_back")

# Each stage's owner and its due date: the end of week 1-4 of the planning month.
STAGE_OWNERS: dict[Stage, Role] = {
    S.DATA_COLLECTION: Role.DIRECTOR,
    S.DEMAND_REVIEW: Role.SALES,
    S.SUPPLY_REVIEW: Role.PRODUCTION,
    S.EXECUTIVE_REVIEW: Role.EXECUTIVE,
}
STAGE_DUE_DAY: dict[Stage, int] = {
    S.DATA_COLLECTION: 7,
    S.DEMAND_REVIEW: 14,
    S.SUPPLY_REVIEW: 21,
    S.EXECUTIVE_REVIEW: 28,
}


def default_due_date(plan_month: datetime.date, stage: Stage) -> datetime.date:
    day = STAGE_DUE_DAY[stage]
    last_day = (add_months(plan_month, 1) - datetime.timedelta(days=1)).day
    return plan_month.replace(day=min(day, last_day))
