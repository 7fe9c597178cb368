"""The approvals' own rules beside the workflow's table (``planning.workflow``): separation of
duties and the default deadlines."""

from __future__ import annotations

import datetime

from planning.months import add_months
from planning.roles import Stage
from planning.workflow import STAGE_DUE_DAY

# Separation of duties: who took part in a cycle in these ways (per its audit trail) does not
# also decide on it — approve it or send it back. Chairing: opening it or moving it on.
CHAIR_ACTIONS = frozenset({"cycle_created", "cycle_advanced"})
PLAN_EDIT_ACTIONS = frozenset({"plan_line_changed", "plan_lines_loaded", "plan_cells_saved"})
DECISIONS = ("approve", "send_back")
# At most this many capacity decisions, and as many KPI targets, in one approval.
MAX_APPROVAL_ROWS = 200


def default_due_date(plan_month: datetime.date, stage: Stage) -> datetime.date:
    day = STAGE_DUE_DAY[stage]
    last_day = (add_months(plan_month, 1) - datetime.timedelta(days=1)).day
    return plan_month.replace(day=min(day, last_day))
