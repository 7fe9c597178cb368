"""The measurements behind ``manage.py sop_page_bench``: every page at the demo's size and with
many families.

The demo is built (``seed_demo``), every page is timed and its queries counted; then the demo's
unit is given ``families`` more families, planned in every one of its cycles and recomputed, and
every page is measured again. Server time is the time Django takes to answer the request
in-process (middleware, view, queries, template), without a network or a web server in front.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from planning import bench_support as support
from planning.models import BusinessUnit, Cycle, PlanLine
from planning.months import add_months
from planning.plan_grid import FAMILIES_PER_PAGE
from planning.roles import Stage
from planning.services.plan_lines import cycle_inputs_bump
from planning.services.recompute import cycle_recompute

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class Page:
    name: str
    username: str
    path: Callable[[dict[str, Cycle]], str]
    stage: str = ""


@dataclass(frozen=True)
class PageFigures:
    name: str
    p50_ms: float
    p95_ms: float
    queries: int
    kilobytes: float


class QueryCounter:
    """Counts the statements sent to the database (with DEBUG on or off)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], *args: Any) -> Any:
        self.count += 1
        return execute(*args)


def _cycle_path(name: str, which: str = "current", query: str = "") -> Callable[..., str]:
    return lambda cycles: reverse(name, args=[cycles[which].pk]) + query


def _last_grid_page(cycle: Cycle) -> str:
    families = PlanLine.objects.filter(cycle=cycle, month=cycle.horizon_start).count()
    last = max(1, -(-families // FAMILIES_PER_PAGE))
    return reverse("cycle-demand", args=[cycle.pk]) + f"?page={last}"


# Each page as the role that does its work sees it: with the forms it shows that role.
PAGES = (
    Page("home", "director", lambda cycles: reverse("home")),
    Page("overview", "director", _cycle_path("cycle-overview")),
    Page("demand", "sales", _cycle_path("cycle-demand")),
    Page("demand (last page)", "sales", lambda cycles: _last_grid_page(cycles["current"])),
    Page("supply", "procurement", _cycle_path("cycle-supply"), Stage.SUPPLY_REVIEW),
    Page("finance", "finance", _cycle_path("cycle-finance")),
    Page("analysis", "director", _cycle_path("cycle-analysis")),
    Page(
        "analysis (one family)", "director", _cycle_path("cycle-analysis", query="?family=SEED-01")
    ),
    Page("decision", "ceo", _cycle_path("cycle-decision", "previous")),
    Page("history", "director", _cycle_path("cycle-history")),
    Page("maturity", "admin", lambda cycles: reverse("maturity")),
    Page("notifications", "sales", lambda cycles: reverse("notifications")),
    Page("family search", "sales", _cycle_path("cycle-family-search", query="?q=F00001")),
    Page("login (form)", "", lambda cycles: reverse("login")),
)


def demo_build() -> dict[str, Cycle]:
    """The demo, and its cycles: the current one (demand review; the supply page is measured
    with it moved to supply review, so that it shows its register forms) and the previous one
    (executive review: the decision page shows the approval form)."""
    call_command("seed_demo", force=True, verbosity=0, stdout=io.StringIO())
    demo = BusinessUnit.objects.get(code="demo")
    current = Cycle.objects.get(business_unit=demo, stage=Stage.DEMAND_REVIEW)
    previous = Cycle.objects.get(business_unit=demo, stage=Stage.EXECUTIVE_REVIEW)
    return {"current": current, "previous": previous}


def families_add(cycles: dict[str, Cycle], families: int) -> None:
    """``families`` more families in the demo's unit, planned in each of its cycles over the
    cycle's horizon (random numbers, in SQL), and every cycle recomputed."""
    unit_id = cycles["current"].business_unit_id
    support.families_insert(unit_id, families)
    for cycle in Cycle.objects.filter(business_unit_id=unit_id):
        support.plan_lines_insert(cycle, unit_id, generated_only=True)
        cycle_inputs_bump(cycle.pk, structural=True)
        cycle_recompute(cycle.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _client(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_HOST="localhost")
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def measure_pages(cycles: dict[str, Cycle], repeat: int) -> list[PageFigures]:
    return [_as_page_sees_it(cycles, page, repeat) for page in PAGES]


def page_query_counts(cycles: dict[str, Cycle]) -> dict[str, int]:
    """Each page's number of queries (the same at any number of families, or a bug)."""
    return {page.name: _as_page_sees_it(cycles, page, 0).queries for page in PAGES}


@contextmanager
def page_stage(cycles: dict[str, Cycle], page: Page) -> Iterator[None]:
    """The current cycle in the page's stage (if it names one) while it is measured."""
    current = cycles["current"]
    if page.stage:
        Cycle.objects.filter(pk=current.pk).update(stage=page.stage)
    try:
        yield
    finally:
        Cycle.objects.filter(pk=current.pk).update(stage=current.stage)


def _as_page_sees_it(cycles: dict[str, Cycle], page: Page, repeat: int) -> PageFigures:
    with page_stage(cycles, page):
        return _measure(_client(page.username), page.name, page.path(cycles), repeat)


def _measure(client: Client, name: str, path: str, repeat: int) -> PageFigures:
    response = client.get(path)  # warms the caches a running server has warm
    assert response.status_code == 200, (name, response.status_code)
    queries = QueryCounter()
    with connection.execute_wrapper(queries):
        response = client.get(path)
    timings = support.timed_ms(lambda: client.get(path), repeat)
    return PageFigures(
        name=name,
        p50_ms=support.percentile(timings, 50) if timings else 0,
        p95_ms=support.percentile(timings, 95) if timings else 0,
        queries=queries.count,
        kilobytes=len(response.content) / 1024,
    )


def measure_login_home(repeat: int, username: str = "director") -> PageFigures:
    """Sign in (the login form, the POST with the password, its check) and the home page."""
    timings = []
    response = None
    for _ in range(repeat):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_HOST="localhost")
        started = time.perf_counter()
        client.get(reverse("login"))
        response = client.post(
            reverse("login"), {"username": username, "password": DEMO_PASSWORD}, follow=True
        )
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and response.wsgi_request.user.is_authenticated
    assert response is not None
    return PageFigures(
        name="login + home",
        p50_ms=support.percentile(timings, 50),
        p95_ms=support.percentile(timings, 95),
        queries=0,
        kilobytes=len(response.content) / 1024,
    )


def measure_cycle_new(unit_code: str, username: str) -> PageFigures:
    """The director opens the unit's next month (``POST /cycles/new/``): once, it is a write;
    the plan lines of the unit's last cycle carry over."""
    unit = BusinessUnit.objects.get(code=unit_code)
    latest = Cycle.objects.filter(business_unit=unit).order_by("-plan_month").first()
    assert latest is not None
    client = _client(username)
    data = {
        "business_unit": unit.pk,
        "plan_month": f"{add_months(latest.plan_month, 1):%Y-%m}",
        "horizon_months": latest.horizon_months,
    }
    started = time.perf_counter()
    queries = QueryCounter()
    with connection.execute_wrapper(queries):
        response = client.post(reverse("cycle-new"), data)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 302, (response.status_code, response.content[:2000])
    return PageFigures(
        name="cycle-new (POST, once)", p50_ms=elapsed, p95_ms=elapsed, queries=queries.count,
        kilobytes=0,
    )  # fmt: skip
