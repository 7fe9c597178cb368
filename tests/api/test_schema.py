"""The OpenAPI schema tells the truth: months, lists, nullable fields, error answers; and it is
served to many callers at once by a cold process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from planning.api.fields import MONTH_PATTERN

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def _component(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return schema["components"]["schemas"][name]


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _body_schema(answer: dict[str, Any]) -> dict[str, Any]:
    return answer["content"]["application/json"]["schema"]


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("AnalysisRow", "month"),
        ("MonthSummary", "month"),
        ("FinanceMonth", "month"),
        ("CycleCreateRequest", "plan_month"),
        ("CycleCreateRequest", "horizon_start"),
        ("ProductionConstraint", "month"),
    ],
)
def test_a_month_is_declared_a_yyyy_mm_string_not_a_date(
    schema: dict[str, Any], component: str, field: str
) -> None:
    declared = _component(schema, component)["properties"][field]
    assert declared.get("format") != "date"
    assert declared["pattern"] == MONTH_PATTERN


@pytest.mark.parametrize("component", ["DemandAssumption", "MaterialRisk", "GapOption"])
def test_register_months_are_declared_a_list_of_months(
    schema: dict[str, Any], component: str
) -> None:
    months = _component(schema, component)["properties"]["months"]
    assert months["type"] == "array"
    assert months["items"]["pattern"] == MONTH_PATTERN


@pytest.mark.parametrize(
    "path",
    [
        "/api/cycles/{id}/demand-assumptions/",
        "/api/cycles/{id}/production-constraints/",
        "/api/cycles/{id}/gap-options/",
        "/api/cycles/{id}/material-risks/",
    ],
)
def test_a_register_list_is_declared_an_array(schema: dict[str, Any], path: str) -> None:
    assert _body_schema(schema["paths"][path]["get"]["responses"]["200"])["type"] == "array"


@pytest.mark.parametrize(
    ("component", "field"),
    [("Submission", "submitted_by"), ("Submission", "reviewed_by"), ("AuditEvent", "who")],
)
def test_a_field_that_can_be_null_is_declared_nullable(
    schema: dict[str, Any], component: str, field: str
) -> None:
    assert _component(schema, component)["properties"][field]["nullable"] is True


def test_every_operation_documents_its_error_answers_with_the_error_shape(
    schema: dict[str, Any],
) -> None:
    for path, method, operation in _operations(schema):
        expected = {"400", "401", "403"}
        expected |= {"404"} if "{" in path else set()
        expected |= {"409"} if method in {"post", "patch", "delete"} else set()
        expected |= {"413", "415"} if "requestBody" in operation else set()
        responses = operation["responses"]
        assert expected <= set(responses), (method, path)
        for status in expected:
            reference = _body_schema(responses[status])["$ref"]
            assert reference.rsplit("/", 1)[1] in {"Error", "ValidationError"}, (method, path)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    """Until the server accepts connections (a TCP connect: no request warms the schema)."""
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


@pytest.fixture
def cold_server(tmp_path: Path) -> Iterator[str]:
    """A fresh server process (threaded) that has built no schema yet.

    The schema needs no data, so the server gets a scratch SQLite file and no Redis.
    """
    port = _free_port()
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    environment |= {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process, time.monotonic() + 120)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_cold_server_serves_the_schema_to_many_threads_at_once(cold_server: str) -> None:
    # given a server process that has not built the schema yet, and eight callers ready at once
    callers = 8
    start = threading.Barrier(callers)
    statuses: list[int | str] = []

    def fetch(language: str) -> None:
        request = urllib.request.Request(
            f"{cold_server}/api/schema/?format=json", headers={"Accept-Language": language}
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                json.loads(response.read())
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [
        threading.Thread(target=fetch, args=(("en", "zh-hans")[index % 2],))
        for index in range(callers)
    ]
    # when they all ask for the schema together
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    # then every one of them gets it
    assert statuses == [200] * callers
