"""`manage.py sop_kpi`: forecast accuracy and execution KPIs of a CSV file, no database needed."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from planning.engine import PlanInputError
from planning.engine.kpi import (
    KPI_NAMES,
    KpiRow,
    Kpis,
    by_business_unit,
    by_family,
    by_month,
    compute_kpis,
    group_kpis,
)
from planning.engine.kpi_table import kpi_rows_from_records
from planning.input_files import InputFileError, csv_records, read_text
from planning.issue_messages import FIELD_LABELS, describe_error
from planning.text_table import render_table

KPI_LABELS: dict[str, Promise] = {
    "wape": gettext_lazy("WAPE"),
    "mape": gettext_lazy("MAPE"),
    "mape_excluded_months": gettext_lazy("Months left out of MAPE"),
    "bias": gettext_lazy("Bias"),
    "fva": gettext_lazy("Forecast value added"),
    "plan_adherence": gettext_lazy("Plan adherence"),
    "fill_rate": gettext_lazy("Order fill rate"),
}
# Bias and forecast value added have a direction (over- or under-forecast, better or worse than
# the baseline), so the table shows their sign; the others are never negative.
SIGNED_KPIS = {"bias", "fva"}
# The table shows percentages to three decimals (7.692%), from fractions rounded to five places.
TABLE_DECIMALS = 5


class Command(BaseCommand):
    help = (
        "Forecast accuracy (WAPE, MAPE, bias, forecast value added), plan adherence and fill "
        "rate from a CSV of actuals against forecasts and plans."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            help="CSV with family, month, actual, forecast and optionally baseline_forecast, "
            "planned_production, actual_production, shipped",
        )
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = read_kpi_rows(Path(options["file"]))
        self.stdout.write(render(rows, options["format"]))


def read_kpi_rows(path: Path) -> list[KpiRow]:
    """The validated rows of a KPI CSV file; CommandError naming every problem otherwise."""
    try:
        records, columns = csv_records(read_text(path))
    except InputFileError as error:
        raise CommandError("\n".join(error.messages)) from None
    try:
        return kpi_rows_from_records(records, columns)
    except PlanInputError as error:
        raise CommandError("\n".join(describe_error(error))) from None


def render(rows: list[KpiRow], output_format: str) -> str:
    overall = compute_kpis(rows)
    families = list(group_kpis(rows, by_family).items())
    months = sorted(group_kpis(rows, by_month).items())
    # Units only when the file names them; rows without one are grouped under "—".
    units = []
    if any(row.business_unit for row in rows):
        units = [(unit or "—", kpis) for unit, kpis in group_kpis(rows, by_business_unit).items()]
    if output_format == "json":
        document: dict[str, Any] = {
            "overall": json_kpis(overall),
            "families": [{"family": name, **json_kpis(kpis)} for name, kpis in families],
            "months": [{"month": name, **json_kpis(kpis)} for name, kpis in months],
        }
        if units:
            document["business_units"] = [
                {"business_unit": name, **json_kpis(kpis)} for name, kpis in units
            ]
        return json.dumps(document, ensure_ascii=False, indent=2)
    tables = [
        kpi_table(str(FIELD_LABELS["family"]), [(_("All families"), overall), *families]),
        kpi_table(str(FIELD_LABELS["month"]), months),
    ]
    if units:
        tables.append(kpi_table(_("Business unit"), units))
    return "\n\n".join(tables)


def json_kpis(kpis: Kpis) -> dict[str, float | int | None]:
    """JSON numbers: a six-decimal fraction converts to the float that prints as those digits."""
    return {
        name: float(value) if isinstance(value, Decimal) else value
        for name, value in kpis.as_dict().items()
    }


def kpi_table(first_column: str, lines: list[tuple[str, Kpis]]) -> str:
    header = [first_column, *(str(KPI_LABELS[name]) for name in KPI_NAMES)]
    body = []
    for name, kpis in lines:
        values = kpis.as_dict(TABLE_DECIMALS)
        body.append([name, *(shown(kpi, values[kpi]) for kpi in KPI_NAMES)])
    return render_table(header, body, numeric_columns=set(range(1, len(header))))


def shown(kpi: str, value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    sign = "+" if kpi in SIGNED_KPIS else ""
    return f"{value * 100:{sign}.3f}%"
