"""The statistical baseline forecast: pure, with no Django import.

It takes each family's monthly actual demand and returns whole-unit forecasts with the method
that made them (Holt-Winters/ETS chosen by AICc, seasonal naive, Croston-SBA, mean or zero; see
``baseline``). Like the balance engine it can run in the web app, the Celery worker, the
command line and the tests alike; unlike it, it also imports statsmodels, so the engine package
stays numpy-only.
"""

from planning.forecasting.baseline import (
    MAX_HORIZON,
    BaselineForecast,
    ForecastNote,
    HistoryError,
    forecast_history,
    forecast_series,
)
from planning.forecasting.history import FamilyHistory, HistoryTable, histories_from_records

__all__ = [
    "MAX_HORIZON",
    "BaselineForecast",
    "FamilyHistory",
    "ForecastNote",
    "HistoryError",
    "HistoryTable",
    "forecast_history",
    "forecast_series",
    "histories_from_records",
]
