"""`manage.py sop_page_bench`: every page's server time and queries, at the demo's size and with
many families."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from planning import bench_support as support
from planning import page_benchmark as pages
from planning import page_server_benchmark as server
from planning.management.commands.sop_bench import Command as BenchCommand


class Command(BenchCommand):
    help = (
        "Benchmark every page (server time p50/p95, queries, size) at the demo's size and with"
        " --families more families in the demo's unit, and sign-in plus the home page; in a"
        " scratch database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--families", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--format", choices=("table", "json"), default="table")
        parser.add_argument(
            "--through-server",
            action="store_true",
            help="Over real HTTP into gunicorn (uvicorn workers, as deployed) with a Celery"
            " worker, instead of in-process; also a cell save answered with its family's rows.",
        )
        parser.add_argument(
            "--saves", type=int, default=100, help="Cell saves timed (with --through-server)."
        )

    def _measure(self, options: dict[str, Any]) -> dict[str, Any]:
        call_command("migrate", verbosity=0)
        if options["through_server"]:
            return self._measure_through_server(options)
        load_before = support.machine_load()
        cycles = pages.demo_build()
        small = pages.measure_pages(cycles, options["repeat"])
        small_login = pages.measure_login_home(max(3, options["repeat"] // 2))
        small_new = pages.measure_cycle_new("appliances", "director2")
        pages.families_add(cycles, options["families"])
        large = pages.measure_pages(cycles, options["repeat"])
        large_login = pages.measure_login_home(max(3, options["repeat"] // 2))
        large_new = pages.measure_cycle_new("demo", "director")
        return {
            "families": options["families"],
            "repeat": options["repeat"],
            "debug": settings.DEBUG,
            "demo": [asdict(row) for row in [*small, small_login, small_new]],
            "large": [asdict(row) for row in [*large, large_login, large_new]],
            "load_before": load_before,
            "load_after": support.machine_load(),
        }

    def _measure_through_server(self, options: dict[str, Any]) -> dict[str, Any]:
        load_before = support.machine_load()
        cycles = pages.demo_build()
        with support.bench_redis() as redis_url:
            if redis_url is None:
                raise CommandError("Needs a redis-server on PATH or REDIS_URL.")
            with support.app_running(redis_url, server.log_dir(), asgi=True, static=True) as app:
                small = server.measure_through_server(
                    cycles, options["repeat"], options["saves"], app
                )
                pages.families_add(cycles, options["families"])
                large = server.measure_through_server(
                    cycles, options["repeat"], options["saves"], app
                )
        return {
            "families": options["families"],
            "repeat": options["repeat"],
            "through_server": True,
            "demo": [asdict(row) for row in [*small.pages, small.login_home, small.cell_save]],
            "large": [asdict(row) for row in [*large.pages, large.login_home, large.cell_save]],
            "load_before": load_before,
            "load_after": support.machine_load(),
        }

    def _table(self, figures: dict[str, Any]) -> None:
        large = f"+{figures['families']:,} families"
        self.stdout.write(
            f"{'page':<24}| {'demo p50':>9} {'p95':>7} {'queries':>7} {'KB':>6} "
            f"| {large + ' p50':>22} {'p95':>7} {'queries':>7} {'KB':>6}"
        )
        for demo, many in zip(figures["demo"], figures["large"], strict=True):
            self.stdout.write(
                f"{demo['name']:<24}| {demo['p50_ms']:>9.1f} {demo['p95_ms']:>7.1f}"
                f" {_queries(demo, figures):>7} {demo['kilobytes']:>6.0f}"
                f" | {many['p50_ms']:>22.1f} {many['p95_ms']:>7.1f}"
                f" {_queries(many, figures):>7} {many['kilobytes']:>6.0f}"
            )
        if figures.get("through_server"):
            measured = (
                f"(over HTTP into gunicorn with uvicorn workers, DEBUG=False),"
                f" {figures['repeat']} requests each"
            )
        else:
            measured = (
                f"(server time in-process), {figures['repeat']} requests each;"
                f" DEBUG={figures['debug']}"
            )
        self.stdout.write(
            f"times in ms {measured}; load before {figures['load_before']},"
            f" after {figures['load_after']}"
        )


def _queries(row: dict[str, Any], figures: dict[str, Any]) -> str:
    """Through the server queries are not counted (the in-process mode counts them)."""
    return "-" if figures.get("through_server") else str(row["queries"])
