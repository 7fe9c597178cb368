"""The hot read paths stay cheap and say the same as before they were made cheap."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from planning.api.serializers import PlanLineSerializer
from planning.models import Cycle, PlanLine
from planning.roles import Role


def test_the_plan_line_list_renders_each_line_as_the_plan_line_serializer_does(
    cycle: Cycle, role_users, client_for
) -> None:
    lines = PlanLine.objects.filter(cycle=cycle).select_related("family")
    expected = json.loads(json.dumps(PlanLineSerializer(lines, many=True).data))

    response = client_for(role_users[Role.SALES]).get(f"/api/cycles/{cycle.pk}/plan-lines/?limit=2")

    body = response.json()
    assert body["count"] == len(expected)
    assert body["next"] is not None
    by_id = {row["id"]: row for row in expected}
    assert body["results"] == [by_id[row["id"]] for row in body["results"]]
    assert list(body["results"][0]) == list(PlanLineSerializer.Meta.fields)


@pytest.mark.parametrize(
    "path",
    ["/api/cycles/{id}/", "/api/cycles/{id}/analysis/", "/api/cycles/{id}/plan-lines/"],
)
def test_a_read_checks_the_users_access_with_one_query(cycle: Cycle, role_users, path: str) -> None:
    """All of a user's grants come in one query per request, however many checks it makes."""
    client = APIClient()
    client.force_authenticate(role_users[Role.SALES])

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path.format(id=cycle.pk))

    assert response.status_code == 200
    permission_reads = [
        q["sql"] for q in queries.captured_queries if "objectpermission" in q["sql"]
    ]
    assert len(permission_reads) == 1


def test_an_edit_reads_the_users_grants_once(cycle: Cycle, role_users) -> None:
    """Visibility and the editing roles (in the unit and as a guest) come from one query."""
    line = PlanLine.objects.filter(cycle=cycle).first()
    assert line is not None
    client = APIClient()
    client.force_authenticate(role_users[Role.SALES])

    with CaptureQueriesContext(connection) as queries:
        response = client.patch(
            f"/api/plan-lines/{line.pk}/",
            {"demand_forecast": 777, "version": line.version},
            format="json",
        )

    assert response.status_code == 200
    permission_reads = [
        q["sql"] for q in queries.captured_queries if "objectpermission" in q["sql"]
    ]
    assert len(permission_reads) == 1
