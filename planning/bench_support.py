"""What the benchmarks (``sop_bench``, ``sop_grid_bench``, ``sop_page_bench``) share: families
and plan lines generated in SQL, timing loops and their percentiles, a user of a role, and the
application run as deployed (gunicorn, a Celery worker, a private redis-server) around a
measurement.
"""

from __future__ import annotations

import datetime
import os
import resource
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from planning import live_processes as live
from planning.models import BusinessUnit, Cycle, PlanLine
from planning.roles import Role
from planning.services.memberships import membership_grant

PROJECT_ROOT = Path(__file__).resolve().parent.parent


# --- generated data, in SQL ---------------------------------------------------------------------


def families_insert(unit_id: int, count: int) -> None:
    """``count`` families ``F0000001``... in the unit, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO planning_productfamily (business_unit_id, code, name, unit_of_measure,"
            " unit_cost, unit_price, is_active, created_at)"
            " SELECT %s, 'F' || lpad(n::text, 7, '0'), 'Family ' || n, 'pcs', 10, 25, true, now()"
            " FROM generate_series(1, %s) n",
            [unit_id, count],
        )


def plan_lines_insert(cycle: Cycle, unit_id: int, generated_only: bool = False) -> None:
    """A plan line of random numbers for each family of the unit (``generated_only``: only the
    ``families_insert`` ones) and month of the cycle's horizon, in one statement."""
    only = " AND f.code ~ '^F[0-9]{7}$'" if generated_only else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO planning_planline (cycle_id, family_id, month, demand_forecast,"
            " confirmed_orders, opening_stock, production_plan, capacity_max,"
            " safety_stock_target, version, changed_in_version, updated_at)"
            " SELECT %s, f.id, (%s::date + make_interval(months => m))::date,"
            " (random() * 10000)::bigint, (random() * 9000)::bigint,"
            " CASE WHEN m = 0 THEN (random() * 5000)::bigint ELSE 0 END,"
            " (random() * 10000)::bigint, 9000 + (random() * 3000)::bigint,"
            " (random() * 3000)::bigint, 1, 1, now()"
            " FROM planning_productfamily f CROSS JOIN generate_series(0, %s) m"
            " WHERE f.business_unit_id = %s" + only,
            [cycle.pk, cycle.horizon_start, cycle.horizon_months - 1, unit_id],
        )


def user_with_roles(unit: BusinessUnit, roles: Sequence[Role], prefix: str = "bench") -> Any:
    user = get_user_model().objects.create_user(f"{prefix}-{time.time_ns()}")
    membership_grant(business_unit=unit, user=user, roles=list(roles))
    return user


# --- timing -------------------------------------------------------------------------------------


def timed_ms(action: Callable[[], object], count: int) -> list[float]:
    """Milliseconds each of ``count`` runs of ``action`` took."""
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    return statistics.median(timings / 1000 for timings in timed_ms(action, repeat))


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": percentile(values, 50),
        "p95_ms": percentile(values, 95),
        "max_ms": max(values),
        "mean_ms": statistics.fmean(values),
    }


def machine_load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the application as deployed, around a measurement ------------------------------------------


@contextmanager
def bench_redis() -> Iterator[str | None]:
    """A private redis-server of its own (its own queue and keys: no other worker or app shares
    them) if one is installed, else the configured ``REDIS_URL``, else None."""
    if not live.PrivateRedis.available():
        yield settings.REDIS_URL or None
        return
    private = live.PrivateRedis()
    private.start()
    try:
        yield private.url
    finally:
        private.stop()


@dataclass(frozen=True)
class RunningApp:
    web: live.WebServer
    secret_key: str

    def session(self, user: Any) -> live.HttpSession:
        """A signed-in session of ``user`` on the server (its session signed with its key)."""
        return live.HttpSession(self.web.port, user, self.secret_key)


@contextmanager
def app_running(
    redis_url: str, log_dir: Path, *, asgi: bool = False, static: bool = False
) -> Iterator[RunningApp]:
    """gunicorn (2 workers, ``DEBUG`` off) and a Celery worker on this database, stopped after.

    ``static``: collect the static files first (pages with ``DEBUG`` off need the manifest).
    """
    env = live.app_env(
        live.database_url(connection.settings_dict),
        redis_url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback: nothing to redirect to
        SECURE_COOKIES="false",
    )
    if static:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=PROJECT_ROOT, env={**os.environ, **env}, check=True,
        )  # fmt: skip
    worker = live.start_worker(env, log_dir)  # the recompute each edit asks for runs meanwhile
    try:
        web = live.start_web(env, log_dir, workers=2, asgi=asgi)
        try:
            yield RunningApp(web, env["SECRET_KEY"])
        finally:
            web.stop()
    finally:
        worker.stop()


def cell_saves(cycle: Cycle, session: live.HttpSession, count: int, seed: int = 7) -> list[float]:
    """Milliseconds of ``count`` one-cell saves as the grid's script sends them
    (``POST /api/cycles/<id>/cells/``), each answered with its family's recomputed rows."""
    rng = np.random.default_rng(seed)
    lines = list(PlanLine.objects.filter(cycle=cycle).values_list("pk", flat=True))
    timings = []
    for index in rng.choice(len(lines), size=min(count, len(lines)), replace=False).tolist():
        line = PlanLine.objects.values("demand_forecast", "version").get(pk=lines[index])
        cell = {"line": lines[index], "field": "demand_forecast",
                "value": line["demand_forecast"] + 1, "version": line["version"]}  # fmt: skip
        started = time.perf_counter()
        status, body = session.post(f"/api/cycles/{cycle.pk}/cells/", {"cells": [cell]})
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, body
        assert body["families"] and body["families"][0]["lines"], body
    return timings


def scratch_month(index: int) -> datetime.date:
    """The ``index``-th month from February 2025 (the generated cycles' horizon)."""
    return datetime.date(2025 + (1 + index) // 12, (1 + index) % 12 + 1, 1)
