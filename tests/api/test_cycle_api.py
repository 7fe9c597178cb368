"""The REST API end to end: a whole cycle as the demo users, conflicts, gates, history."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from planning.models import AuditEvent, Cycle, PlanLine
from planning.roles import Stage
from tests.demo_snapshot import seed_month

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def token_client(username: str) -> APIClient:
    response = APIClient().post(
        "/api/auth/token/", {"username": username, "password": "demo"}, format="json"
    )
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {response.json()['token']}", HTTP_ACCEPT_LANGUAGE="en"
    )
    return client


def patch_line(client: APIClient, line_id: int, **changes: int) -> Any:
    current = client.get(f"/api/plan-lines/{line_id}/").json()
    return client.patch(
        f"/api/plan-lines/{line_id}/", {**changes, "version": current["version"]}, format="json"
    )


def test_whole_cycle_through_the_api_as_each_demo_user(demo: None) -> None:
    director, sales, production = (token_client(n) for n in ("director", "sales", "production"))
    procurement, finance, ceo = (token_client(n) for n in ("procurement", "finance", "ceo"))
    unit = director.get("/api/cycles/").json()["results"][0]["business_unit"]

    # data collection: the director opens the cycle; its plan lines exist for every family
    created = director.post(
        "/api/cycles/",
        {"business_unit": unit, "plan_month": "2024-04", "horizon_months": 6},
        format="json",
    )
    assert created.status_code == 201, created.content
    cycle_id = created.json()["id"]
    lines = sales.get(f"/api/cycles/{cycle_id}/plan-lines/?limit=1000").json()["results"]
    assert len(lines) == 13 * 6
    line = next(row for row in lines if row["family_code"] == "SEED-01")
    assert patch_line(sales, line["id"], demand_forecast=20000).status_code == 200
    assert director.post(f"/api/cycles/{cycle_id}/advance/").status_code == 200

    # demand review: sales submits, the director accepts and moves on
    assert (
        sales.post(f"/api/cycles/{cycle_id}/submissions/sales_forecast/submit/").status_code == 200
    )
    assert (
        director.post(f"/api/cycles/{cycle_id}/submissions/sales_forecast/accept/").status_code
        == 200
    )
    assert director.post(f"/api/cycles/{cycle_id}/advance/").status_code == 200

    # supply review: production, procurement and finance hand in
    assert patch_line(production, line["id"], production_plan=16000).status_code == 200
    for client, kind in ((production, "production_capacity"), (procurement, "procurement_risk")):
        assert client.post(f"/api/cycles/{cycle_id}/submissions/{kind}/submit/").status_code == 200
    risk = {"material": "芯片", "risk_level": "high", "months": ["2024-06"], "families": []}
    assert (
        procurement.post(f"/api/cycles/{cycle_id}/material-risks/", risk, format="json").status_code
        == 201
    )
    finance_view = finance.get(f"/api/cycles/{cycle_id}/finance-review/").json()
    assert len(finance_view["months"]) == 6
    assert (
        finance.patch(f"/api/cycles/{cycle_id}/finance-review/", {"comment": "ok"}).status_code
        == 200
    )
    assert (
        finance.post(f"/api/cycles/{cycle_id}/submissions/finance_review/submit/").status_code
        == 200
    )
    assert director.post(f"/api/cycles/{cycle_id}/advance/").status_code == 200

    # executive decision: the CEO approves with decisions and targets
    analysis = ceo.get(f"/api/cycles/{cycle_id}/analysis/").json()
    assert analysis["status"] == "fresh"
    approval = ceo.post(
        f"/api/cycles/{cycle_id}/approve/",
        {
            "comment": "批准",
            "capacity_decisions": [{"description": "加一个班次", "additional_capacity": 1500}],
            "kpi_targets": [{"name": "forecast accuracy", "target": "0.85", "unit": "%"}],
        },
        format="json",
    )
    assert approval.status_code == 200, approval.content
    assert approval.json()["stage"] == "approved"
    cycle = Cycle.objects.get(pk=cycle_id)
    assert cycle.snapshot.comment == "批准"
    snapshot = ceo.get(f"/api/cycles/{cycle_id}/snapshot/").json()
    assert (snapshot["approved_by"], snapshot["comment"]) == ("ceo", "批准")
    assert snapshot["kpi_targets"] == [
        {"name": "forecast accuracy", "target": "0.8500", "unit": "%"}
    ]
    assert snapshot["summary"] == analysis["summary"]
    columns = snapshot["lines"]
    frozen = [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    assert len(frozen) == 13 * 6
    assert [{key: row[key] for key in analysis["rows"][0]} for row in frozen] == analysis["rows"]
    assert {row["demand_forecast"] for row in frozen if row["plan_line_id"] == line["id"]} == {
        20000
    }
    assert cycle.capacity_decisions.get().additional_capacity == 1500

    # the approved plan is frozen
    refused = patch_line(sales, line["id"], demand_forecast=1)
    assert refused.status_code == 409
    assert PlanLine.objects.get(pk=line["id"]).demand_forecast == 20000


def test_stale_version_gets_409_and_nothing_is_written(demo: None) -> None:
    sales = token_client("sales")
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    line = PlanLine.objects.filter(cycle=cycle).order_by("pk")[0]
    first = sales.patch(
        f"/api/plan-lines/{line.pk}/",
        {"demand_forecast": 111, "version": line.version},
        format="json",
    )
    assert first.status_code == 200
    assert first.json()["version"] == line.version + 1

    stale = sales.patch(
        f"/api/plan-lines/{line.pk}/",
        {"demand_forecast": 222, "version": line.version},
        format="json",
    )

    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "version_conflict"
    assert body["current_version"] == line.version + 1
    assert body["current"]["demand_forecast"] == 111
    assert PlanLine.objects.get(pk=line.pk).demand_forecast == 111


def test_invalid_value_gets_400_naming_the_field(demo: None) -> None:
    sales = token_client("sales")
    line = PlanLine.objects.filter(cycle__stage=Stage.DEMAND_REVIEW)[0]
    response = sales.patch(
        f"/api/plan-lines/{line.pk}/",
        {"demand_forecast": -3, "version": line.version},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"demand_forecast": ["Must not be negative."]}
    response = sales.patch(
        f"/api/plan-lines/{line.pk}/",
        {"demand_forecast": "lots", "version": line.version},
        format="json",
    )
    assert response.json() == {"demand_forecast": ["Enter a whole number of units."]}


def test_field_outside_its_stage_gets_409_naming_when(demo: None) -> None:
    production = token_client("production")
    line = PlanLine.objects.filter(cycle__stage=Stage.DEMAND_REVIEW)[0]
    response = production.patch(
        f"/api/plan-lines/{line.pk}/",
        {"production_plan": 5, "version": line.version},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "production_plan cannot be edited in the Demand review stage; it can be edited in: "
        "Data collection, Supply review."
    )


def test_gate_refusal_lists_the_unmet_submissions(demo: None) -> None:
    director = token_client("director")
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    response = director.post(f"/api/cycles/{cycle.pk}/advance/")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "The Demand review stage cannot end yet: the sales forecast has not been submitted yet. "
        "Give an override reason to move on without them."
    )
    assert response.json()["unmet_gates"] == [{"kind": "sales_forecast", "state": "draft"}]
    cycle.refresh_from_db()
    assert cycle.stage == Stage.DEMAND_REVIEW


def test_override_reason_is_kept_in_the_history(demo: None) -> None:
    director = token_client("director")
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    response = director.post(
        f"/api/cycles/{cycle.pk}/advance/", {"override_reason": "销售预测延迟,先行评审供应"}
    )
    assert response.status_code == 200
    history = director.get(f"/api/cycles/{cycle.pk}/history/?user=director").json()["results"]
    override = next(event for event in history if event["action"] == "gate_overridden")
    assert override["reason"] == "销售预测延迟,先行评审供应"
    assert override["before"] == [{"kind": "sales_forecast", "state": "draft"}]
    moved = next(event for event in history if event["action"] == "cycle_advanced")
    assert (moved["before"], moved["after"]) == ("demand_review", "supply_review")


def test_history_records_before_and_after_of_an_edit(demo: None) -> None:
    sales = token_client("sales")
    line = PlanLine.objects.filter(cycle__stage=Stage.DEMAND_REVIEW).order_by("pk")[0]
    patch_line(sales, line.pk, confirmed_orders=line.confirmed_orders + 5)
    history = sales.get(f"/api/cycles/{line.cycle_id}/history/?field=confirmed_orders").json()
    [event] = history["results"]
    assert (event["who"], event["before"], event["after"]) == (
        "sales",
        line.confirmed_orders,
        line.confirmed_orders + 5,
    )


def test_analysis_shows_the_seed_numbers_and_freshness(demo: None) -> None:
    sales = token_client("sales")
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    analysis = sales.get(f"/api/cycles/{cycle.pk}/analysis/?family=SEED-01").json()
    assert analysis["status"] == "fresh"
    assert analysis["family_count"] == 1
    assert [(row["month"], row["closing_stock"], row["status"]) for row in analysis["rows"]] == [
        (seed_month(0), 2000, "balanced"),
        (seed_month(1), 500, "short"),
        (seed_month(2), -1500, "short"),
        (seed_month(3), -500, "short"),
        (seed_month(4), 0, "short"),
        (seed_month(5), -500, "short"),
    ]
    assert len(analysis["summary"]) == 6


def test_unauthenticated_requests_are_refused(demo: None) -> None:
    assert APIClient().get("/api/cycles/").status_code == 401


def test_wrong_password_gets_no_token(demo: None) -> None:
    response = APIClient().post("/api/auth/token/", {"username": "sales", "password": "nope"})
    assert response.status_code == 400


def test_second_unit_cycle_is_visible_only_to_its_members(demo: None) -> None:
    cycles_of = {
        name: {
            row["business_unit_code"]
            for row in token_client(name).get("/api/cycles/").json()["results"]
        }
        for name in ("sales", "sales2", "director")
    }
    assert cycles_of == {"sales": {"demo"}, "sales2": {"appliances"}, "director": {"demo"}}


TWO_DIRECTORS = (("director2", "demo"), ("director-b", "pw-director-b"))


@pytest.fixture
def appliances_cycle(demo: None, make_user: Callable) -> Cycle:
    """The second unit's cycle, in data collection, with two users who may advance it."""
    from planning.models import BusinessUnit
    from planning.roles import Role

    assert connection.vendor == "postgresql", "run the suite on PostgreSQL (DATABASE_URL)"
    make_user("director-b", (Role.DIRECTOR,), BusinessUnit.objects.get(code="appliances"))
    return Cycle.objects.get(business_unit__code="appliances")


def start_presses(
    cycle: Cycle, body: dict[str, str], barrier: threading.Barrier | None = None
) -> tuple[list[threading.Thread], list[int]]:
    """Both directors press "advance" from their own threads (own database connections)."""
    statuses: list[int] = []

    def press(username: str, password: str) -> None:
        client = APIClient()
        client.login(username=username, password=password)
        if barrier is not None:
            barrier.wait()
        response = client.post(f"/api/cycles/{cycle.pk}/advance/", body, format="json")
        statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=press, args=who) for who in TWO_DIRECTORS]
    for thread in threads:
        thread.start()
    return threads, statuses


def assert_moved_one_stage(
    cycle: Cycle, threads: list[threading.Thread], statuses: list[int]
) -> None:
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    cycle.refresh_from_db()
    assert cycle.stage == Stage.DEMAND_REVIEW
    assert AuditEvent.objects.filter(cycle=cycle, action="cycle_advanced").count() == 1


def test_two_directors_advancing_at_once_move_the_cycle_one_stage(appliances_cycle: Cycle) -> None:
    threads, statuses = start_presses(
        appliances_cycle, {"from_stage": "data_collection"}, threading.Barrier(2)
    )
    assert_moved_one_stage(appliances_cycle, threads, statuses)


def test_presses_without_from_stage_that_meet_at_the_lock_move_the_cycle_once(
    appliances_cycle: Cycle,
) -> None:
    """API clients need not send ``from_stage``: two presses waiting on the row lock together
    (held here by a third session) still move the cycle one stage."""
    import time

    import psycopg

    settings_dict = connection.settings_dict
    dsn = f"host={settings_dict['HOST']} port={settings_dict['PORT'] or 5432} " \
          f"user={settings_dict['USER']} dbname={settings_dict['NAME']}"  # fmt: skip
    with psycopg.connect(dsn) as holder:
        holder.execute(
            "SELECT id FROM planning_cycle WHERE id = %s FOR UPDATE", [appliances_cycle.pk]
        )
        # With an override reason, so an unmet gate cannot be what stops the second press.
        threads, statuses = start_presses(appliances_cycle, {"override_reason": "meeting moved"})
        waiting = 0
        deadline = time.monotonic() + 60  # generous: the machine may be busy
        while time.monotonic() < deadline:
            # Statistics views are snapshotted per transaction; the holder's stays open.
            holder.execute("SELECT pg_stat_clear_snapshot()")
            waiting = holder.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            ).fetchone()[0]  # type: ignore[index]
            if waiting == 2:
                break
            time.sleep(0.05)
        assert waiting == 2, "both presses should be waiting on the cycle's row lock"
        holder.rollback()
    assert_moved_one_stage(appliances_cycle, threads, statuses)


def test_schema_describes_every_endpoint() -> None:
    from io import StringIO

    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for path in (
        "/api/cycles/",
        "/api/cycles/{id}/advance/",
        "/api/cycles/{id}/send-back/",
        "/api/cycles/{id}/approve/",
        "/api/cycles/{id}/analysis/",
        "/api/cycles/{id}/history/",
        "/api/plan-lines/{id}/",
        "/api/cycles/{id}/submissions/{kind}/submit/",
        "/api/auth/token/",
    ):
        assert f"{path}:" in schema, path


def test_register_entries_are_deleted_with_an_audit_row(demo: None) -> None:
    sales = token_client("sales")
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    entries = sales.get(f"/api/cycles/{cycle.pk}/demand-assumptions/").json()
    assert len(entries) == 2
    response = sales.delete(f"/api/cycles/{cycle.pk}/demand-assumptions/{entries[0]['id']}/")
    assert response.status_code == 204
    assert len(sales.get(f"/api/cycles/{cycle.pk}/demand-assumptions/").json()) == 1
    assert AuditEvent.objects.filter(
        cycle=cycle, action="demand_assumption_deleted", actor__username="sales"
    ).exists()


def test_another_role_cannot_delete_a_register_entry(demo: None) -> None:
    production = token_client("production")
    cycle = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    entry = cycle.demand_assumptions.first()
    assert entry is not None
    response = production.delete(f"/api/cycles/{cycle.pk}/demand-assumptions/{entry.pk}/")
    assert response.status_code == 403
    assert cycle.demand_assumptions.filter(pk=entry.pk).exists()
