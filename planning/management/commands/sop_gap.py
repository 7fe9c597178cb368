"""`manage.py sop_gap`: rank the alternatives that could close a month's capacity gap."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from planning.demo import SEED_GAP_OPTIONS
from planning.engine import GapAnalysis, GapOption, PlanInputError, rank_gap_alternatives
from planning.engine.errors import InputIssue
from planning.issue_messages import CAPACITY_SUFFICIENT, FIELD_LABELS, describe_error
from planning.text_table import format_int, render_table

DEMO_DEMAND = 15000
DEMO_CAPACITY = 13000


class Command(BaseCommand):
    help = "Rank gap-filling alternatives by the gap each leaves open (the seed's gap_scenarios)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("gap", nargs="?", help="GAP.json")
        parser.add_argument("--demo", action="store_true", help="The seed's June example.")
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["demo"] == bool(options["gap"]):
            raise CommandError(_("Give either a GAP.json file or --demo."))
        try:
            if options["demo"]:
                options_list = [GapOption(name, extra) for name, extra in SEED_GAP_OPTIONS]
                analysis = rank_gap_alternatives(DEMO_DEMAND, DEMO_CAPACITY, options_list)
            else:
                analysis = rank_gap_alternatives(*read_gap(Path(options["gap"])))
        except PlanInputError as error:
            raise CommandError("\n".join(describe_error(error))) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps(as_json(analysis), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(as_table(analysis))


def read_gap(path: Path) -> tuple[Any, Any, list[GapOption]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(
            _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}
        ) from None
    except json.JSONDecodeError as error:
        raise CommandError(
            _("The gap file is not valid JSON (line %(line)s, column %(column)s): %(message)s")
            % {"line": error.lineno, "column": error.colno, "message": error.msg}
        ) from None
    if not isinstance(document, dict):
        raise CommandError(
            _('The gap file must be an object: {"demand", "current_capacity", "options"}.')
        )
    issues = [
        InputIssue("missing_value", name)
        for name in ("demand", "current_capacity", "options")
        if document.get(name) is None
    ]
    raw_options = document.get("options")
    if raw_options is not None and not isinstance(raw_options, list):
        issues.append(InputIssue("not_an_object", "options"))
    if issues:
        raise PlanInputError(issues)
    return document["demand"], document["current_capacity"], parse_options(raw_options or [])


def parse_options(raw_options: list[Any]) -> list[GapOption]:
    options, issues = [], []
    for row, raw in enumerate(raw_options, start=1):
        if not isinstance(raw, dict):
            issues.append(InputIssue("not_an_object", "options", row))
            continue
        cost = raw.get("cost")
        if cost is not None:
            try:
                cost = Decimal(str(cost))
            except InvalidOperation:
                issues.append(InputIssue("not_integer", "cost", row, {"value": cost}))
                cost = None
        lead_time = raw.get("lead_time_days")
        if lead_time is not None and (
            isinstance(lead_time, bool) or not isinstance(lead_time, int)
        ):
            issues.append(InputIssue("not_integer", "lead_time_days", row, {"value": lead_time}))
        if raw.get("additional_capacity") is None:
            issues.append(InputIssue("missing_value", "additional_capacity", row))
        options.append(
            GapOption(
                name=raw.get("name", ""),
                additional_capacity=raw.get("additional_capacity", 0),
                cost=cost,
                lead_time_days=lead_time,
            )
        )
    if issues:
        raise PlanInputError(issues)
    return options


def as_json(analysis: GapAnalysis) -> dict[str, Any]:
    alternatives = []
    for alternative in analysis.alternatives:
        record: dict[str, Any] = {
            "name": alternative.name,
            "additional_capacity": alternative.additional_capacity,
            "can_fill": alternative.can_fill,
            "remaining_gap": alternative.remaining_gap,
            "fill_rate": float(alternative.fill_rate),
        }
        if alternative.option.cost is not None:
            record["cost"] = float(alternative.option.cost)
        if alternative.option.lead_time_days is not None:
            record["lead_time_days"] = alternative.option.lead_time_days
        alternatives.append(record)
    return {"gap": analysis.gap, "options": alternatives}


def as_table(analysis: GapAnalysis) -> str:
    if analysis.capacity_sufficient:
        return str(CAPACITY_SUFFICIENT)
    fields = ("name", "additional_capacity", "can_fill", "remaining_gap", "fill_rate")
    header = [str(FIELD_LABELS[name]) for name in fields]
    rows = [
        [
            alternative.name,
            format_int(alternative.additional_capacity),
            format_int(alternative.can_fill),
            format_int(alternative.remaining_gap),
            alternative.fill_rate_percent,
        ]
        for alternative in analysis.alternatives
    ]
    title = _("Gap %(gap)s units (demand %(demand)s, capacity %(capacity)s)") % {
        "gap": format_int(analysis.gap),
        "demand": format_int(analysis.demand),
        "capacity": format_int(analysis.current_capacity),
    }
    return title + "\n" + render_table(header, rows, numeric_columns={1, 2, 3, 4})
