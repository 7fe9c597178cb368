"""The statistical baseline on series generated with a known pattern, and every fallback."""

from __future__ import annotations

import datetime
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from planning.forecasting import HistoryError, forecast_history, forecast_series
from planning.forecasting import ets as ets_module
from planning.forecasting.baseline import fitted_part
from planning.forecasting.simple_methods import croston_sba

# A year's demand shape: low in winter, a summer peak; mean 1.0.
PATTERN = np.array([0.8, 0.85, 0.95, 1.0, 1.1, 1.2, 1.25, 1.15, 1.05, 0.95, 0.9, 0.8])
LEVEL = 1000.0
TREND = 20.0  # units per month
SEASONAL_METHODS = {f"ets(A,{trend},{season})" for trend in ("N", "A", "Ad") for season in "AM"}


def true_demand(months: range, seasonality: str) -> np.ndarray:
    steps = np.arange(months.start, months.stop)
    base = LEVEL + TREND * steps
    if seasonality == "multiplicative":
        return base * PATTERN[steps % 12]
    return base + 200 * (PATTERN[steps % 12] - 1) / 0.25


def observed(months: int, seasonality: str, noise: float = 0.01) -> np.ndarray:
    """The true demand times a small deterministic wiggle, in whole units like real actuals."""
    steps = np.arange(months)
    return np.round(true_demand(range(months), seasonality) * (1 + noise * np.sin(1.7 * steps)))


def relative_errors(forecast: tuple[int, ...], truth: np.ndarray) -> np.ndarray:
    return np.abs(np.asarray(forecast) - truth) / truth


@pytest.mark.parametrize("seasonality", ["multiplicative", "additive"])
def test_three_years_of_trend_and_season_are_continued_within_three_percent(
    seasonality: str,
) -> None:
    # given
    history = observed(36, seasonality)
    # when
    values, method, notes = forecast_series(history, 12)
    # then
    assert method in SEASONAL_METHODS
    assert relative_errors(values, true_demand(range(36, 48), seasonality)).max() < 0.03
    assert notes == ()


def test_two_seasons_are_enough_for_a_seasonal_model_within_five_percent() -> None:
    history = observed(24, "multiplicative")

    values, method, _notes = forecast_series(history, 12)

    assert method in SEASONAL_METHODS
    assert relative_errors(values, true_demand(range(24, 36), "multiplicative")).max() < 0.05


def test_the_second_forecast_year_keeps_the_trend() -> None:
    history = observed(36, "multiplicative")

    values, _method, _notes = forecast_series(history, 24)

    assert relative_errors(values, true_demand(range(36, 60), "multiplicative")).max() < 0.05
    assert sum(values[12:]) > sum(values[:12])


def test_a_flat_series_gets_a_flat_forecast_without_season_or_trend() -> None:
    values, method, notes = forecast_series(np.full(36, 500.0), 6)

    assert values == (500,) * 6
    assert method == "ets(A,N,N)"
    assert notes == ()


def test_a_flat_series_with_noise_stays_flat() -> None:
    history = np.round(500 * (1 + 0.02 * np.sin(1.7 * np.arange(36))))

    values, method, _notes = forecast_series(history, 12)

    assert method.endswith(",N)")  # no season in noise
    assert max(values) - min(values) <= 10
    assert abs(np.mean(values) - 500) <= 10


def test_intermittent_demand_gets_croston_sba() -> None:
    # Six units every third month: SBA forecasts about 0.95 x 6 / 3 = 1.9 a month.
    history = np.array([0, 0, 6] * 12, dtype=np.float64)

    values, method, notes = forecast_series(history, 4)

    assert method == "croston_sba"
    assert values == (2, 2, 2, 2)
    assert notes == ()


def test_croston_sba_smooths_sizes_and_intervals_from_their_means() -> None:
    # Demands of 4 (after 2 months) and 8 (after 3): sizes start at 6, intervals at 2.5;
    # size 6 -> 5.8 -> 6.02, interval 2.5 -> 2.45 -> 2.505; forecast 0.95 x 6.02 / 2.505.
    values = croston_sba(np.array([0, 4, 0, 0, 8], dtype=np.float64), 2)

    assert values.tolist() == pytest.approx([0.95 * 6.02 / 2.505] * 2)


def test_a_few_months_without_demand_do_not_make_a_series_intermittent() -> None:
    history = observed(36, "multiplicative")
    history[[5, 17, 29]] = 0  # ADI 36 / 33 = 1.09, under the 1.32 cut-off

    _values, method, _notes = forecast_series(history, 3)

    assert method.startswith("ets(")


def test_one_to_two_years_repeat_last_year_plus_the_yearly_change() -> None:
    # 18 months of additive season and trend: every year-over-year change is 12 x 20 = 240.
    history = np.round(true_demand(range(18), "additive"))

    values, method, _notes = forecast_series(history, 14)

    assert method == "seasonal_naive_drift"
    truth = np.round(true_demand(range(18, 32), "additive"))
    assert np.abs(np.asarray(values) - truth).max() <= 1


def test_exactly_one_year_repeats_it() -> None:
    history = np.round(true_demand(range(12), "multiplicative"))

    values, method, _notes = forecast_series(history, 13)

    assert method == "seasonal_naive"
    assert values == (*history.astype(int).tolist(), int(history[0]))


def test_under_a_year_forecasts_the_mean() -> None:
    values, method, _notes = forecast_series(np.array([10, 12, 11, 13], dtype=np.float64), 3)

    assert method == "mean"
    assert values == (12, 12, 12)  # 11.5 rounds half up


def test_months_before_the_first_demand_are_not_counted() -> None:
    # A family launched after the file starts: its zeros before launch are no demand pattern.
    history = np.r_[np.zeros(12), np.full(6, 100.0)]

    values, method, _notes = forecast_series(history, 2)

    assert (values, method) == ((100, 100), "mean")


def test_at_most_the_last_ten_years_are_fitted() -> None:
    history = np.r_[np.full(80, 10.0), np.arange(1.0, 151.0)]

    assert fitted_part(history).tolist() == list(range(31, 151))


def test_all_zero_history_forecasts_zeros() -> None:
    values, method, notes = forecast_series(np.zeros(30), 5)

    assert (values, method, notes) == ((0, 0, 0, 0, 0), "zero", ())


def test_an_empty_history_ending_in_a_given_month_forecasts_zeros() -> None:
    forecast = forecast_history([], 2, through=datetime.date(2025, 12, 1))

    assert forecast.values == (0, 0)
    assert forecast.method == "zero"
    assert forecast.months == (datetime.date(2026, 1, 1), datetime.date(2026, 2, 1))


def test_a_collapsing_trend_is_never_forecast_below_zero() -> None:
    history = np.maximum(0, 3000 - 90.0 * np.arange(30)) * PATTERN[np.arange(30) % 12]

    values, _method, _notes = forecast_series(np.round(history), 24)

    assert min(values) >= 0


def test_the_same_history_gives_the_same_forecast() -> None:
    history = observed(36, "multiplicative", noise=0.04)

    assert forecast_series(history, 12) == forecast_series(history.copy(), 12)


def test_months_follow_the_history_and_gaps_count_as_zero() -> None:
    history = [(datetime.date(2025, month, 1), 100) for month in (1, 2, 4, 5, 6)]

    forecast = forecast_history(history, 2)

    assert forecast.months == (datetime.date(2025, 7, 1), datetime.date(2025, 8, 1))
    assert forecast.values == (83, 83)  # (5 x 100 + 0 for March) / 6, rounded
    assert forecast.method == "mean"


def test_through_a_later_month_counts_the_months_since_as_zero() -> None:
    history = [(datetime.date(2025, month, 1), 60) for month in range(1, 10)]

    forecast = forecast_history(history, 1, through=datetime.date(2025, 10, 1))

    assert forecast.months == (datetime.date(2025, 11, 1),)
    assert forecast.values == (54,)  # 9 x 60 / 10
    assert forecast.method == "mean"


@pytest.mark.parametrize(
    ("history", "horizon", "through", "message"),
    [
        ([(datetime.date(2025, 1, 1), 1), (datetime.date(2025, 1, 1), 2)], 3, None, "month 2025-01 appears twice in the history"),
        ([(datetime.date(2025, 1, 1), -1)], 3, None, "the actual for 2025-01 must be a whole number ≥ 0"),
        ([(datetime.date(2025, 1, 1), 1.5)], 3, None, "the actual for 2025-01 must be a whole number ≥ 0"),
        ([(datetime.date(2025, 1, 1), 1)], 0, None, "the horizon must be 1 to 36 months"),
        ([(datetime.date(2025, 1, 1), 1)], 37, None, "the horizon must be 1 to 36 months"),
        ([(datetime.date(2025, 5, 1), 1)], 3, datetime.date(2025, 4, 1), "the history goes past 2025-04"),
        ([], 3, None, "an empty history needs the month it ends with"),
    ],
)  # fmt: skip
def test_history_the_caller_should_have_refused_raises(
    history: list, horizon: int, through: datetime.date | None, message: str
) -> None:
    with pytest.raises(HistoryError) as raised:
        forecast_history(history, horizon, through=through)
    assert str(raised.value) == message


class FailingSmoothing(ExponentialSmoothing):
    """statsmodels failing as it does on a degenerate series (a singular matrix)."""

    def fit(self, *args: object, **kwargs: object) -> object:
        raise np.linalg.LinAlgError("Singular matrix")


class WarningSmoothing(ExponentialSmoothing):
    """statsmodels' fit, warning that the optimiser did not converge (as it does now and then)."""

    def fit(self, *args: object, **kwargs: object) -> object:
        warnings.warn("Optimization failed to converge.", ConvergenceWarning, stacklevel=2)
        return super().fit(*args, **kwargs)


def test_a_failing_fit_falls_back_to_seasonal_naive_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ets_module, "ExponentialSmoothing", FailingSmoothing)
    history = observed(36, "multiplicative")

    values, method, notes = forecast_series(history, 12)

    assert method == "seasonal_naive_drift"
    assert [(note.code, note.params) for note in notes] == [
        ("method_failed", {"method": "ets", "error": "LinAlgError"})
    ]
    assert relative_errors(values, true_demand(range(36, 48), "multiplicative")).max() < 0.05


def test_fit_warnings_are_counted_in_the_notes_not_printed(
    monkeypatch: pytest.MonkeyPatch, recwarn: pytest.WarningsRecorder
) -> None:
    monkeypatch.setattr(ets_module, "ExponentialSmoothing", WarningSmoothing)

    _values, method, notes = forecast_series(observed(36, "additive"), 3)

    assert method in SEASONAL_METHODS
    assert [note.code for note in notes] == ["fit_warnings"]
    assert notes[0].params["count"] >= 9  # one per candidate fitted
    assert "ConvergenceWarning" in notes[0].params["kinds"]
    assert not [w for w in recwarn if issubclass(w.category, ConvergenceWarning)]


def test_multiplicative_season_is_not_tried_on_a_series_with_a_zero() -> None:
    history = observed(36, "multiplicative")
    history[7] = 0

    names = [spec.name for spec in ets_module.candidate_specs(history)]

    assert names == [f"ets(A,{t},{s})" for s in "NA" for t in ("N", "A", "Ad")]


def test_a_model_with_more_parameters_than_months_allow_is_ineligible() -> None:
    assert math.isinf(ets_module.corrected_aic(1.0, 18, 17, np.ones(18)))


def test_the_forecasting_package_imports_no_django() -> None:
    # A fresh interpreter: this test process has Django loaded already.
    code = (
        "import sys, planning.forecasting; "
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith('django')}))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.strip() == "[]"
