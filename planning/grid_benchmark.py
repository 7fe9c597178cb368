"""The measurements behind ``manage.py sop_grid_bench``: the planning grid at scale.

* A cell save as the grid's script sends it (``POST /api/cycles/<id>/cells/``, one cell) through
  gunicorn, answered with the family's recomputed rows: what the page needs to re-render them.
* A pasted 3 x 4 block the same way.
* The grid page itself (``GET /cycles/<id>/demand/``), first, last and filtered, the grid
  alone (the htmx fragment), the rows a live refresh reads for a page of families, and the
  page's number of queries at a few families and at many (they must be the same).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from planning import bench_support as support
from planning import live_processes as live
from planning.benchmark import generate_cycle
from planning.models import Cycle, PlanLine
from planning.plan_grid import FAMILIES_PER_PAGE
from planning.roles import Role


@dataclass(frozen=True)
class GridFigures:
    save_ms: list[float]
    paste_ms: list[float]
    first_page_ms: list[float]
    last_page_ms: list[float]
    filtered_page_ms: list[float]
    grid_fragment_ms: list[float]
    grid_rows_ms: list[float]
    queries_small: int
    queries_large: int


def page_queries(cycle: Cycle, user: Any, page: int) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/cycles/{cycle.pk}/demand/?page={page}", HTTP_HOST="localhost")
    assert response.status_code == 200, response.status_code
    return len(queries)


def measure_grid(
    families: int, months: int, saves: int, redis_url: str, log_dir: Path
) -> GridFigures:
    small = generate_cycle(FAMILIES_PER_PAGE, months)
    large = generate_cycle(families, months)
    users = {
        cycle.pk: support.user_with_roles(cycle.business_unit, [Role.SALES], "grid-bench")
        for cycle in (small, large)
    }
    queries_small = page_queries(small, users[small.pk], 1)
    queries_large = page_queries(large, users[large.pk], 1)
    # The pages run with DEBUG off, as deployed: they need the collected static manifest.
    with support.app_running(redis_url, log_dir, static=True) as app:
        session = app.session(users[large.pk])
        return GridFigures(
            save_ms=support.cell_saves(large, session, saves),
            paste_ms=_pastes(large, session, max(10, saves // 10)),
            first_page_ms=_page_times(session, f"/cycles/{large.pk}/demand/?page=1", 20),
            last_page_ms=_page_times(
                session,
                f"/cycles/{large.pk}/demand/?page={-(-families // FAMILIES_PER_PAGE)}",
                20,
            ),
            filtered_page_ms=_page_times(session, f"/cycles/{large.pk}/demand/?q=F00042", 20),
            grid_fragment_ms=_page_times(
                session, f"/cycles/{large.pk}/demand/?fragment=grid&page=250", 20, htmx=True
            ),
            grid_rows_ms=_page_times(
                session, f"/api/cycles/{large.pk}/grid-rows/?{_family_query(large)}", 20
            ),
            queries_small=queries_small,
            queries_large=queries_large,
        )


def _pastes(cycle: Cycle, session: live.HttpSession, count: int) -> list[float]:
    """3 x 4 blocks: demand and orders of one family and demand of the next, four months."""
    family_ids = sorted(
        set(PlanLine.objects.filter(cycle=cycle).values_list("family_id", flat=True))
    )
    rng = np.random.default_rng(3)
    timings = []
    for start in rng.choice(len(family_ids) - 1, size=count, replace=False).tolist():
        chosen = family_ids[start : start + 2]
        lines = list(
            PlanLine.objects.filter(cycle=cycle, family_id__in=chosen)
            .order_by("family_id", "month")
            .values("pk", "family_id", "version", "demand_forecast")
        )
        first = [line for line in lines if line["family_id"] == chosen[0]][:4]
        second = [line for line in lines if line["family_id"] == chosen[1]][:4]
        cells = [
            {"line": line["pk"], "field": field, "value": line["demand_forecast"] + 2,
             "version": line["version"]}
            for field, row in (("demand_forecast", first), ("confirmed_orders", first),
                               ("demand_forecast", second))
            for line in row
        ]  # fmt: skip
        started = time.perf_counter()
        status, body = session.post(f"/api/cycles/{cycle.pk}/cells/", {"cells": cells})
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200, body
    return timings


def _family_query(cycle: Cycle) -> str:
    """The families of one grid page, as the live refresh asks for them."""
    ids = (
        PlanLine.objects.filter(cycle=cycle, month=cycle.horizon_start)
        .order_by("family_id")
        .values_list("family_id", flat=True)[:FAMILIES_PER_PAGE]
    )
    return "&".join(f"family={family_id}" for family_id in ids)


def _page_times(
    session: live.HttpSession, path: str, count: int, htmx: bool = False
) -> list[float]:
    def get() -> None:
        status, body = session.request(
            "GET", path, headers={"HX-Request": "true"} if htmx else None
        )
        assert status == 200, (status, str(body)[:300])

    return support.timed_ms(get, count)
