"""Forecast accuracy and execution KPIs from actuals, exactly as issue 10 §4 defines them.

Per (family, month) row, with actual demand A and the consensus forecast F:

* WAPE = Σ|A-F| / Σ|A|
* MAPE = mean of |A-F| / |A| over the rows with A ≠ 0; the rows left out are counted
  (``mape_excluded_months``) so a reader sees how much of the period MAPE ignores
* bias = Σ(F-A) / ΣA: positive when the forecast ran above demand
* forecast value added = WAPE(statistical baseline) - WAPE(consensus), over the rows that have
  a baseline: positive when the consensus forecast beat the baseline
* plan adherence = Σ min(actual production, planned) / Σ planned, over rows with both
* fill rate = Σ min(shipped, A) / ΣA over rows with shipments: each line capped at 100 %, so
  shipping more than the demand of one month does not hide a shortfall in another
* capacity utilization = Σ production / Σ capacity (the balance engine's production / capacity,
  summed; undefined at no capacity, as there)

A KPI with nothing to measure (ΣA = 0, nothing planned, no baseline) is ``None``, never 0 and
never an error.  Quantities are whole units or decimals.  Sums are exact; ratios are
``Decimal`` to 34 significant digits in a context of their own, so the caller's decimal context
never changes a KPI, and are rounded only for display (:func:`rounded`).  Exact fractions would
not do: MAPE sums one fraction per row, and the common denominator of 240,000 rows' demands
grows without bound (24,000 rows already took seconds).

Aggregating over a group sums the group's rows, so the overall WAPE is the demand-weighted one,
not a mean of family WAPEs, and the overall MAPE is the mean over every (family, month) row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import TypeVar

Quantity = int | Decimal
Key = TypeVar("Key", bound=Hashable)

# JSON and tables show KPIs as fractions to six decimals: 0.000001 is a ten-thousandth of a
# percentage point, finer than any forecast is accurate.
KPI_DECIMALS = 6
# 34 digits (IEEE decimal128): sums of a million rows of up to 10**12 units stay exact.
KPI_CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN)
KPI_NAMES = ("wape", "mape", "mape_excluded_months", "bias", "fva", "plan_adherence", "fill_rate")


@dataclass(frozen=True)
class KpiRow:
    """One family's month: what was forecast and planned against what happened.

    The optional figures are ``None`` where they are not known (no baseline was computed, the
    month had no production plan, shipments are not in yet); that row then takes no part in
    the KPIs that need them.
    """

    family: str
    month: str  # YYYY-MM
    actual: Quantity  # actual demand (orders received)
    forecast: Quantity  # the consensus forecast the plan was made on
    baseline_forecast: Quantity | None = None
    planned_production: Quantity | None = None
    actual_production: Quantity | None = None
    shipped: Quantity | None = None
    business_unit: str | None = None


@dataclass(frozen=True)
class Kpis:
    """The KPIs of one group of rows; ``None`` where a KPI is undefined for it."""

    wape: Decimal | None
    mape: Decimal | None
    mape_excluded_months: int
    bias: Decimal | None
    fva: Decimal | None
    plan_adherence: Decimal | None
    fill_rate: Decimal | None

    def as_dict(self, decimals: int = KPI_DECIMALS) -> dict[str, Decimal | int | None]:
        """The KPIs by name, ratios rounded to ``decimals`` places (half to even)."""
        return {
            "wape": rounded(self.wape, decimals),
            "mape": rounded(self.mape, decimals),
            "mape_excluded_months": self.mape_excluded_months,
            "bias": rounded(self.bias, decimals),
            "fva": rounded(self.fva, decimals),
            "plan_adherence": rounded(self.plan_adherence, decimals),
            "fill_rate": rounded(self.fill_rate, decimals),
        }


def compute_kpis(rows: Iterable[KpiRow]) -> Kpis:
    """The KPIs of ``rows`` taken together (a family, a month, a business unit, everything)."""
    rows = list(rows)
    mape, excluded = mean_absolute_percentage_error(rows)
    return Kpis(
        wape=weighted_absolute_percentage_error(rows),
        mape=mape,
        mape_excluded_months=excluded,
        bias=forecast_bias(rows),
        fva=forecast_value_added(rows),
        plan_adherence=plan_adherence(rows),
        fill_rate=fill_rate(rows),
    )


def group_kpis(rows: Iterable[KpiRow], key: Callable[[KpiRow], Key]) -> dict[Key, Kpis]:
    """The KPIs of each group of ``rows`` by ``key``, groups in the order first seen."""
    groups: dict[Key, list[KpiRow]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return {name: compute_kpis(members) for name, members in groups.items()}


def by_family(row: KpiRow) -> str:
    return row.family


def by_month(row: KpiRow) -> str:
    return row.month


def by_business_unit(row: KpiRow) -> str | None:
    return row.business_unit


def weighted_absolute_percentage_error(rows: Iterable[KpiRow]) -> Decimal | None:
    return _wape([(row.actual, row.forecast) for row in rows])


def mean_absolute_percentage_error(rows: Iterable[KpiRow]) -> tuple[Decimal | None, int]:
    """MAPE over the rows with demand, and how many rows had none and were left out."""
    rows = list(rows)
    with localcontext(KPI_CONTEXT):
        errors = [
            Decimal(_distance(row.actual, row.forecast)) / _distance(row.actual, 0)
            for row in rows
            if row.actual
        ]
        excluded = len(rows) - len(errors)
        if not errors:
            return None, excluded
        return sum(errors, Decimal(0)) / len(errors), excluded


def forecast_bias(rows: Iterable[KpiRow]) -> Decimal | None:
    rows = list(rows)
    with localcontext(KPI_CONTEXT):
        return _ratio(
            sum(row.forecast - row.actual for row in rows), sum(row.actual for row in rows)
        )


def forecast_value_added(rows: Iterable[KpiRow]) -> Decimal | None:
    """WAPE(baseline) - WAPE(consensus), both over the rows that have a baseline forecast."""
    with_baseline = [row for row in rows if row.baseline_forecast is not None]
    baseline = _wape([(row.actual, row.baseline_forecast) for row in with_baseline])
    consensus = _wape([(row.actual, row.forecast) for row in with_baseline])
    if baseline is None or consensus is None:
        return None
    with localcontext(KPI_CONTEXT):
        return baseline - consensus


def plan_adherence(rows: Iterable[KpiRow]) -> Decimal | None:
    pairs = [
        (row.actual_production, row.planned_production)
        for row in rows
        if row.actual_production is not None and row.planned_production is not None
    ]
    with localcontext(KPI_CONTEXT):
        return _ratio(
            sum(min(produced, planned) for produced, planned in pairs),
            sum(planned for _produced, planned in pairs),
        )


def fill_rate(rows: Iterable[KpiRow]) -> Decimal | None:
    pairs = [(row.shipped, row.actual) for row in rows if row.shipped is not None]
    with localcontext(KPI_CONTEXT):
        return _ratio(
            sum(min(shipped, demand) for shipped, demand in pairs),
            sum(demand for _shipped, demand in pairs),
        )


def capacity_utilization(
    production: Iterable[Quantity], capacity: Iterable[Quantity]
) -> Decimal | None:
    """Σ production / Σ capacity; undefined (``None``) with no capacity, as the engine's."""
    with localcontext(KPI_CONTEXT):
        return _ratio(sum(production), sum(capacity))


def rounded(value: Decimal | None, decimals: int = KPI_DECIMALS) -> Decimal | None:
    """``value`` rounded half to even at ``decimals`` places; never a negative zero."""
    if value is None:
        return None
    with localcontext(KPI_CONTEXT):
        result = value.quantize(Decimal(1).scaleb(-decimals))
    # A bias of -0.0000001 rounds to -0.000000, which JSON and the table would print as "-0".
    return result.copy_abs() if result.is_zero() else result


def _wape(pairs: Sequence[tuple[Quantity, Quantity | None]]) -> Decimal | None:
    """Σ|A-F| / Σ|A| over ``pairs`` of (actual, forecast), each forecast present."""
    with localcontext(KPI_CONTEXT):
        return _ratio(
            sum(_distance(actual, forecast) for actual, forecast in pairs if forecast is not None),
            sum(_distance(actual, 0) for actual, _forecast in pairs),
        )


def _distance(first: Quantity, second: Quantity) -> Quantity:
    # abs() of an int-or-Decimal difference, spelled so the type checker keeps the type.
    return first - second if first >= second else second - first


def _ratio(numerator: Quantity, denominator: Quantity) -> Decimal | None:
    """``numerator / denominator`` in the active (KPI) context; undefined when it is 0.

    Sums are taken in the callers' own types (ints stay ints, exact and fast) and become
    ``Decimal`` only here, once per KPI.
    """
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)
