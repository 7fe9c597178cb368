"""The meeting week, as locust users (run by ``tests.load.run``; not a pytest module).

Who does what, and how long they think between actions (the think time):

- **Salespeople** fill in the demand grid through the API: every 1-3 s they change one cell
  (``demand_forecast`` or ``confirmed_orders``) of the families they own, sending the version
  they last saw; on 409 they take the current version from the answer and apply their change
  again, as the grid does. Now and then they reload their lines or look at the analysis.
- **Production, procurement, finance, the CEO and a guest controller** read: every 2-6 s the
  analysis (a page of 20 families), the plan lines, the cycle's overview, analysis or home page.
- **The director** of each unit reads every 5-15 s and, about every 20 s, advances one of the
  unit's cycles one stage (with ``from_stage`` and an override reason for unmet gates).

Environment: ``SOP_LOAD_MANIFEST`` (the dataset's JSON), ``SOP_LOAD_USERS`` (the -u value),
``SOP_LOAD_OUT`` (where to write the acknowledged edits and locust's statistics as JSON),
``SOP_LOAD_THINK_SCALE`` (multiplies every think time; 1 by default).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task
from locust.env import Environment

MANIFEST: dict[str, Any] = json.loads(Path(os.environ["SOP_LOAD_MANIFEST"]).read_text())
UNITS: list[dict[str, Any]] = MANIFEST["units"]
TOTAL_USERS = int(os.environ.get("SOP_LOAD_USERS", "50"))
DIRECTORS = len(UNITS)
SALES_USERS = max(1, round((TOTAL_USERS - DIRECTORS) / 2))
READERS = max(1, TOTAL_USERS - DIRECTORS - SALES_USERS)

SALES = [person for unit in UNITS for person in unit["sales"]]
READER_IDENTITIES = [person for unit in UNITS for person in unit["readers"]]
ADVANCE_SECONDS = 20.0
# 1 = the think times above; smaller turns the same users into a stress test.
THINK = float(os.environ.get("SOP_LOAD_THINK_SCALE", "1"))

# Every answered edit: what was sent and what the server acknowledged (checked afterwards).
ACKNOWLEDGED: list[dict[str, Any]] = []
ATTEMPTED: list[dict[str, Any]] = []
COUNTERS = {"conflicts": 0, "advances": 0}
_next = {"sales": itertools.count(), "readers": itertools.count(), "directors": itertools.count()}


class SignedIn(HttpUser):
    abstract = True
    identity: dict[str, Any]

    def sign_in(self, identity: dict[str, Any]) -> None:
        self.identity = identity
        self.api_headers = {"Authorization": f"Token {identity['token']}"}
        self.client.cookies.update(identity["cookies"])

    def api_get(self, path: str, name: str) -> Any:
        with self.client.get(path, headers=self.api_headers, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {r.text[:200]}")
                return None
            return r.json()

    def page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200 or response.url.rstrip("/").endswith("/login"):
                response.failure(f"{response.status_code} {response.url}")


class Salesperson(SignedIn):
    fixed_count = SALES_USERS
    wait_time = between(1 * THINK, 3 * THINK)

    def on_start(self) -> None:
        self.sign_in(SALES[next(_next["sales"]) % len(SALES)])
        self.cycle = self.identity["cycles"][0]
        self.versions = dict(self.identity["lines"])

    @task(16)
    def edit_a_cell(self) -> None:
        line = random.choice(list(self.versions))
        field = random.choice(("demand_forecast", "confirmed_orders"))
        value = random.randrange(1000, 60000, 10)
        for _attempt in range(3):
            if self._patch(line, field, value):
                return

    def _patch(self, line: int, field: str, value: int) -> bool:
        """True when the edit was answered for good (saved, or refused for a real reason)."""
        sent = {field: value, "version": self.versions[line]}
        ATTEMPTED.append({"line": line, "field": field, "value": value, "at": time.time()})
        with self.client.patch(
            f"/api/plan-lines/{line}/", json=sent, headers=self.api_headers,
            name="PATCH plan line", catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code == 200:
                version = response.json()["version"]
                self.versions[line] = version
                ACKNOWLEDGED.append(
                    {"line": line, "field": field, "value": value, "version": version}
                )
                return True
            if response.status_code == 409 and "current_version" in response.text:
                # Somebody else saved this cell first: the grid shows both, the user re-applies.
                COUNTERS["conflicts"] += 1
                self.versions[line] = response.json()["current_version"]
                response.success()
                return False
            response.failure(f"{response.status_code}: {response.text[:200]}")
            return True

    @task(1)
    def reload_lines(self) -> None:
        data = self.api_get(f"/api/cycles/{self.cycle}/plan-lines/?limit=100",
                            "GET plan lines")  # fmt: skip
        for row in (data or {}).get("results", []):
            if row["id"] in self.versions:
                self.versions[row["id"]] = row["version"]

    @task(2)
    def look_at_the_analysis(self) -> None:
        self.api_get(f"/api/cycles/{self.cycle}/analysis/?limit=20", "GET analysis")

    @task(1)
    def open_the_demand_page(self) -> None:
        self.page(f"/cycles/{self.cycle}/demand/", "page demand review")


class Reader(SignedIn):
    fixed_count = READERS
    wait_time = between(2 * THINK, 6 * THINK)

    def on_start(self) -> None:
        self.sign_in(READER_IDENTITIES[next(_next["readers"]) % len(READER_IDENTITIES)])

    @property
    def cycle(self) -> int:
        return int(random.choice(self.identity["cycles"]))

    @task(5)
    def analysis(self) -> None:
        offset = random.choice((0, 20))
        self.api_get(f"/api/cycles/{self.cycle}/analysis/?limit=20&offset={offset}",
                     "GET analysis")  # fmt: skip

    @task(2)
    def plan_lines(self) -> None:
        self.api_get(f"/api/cycles/{self.cycle}/plan-lines/?limit=100", "GET plan lines")

    @task(2)
    def overview(self) -> None:
        self.page(f"/cycles/{self.cycle}/", "page overview")

    @task(1)
    def analysis_page(self) -> None:
        self.page(f"/cycles/{self.cycle}/analysis/", "page analysis")

    @task(1)
    def home(self) -> None:
        self.page("/", "page home")


class Director(SignedIn):
    fixed_count = DIRECTORS
    wait_time = between(5 * THINK, 15 * THINK)

    def on_start(self) -> None:
        unit = UNITS[next(_next["directors"]) % len(UNITS)]
        self.sign_in(unit["director"])
        # (cycle, the stage the meeting week leaves it in): demand review starts on the main
        # cycle (sales still edit there), the earlier cycles move on to the executive review.
        self.to_advance = [(unit["main_cycle"], "demand_review")] + [
            (cycle, "executive_review") for cycle in unit["step_cycles"]
        ]
        self.next_advance = time.monotonic() + random.uniform(5, ADVANCE_SECONDS)

    @task
    def work(self) -> None:
        if self.to_advance and time.monotonic() >= self.next_advance:
            self.next_advance = time.monotonic() + ADVANCE_SECONDS
            self._advance()
            return
        self.page(f"/cycles/{self.identity['cycles'][0]}/", "page overview")
        self.api_get(f"/api/cycles/{self.identity['cycles'][0]}/analysis/?limit=20",
                     "GET analysis")  # fmt: skip

    def _advance(self) -> None:
        cycle, last_stage = self.to_advance[0]
        state = self.api_get(f"/api/cycles/{cycle}/", "GET cycle")
        if state is None:
            return
        if state["stage"] == last_stage:
            self.to_advance.pop(0)
            return
        body = {"from_stage": state["stage"], "override_reason": "load test: meeting week"}
        with self.client.post(
            f"/api/cycles/{cycle}/advance/", json=body, headers=self.api_headers,
            name="POST advance", catch_response=True,
        ) as response:  # fmt: skip
            if response.status_code == 200:
                COUNTERS["advances"] += 1
                if response.json().get("stage") == last_stage:
                    self.to_advance.pop(0)
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")


@events.quitting.add_listener
def write_results(environment: Environment, **_kwargs: Any) -> None:
    """Locust's figures per endpoint and the acknowledged edits, for the runner."""
    stats = environment.stats
    endpoints = {}
    for entry in [*stats.entries.values(), stats.total]:
        key = "total" if entry is stats.total else f"{entry.name}"
        endpoints[key] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": round(entry.total_rps, 2),
            "p50_ms": entry.get_response_time_percentile(0.50),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "max_ms": round(entry.max_response_time or 0, 1),
            "mean_ms": round(entry.avg_response_time, 1),
        }
    errors = [
        {
            "endpoint": error.name,
            "method": error.method,
            "error": str(error.error),
            "occurrences": error.occurrences,
        }
        for error in stats.errors.values()
    ]
    result = {
        "endpoints": endpoints,
        "errors": errors,
        "counters": COUNTERS,
        "users": {"sales": SALES_USERS, "readers": READERS, "directors": DIRECTORS},
        "acknowledged": ACKNOWLEDGED,
        "attempted": ATTEMPTED,
        "started_at": stats.start_time,
        "ended_at": stats.last_request_timestamp,
    }
    Path(os.environ["SOP_LOAD_OUT"]).write_text(json.dumps(result))
