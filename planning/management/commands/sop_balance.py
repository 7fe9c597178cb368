"""`manage.py sop_balance`: the balance analysis of a CSV or JSON plan, no database needed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from planning.demo import SEED_MONTHS, SEED_OPENING_STOCK
from planning.engine import PlanInputError, PlanRow, plan_table_from_records
from planning.engine.balance import as_fraction
from planning.input_files import InputFileError, csv_records, parse_json, read_text
from planning.issue_messages import FIELD_LABELS, STATUS_LABELS, describe_error
from planning.text_table import format_int, render_table

OUTPUT_FIELDS = (
    "family",
    "month",
    "effective_demand",
    "production_plan",
    "opening_stock",
    "closing_stock",
    "stock_days",
    "safety_stock_target",
    "utilization",
    "status",
    "over_capacity",
    "infeasible",
)
DEMO_FAMILY = "SEED-01"


class Command(BaseCommand):
    help = "Analyse a plan (CSV or JSON rows) for supply/demand balance, like the seed document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("plan", nargs="?", help="PLAN.csv or PLAN.json")
        parser.add_argument("--demo", action="store_true", help="Analyse the seed's six months.")
        parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
        parser.add_argument("--excess-multiplier", default="3", help="Default 3.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["demo"] == bool(options["plan"]):
            raise CommandError(_("Give either a plan file or --demo."))
        try:
            multiplier = as_fraction(options["excess_multiplier"])
            if options["demo"]:
                table = plan_table_from_records(demo_records())
            else:
                records, columns = read_plan(Path(options["plan"]))
                table = plan_table_from_records(records, columns)
            rows = table.analyse(multiplier)
        except PlanInputError as error:
            raise CommandError("\n".join(describe_error(error))) from None
        self.stdout.write(render(rows, options["format"]))


def demo_records() -> list[dict[str, Any]]:
    return [
        {
            "family": DEMO_FAMILY,
            "month": f"2024-{4 + index:02d}",
            "demand_forecast": demand,
            "confirmed_orders": orders,
            "opening_stock": SEED_OPENING_STOCK if index == 0 else 0,
            "production_plan": production,
            "capacity_max": capacity,
            "safety_stock_target": safety,
        }
        for index, (demand, orders, production, capacity, safety) in enumerate(SEED_MONTHS)
    ]


def read_plan(path: Path) -> tuple[list[Any], list[str] | None]:
    """The rows of a CSV (with its header) or JSON plan file; CommandError if unreadable."""
    try:
        text = read_text(path)
        if path.suffix.lower() == ".json":
            return json_rows(parse_json(text, what=_("JSON plan"))), None
        return csv_records(text)
    except InputFileError as error:
        raise CommandError("\n".join(error.messages)) from None


def json_rows(document: Any) -> list[Any]:
    if isinstance(document, dict) and isinstance(document.get("rows"), list):
        document = document["rows"]
    if not isinstance(document, list):
        raise CommandError(_('A JSON plan must be a list of row objects, or {"rows": [...]}.'))
    return document


def as_output(row: PlanRow) -> dict[str, Any]:
    record = {name: getattr(row, name) for name in OUTPUT_FIELDS}
    if row.utilization is not None:
        record["utilization"] = round(row.utilization, 4)
    return record


def render(rows: list[PlanRow], output_format: str) -> str:
    if output_format == "json":
        return json.dumps([as_output(row) for row in rows], ensure_ascii=False, indent=2)
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=OUTPUT_FIELDS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            record = as_output(row)
            if record["utilization"] is None:
                record["utilization"] = ""
            writer.writerow(record)
        return buffer.getvalue().rstrip("\n")
    return render_balance_table(rows)


def render_balance_table(rows: list[PlanRow]) -> str:
    fields = [name for name in OUTPUT_FIELDS if name != "infeasible"]
    header = [str(FIELD_LABELS[name]) for name in fields]
    body = []
    for row in rows:
        body.append(
            [
                row.family or "—",
                row.month,
                format_int(row.effective_demand),
                format_int(row.production_plan),
                format_int(row.opening_stock),
                format_int(row.closing_stock),
                f"{row.stock_days}",
                format_int(row.safety_stock_target),
                "—" if row.utilization is None else f"{row.utilization * 100:.1f}%",
                str(STATUS_LABELS[row.status]),
                _("infeasible") if row.infeasible else (_("yes") if row.over_capacity else _("no")),
            ]
        )
    return render_table(header, body, numeric_columns=set(range(2, 9)))
