"""The balance engine: pure, vectorized S&OP arithmetic with no Django import.

Everything here takes plain numbers (numpy arrays or frozen dataclasses) and returns plain
results, so it can be used from the web app, the Celery worker, the command line and the tests
alike, and reasoned about without a database.
"""

from planning.engine.balance import (
    STATUS_BALANCED,
    STATUS_CODES,
    STATUS_EXCESS,
    STATUS_SHORT,
    BalanceInputs,
    BalanceResult,
    compute_balance,
    python_round_1,
)
from planning.engine.errors import InputIssue, PlanInputError
from planning.engine.gap import GapAlternative, GapAnalysis, GapOption, rank_gap_alternatives
from planning.engine.plan_table import PlanRow, PlanTable, plan_table_from_records

__all__ = [
    "STATUS_BALANCED",
    "STATUS_CODES",
    "STATUS_EXCESS",
    "STATUS_SHORT",
    "BalanceInputs",
    "BalanceResult",
    "GapAlternative",
    "GapAnalysis",
    "GapOption",
    "InputIssue",
    "PlanInputError",
    "PlanRow",
    "PlanTable",
    "compute_balance",
    "plan_table_from_records",
    "python_round_1",
    "rank_gap_alternatives",
]
