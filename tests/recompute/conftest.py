"""A real Celery worker (a subprocess) on real Redis, against the committed test database."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.db import connection

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def wait_for(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for: {message}")


def database_url() -> str:
    db = connection.settings_dict
    assert db["ENGINE"].endswith("postgresql"), "worker tests need PostgreSQL (DATABASE_URL)"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Worker:
    """``celery worker`` in its own process, so a test can SIGKILL it."""

    def __init__(self, redis_url: str):
        self.redis_url = redis_url
        self.process: subprocess.Popen[bytes] | None = None
        ARTIFACTS.mkdir(exist_ok=True)
        self.log = ARTIFACTS / f"worker-{uuid.uuid4().hex[:8]}.log"

    def start(self) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis_url,
            "SOP_RECOMPUTE_MODE": "celery",
        }
        command = [sys.executable, "-m", "celery", "-A", "sop_project", "worker",
                   "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle",
                   "--without-heartbeat", "-n", f"test-{uuid.uuid4().hex[:8]}@%h"]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for(lambda: b" ready." in self.log.read_bytes(), 60, "the worker to be ready")
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


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
def start_worker(transactional_db: None, redis_url: str) -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def start(url: str | None = None) -> Worker:
        worker = Worker(url or redis_url).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A redis-server of the test's own, which the test can stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (.ci/services installs it)"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_for(lambda: _pings(client), 20, "the private Redis to answer")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()
