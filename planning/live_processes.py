"""The application's own processes, started as subprocesses: gunicorn, a Celery worker, beat.

For measurements and fault drills that must go through the real thing (``sop_bench``, the
worker tests): real HTTP into gunicorn, real messages through Redis, a worker that can be
SIGKILLed.  Each process logs to a file of its own, which a failing check can point at.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.test import Client, override_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def wait_for(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for: {message}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url(database: Mapping[str, Any]) -> str:
    """The ``DATABASE_URL`` of a Django database settings dict (for a child process)."""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}{port}/{database['NAME']}"


class AppProcess:
    """One child process of the application, its output in ``log``."""

    def __init__(self, name: str, command: list[str], env: Mapping[str, str], log_dir: Path):
        log_dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log = log_dir / f"{name}-{uuid.uuid4().hex[:8]}.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_logged(self, text: str, timeout: float = 90) -> None:
        def logged() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited early; see {self.log}")
            return text in self.log_text()

        wait_for(logged, timeout, f"{self.name} to log {text!r} ({self.log})")

    def ready_or_stopped(self, wait_until_ready: Callable[[], None]) -> None:
        """Wait until it is ready; if it never is, stop it rather than leave it running."""
        try:
            wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def kill(self) -> None:
        """SIGKILL: no clean-up, no acknowledgement, exactly like a crash."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def app_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SOP_RECOMPUTE_MODE": "celery",
        **extra,
    }


def start_worker(env: Mapping[str, str], log_dir: Path, pool: str = "solo") -> AppProcess:
    """A worker, by default of one process (``--pool=solo``): the process a SIGKILL takes down.

    ``pool="prefork"`` is the production shape (``make run``, compose): a main process that
    talks to the broker and two children that run tasks, so the main process goes on reading
    from the broker while a task runs. It logs at INFO, which is where Celery says it is ready.
    """
    name = f"worker-{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "celery", "-A", "sop_project", "worker", f"--pool={pool}",
               "--concurrency=2", "--loglevel=INFO", "--without-gossip", "--without-mingle",
               "--without-heartbeat", "-n", f"{name}@%h"]  # fmt: skip
    worker = AppProcess(name, command, env, log_dir)
    worker.ready_or_stopped(lambda: worker.wait_until_logged(" ready."))
    return worker


def start_beat(env: Mapping[str, str], log_dir: Path) -> AppProcess:
    """The one beat scheduler, its schedule file kept beside its log."""
    schedule = log_dir / f"beat-schedule-{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "celery", "-A", "sop_project", "beat", "--loglevel=INFO",
               f"--schedule={schedule}", "--pidfile="]  # fmt: skip
    beat = AppProcess("beat", command, env, log_dir)
    beat.ready_or_stopped(lambda: beat.wait_until_logged("beat: Starting"))
    return beat


class WebServer(AppProcess):
    """gunicorn serving the project on a free loopback port.

    ``asgi``: as the deployment serves it (``docker/entrypoint.sh``), with uvicorn workers and
    ``sop_project.asgi`` (live streams); otherwise sync workers and ``sop_project.wsgi``.
    """

    def __init__(self, env: Mapping[str, str], log_dir: Path, workers: int = 2, asgi: bool = False):
        self.port = free_port()
        if asgi:
            served = ["sop_project.asgi:application", "--worker-class",
                      "uvicorn_worker.UvicornWorker", "--keep-alive", "75"]  # fmt: skip
        else:
            served = ["sop_project.wsgi:application"]
        command = [sys.executable, "-m", "gunicorn", *served,
                   "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                   "--timeout", "120", "--log-level", "warning"]  # fmt: skip
        super().__init__("gunicorn", command, env, log_dir)
        self.ready_or_stopped(lambda: wait_for(self._answers, 90, f"gunicorn ({self.log})"))

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited early; see {self.log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            connection.request("GET", "/api/")
            connection.getresponse().read()
            return True
        except OSError:
            return False


def start_web(
    env: Mapping[str, str], log_dir: Path, workers: int = 2, asgi: bool = False
) -> WebServer:
    return WebServer(env, log_dir, workers, asgi)


class PrivateRedis:
    """A redis-server of the caller's own on a free port, which it may stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (.ci/services installs it)"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_for(lambda: _pings(client), 20, "the private Redis to answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


class HttpSession:
    """A signed-in browser session over real HTTP: the session cookie and the CSRF pair."""

    def __init__(self, port: int, user: Any, server_secret_key: str | None = None):
        client = Client()
        # A session row in the database the server reads, signed with the server's key.
        with override_settings(SECRET_KEY=server_secret_key or settings.SECRET_KEY):
            client.force_login(user)
        self.port = port
        self.csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret
        self.cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value};"
            f" {settings.CSRF_COOKIE_NAME}={self.csrf}"
        )

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        headers = {
            "Cookie": self.cookie,
            "Accept": "application/json",
            "Host": "127.0.0.1",
            **(headers or {}),
        }
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers.update({"Content-Type": "application/json", "X-CSRFToken": self.csrf})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw.decode(errors="replace")
        return response.status, data

    def get(self, path: str) -> tuple[int, Any]:
        return self.request("GET", path)

    def patch(self, path: str, body: Any) -> tuple[int, Any]:
        return self.request("PATCH", path, body)

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        return self.request("POST", path, body)
