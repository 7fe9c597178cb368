"""Vectorized supply/demand balance for many product families at once.

Semantics (MISSION.md, reproducing the seed's ``SOPAnalyzer``), per family, months in order:

* effective demand = max(demand forecast, confirmed orders)   -- the conservative principle
* closing stock = opening stock + production plan - effective demand
* next month's opening stock = this month's closing stock (a backlog stays negative)
* stock days = closing / (effective demand / 30), rounded as Python's ``round(x, 1)``; 0 when
  effective demand is 0
* utilization = production / capacity; undefined (NaN) when capacity is 0
* status = short when closing < safety target, excess when closing > multiplier x safety target,
  else balanced

Rows of all families travel in flat arrays, each family's months contiguous and in order, with a
boolean ``family_starts`` marking the first row of each family.  A segmented cumulative sum then
rolls the stock forward for every family in one pass, with no Python loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from planning.engine.errors import InputIssue, PlanInputError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

STATUS_SHORT = 0
STATUS_BALANCED = 1
STATUS_EXCESS = 2
STATUS_CODES = ("short", "balanced", "excess")

# One trillion units of one family in one month is not a plan, it is a typo; refusing it also
# keeps every intermediate product (stock x multiplier denominator) far inside int64.
MAX_QUANTITY = 10**12
DEFAULT_EXCESS_MULTIPLIER = 3
MAX_EXCESS_MULTIPLIER = 100

QUANTITY_FIELDS = (
    "demand_forecast",
    "confirmed_orders",
    "opening_stock",
    "production_plan",
    "capacity_max",
    "safety_stock_target",
)


@dataclass(frozen=True, eq=False)
class BalanceInputs:
    """The six plan inputs for N rows (family x month), each family's rows contiguous."""

    demand_forecast: IntArray
    confirmed_orders: IntArray
    opening_stock: IntArray  # only each family's first row is used
    production_plan: IntArray
    capacity_max: IntArray
    safety_stock_target: IntArray
    family_starts: BoolArray

    def __len__(self) -> int:
        return int(self.family_starts.shape[0])


@dataclass(frozen=True, eq=False)
class BalanceResult:
    """The analysis of each input row, in the same order as the inputs."""

    effective_demand: IntArray
    opening_stock: IntArray
    closing_stock: IntArray
    stock_days: FloatArray
    utilization: FloatArray  # NaN where capacity is 0 (undefined)
    status: npt.NDArray[np.int8]  # STATUS_SHORT | STATUS_BALANCED | STATUS_EXCESS
    over_capacity: BoolArray  # production above capacity (including any production at 0)
    infeasible: BoolArray  # production planned where there is no capacity at all

    def __len__(self) -> int:
        return int(self.status.shape[0])

    def status_names(self) -> list[str]:
        return [STATUS_CODES[code] for code in self.status.tolist()]


def as_fraction(multiplier: int | float | str | Decimal | Fraction) -> Fraction:
    """The excess multiplier as an exact fraction, so 2.5 x 2000 compares exactly."""
    try:
        value = Fraction(str(multiplier)) if isinstance(multiplier, float) else Fraction(multiplier)
    except (ValueError, TypeError, ZeroDivisionError):
        raise PlanInputError(
            [InputIssue("bad_multiplier", "excess_multiplier", params={"value": multiplier})]
        ) from None
    if not 1 <= value <= MAX_EXCESS_MULTIPLIER or value.denominator > 10_000:
        raise PlanInputError(
            [InputIssue("bad_multiplier", "excess_multiplier", params={"value": multiplier})]
        )
    return value


def compute_balance(
    inputs: BalanceInputs,
    excess_multiplier: int | float | str | Decimal | Fraction = DEFAULT_EXCESS_MULTIPLIER,
) -> BalanceResult:
    """Analyse every row of ``inputs``; the inputs are never modified."""
    multiplier = as_fraction(excess_multiplier)
    _check_inputs(inputs)
    starts = inputs.family_starts
    if len(inputs) == 0:
        return _empty_result()

    effective = np.maximum(inputs.demand_forecast, inputs.confirmed_orders)
    net = inputs.production_plan - effective
    closing = _rolled_closing_stock(inputs.opening_stock, net, starts)
    opening = closing - net

    with np.errstate(divide="ignore", invalid="ignore"):
        raw_days = np.where(effective > 0, closing / (effective / 30.0), 0.0)
        utilization = np.where(
            inputs.capacity_max > 0, inputs.production_plan / inputs.capacity_max, np.nan
        )

    safety = inputs.safety_stock_target
    short = closing < safety
    excess = ~short & (closing * multiplier.denominator > safety * multiplier.numerator)
    status = np.full(len(inputs), STATUS_BALANCED, dtype=np.int8)
    status[short] = STATUS_SHORT
    status[excess] = STATUS_EXCESS

    return BalanceResult(
        effective_demand=effective,
        opening_stock=opening,
        closing_stock=closing,
        stock_days=python_round_1(raw_days),
        utilization=utilization.astype(np.float64),
        status=status,
        over_capacity=inputs.production_plan > inputs.capacity_max,
        infeasible=(inputs.capacity_max == 0) & (inputs.production_plan > 0),
    )


def _rolled_closing_stock(opening: IntArray, net: IntArray, starts: BoolArray) -> IntArray:
    """Closing stock of every row: each family's opening stock plus its running net flow."""
    family_index = np.cumsum(starts) - 1
    start_rows = np.flatnonzero(starts)
    running = np.cumsum(net)
    # The running total just before each family's first row, subtracted to restart the sum.
    before_family = running[start_rows] - net[start_rows]
    result: IntArray = opening[start_rows][family_index] + running - before_family[family_index]
    return result


def python_round_1(values: FloatArray) -> FloatArray:
    """``round(x, 1)`` for every element, bit-for-bit as Python's built-in rounds each float.

    ``np.round`` multiplies by 10 and rounds half to even in binary, which disagrees with Python
    (exact decimal rounding of the stored binary value) near ties such as 29.95.  Elements whose
    scaled value lies within a few ulps of a .5 boundary are therefore re-rounded with Python's
    own ``round``; everywhere else both agree.
    """
    values = np.asarray(values, dtype=np.float64)
    rounded = np.round(values, 1)
    scaled = values * 10.0
    distance_to_tie = np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5)
    near_tie = distance_to_tie <= np.maximum(1e-9, 8 * np.spacing(np.abs(scaled)))
    for index in np.flatnonzero(near_tie):
        rounded[index] = round(float(values[index]), 1)
    return rounded


def _check_inputs(inputs: BalanceInputs) -> None:
    size = len(inputs)
    issues: list[InputIssue] = []
    if inputs.family_starts.dtype != np.bool_ or inputs.family_starts.ndim != 1:
        raise TypeError("family_starts must be a one-dimensional boolean array")
    if size and not inputs.family_starts[0]:
        raise ValueError("the first row must start a family")
    for name in QUANTITY_FIELDS:
        column = getattr(inputs, name)
        if column.shape != (size,):
            raise ValueError(f"{name} has shape {column.shape}, expected ({size},)")
        if not np.issubdtype(column.dtype, np.integer):
            raise TypeError(f"{name} must hold integers, not {column.dtype}")
        issues.extend(_range_issues(name, column))
    if issues:
        raise PlanInputError(issues)


def _range_issues(name: str, column: IntArray) -> list[InputIssue]:
    issues = []
    for row in np.flatnonzero(column < 0)[:5]:
        issues.append(InputIssue("negative", name, int(row) + 1, {"value": int(column[row])}))
    for row in np.flatnonzero(column > MAX_QUANTITY)[:5]:
        issues.append(
            InputIssue(
                "too_large", name, int(row) + 1, {"value": int(column[row]), "limit": MAX_QUANTITY}
            )
        )
    return issues


def _empty_result() -> BalanceResult:
    empty_int = np.zeros(0, dtype=np.int64)
    empty_float = np.zeros(0, dtype=np.float64)
    empty_bool = np.zeros(0, dtype=np.bool_)
    return BalanceResult(
        effective_demand=empty_int,
        opening_stock=empty_int,
        closing_stock=empty_int,
        stock_days=empty_float,
        utilization=empty_float,
        status=np.zeros(0, dtype=np.int8),
        over_capacity=empty_bool,
        infeasible=empty_bool,
    )
