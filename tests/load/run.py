"""``make loadtest`` and ``make faultdrill``: the meeting week against the real stack, then checks.

    python -m tests.load.run [--users 50] [--duration 60] [--faults] ...

1. A scratch PostgreSQL database beside ``DATABASE_URL``'s (dropped afterwards), migrated, with
   the load dataset (``tests/load/dataset.py``) built through the services.
2. A private redis-server on a free port, gunicorn (``--web-workers`` sync workers), a Celery
   worker and Celery beat (sweep every ``--sweep-seconds``), all on 127.0.0.1.
3. locust, headless, ``--users`` users for ``--duration`` seconds (``tests/load/locustfile.py``
   says who does what and the think times). With ``--faults``, meanwhile: SIGKILL of the worker
   (a new one is started), the private Redis stopped for ``--redis-down`` seconds and started
   again, and ``pg_terminate_backend`` of the application's database connections; with each,
   one edit of a cycle nobody else edits (so only the sweep or a redelivered message can bring
   it up to date), and after each, the time until every cycle's analysis has caught up with
   the inputs of that moment (the issue's target: two sweep intervals).
4. Checks: every acknowledged edit stored, every cycle fresh and equal to the engine's result
   from scratch. The JSON report goes to ``test-artifacts/``; exit status 1 if a check failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_project.settings")
django.setup()

import psutil  # noqa: E402  (after django.setup())
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from planning.models import Cycle, PlanLine  # noqa: E402
from tests.load import checks, dataset  # noqa: E402
from tests.load.scratch import scratch_database  # noqa: E402
from tests.load.stack import ARTIFACTS, PROJECT_ROOT, Stack, wait_for  # noqa: E402

LATENCY_TARGET_MS = 150
LATENCY_TARGETED = ("PATCH plan line", "GET analysis")
# How busy the machine was while the load ran (other work on it skews every figure).
OBSERVED: dict[str, Any] = {}


def main() -> int:
    options = _arguments()
    run_id = f"{'faultdrill' if options.faults else 'loadtest'}-{time.strftime('%Y%m%d-%H%M%S')}"
    report: dict[str, Any] = {"run": run_id, "config": vars(options), "machine": _machine()}
    with scratch_database("load") as database_url:
        _prepare(options, run_id, report)
        stack = Stack(run_id, database_url, web_workers=options.web_workers,
                      sweep_seconds=options.sweep_seconds, server=options.server)  # fmt: skip
        try:
            stack.start()
            report["faults"], results = _load(options, run_id, stack)
            report.update(_after(options, results))
        finally:
            stack.stop()
            connection.close()
    report["machine"]["during_run"] = OBSERVED
    requests = report["endpoints"].get("total", {}).get("requests") or 1
    # gunicorn's own CPU per request: what the code costs, whatever else the machine runs.
    report["web_cpu_ms_per_request"] = round(OBSERVED["web_cpu_s"] * 1000 / requests, 2)
    failures = _verdict(report, options)
    report["failed_checks"] = failures
    path = ARTIFACTS / f"{run_id}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    _print_summary(report, path)
    return 1 if failures else 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--server",
        choices=("wsgi", "asgi"),
        default="wsgi",
        help="sync workers, or uvicorn workers as deployed (sop_project.asgi)",
    )
    parser.add_argument("--sweep-seconds", type=int, default=5, help="beat's sweep interval")
    parser.add_argument("--think-scale", type=float, default=1.0,
                        help="multiplies every think time (0.25: the same users, 4x busier)")  # fmt: skip
    parser.add_argument("--faults", action="store_true", help="the fault drill")
    parser.add_argument("--redis-down", type=float, default=20, help="seconds without Redis")
    parser.add_argument("--fault-every", type=float, default=15,
                        help="seconds of plain load before the first fault and between faults")  # fmt: skip
    parser.add_argument("--catch-up-timeout", type=float, default=90,
                        help="give up waiting for the analyses after a fault or the load")  # fmt: skip
    parser.add_argument("--strict-latency", action="store_true",
                        help=f"also fail when a p95 of {', '.join(LATENCY_TARGETED)} > "
                             f"{LATENCY_TARGET_MS} ms")  # fmt: skip
    for name, default in vars(dataset.Shape()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    return parser.parse_args()


def _prepare(options: argparse.Namespace, run_id: str, report: dict[str, Any]) -> None:
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    settings.SOP_RECOMPUTE_MODE = "inline"  # the dataset starts fresh, computed here
    shape = dataset.Shape(**{name: getattr(options, name) for name in vars(dataset.Shape())})
    manifest = dataset.build(shape)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{run_id}-manifest.json").write_text(json.dumps(manifest))
    report["dataset"] = {
        **vars(shape),
        "plan_lines": PlanLine.objects.count(),
        "cycles": Cycle.objects.count(),
        "build_s": round(time.monotonic() - started, 1),
    }
    assert not checks.stale_cycles(), "the dataset should start fresh"


def _load(options: argparse.Namespace, run_id: str, stack: Stack) -> tuple[list, dict]:
    out = ARTIFACTS / f"{run_id}-locust.json"
    manifest = json.loads((ARTIFACTS / f"{run_id}-manifest.json").read_text())
    quiet = QuietEdits(stack.base_url, manifest["quiet"])
    env = {**os.environ, "SOP_LOAD_MANIFEST": str(ARTIFACTS / f"{run_id}-manifest.json"),
           "SOP_LOAD_USERS": str(options.users), "SOP_LOAD_OUT": str(out),
           "SOP_LOAD_THINK_SCALE": str(options.think_scale)}  # fmt: skip
    command = [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py")),
               "--headless", "--users", str(options.users), "--spawn-rate", str(options.spawn_rate),
               "--run-time", f"{options.duration}s", "--host", stack.base_url,
               "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING",
               "--exit-code-on-error", "0"]  # fmt: skip
    psutil.cpu_percent()  # start the machine's CPU average here
    web_cpu = stack.cpu_seconds("web")
    OBSERVED["load_1min_before"] = os.getloadavg()[0]
    with stack.log("locust").open("ab") as log:
        locust = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)  # fmt: skip
        faults = _fault_drill(options, stack, quiet) if options.faults else []
        locust.wait(timeout=options.duration + 300)
    OBSERVED["cpu_busy_percent"] = psutil.cpu_percent()  # the whole machine, every process
    OBSERVED["load_1min_after"] = os.getloadavg()[0]
    OBSERVED["web_cpu_s"] = round(stack.cpu_seconds("web") - web_cpu, 2)
    results = json.loads(out.read_text())
    results["acknowledged"] += quiet.acknowledged
    results["attempted"] += quiet.attempted
    return faults, results


def _fault_drill(options: argparse.Namespace, stack: Stack, quiet: QuietEdits) -> list[dict]:
    faults = []
    for name, inject in (
        ("worker SIGKILL", _kill_worker),
        (f"Redis down {options.redis_down:.0f} s", _redis_outage),
        ("database connections terminated", _terminate_connections),
    ):
        # The drill's schedule, not a wait for a condition: users work undisturbed for a while
        # between faults, and each recovery is then measured by polling (_catch_up_seconds).
        time.sleep(options.fault_every)
        fault_at = time.monotonic()
        detail = inject(options, stack, quiet)
        recovered_at = time.monotonic()
        caught_up = _catch_up_seconds(options.catch_up_timeout)
        faults.append({
            "fault": name, **detail,
            "recovery_s": round(recovered_at - fault_at, 1),
            "fresh_after_recovery_s": None if caught_up is None else round(caught_up, 1),
            "target_s": 2 * options.sweep_seconds,
        })  # fmt: skip
    return faults


class QuietEdits:
    """Edits of the quiet cycle (no simulated user touches it) through the API, one per fault:
    after the recovery nothing but the recovery machinery can bring that cycle up to date."""

    def __init__(self, base_url: str, quiet: dict[str, Any]):
        self.url = f"{base_url}/api/plan-lines/{quiet['line']}/"
        self.token, self.version = quiet["token"], quiet["version"]
        self.acknowledged: list[dict[str, Any]] = []
        self.attempted: list[dict[str, Any]] = []

    def edit(self) -> bool:
        value = random.randrange(1000, 60000, 10)
        line = int(self.url.rstrip("/").rsplit("/", 1)[1])
        self.attempted.append({"line": line, "field": "confirmed_orders", "value": value})
        body = json.dumps({"confirmed_orders": value, "version": self.version}).encode()
        request = urllib.request.Request(self.url, data=body, method="PATCH", headers={
            "Authorization": f"Token {self.token}", "Content-Type": "application/json"})  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                self.version = json.loads(response.read())["version"]
        except OSError:
            return False
        self.acknowledged.append(
            {"line": line, "field": "confirmed_orders", "value": value, "version": self.version}
        )
        return True


def _kill_worker(options: argparse.Namespace, stack: Stack, quiet: QuietEdits) -> dict:
    edited = quiet.edit()  # its recompute is queued or running when the worker dies
    stack.worker_kill()
    stack.worker_start()
    return {"quiet_edit_acknowledged": edited}


def _redis_outage(options: argparse.Namespace, stack: Stack, quiet: QuietEdits) -> dict:
    stack.redis_stop()
    # The outage lasts redis_down seconds by design; the quiet edit lands inside it.
    time.sleep(min(2.0, options.redis_down / 2))
    edited = quiet.edit()  # saved, but nothing can be enqueued
    time.sleep(max(0.0, options.redis_down - 2.0))
    stack.redis_start()
    return {"quiet_edit_acknowledged": edited}


def _terminate_connections(options: argparse.Namespace, stack: Stack, quiet: QuietEdits) -> dict:
    edited = quiet.edit()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        terminated = cursor.fetchone()[0]
    return {"connections_terminated": terminated, "quiet_edit_acknowledged": edited}


def _catch_up_seconds(timeout: float) -> float | None:
    """Seconds until every cycle's analysis covers the inputs it had when this was called."""
    due = dict(Cycle.objects.values_list("pk", "inputs_version"))

    def caught_up() -> bool:
        computed = dict(Cycle.objects.values_list("pk", "computed_version"))
        return all(computed[pk] >= version for pk, version in due.items())

    try:
        return wait_for(caught_up, timeout, "the analyses to catch up")
    except TimeoutError:
        return None


def _after(options: argparse.Namespace, results: dict[str, Any]) -> dict[str, Any]:
    fresh_after_load = checks.wait_until_fresh(options.catch_up_timeout)
    return {
        "endpoints": results["endpoints"],
        "errors": results["errors"],
        "counters": results["counters"],
        "users": results["users"],
        "fresh_after_load_s": None if fresh_after_load is None else round(fresh_after_load, 2),
        "stale_cycles": checks.stale_cycles(),
        "edits": checks.edits_check(results["acknowledged"], results["attempted"]),
        "analyses": checks.analyses_check(),
    }


def _verdict(report: dict[str, Any], options: argparse.Namespace) -> list[str]:
    failures = []
    total = report["endpoints"].get("total", {})
    if not total.get("requests"):
        failures.append("no request was made")
    if total.get("failures") and not options.faults:
        failures.append(f"{total['failures']} failed requests")
    if report["edits"]["lost_edits"]:
        failures.append(f"{report['edits']['lost_edits']} acknowledged edits lost")
    if report["stale_cycles"]:
        failures.append(f"cycles still stale after the load: {report['stale_cycles']}")
    if report["analyses"]["cycles_not_exact"]:
        failures.append(f"{report['analyses']['cycles_not_exact']} cycles not equal to the engine")
    for fault in report["faults"]:
        if fault["fresh_after_recovery_s"] is None:
            failures.append(f"not fresh {options.catch_up_timeout:.0f} s after: {fault['fault']}")
    report["targets"] = {
        name: {"p95_ms": report["endpoints"].get(name, {}).get("p95_ms"),
               "target_ms": LATENCY_TARGET_MS,
               "met": (report["endpoints"].get(name, {}).get("p95_ms") or 0) <= LATENCY_TARGET_MS}
        for name in LATENCY_TARGETED
    }  # fmt: skip
    if options.strict_latency:
        failures += [f"p95 of {name} above {LATENCY_TARGET_MS} ms"
                     for name, target in report["targets"].items() if not target["met"]]  # fmt: skip
    return failures


def _machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()}


def _print_summary(report: dict[str, Any], path: Path) -> None:
    print(f"\n{report['run']}: {report['config']['users']} users, "
          f"{report['config']['duration']} s; machine CPU busy "
          f"{report['machine']['during_run']['cpu_busy_percent']}% during the run; gunicorn CPU "
          f"{report['web_cpu_ms_per_request']} ms per request")  # fmt: skip
    print(
        f"{'endpoint':<22} {'requests':>9} {'fail':>5} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}"
    )
    for name, row in report["endpoints"].items():
        print(f"{name:<22} {row['requests']:>9} {row['failures']:>5} {row['rps']:>7} "
              f"{row['p50_ms']:>6.0f} {row['p95_ms']:>6.0f} {row['p99_ms']:>6.0f}")  # fmt: skip
    edits = report["edits"]
    print(f"edits acknowledged {edits['acknowledged_edits']}, lost {edits['lost_edits']}, "
          f"conflicts (409, re-applied) {report['counters']['conflicts']}, "
          f"advances {report['counters']['advances']}")  # fmt: skip
    print(f"fresh {report['fresh_after_load_s']} s after the load; cycles not exact: "
          f"{report['analyses']['cycles_not_exact']} of {report['analyses']['cycles_checked']}")  # fmt: skip
    for fault in report["faults"]:
        print(f"fault: {fault['fault']}: recovered in {fault['recovery_s']} s, analyses fresh "
              f"{fault['fresh_after_recovery_s']} s later (target {fault['target_s']} s)")  # fmt: skip
    for failure in report["failed_checks"]:
        print(f"FAILED: {failure}")
    print(f"report: {path.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
