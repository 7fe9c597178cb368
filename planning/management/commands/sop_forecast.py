"""`manage.py sop_forecast`: each family's statistical baseline from its monthly history."""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from planning.engine import PlanInputError
from planning.forecast_messages import describe_note
from planning.forecasting import (
    MAX_HORIZON,
    BaselineForecast,
    HistoryTable,
    forecast_history,
    histories_from_records,
)
from planning.input_files import InputFileError, csv_records, read_text
from planning.issue_messages import FIELD_LABELS, describe_error
from planning.text_table import format_int, render_table

OUTPUT_FIELDS = ("family", "month", "forecast", "method")
COLUMN_LABELS = {
    "forecast": gettext_lazy("Baseline forecast"),
    "method": gettext_lazy("Method"),
}


@dataclass(frozen=True)
class FamilyForecast:
    family: str
    forecast: BaselineForecast


class Command(BaseCommand):
    help = (
        "Forecast each family's demand for the next months from HISTORY.csv (columns family, "
        "month, actual): Holt-Winters/ETS chosen by AICc, or a fallback the history supports."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("history", help="HISTORY.csv: family, month (YYYY-MM), actual")
        parser.add_argument(
            "--horizon", required=True, help=f"Months to forecast, 1-{MAX_HORIZON}."
        )
        parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
        parser.add_argument(
            "--timing", action="store_true", help="Say on stderr how long the forecasts took."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        horizon = parse_horizon(options["horizon"])
        table = read_history(Path(options["history"]))
        started = time.perf_counter()
        forecasts = forecast_families(table, horizon)
        elapsed = time.perf_counter() - started
        self.stdout.write(render(forecasts, options["format"]))
        if options["format"] != "json":
            for line in note_lines(forecasts):
                self.stderr.write(line)
        if options["timing"]:
            self.stderr.write(timing_line(len(forecasts), elapsed))


def parse_horizon(raw: str) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_HORIZON:
        raise CommandError(
            _("--horizon must be a whole number of months from 1 to %(limit)s, got '%(value)s'")
            % {"limit": MAX_HORIZON, "value": raw}
        )
    return int(text)


def read_history(path: Path) -> HistoryTable:
    """The file's families and actuals; CommandError naming every problem if it is bad."""
    try:
        records, columns = csv_records(read_text(path))
    except InputFileError as error:
        raise CommandError("\n".join(error.messages)) from None
    if not columns:
        raise CommandError(_("The history file is empty."))
    try:
        table = histories_from_records(records, columns)
    except PlanInputError as error:
        raise CommandError("\n".join(describe_error(error))) from None
    if not table.families:
        raise CommandError(_("The history file has no rows."))
    return table


def forecast_families(table: HistoryTable, horizon: int) -> list[FamilyForecast]:
    """Every family forecast from the file's last month, so all share the same future months
    (a family whose rows stop earlier had no demand since)."""
    return [
        FamilyForecast(
            history.family,
            forecast_history(history.actuals, horizon, through=table.last_month),
        )
        for history in table.families
    ]


def as_records(forecasts: list[FamilyForecast]) -> list[dict[str, Any]]:
    return [
        {
            "family": item.family,
            "month": f"{month:%Y-%m}",
            "forecast": value,
            "method": item.forecast.method,
        }
        for item in forecasts
        for month, value in zip(item.forecast.months, item.forecast.values, strict=True)
    ]


def render(forecasts: list[FamilyForecast], output_format: str) -> str:
    records = as_records(forecasts)
    if output_format == "json":
        notes = {
            item.family: [describe_note(note) for note in item.forecast.notes] for item in forecasts
        }
        for record in records:
            record["notes"] = notes[record["family"]]
        return json.dumps(records, ensure_ascii=False, indent=2)
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=OUTPUT_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return buffer.getvalue().rstrip("\n")
    header = [str(FIELD_LABELS.get(name) or COLUMN_LABELS[name]) for name in OUTPUT_FIELDS]
    body = [
        [record["family"], record["month"], format_int(record["forecast"]), record["method"]]
        for record in records
    ]
    return render_table(header, body, numeric_columns={2})


def note_lines(forecasts: list[FamilyForecast]) -> list[str]:
    return [
        _("%(family)s: %(note)s") % {"family": item.family, "note": describe_note(note)}
        for item in forecasts
        for note in item.forecast.notes
    ]


def timing_line(families: int, seconds: float) -> str:
    per_family = seconds / families * 1000 if families else 0.0
    return _("Forecast %(families)s families in %(seconds).1f s (%(per_family).1f ms each).") % {
        "families": format_int(families),
        "seconds": seconds,
        "per_family": per_family,
    }
