"""Holt-Winters exponential smoothing with the model chosen by AICc, through statsmodels.

Every combination of trend (none, additive, additive damped) and seasonality (none, additive,
multiplicative when every month is positive) is fitted, and the one with the smallest
corrected Akaike information criterion wins. The errors are additive (the fit minimises the sum
of squared errors), so the criterion is computed from that sum and compares all candidates on
the same scale. A candidate that raises or forecasts a non-finite number is dropped; warnings
(statsmodels' ConvergenceWarning above all) are counted, never printed, and reported with the
result.

The initial states are not optimised (that is ten times slower) but read off a classical
decomposition (:func:`initial_states`), and only the smoothing parameters are fitted.
statsmodels' own "heuristic" start does the same but takes the level from the moving average's
first value, half a season into the data: on two seasons of a trending series that start is so
far off that a clean seasonal series fits worse with its season than without.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from planning.forecasting.simple_methods import SEASON_LENGTH, FloatArray

MIN_ETS_MONTHS = 2 * SEASON_LENGTH


@dataclass(frozen=True)
class EtsSpec:
    """One candidate model, in ETS notation: error, trend (N, A, Ad), season (N, A, M)."""

    trend: str  # "N", "A" or "Ad"
    season: str  # "N", "A" or "M"

    @property
    def name(self) -> str:
        return f"ets(A,{self.trend},{self.season})"

    @property
    def parameter_count(self) -> int:
        """Smoothing parameters plus initial states, as ETS counts them for the criterion
        (the seasonal states sum to zero, hence one fewer than the season's length)."""
        smoothing = 1 + (self.trend != "N") + (self.trend == "Ad") + (self.season != "N")
        states = 1 + (self.trend != "N") + (SEASON_LENGTH - 1 if self.season != "N" else 0)
        return smoothing + states


@dataclass(frozen=True)
class EtsFit:
    spec: EtsSpec
    aicc: float
    forecast: FloatArray


@dataclass(frozen=True)
class EtsSelection:
    """The winning fit (``None`` when no candidate fitted) and what went wrong on the way."""

    best: EtsFit | None
    failures: tuple[tuple[str, str], ...]  # (candidate name, error type) per dropped candidate
    warning_count: int
    warning_kinds: tuple[str, ...]


def candidate_specs(history: FloatArray) -> list[EtsSpec]:
    seasons = ["N", "A"] + (["M"] if bool((history > 0).all()) else [])
    return [EtsSpec(trend, season) for season in seasons for trend in ("N", "A", "Ad")]


def select_ets(history: FloatArray, horizon: int) -> EtsSelection:
    """Fit every candidate to ``history`` (at least two seasons) and keep the best by AICc."""
    fits: list[EtsFit] = []
    failures: list[tuple[str, str]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for spec in candidate_specs(history):
            try:
                fit = fit_candidate(history, horizon, spec)
            except (ValueError, ArithmeticError, np.linalg.LinAlgError) as error:
                failures.append((spec.name, type(error).__name__))
                continue
            if fit is None:
                failures.append((spec.name, "non-finite"))
            else:
                fits.append(fit)
    kinds = sorted({warning.category.__name__ for warning in caught})
    # min() keeps the first of equal criteria: candidates are listed simplest first.
    best = min(fits, key=lambda fit: fit.aicc) if fits else None
    return EtsSelection(best, tuple(failures), len(caught), tuple(kinds))


def fit_candidate(history: FloatArray, horizon: int, spec: EtsSpec) -> EtsFit | None:
    """The fitted candidate, or ``None`` when its criterion or forecast is not a number."""
    model = ExponentialSmoothing(
        history,
        trend=None if spec.trend == "N" else "add",
        damped_trend=spec.trend == "Ad",
        seasonal={"N": None, "A": "add", "M": "mul"}[spec.season],
        seasonal_periods=SEASON_LENGTH if spec.season != "N" else None,
        initialization_method="known",
        **initial_states(history, spec),
    )
    # No brute-force grid of starting values: four times faster, the same fits on test series.
    result = model.fit(optimized=True, use_brute=False)
    forecast = np.asarray(result.forecast(horizon), dtype=np.float64)
    aicc = corrected_aic(float(result.sse), len(history), spec.parameter_count, history)
    if not math.isfinite(aicc) or not np.isfinite(forecast).all():
        return None
    return EtsFit(spec, aicc, forecast)


def initial_states(history: FloatArray, spec: EtsSpec) -> dict[str, Any]:
    """Level, trend and season before the first month, from at least two seasons.

    The centred 2x12 moving average is the deseasonalised level; a straight line through it,
    taken back to the month before the history, gives the initial level and trend. Each
    calendar month's average ratio to (or difference from) that moving average gives the
    season, normalised to a mean of one (or zero).
    """
    steps = np.arange(len(history), dtype=np.float64)
    window = np.r_[0.5, np.ones(SEASON_LENGTH - 1), 0.5] / SEASON_LENGTH
    moving_average = np.convolve(history, window, mode="valid")
    centre = steps[SEASON_LENGTH // 2 : SEASON_LENGTH // 2 + len(moving_average)]
    slope, intercept = np.polyfit(centre, moving_average, 1)
    states: dict[str, Any] = {"initial_level": intercept - slope}
    if spec.trend != "N":
        states["initial_trend"] = slope
    if spec.season != "N":
        states["initial_seasonal"] = _initial_season(history, moving_average, spec.season)
    return states


def _initial_season(history: FloatArray, moving_average: FloatArray, season: str) -> FloatArray:
    offset = SEASON_LENGTH // 2
    observed = history[offset : offset + len(moving_average)]
    effects = observed / moving_average if season == "M" else observed - moving_average
    # effects[i] is calendar position (offset + i) % 12 of the history's first season.
    positions = (np.arange(len(effects)) + offset) % SEASON_LENGTH
    by_position = np.bincount(positions, effects, SEASON_LENGTH) / np.bincount(
        positions, minlength=SEASON_LENGTH
    )
    if season == "M":
        return by_position / by_position.mean()
    return by_position - by_position.mean()


def corrected_aic(sse: float, months: int, parameters: int, history: FloatArray) -> float:
    """AICc of a fit with Gaussian additive errors: n·ln(SSE/n) + 2k + 2k(k+1)/(n-k-1).

    The sum of squares is floored at a trillionth of the history's own spread, so that a
    noise-free series fitted exactly compares by its parameter count instead of by rounding
    noise in ln(0); too many parameters for the months given make a candidate ineligible.
    """
    if months - parameters - 1 <= 0 or not math.isfinite(sse):
        return math.inf
    scale = float(np.mean(history**2)) or 1.0
    floor = months * scale * 1e-12
    return (
        months * math.log(max(sse, floor) / months)
        + 2 * parameters
        + 2 * parameters * (parameters + 1) / (months - parameters - 1)
    )
