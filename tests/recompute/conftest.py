"""Real processes against the committed test database: Celery workers, beat, gunicorn, Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
import redis
from django.db import connection

from planning.live_processes import (
    AppProcess,
    PrivateRedis,
    WebServer,
    app_env,
    database_url,
    start_beat,
    start_web,
    start_worker,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
P = TypeVar("P", bound=AppProcess)


def worker_database_url() -> str:
    assert connection.vendor == "postgresql", "worker tests need PostgreSQL (DATABASE_URL)"
    return database_url(connection.settings_dict)


@pytest.fixture
def admin(transactional_db: None) -> Iterator[psycopg.Connection]:
    """A connection of the test's own, outside Django's, for holding locks and killing others."""
    with psycopg.connect(worker_database_url(), autocommit=True) as connection:
        yield connection


class Stack:
    """The application's processes for one test, all stopped at its end."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self.processes: list[AppProcess] = []

    def env(self, **extra: str) -> dict[str, str]:
        return app_env(worker_database_url(), self.redis_url, **extra)

    def worker(self, pool: str = "solo") -> AppProcess:
        return self._keep(start_worker(self.env(), ARTIFACTS, pool))

    def beat(self, sweep_seconds: float) -> AppProcess:
        return self._keep(start_beat(self.env(SOP_SWEEP_SECONDS=str(sweep_seconds)), ARTIFACTS))

    def web(self) -> WebServer:
        server = start_web(self.env(), ARTIFACTS)
        self._keep(server)
        return server

    def _keep(self, process: P) -> P:
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


@pytest.fixture
def redis_url(settings) -> str:
    assert settings.REDIS_URL, "worker tests need Redis: set REDIS_URL (make test does)"
    return settings.REDIS_URL


def use_celery(settings, url: str) -> None:
    """From now on this process publishes recomputes to Redis at ``url`` (queue emptied)."""
    settings.SOP_RECOMPUTE_MODE = "celery"
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    client = redis.Redis.from_url(url)
    client.delete("celery", *client.keys("sop:recompute:pending:*"))


@pytest.fixture
def stack(transactional_db: None, settings, redis_url: str) -> Iterator[Stack]:
    """Processes on the shared Redis database of this run; this process publishes there too."""
    use_celery(settings, redis_url)
    processes = Stack(redis_url)
    yield processes
    processes.stop()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_stack(transactional_db: None, settings, private_redis: PrivateRedis) -> Iterator[Stack]:
    """Processes, and this process's publishing, on a private Redis the test may stop."""
    use_celery(settings, private_redis.url)
    processes = Stack(private_redis.url)
    yield processes
    processes.stop()
