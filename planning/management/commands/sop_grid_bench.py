"""`manage.py sop_grid_bench`: the planning grid at scale (cell save, paste, page, queries)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from planning import bench_support as support
from planning import grid_benchmark as grid
from planning.management.commands.sop_bench import Command as BenchCommand


class Command(BenchCommand):
    help = (
        "Benchmark the planning grid: a cell save answered with its family's rows, a pasted"
        " 3x4 block, the grid page (first, last, filtered) through gunicorn with a worker,"
        " and the page's query count at a few and at many families."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--families", type=int, default=10_000)
        parser.add_argument("--months", type=int, default=24)
        parser.add_argument("--saves", type=int, default=200)
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def _measure(self, options: dict[str, Any]) -> dict[str, Any]:
        call_command("migrate", verbosity=0)
        with support.bench_redis() as redis_url:
            if redis_url is None:
                raise CommandError("Needs a redis-server on PATH or REDIS_URL.")
            load_before = support.machine_load()
            figures = grid.measure_grid(
                options["families"], options["months"], options["saves"], redis_url,
                Path(tempfile.mkdtemp(prefix="sop-grid-bench-")),
            )  # fmt: skip
        result: dict[str, Any] = {"families": options["families"], "months": options["months"]}
        for name in ("save", "paste", "first_page", "last_page", "filtered_page",
                     "grid_fragment", "grid_rows"):  # fmt: skip
            values = getattr(figures, f"{name}_ms")
            result[f"{name}_count"] = len(values)
            result.update(
                {f"{name}_{key}": value for key, value in support.summary(values).items()}
            )
        result["page_queries_20_families"] = figures.queries_small
        result[f"page_queries_{options['families']}_families"] = figures.queries_large
        result["load_before"] = load_before
        result["load_after"] = support.machine_load()
        return result

    def _table(self, figures: dict[str, Any]) -> None:
        for key, value in figures.items():
            shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
            self.stdout.write(f"{key:<36} {shown:>14}")
