"""A family's statistical baseline: which method its history supports, with a fallback chain.

The history is the family's actual demand per month, oldest first. A month missing inside the
history counts as zero demand (a month without orders leaves no row in most sales exports), and
so does a month after the family's last row up to ``through``, the last month of history, when
the caller gives one. The series starts at the first month with demand (zeros before a launch
are not intermittent demand) and, to bound the work, keeps at most the last ten years. The
method is chosen in this order:

1. every month zero: zeros ("zero");
2. intermittent demand, on average more than 1.32 months per month with demand (the
   Syntetos-Boylan ADI cut-off): Croston with the SBA correction ("croston_sba");
3. at least 24 months: Holt-Winters / ETS, chosen by AICc ("ets(A,Ad,M)" and the like);
4. at least 12 months: seasonal naive, with the year-over-year drift from 13 months on
   ("seasonal_naive_drift", "seasonal_naive");
5. fewer: the history's mean ("mean").

A method that fails or forecasts no number hands over to the next one down and says why in the
notes. Forecasts are whole units (as every quantity in the engine), rounded half up, never
negative and never above the engine's limit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planning.engine.balance import MAX_QUANTITY
from planning.forecasting import simple_methods
from planning.forecasting.ets import MIN_ETS_MONTHS, EtsSelection, select_ets
from planning.forecasting.simple_methods import SEASON_LENGTH, FloatArray
from planning.months import add_months

# As a cycle's horizon (planning.models.MAX_HORIZON_MONTHS, which this module may not import).
MAX_HORIZON = 36
INTERMITTENT_ADI = 1.32
MAX_FITTED_MONTHS = 120


class HistoryError(ValueError):
    """The history cannot be forecast as given (a duplicate month, a negative actual, ...)."""


@dataclass(frozen=True)
class ForecastNote:
    """Why the method is not the one the history would normally get, or what the fit warned
    about: a code plus parameters, worded (and translated) by the interface."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        details = ", ".join(f"{name}={value}" for name, value in self.params.items())
        return f"{self.code} ({details})" if details else self.code


@dataclass(frozen=True)
class BaselineForecast:
    months: tuple[datetime.date, ...]  # first of each future month
    values: tuple[int, ...]
    method: str
    notes: tuple[ForecastNote, ...] = ()


def forecast_history(
    history: Iterable[tuple[datetime.date, int]],
    horizon: int,
    *,
    through: datetime.date | None = None,
) -> BaselineForecast:
    """The baseline for the ``horizon`` months after the history (or after ``through``).

    ``history`` holds (month, actual) pairs in any order, months as first-of-month dates;
    a month may appear once. Raises :class:`HistoryError` for input the caller should have
    refused (a duplicate, a negative or non-integer actual, a bad horizon).
    """
    series, last_month = monthly_series(history, through)
    months = tuple(add_months(last_month, step) for step in range(1, _checked(horizon) + 1))
    values, method, notes = forecast_series(series, horizon)
    return BaselineForecast(months, values, method, notes)


def monthly_series(
    history: Iterable[tuple[datetime.date, int]], through: datetime.date | None
) -> tuple[FloatArray, datetime.date]:
    """The actuals as consecutive months, gaps filled with zero, and the last month."""
    by_month: dict[int, int] = {}
    for month, actual in history:
        index = _month_index(month)
        if index in by_month:
            raise HistoryError(f"month {month:%Y-%m} appears twice in the history")
        if isinstance(actual, bool) or not isinstance(actual, int) or actual < 0:
            raise HistoryError(f"the actual for {month:%Y-%m} must be a whole number ≥ 0")
        by_month[index] = actual
    if through is not None:
        end = _month_index(through)
        if by_month and end < max(by_month):
            raise HistoryError(f"the history goes past {through:%Y-%m}")
    elif by_month:
        end = max(by_month)
    else:
        raise HistoryError("an empty history needs the month it ends with")
    start = min(by_month, default=end)
    series = np.zeros(end - start + 1, dtype=np.float64)
    for index, actual in by_month.items():
        series[index - start] = actual
    return series, datetime.date(end // 12, end % 12 + 1, 1)


def forecast_series(
    series: FloatArray, horizon: int
) -> tuple[tuple[int, ...], str, tuple[ForecastNote, ...]]:
    """Whole-unit forecasts for consecutive monthly ``series``, the method and its notes."""
    notes: list[ForecastNote] = []
    series = fitted_part(series)
    for method in _methods_for(series):
        attempt = _attempt(method, series, _checked(horizon), notes)
        if attempt is not None:
            return _as_units(attempt.values), attempt.method, tuple(notes)
    raise AssertionError("the mean of a non-empty history is always a number")  # pragma: no cover


def fitted_part(series: FloatArray) -> FloatArray:
    """From the first month with demand, at most the last ``MAX_FITTED_MONTHS``."""
    demand_months = np.flatnonzero(series > 0)
    if demand_months.size:
        series = series[demand_months[0] :]
    return series[-MAX_FITTED_MONTHS:]


@dataclass(frozen=True, eq=False)
class _Attempt:
    values: FloatArray
    method: str


def _methods_for(series: FloatArray) -> list[str]:
    """The methods to try in order; the last one cannot fail."""
    if len(series) == 0 or not series.any():
        return ["zero"]
    if simple_methods.average_demand_interval(series) > INTERMITTENT_ADI:
        return ["croston_sba", "mean"]
    chain = []
    if len(series) >= MIN_ETS_MONTHS:
        chain.append("ets")
    if len(series) >= SEASON_LENGTH:
        chain.append("seasonal_naive")
    return [*chain, "mean"]


def _attempt(
    method: str, series: FloatArray, horizon: int, notes: list[ForecastNote]
) -> _Attempt | None:
    """The method's raw forecast, or ``None`` (with a note saying why) to try the next one."""
    if method == "ets":
        return _ets_attempt(select_ets(series, horizon), notes)
    try:
        attempt = _simple_attempt(method, series, horizon)
    except (ValueError, ArithmeticError, IndexError) as error:
        notes.append(_failure(method, type(error).__name__))
        return None
    if not np.isfinite(attempt.values).all():
        notes.append(_failure(method, "non-finite"))
        return None
    return attempt


def _simple_attempt(method: str, series: FloatArray, horizon: int) -> _Attempt:
    if method == "zero":
        return _Attempt(simple_methods.zeros(horizon), method)
    if method == "croston_sba":
        return _Attempt(simple_methods.croston_sba(series, horizon), method)
    if method == "seasonal_naive":
        # Drift needs a year-over-year pair, so a 13th month.
        with_drift = len(series) > SEASON_LENGTH
        values = simple_methods.seasonal_naive(series, horizon, with_drift=with_drift)
        return _Attempt(values, "seasonal_naive_drift" if with_drift else method)
    return _Attempt(simple_methods.history_mean(series, horizon), "mean")


def _ets_attempt(selection: EtsSelection, notes: list[ForecastNote]) -> _Attempt | None:
    if selection.warning_count:
        kinds = ", ".join(selection.warning_kinds)
        params = {"count": selection.warning_count, "kinds": kinds}
        notes.append(ForecastNote("fit_warnings", params))
    if selection.best is None:
        errors = ", ".join(sorted({error for _name, error in selection.failures}))
        notes.append(_failure("ets", errors))
        return None
    return _Attempt(selection.best.forecast, selection.best.spec.name)


def _failure(method: str, error: str) -> ForecastNote:
    return ForecastNote("method_failed", {"method": method, "error": error})


def _as_units(values: FloatArray) -> tuple[int, ...]:
    # Half up, not half to even: 0.5 units of baseline demand is a unit to plan for.
    units = np.floor(np.clip(values, 0, MAX_QUANTITY) + 0.5)
    return tuple(int(value) for value in units.tolist())


def _checked(horizon: int) -> int:
    if isinstance(horizon, bool) or not isinstance(horizon, int):
        raise HistoryError("the horizon must be a whole number of months")
    if not 1 <= horizon <= MAX_HORIZON:
        raise HistoryError(f"the horizon must be 1 to {MAX_HORIZON} months")
    return horizon


def _month_index(month: datetime.date) -> int:
    return month.year * 12 + month.month - 1
