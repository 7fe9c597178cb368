"""Holt-Winters exponential smoothing with the model chosen by AICc, through statsmodels.

Every combination of trend (none, additive, additive damped) and seasonality (none, additive,
multiplicative when every month is positive) is fitted, and the one with the smallest
corrected Akaike information criterion wins. The errors are additive (the fit minimises the sum
of squared errors), so the criterion is computed from that sum and compares all candidates on
the same scale. A candidate that raises or forecasts a non-finite number is dropped; warnings
(statsmodels' ConvergenceWarning above all) are counted, never printed, and reported with the
result.

The initial states are not optimised (that is ten times slower) but fitted by least squares
to the first seasons (:func:`initial_states`), and only the smoothing parameters are optimised.
statsmodels' own "heuristic" start takes the level from a moving average's first value, half a
season into the data: on two seasons of a trending series that start is so far off that a
clean seasonal series fits worse with its season than without.
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
INITIAL_STATE_SEASONS = 4
MULTIPLICATIVE_ROUNDS = 5


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
        # statsmodels also computes its own criteria from ln(SSE), which warns on an exact fit;
        # ours floors the SSE (corrected_aic), so that warning says nothing about the fit.
        warnings.filterwarnings("ignore", "divide by zero encountered in log", RuntimeWarning)
        for spec in candidate_specs(history):
            try:
                fit = fit_candidate(history, horizon, spec)
            except Exception as error:
                # statsmodels, scipy and pandas raise many kinds of error on degenerate data;
                # any of them only drops the candidate.
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
    states = initial_states(history, spec)
    if not all(np.isfinite(value).all() for value in states.values()):
        return None  # a multiplicative season on a line through zero
    model = ExponentialSmoothing(
        history,
        trend=None if spec.trend == "N" else "add",
        damped_trend=spec.trend == "Ad",
        seasonal={"N": None, "A": "add", "M": "mul"}[spec.season],
        seasonal_periods=SEASON_LENGTH if spec.season != "N" else None,
        initialization_method="known",
        **states,
    )
    # No brute-force grid of starting values: four times faster, the same fits on test series.
    result = model.fit(optimized=True, use_brute=False)
    forecast = np.asarray(result.forecast(horizon), dtype=np.float64)
    aicc = corrected_aic(float(result.sse), len(history), spec.parameter_count, history)
    if not math.isfinite(aicc) or not np.isfinite(forecast).all():
        return None
    return EtsFit(spec, aicc, forecast)


def initial_states(history: FloatArray, spec: EtsSpec) -> dict[str, Any]:
    """Level, trend and season before the first month, fitted to the first seasons.

    A straight line plus one effect per calendar month (additive: y = a + bt + s; multiplicative:
    y = (a + bt)·s, by a few alternating least-squares rounds) is fitted to at most the first
    four seasons; the line taken back to the month before the history gives the initial level
    and trend, the monthly effects (mean zero, or one) the initial season.
    """
    start = history[: INITIAL_STATE_SEASONS * SEASON_LENGTH]
    steps = np.arange(len(start), dtype=np.float64)
    positions = np.arange(len(start)) % SEASON_LENGTH
    per_position = np.bincount(positions, minlength=SEASON_LENGTH)
    multiplicative = spec.season == "M"
    season = np.ones(SEASON_LENGTH) if multiplicative else np.zeros(SEASON_LENGTH)
    for _round in range(MULTIPLICATIVE_ROUNDS if multiplicative else 1):
        adjusted = start / season[positions] if multiplicative else start - season[positions]
        slope, intercept = np.polyfit(steps, adjusted, 1)
        if spec.season == "N":
            break
        line = intercept + slope * steps
        effects = start / line if multiplicative else start - line
        season = np.bincount(positions, effects, SEASON_LENGTH) / per_position
        season = season / season.mean() if multiplicative else season - season.mean()
    states: dict[str, Any] = {"initial_level": intercept - slope}
    if spec.trend != "N":
        states["initial_trend"] = slope
    if spec.season != "N":
        states["initial_seasonal"] = season
    return states


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
