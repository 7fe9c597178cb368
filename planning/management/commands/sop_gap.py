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
from planning.engine.balance import MAX_QUANTITY
from planning.engine.errors import InputIssue
from planning.engine.gap import MAX_LEAD_TIME_DAYS
from planning.input_files import InputFileError, LongNumber, parse_json, read_text
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
                analysis = analyse_gap_file(Path(options["gap"]))
        except PlanInputError as error:
            raise CommandError("\n".join(describe_error(error))) from None
        if options["format"] == "json":
            # allow_nan=False: the output is always valid JSON (inputs are finite, see the engine).
            output = json.dumps(as_json(analysis), ensure_ascii=False, indent=2, allow_nan=False)
            self.stdout.write(output)
        else:
            self.stdout.write(as_table(analysis))


def analyse_gap_file(path: Path) -> GapAnalysis:
    """Every problem of the file at once: its shape first, then each value the engine checks."""
    demand, capacity, options, issues = read_gap(path)
    try:
        analysis = rank_gap_alternatives(demand, capacity, options)
    except PlanInputError as error:
        issues.extend(error.issues)
    if issues:
        raise PlanInputError(issues)
    return analysis


def read_gap(path: Path) -> tuple[Any, Any, list[GapOption], list[InputIssue]]:
    try:
        document = parse_json(read_text(path), what=_("gap file"))
    except InputFileError as error:
        raise CommandError("\n".join(error.messages)) from None
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
        raw_options = None
    options = parse_options(raw_options or [], issues)
    demand = _quantity(document.get("demand"), "demand", None, issues)
    capacity = _quantity(document.get("current_capacity"), "current_capacity", None, issues)
    return demand, capacity, options, issues


def _quantity(raw: Any, name: str, row: int | None, issues: list[InputIssue]) -> Any:
    """``raw`` for the engine to check; a missing or overlong number is named here instead and
    stands in as 0, so the engine checks the rest without naming it twice."""
    if isinstance(raw, LongNumber):
        issues.append(InputIssue("too_large", name, row, {"value": raw, "limit": MAX_QUANTITY}))
        return 0
    return 0 if raw is None else raw


def parse_options(raw_options: list[Any], issues: list[InputIssue]) -> list[GapOption]:
    """The options as the engine takes them; shape problems are added to ``issues``."""
    options = []
    for row, raw in enumerate(raw_options, start=1):
        if not isinstance(raw, dict):
            issues.append(InputIssue("not_an_object", "options", row))
            continue
        cost = _cost(raw.get("cost"))
        if raw.get("additional_capacity") is None:
            issues.append(InputIssue("missing_value", "additional_capacity", row))
        options.append(
            GapOption(
                name=raw.get("name", ""),
                additional_capacity=_quantity(
                    raw.get("additional_capacity"), "additional_capacity", row, issues
                ),
                cost=cost,
                lead_time_days=_lead_time(raw.get("lead_time_days"), row, issues),
            )
        )
    return options


def _lead_time(raw: Any, row: int, issues: list[InputIssue]) -> Any:
    if isinstance(raw, LongNumber):
        params = {"value": raw, "limit": MAX_LEAD_TIME_DAYS}
        issues.append(InputIssue("too_large", "lead_time_days", row, params))
        return None
    return raw


def _cost(raw: Any) -> Any:
    """A cost as an exact Decimal when it reads as a number; otherwise as given, which the
    engine refuses naming the row (so does a non-finite Decimal such as NaN or Infinity)."""
    if isinstance(raw, int | float | str) and not isinstance(raw, bool):
        try:
            return Decimal(str(raw).strip())
        except InvalidOperation:
            return raw
    return raw


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
