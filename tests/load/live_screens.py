"""Fifty open screens of one cycle, as in the meeting room: do they all follow every edit?

    python -m tests.load.live_screens [--screens 50] [--edits 30] [--web-workers 2]
                                      [--interval 1.0] [--format json]

Builds the demo in a scratch PostgreSQL database next to ``DATABASE_URL``'s (dropped afterwards)
and serves it as deployed: gunicorn with uvicorn workers (``sop_project.asgi``, ``DEBUG`` off), a
Celery worker, a redis-server of its own on a free port, all on 127.0.0.1. It then opens
``--screens`` event streams on the demand-review cycle (the demo's users in turn, one session
each) and, as each screen's live.js does, re-fetches the analysis fragment on every event.
Meanwhile sales edits one plan line through the API every ``--interval`` seconds.

Prints, over every (edit, screen) pair: the time from sending the edit until the screen had the
``lines`` event, the ``analysis`` event (the worker's recompute committed), and the refreshed
fragment; events lost; the web processes' memory, threads and CPU; database connections and
Redis subscribers while all screens are open. Bounded in time; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_project.settings")
django.setup()

import redis  # noqa: E402  (after django.setup())
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from planning import live_processes as live  # noqa: E402
from planning.models import Cycle, PlanLine  # noqa: E402
from planning.roles import Stage  # noqa: E402
from tests.load.scratch import scratch_database  # noqa: E402

USERS = ("ceo", "director", "sales", "production", "procurement", "finance")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Screen:
    index: int
    cookie: str
    # per edit number: when this screen had each event / the refreshed fragment
    lines_at: dict[int, float] = field(default_factory=dict)
    analysis_at: dict[int, float] = field(default_factory=dict)
    refreshed_at: dict[int, float] = field(default_factory=dict)
    fragment_ms: list[float] = field(default_factory=list)
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    # Redis keeps a channel's order: the n-th "lines" event is the n-th edit's; an "analysis"
    # event covers every edit seen before it (the worker coalesces a burst into one run).
    lines_seen: int = 0
    unrefreshed: set[int] = field(default_factory=set)
    refreshing: bool = False
    refresher: asyncio.Task[None] | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=50)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between edits")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    options = parser.parse_args()
    with scratch_database("live"), served(options.web_workers) as (web, redis_url, secret):
        meeting = meeting_of(options, web, secret)
        figures = asyncio.run(run(options, web, redis_url, meeting))
    report(figures, options.format)


@contextmanager
def served(web_workers: int) -> Iterator[tuple[live.WebServer, str, str]]:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    redis_server = live.PrivateRedis()
    redis_server.start()
    secret = secrets.token_urlsafe(50)
    env = live.app_env(
        live.database_url(connection.settings_dict),
        redis_server.url,
        DEBUG="false",
        SECRET_KEY=secret,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback: nothing to redirect to
        SECURE_COOKIES="false",
        LOG_LEVEL="WARNING",
    )
    log_dir = PROJECT_ROOT / "test-artifacts"
    # With DEBUG off, pages name their static files through the collected manifest.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=PROJECT_ROOT, env={**os.environ, **env}, check=True,
    )  # fmt: skip
    worker = live.start_worker(env, log_dir)
    try:
        web = live.start_web(env, log_dir, workers=web_workers, asgi=True)
        try:
            yield web, redis_server.url, secret
        finally:
            web.stop()
    finally:
        worker.stop()
        redis_server.stop()


@dataclass
class Meeting:
    cycle_id: int
    line_id: int
    line_version: int
    screens: list[Screen]
    sales: live.HttpSession


def meeting_of(options: argparse.Namespace, web: live.WebServer, secret: str) -> Meeting:
    """The cycle, the line sales edits, and one signed-in session per screen."""
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    users = {name: get_user_model().objects.get(username=name) for name in USERS}
    line = PlanLine.objects.filter(cycle=cycle, family__code="SEED-01").order_by("month").first()
    assert line is not None
    return Meeting(
        cycle_id=cycle.pk,
        line_id=line.pk,
        line_version=line.version,
        screens=[
            Screen(i, live.HttpSession(web.port, users[USERS[i % len(USERS)]], secret).cookie)
            for i in range(options.screens)
        ],
        sales=live.HttpSession(web.port, users["sales"], secret),
    )


async def run(
    options: argparse.Namespace, web: live.WebServer, redis_url: str, meeting: Meeting
) -> dict[str, Any]:
    screens = meeting.screens
    sent: dict[int, float] = {}
    tasks = [asyncio.create_task(follow(screen, web.port, meeting.cycle_id)) for screen in screens]
    await asyncio.wait_for(asyncio.gather(*(s.opened.wait() for s in screens)), 120)
    held = await asyncio.to_thread(held_resources, web, redis_url, meeting.cycle_id)
    cpu_before = web_cpu_seconds(web)
    version = meeting.line_version
    for edit in range(options.edits):
        sent[edit] = time.monotonic()
        status, body = await asyncio.to_thread(
            meeting.sales.patch, f"/api/plan-lines/{meeting.line_id}/",
            {"demand_forecast": 20_000 + edit, "version": version},
        )  # fmt: skip
        assert status == 200, (status, body)
        version = body["version"]
        await asyncio.sleep(options.interval)
    await asyncio.sleep(max(3.0, options.interval))  # the last edit's events and refreshes
    cpu_used = web_cpu_seconds(web) - cpu_before
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return figures_of(screens, sent, held, cpu_used, options)


async def follow(screen: Screen, port: int, cycle_id: int) -> None:
    """One screen: the event stream, and a re-fetch of the analysis fragment when it changed,
    one at a time, as live.js does."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (f"GET /cycles/{cycle_id}/live/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         f"Cookie: {screen.cookie}\r\nAccept: text/event-stream\r\n\r\n").encode()
    )  # fmt: skip
    await writer.drain()
    status = (await reader.readline()).decode()
    assert " 200 " in status, status
    while (await reader.readline()) not in (b"\r\n", b""):
        pass  # headers
    name = ""
    try:
        while True:
            raw = await reader.readline()
            if not raw:
                return
            text = raw.decode().strip()
            if not text or text.isalnum():
                continue  # chunk sizes of the chunked transfer encoding, blank lines
            if text.startswith("event: "):
                name = text.removeprefix("event: ")
            elif text.startswith("data: ") and name:
                event = json.loads(text.removeprefix("data: "))
                now = time.monotonic()
                if name == "state":
                    screen.opened.set()
                elif event.get("kind") == "lines":
                    screen.lines_at[screen.lines_seen] = now
                    screen.lines_seen += 1
                elif event.get("kind") == "analysis":
                    covered = set(range(screen.lines_seen)) - set(screen.analysis_at)
                    screen.analysis_at.update(dict.fromkeys(covered, now))
                    screen.unrefreshed |= covered
                    if not screen.refreshing:
                        screen.refreshing = True
                        screen.refresher = asyncio.create_task(refresh(screen, port, cycle_id))
                name = ""
    finally:
        writer.close()


async def refresh(screen: Screen, port: int, cycle_id: int) -> None:
    while screen.unrefreshed:
        covered = set(screen.unrefreshed)
        screen.unrefreshed.clear()
        done = await fragment_get(screen, port, cycle_id)
        screen.refreshed_at.update(dict.fromkeys(covered, done))
    screen.refreshing = False


async def fragment_get(screen: Screen, port: int, cycle_id: int) -> float:
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (f"GET /cycles/{cycle_id}/analysis/?fragment=analysis HTTP/1.1\r\nHost: 127.0.0.1\r\n"
         f"Cookie: {screen.cookie}\r\nHX-Request: true\r\nConnection: close\r\n\r\n").encode()
    )  # fmt: skip
    await writer.drain()
    response = await reader.read()
    writer.close()
    assert b" 200 " in response.split(b"\r\n", 1)[0], response[:200]
    done = time.monotonic()
    screen.fragment_ms.append((done - started) * 1000)
    return done


def held_resources(web: live.WebServer, redis_url: str, cycle_id: int) -> dict[str, Any]:
    from planning.live.publish import cycle_channel

    client = redis.Redis.from_url(redis_url)
    subscribers = dict(client.pubsub_numsub(cycle_channel(cycle_id)))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        (database_connections,) = cursor.fetchone()
    workers = web_worker_pids(web)
    return {
        "redis_subscribers": int(next(iter(subscribers.values()), 0)),
        "database_connections": int(database_connections),
        "web_processes": len(workers) + 1,
        "web_rss_mb": round(sum(rss_mb(pid) for pid in [web.process.pid, *workers]), 1),
        "web_threads": sum(threads(pid) for pid in [web.process.pid, *workers]),
    }


def web_worker_pids(web: live.WebServer) -> list[int]:
    children = Path(f"/proc/{web.process.pid}/task/{web.process.pid}/children")
    return [int(pid) for pid in children.read_text().split()]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def web_cpu_seconds(web: live.WebServer) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in [web.process.pid, *web_worker_pids(web)]:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def figures_of(
    screens: list[Screen], sent: dict[int, float], held: dict[str, Any], cpu: float,
    options: argparse.Namespace,
) -> dict[str, Any]:  # fmt: skip
    def latencies(attribute: str) -> dict[str, Any]:
        values = [
            (getattr(screen, attribute)[edit] - sent[edit]) * 1000
            for screen in screens
            for edit in sent
            if edit in getattr(screen, attribute)
        ]
        expected = len(screens) * len(sent)
        return {"received": len(values), "missing": expected - len(values), **spread(values)}

    fragments = [ms for screen in screens for ms in screen.fragment_ms]
    return {
        "screens": len(screens),
        "edits": len(sent),
        "web_workers": options.web_workers,
        "interval_s": options.interval,
        "edit_to_lines_event_ms": latencies("lines_at"),
        "edit_to_analysis_event_ms": latencies("analysis_at"),
        "edit_to_refreshed_fragment_ms": latencies("refreshed_at"),
        "fragment_get_ms": spread(fragments),
        "while_all_open": held,
        "web_cpu_s_per_edit": round(cpu / max(1, len(sent)), 3),
        "load_average": os.getloadavg()[0],
    }


def spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    ordered = sorted(values)
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
        "max": round(ordered[-1], 1),
    }


def report(figures: dict[str, Any], form: str) -> None:
    if form == "json":
        print(json.dumps(figures, indent=2))
        return
    print(f"{figures['screens']} open screens, {figures['edits']} edits every "
          f"{figures['interval_s']} s, {figures['web_workers']} uvicorn workers")  # fmt: skip
    for key in ("edit_to_lines_event_ms", "edit_to_analysis_event_ms",
                "edit_to_refreshed_fragment_ms"):  # fmt: skip
        row = figures[key]
        print(f"  {key:32} p50 {row['p50']:7.1f}  p95 {row['p95']:7.1f}  max {row['max']:7.1f}"
              f"  ({row['received']} received, {row['missing']} missing)")  # fmt: skip
    row = figures["fragment_get_ms"]
    print(
        f"  {'fragment_get_ms':32} p50 {row['p50']:7.1f}  p95 {row['p95']:7.1f}  max {row['max']:7.1f}"
    )
    print(f"  while all open: {figures['while_all_open']}")
    print(
        f"  web CPU per edit (all screens' refreshes included): {figures['web_cpu_s_per_edit']} s"
    )
    print(f"  load average at the end: {figures['load_average']:.2f}")


if __name__ == "__main__":
    main()
