"""What one request to each hot endpoint costs in-process: milliseconds and SQL queries.

    python -m tests.load.request_costs [--repeat 200] [--profile analysis] [--format json]

Builds the demo (``seed_demo``) in a scratch PostgreSQL database next to ``DATABASE_URL``'s
(dropped afterwards) and calls each endpoint through Django's test client as the demo's sales
user, with ``DEBUG`` off as in production: no network, no server, so the figure is the
application's own per-request Python and SQL.  ``--profile NAME`` prints cProfile's top
functions for that endpoint instead.  Edits publish to ``REDIS_URL`` like the real server
(no worker needs to run; the queued messages are removed afterwards).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_project.settings")
django.setup()

from django.conf import settings  # noqa: E402  (after django.setup())
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from tests.load.credentials import api_token, session_cookie  # noqa: E402
from tests.load.scratch import scratch_database  # noqa: E402

Call = Callable[[], Any]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", help="print cProfile's top functions for this endpoint")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    options = parser.parse_args()
    with scratch_database("costs"):
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=io.StringIO())
        settings.DEBUG = False
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        calls = endpoint_calls()
        try:
            if options.profile:
                profile(calls[options.profile], options.repeat)
            else:
                report({name: measure(call, options.repeat) for name, call in calls.items()},
                       options.format)  # fmt: skip
        finally:
            _forget_published_recomputes()


def endpoint_calls() -> dict[str, Call]:
    """One zero-argument call per hot endpoint, each asserting its answer is a success."""
    from django.contrib.auth import get_user_model

    from planning.models import Cycle, PlanLine
    from planning.roles import Stage

    sales = get_user_model().objects.get(username="sales")
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    line = PlanLine.objects.filter(cycle=cycle).order_by("pk").first()
    assert line is not None
    api = Client(HTTP_AUTHORIZATION=f"Token {api_token(sales)}")
    browser = Client()
    browser.cookies.load(session_cookie(sales))
    state = {"version": line.version, "value": line.demand_forecast}

    def edit() -> Any:
        state["value"] += 1
        response = api.patch(
            f"/api/plan-lines/{line.pk}/",
            {"demand_forecast": state["value"], "version": state["version"]},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        state["version"] = response.json()["version"]
        return response

    def ok(client: Client, url: str) -> Call:
        def call() -> Any:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return call

    return {
        "patch_plan_line": edit,
        "get_analysis": ok(api, f"/api/cycles/{cycle.pk}/analysis/"),
        "get_plan_lines": ok(api, f"/api/cycles/{cycle.pk}/plan-lines/"),
        "get_cycle": ok(api, f"/api/cycles/{cycle.pk}/"),
        "overview_page": ok(browser, f"/cycles/{cycle.pk}/"),
        "demand_page": ok(browser, f"/cycles/{cycle.pk}/demand/"),
        "home_page": ok(browser, "/"),
    }


def measure(call: Call, repeat: int) -> dict[str, float]:
    for _ in range(5):  # warm caches (templates, translations, content types)
        call()
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        call()
    timings, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        call()
        cpu.append((time.process_time() - cpu_started) * 1000)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        # This process's CPU only (not PostgreSQL's): steady even on a busy machine.
        "cpu_median_ms": round(statistics.median(cpu), 2),
        "queries": len(queries),
    }


def profile(call: Call, repeat: int) -> None:
    call()
    profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for the database
    profiler.enable()
    for _ in range(repeat):
        call()
    profiler.disable()
    pstats.Stats(profiler).sort_stats(os.environ.get("SOP_PROFILE_SORT", "cumulative")).print_stats(
        60
    )


def report(figures: dict[str, dict[str, float]], output_format: str) -> None:
    if output_format == "json":
        print(json.dumps(figures, indent=2))
        return
    print(f"{'endpoint':<18} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>8} {'queries':>8}")
    for name, row in figures.items():
        print(f"{name:<18} {row['median_ms']:>10.2f} {row['p95_ms']:>8.2f}"
              f" {row['cpu_median_ms']:>8.2f} {row['queries']:>8}")  # fmt: skip


def _forget_published_recomputes() -> None:
    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("celery", *client.keys("sop:recompute:pending:*"))


if __name__ == "__main__":
    main()
