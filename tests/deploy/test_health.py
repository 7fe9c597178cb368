"""GET /healthz: the database and the broker, each named with its state, for probes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from planning.live_processes import PrivateRedis, free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HEALTHCHECK_SCRIPT = PROJECT_ROOT / "docker" / "healthcheck.py"


@pytest.fixture
def broker(settings) -> Iterator[PrivateRedis]:
    """A private Redis this test may stop, configured as this process's broker."""
    server = PrivateRedis()
    server.start()
    settings.REDIS_URL = server.url
    yield server
    server.stop()


@pytest.mark.django_db
def test_healthy_when_the_database_and_the_broker_answer(broker: PrivateRedis) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_a_stopped_broker_gives_503_naming_it(broker: PrivateRedis) -> None:
    broker.stop()
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "unavailable"},
    }


@pytest.mark.django_db
def test_the_broker_comes_back_healthy_after_a_restart(broker: PrivateRedis) -> None:
    broker.stop()
    assert Client().get("/healthz").status_code == 503
    broker.start()
    assert Client().get("/healthz").status_code == 200


@pytest.mark.django_db
def test_without_a_broker_configured_only_the_database_is_checked(settings) -> None:
    settings.REDIS_URL = ""
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_an_unreachable_database_gives_503_naming_it(broker: PrivateRedis) -> None:
    """A process whose DATABASE_URL points at a port nobody listens on answers quickly."""
    script = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, json.dumps(r.json()))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/nowhere",
        "REDIS_URL": broker.url,
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "sop_project.settings",
    }
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    status, body = run.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "broker": "ok"},
    }


@pytest.mark.django_db
def test_health_is_anonymous_and_not_redirected_to_https(settings, broker: PrivateRedis) -> None:
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


@pytest.mark.django_db
def test_health_answers_get_and_head_only(broker: PrivateRedis) -> None:
    assert Client().post("/healthz").status_code == 405
    assert Client().head("/healthz").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_container_health_check_follows_healthz(live_server, broker: PrivateRedis) -> None:
    def run_check() -> int:
        env = {**os.environ, "HEALTHZ_URL": f"{live_server.url}/healthz"}
        env["ALLOWED_HOSTS"] = "localhost"
        return subprocess.run(
            [sys.executable, str(HEALTHCHECK_SCRIPT)], env=env, capture_output=True, timeout=60
        ).returncode

    assert run_check() == 0
    broker.stop()
    assert run_check() == 1
