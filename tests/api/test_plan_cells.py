"""A block of grid cells saved in one request: all or nothing, one audit record, one recompute."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from planning.models import AuditEvent, Cycle, PlanLine
from planning.roles import Role
from planning.services import plan_lines as plan_lines_module
from planning.services.plan_lines import CellChange, CellsRefused, plan_cells_save
from tests.api.conftest import json_of

pytestmark = pytest.mark.django_db

URL = "/api/cycles/{}/cells/"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def client_as(client_for) -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def lines_of(cycle: Cycle) -> list[PlanLine]:
    return list(cycle.plan_lines.select_related("family").order_by("family__code", "month"))


def block_of(lines: list[PlanLine], values: list[object]) -> list[dict[str, object]]:
    return [
        {"line": line.pk, "field": "demand_forecast", "value": value, "version": line.version}
        for line, value in zip(lines, values, strict=True)
    ]


def test_a_block_is_saved_with_one_audit_record_and_one_recompute(
    cycle, role_users, client_as, monkeypatch
) -> None:
    # given
    scheduled: list[int] = []
    real_schedule = plan_lines_module.recompute_schedule

    def schedule_counted(cycle_id: int) -> None:  # the real one, counted
        scheduled.append(cycle_id)
        real_schedule(cycle_id)

    monkeypatch.setattr(plan_lines_module, "recompute_schedule", schedule_counted)
    lines = lines_of(cycle)
    audit_before = AuditEvent.objects.filter(cycle=cycle).count()
    version_before = cycle.inputs_version
    # when
    response = client_as(role_users[Role.SALES]).post(
        URL.format(cycle.pk),
        {"cells": block_of(lines, ["12,500", 13000, "14000", 0, 1, 2])},
        format="json",
    )
    # then
    assert response.status_code == 200, json_of(response)
    assert [line.demand_forecast for line in lines_of(cycle)] == [12500, 13000, 14000, 0, 1, 2]
    assert [line.version for line in lines_of(cycle)] == [2, 2, 2, 1, 2, 2]  # 0 was already 0
    events = AuditEvent.objects.filter(cycle=cycle).order_by("-id")
    assert events.count() == audit_before + 1
    event = events.first()
    assert event is not None and event.action == "plan_cells_saved"
    assert event.after == {
        "FAM-1 2024-04 demand_forecast": 12500,
        "FAM-1 2024-05 demand_forecast": 13000,
        "FAM-1 2024-06 demand_forecast": 14000,
        "FAM-2 2024-05 demand_forecast": 1,
        "FAM-2 2024-06 demand_forecast": 2,
    }
    assert event.before == dict.fromkeys(event.after, 0)
    assert scheduled == [cycle.pk]
    cycle.refresh_from_db()
    assert cycle.inputs_version == version_before + 1
    body = response.json()
    assert body["inputs_version"] == cycle.inputs_version
    assert [family["code"] for family in body["families"]] == ["FAM-1", "FAM-2"]
    first = body["families"][0]["lines"]
    assert [line["closing_stock"] for line in first] == [-12500, -25500, -39500]
    assert [line["version"] for line in first] == [2, 2, 2]


def test_one_bad_value_refuses_the_whole_block_and_names_the_cell(
    cycle, role_users, client_as
) -> None:
    # given
    lines = lines_of(cycle)
    audit_before = AuditEvent.objects.filter(cycle=cycle).count()
    # when
    response = client_as(role_users[Role.SALES]).post(
        URL.format(cycle.pk), {"cells": block_of(lines[:3], [100, "-5", "1,5"])}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {
        "detail": "2 cells were refused, so nothing was saved.",
        "code": "cells_refused",
        "cells": [
            {
                "line": lines[1].pk,
                "field": "demand_forecast",
                "code": "invalid",
                "message": "Must not be negative.",
            },
            {
                "line": lines[2].pk,
                "field": "demand_forecast",
                "code": "invalid",
                "message": "Enter a whole number of units.",
            },
        ],
    }
    assert [line.demand_forecast for line in lines_of(cycle)][:3] == [0, 0, 0]
    assert AuditEvent.objects.filter(cycle=cycle).count() == audit_before


def test_a_cell_changed_by_someone_else_refuses_the_block_with_409(
    cycle, role_users, client_as
) -> None:
    # given: somebody saved the second line since the block was copied
    lines = lines_of(cycle)
    block = block_of(lines[:3], [7, 8, 9])
    plan_cells_save(
        cycle=cycle,
        cells=[CellChange(lines[1].pk, "confirmed_orders", 50, lines[1].version)],
        actor=role_users[Role.SALES],
    )
    # when
    response = client_as(role_users[Role.SALES]).post(
        URL.format(cycle.pk), {"cells": block}, format="json"
    )
    # then
    assert response.status_code == 409
    assert response.json()["cells"] == [
        {
            "line": lines[1].pk,
            "field": "demand_forecast",
            "code": "version_conflict",
            "message": "Changed by someone else (now version 2, you edited version 1).",
            "current": 0,
            "current_version": 2,
        }
    ]
    assert [line.demand_forecast for line in lines_of(cycle)][:3] == [0, 0, 0]


def test_a_field_the_role_may_not_edit_refuses_the_block_with_403(
    cycle, role_users, client_as
) -> None:
    lines = lines_of(cycle)
    cells = [
        *block_of(lines[:1], [5]),
        {"line": lines[1].pk, "field": "production_plan", "value": 5, "version": 1},
    ]
    response = client_as(role_users[Role.SALES]).post(
        URL.format(cycle.pk), {"cells": cells}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role may not edit production_plan."
    assert lines_of(cycle)[0].demand_forecast == 0


def test_a_line_of_another_cycle_is_refused_by_name(
    cycle, role_users, business_unit, make_cycle
) -> None:
    other = make_cycle(plan_month=cycle.plan_month.replace(year=2030))
    stranger = other.plan_lines.first()
    with pytest.raises(CellsRefused) as refused:
        plan_cells_save(
            cycle=cycle,
            cells=[CellChange(stranger.pk, "demand_forecast", 5, 1)],
            actor=role_users[Role.SALES],
        )
    assert refused.value.extra["cells"] == [
        {
            "line": stranger.pk,
            "field": "demand_forecast",
            "code": "unknown_line",
            "message": "No such plan line in this cycle.",
        }
    ]


def test_the_director_edits_opening_stock_in_data_collection(cycle, role_users, client_as) -> None:
    first = lines_of(cycle)[0]
    response = client_as(role_users[Role.DIRECTOR]).post(
        URL.format(cycle.pk),
        {"cells": [{"line": first.pk, "field": "opening_stock", "value": "3,000", "version": 1}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    first.refresh_from_db()
    assert first.opening_stock == 3000
    assert [line["closing_stock"] for line in response.json()["families"][0]["lines"]] == [
        3000,
        3000,
        3000,
    ]


def test_the_saved_rows_cost_the_same_queries_for_one_cell_and_a_block(
    cycle, role_users, client_as
) -> None:
    client = client_as(role_users[Role.SALES])
    lines = lines_of(cycle)
    with CaptureQueriesContext(connection) as one:
        client.post(URL.format(cycle.pk), {"cells": block_of(lines[:1], [1])}, format="json")
    lines = lines_of(cycle)
    with CaptureQueriesContext(connection) as many:
        client.post(URL.format(cycle.pk), {"cells": block_of(lines, [2] * 6)}, format="json")
    assert len(many) == len(one)


def test_the_grid_rows_of_named_families(cycle, role_users, client_as) -> None:
    family = lines_of(cycle)[0].family
    response = client_as(role_users[Role.FINANCE]).get(
        f"/api/cycles/{cycle.pk}/grid-rows/?family={family.pk}"
    )
    assert response.status_code == 200
    body = response.json()
    assert [row["code"] for row in body["families"]] == ["FAM-1"]
    assert [line["month"] for line in body["families"][0]["lines"]] == [
        "2024-04",
        "2024-05",
        "2024-06",
    ]


def test_grid_rows_need_a_family_id(cycle, role_users, client_as) -> None:
    response = client_as(role_users[Role.FINANCE]).get(
        f"/api/cycles/{cycle.pk}/grid-rows/?family=x"
    )
    assert response.status_code == 400
    assert response.json() == {"family": {"0": ["A valid integer is required."]}}


def test_grid_rows_without_families_answer_none(cycle, role_users, client_as) -> None:
    response = client_as(role_users[Role.FINANCE]).get(f"/api/cycles/{cycle.pk}/grid-rows/")
    assert response.status_code == 200
    assert response.json()["families"] == []
