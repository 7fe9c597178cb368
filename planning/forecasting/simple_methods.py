"""The forecasting methods that need no model fitting: plain numpy, deterministic, instant.

Each takes the history as a float array of consecutive months (oldest first) and returns
``horizon`` unrounded values; rounding and the floor at zero are the caller's.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

SEASON_LENGTH = 12
# Croston's demand-size and interval smoothing constant; 0.1 is the textbook choice for
# monthly spare-part-like demand, and SBA's bias correction (1 - alpha/2) assumes it is small.
CROSTON_ALPHA = 0.1


def zeros(horizon: int) -> FloatArray:
    return np.zeros(horizon, dtype=np.float64)


def history_mean(history: FloatArray, horizon: int) -> FloatArray:
    """The mean of the whole history, flat: with under a year of data neither a season nor a
    trend can be told from noise, and the mean is the least surprising guess."""
    return np.full(horizon, float(history.mean()), dtype=np.float64)


def seasonal_naive(history: FloatArray, horizon: int, *, with_drift: bool) -> FloatArray:
    """Each future month repeats the same month of the last year seen; with drift, plus the
    average year-over-year change for each year ahead.

    Needs at least one full season; drift needs at least one year-over-year pair (13 months).
    """
    last_season = history[-SEASON_LENGTH:]
    steps = np.arange(horizon)
    values = last_season[steps % SEASON_LENGTH].astype(np.float64)
    if with_drift:
        yearly_change = float((history[SEASON_LENGTH:] - history[:-SEASON_LENGTH]).mean())
        years_ahead = steps // SEASON_LENGTH + 1
        values = values + yearly_change * years_ahead
    return values


def croston_sba(history: FloatArray, horizon: int, alpha: float = CROSTON_ALPHA) -> FloatArray:
    """Croston's method with the Syntetos-Boylan approximation, for intermittent demand.

    Demand sizes and the intervals between demands are smoothed separately, each updated only
    in a month with demand, both starting from their mean over the history (so the first
    demand does not weigh more than any other); the forecast is the flat rate size / interval,
    times (1 - alpha/2) to correct Croston's known upward bias. Needs a month with demand.
    """
    demand_months = np.flatnonzero(history > 0)
    sizes = history[demand_months]
    intervals = np.diff(demand_months, prepend=-1).astype(np.float64)
    size, interval = float(sizes.mean()), float(intervals.mean())
    for demand, gap in zip(sizes.tolist(), intervals.tolist(), strict=True):
        size += alpha * (demand - size)
        interval += alpha * (gap - interval)
    return np.full(horizon, (1 - alpha / 2) * size / interval, dtype=np.float64)


def average_demand_interval(history: FloatArray) -> float:
    """Months per month with demand (ADI); infinite for a history with no demand at all."""
    demand_months = int(np.count_nonzero(history > 0))
    return float("inf") if demand_months == 0 else len(history) / demand_months
