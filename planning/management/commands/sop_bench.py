"""`manage.py sop_bench`: measure the recompute path at scale and print every figure."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, connections

from planning import bench_support as support
from planning import benchmark as bench


class Command(BaseCommand):
    help = (
        "Benchmark the balance recompute (full, engine, naive baseline) and an edit to a"
        " fresh analysis through gunicorn, Redis and a real worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--families", type=int, default=10_000)
        parser.add_argument("--months", type=int, default=24)
        parser.add_argument("--edits", type=int, default=200, help="0 skips the worker test.")
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--naive-families", type=int, default=500)
        parser.add_argument(
            "--poll-ms", type=float, default=5, help="Pause between GETs of the analysis."
        )
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def handle(self, *args: Any, **options: Any) -> None:
        database = settings.DATABASES["default"]
        scratch = None
        if database["ENGINE"].endswith("postgresql"):
            scratch = f"{database['NAME']}_bench_{os.getpid()}"
            self._create_scratch(database, scratch)
        else:
            self.stderr.write(
                "WARNING: not PostgreSQL; benchmarking in the configured database "
                f"({database['NAME']}). Figures are not representative."
            )
        try:
            figures = self._measure(options)
        finally:
            if scratch:
                self._drop_scratch(database, scratch)
        self._report(figures, options["format"])

    def _measure(self, options: dict[str, Any]) -> dict[str, Any]:
        call_command("migrate", verbosity=0)
        cycle = bench.generate_cycle(options["families"], options["months"])
        rows = options["families"] * options["months"]
        figures: dict[str, Any] = {"rows": rows, "families": options["families"],
                                   "months": options["months"]}  # fmt: skip
        figures["full_recompute_s"] = bench.measure_full_recompute(cycle, options["repeat"])
        figures["engine_rows_per_s"] = bench.measure_engine_rows_per_s(cycle, options["repeat"])
        naive_rate, naive_rows = bench.measure_naive_rows_per_s(cycle, options["naive_families"])
        figures["naive_rows_per_s"] = naive_rate
        figures["naive_sample_rows"] = naive_rows
        figures["full_recompute_rows_per_s"] = rows / figures["full_recompute_s"]
        figures["speedup_vs_naive"] = figures["full_recompute_rows_per_s"] / naive_rate
        if options["edits"] and connection.vendor == "postgresql":
            figures.update(self._edit_to_fresh(cycle, options))
        else:
            self.stderr.write("Edit-to-fresh skipped: needs PostgreSQL and --edits > 0.")
        figures["peak_rss_mb"] = support.peak_rss_mb()
        return figures

    def _edit_to_fresh(self, cycle: Any, options: dict[str, Any]) -> dict[str, Any]:
        """PATCH through gunicorn, a worker recomputes, GET the analysis until ``fresh``."""
        with support.bench_redis() as redis_url:
            if redis_url is None:
                self.stderr.write("Edit-to-fresh skipped: no redis-server and no REDIS_URL.")
                return {}
            load_before = support.machine_load()
            measured = bench.measure_edit_to_fresh(
                cycle, options["edits"], redis_url, Path(tempfile.mkdtemp(prefix="sop-bench-")),
                options["poll_ms"],
            )  # fmt: skip
        latencies = measured.latencies_ms
        return {
            "edits": len(latencies),
            "edit_to_fresh_p50_ms": support.percentile(latencies, 50),
            "edit_to_fresh_p95_ms": support.percentile(latencies, 95),
            "edit_to_fresh_max_ms": max(latencies),
            "patch_p50_ms": support.percentile(measured.patch_ms, 50),
            "analysis_get_p50_ms": support.percentile(measured.get_ms, 50),
            "polls_per_edit": len(measured.get_ms) / len(latencies),
            "load_before": load_before,
            "load_after": support.machine_load(),
        }

    def _report(self, figures: dict[str, Any], output_format: str) -> None:
        if output_format == "json":
            self.stdout.write(json.dumps(figures, indent=2))
            return
        self._table(figures)

    def _table(self, figures: dict[str, Any]) -> None:
        units = {
            "rows": "plan lines", "full_recompute_s": "s", "engine_rows_per_s": "rows/s",
            "full_recompute_rows_per_s": "rows/s", "naive_rows_per_s": "rows/s",
            "naive_sample_rows": "rows", "speedup_vs_naive": "x", "peak_rss_mb": "MB",
            "edit_to_fresh_p50_ms": "ms", "edit_to_fresh_p95_ms": "ms",
            "edit_to_fresh_max_ms": "ms", "patch_p50_ms": "ms", "analysis_get_p50_ms": "ms",
            "polls_per_edit": "GETs", "load_before": "(1/5/15 min)",
            "load_after": "(1/5/15 min)", "edits": "edits", "families": "families",
            "months": "months",
        }  # fmt: skip
        for key, value in figures.items():
            shown = (
                "n/a"
                if value is None
                else f"{value:,.3f}"
                if isinstance(value, float)
                else f"{value:,}"
                if isinstance(value, int)
                else str(value)
            )
            self.stdout.write(f"{key:<28} {shown:>16} {units.get(key, '')}")

    def _admin_connection(self, database: Any) -> psycopg.Connection:
        return psycopg.connect(
            host=database["HOST"], port=database["PORT"] or 5432, user=database["USER"],
            password=database["PASSWORD"] or None, dbname="postgres", autocommit=True,
        )  # fmt: skip

    def _create_scratch(self, database: Any, name: str) -> None:
        with self._admin_connection(database) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        connections.close_all()
        database["NAME"] = name
        self.stderr.write(f"Benchmarking in the scratch database {name} (dropped afterwards).")

    def _drop_scratch(self, database: Any, name: str) -> None:
        connections.close_all()
        with self._admin_connection(database) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
