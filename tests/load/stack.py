"""The real stack a drill runs against, as child processes on loopback only.

gunicorn (several sync workers), a Celery worker, Celery beat (the sweep) and a redis-server of
the drill's own on a free port (the broker; never the machine's shared Redis), all pointed at
the drill's scratch PostgreSQL database. Each process has its own process group, so a SIGKILL
takes the whole worker (pool children included) the way a crashed machine would.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until ``condition`` held; raises TimeoutError after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


class Child:
    """One long-running child process, logging to test-artifacts/<run>-<name>.log."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path):
        self.name, self.command, self.env, self.log = name, command, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Child:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=PROJECT_ROOT, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the process and everything it started (its process group)."""
        self._signal(signal.SIGKILL)
        self._wait(30)

    def stop(self) -> None:
        if not self.running():
            return
        self._signal(signal.SIGTERM)
        if not self._wait(30):
            self.kill()

    def _signal(self, number: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, number)

    def _wait(self, timeout: float) -> bool:
        assert self.process is not None
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True


class Stack:
    """Start, fault and stop the drill's processes."""

    def __init__(
        self,
        run_id: str,
        database_url: str,
        *,
        web_workers: int,
        sweep_seconds: int,
        server: str = "wsgi",
    ):
        ARTIFACTS.mkdir(exist_ok=True)
        self.run_id = run_id
        self.redis_port = free_port()
        self.web_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.base_url = f"http://127.0.0.1:{self.web_port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": self.redis_url,
            "SOP_RECOMPUTE_MODE": "celery",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),  # throwaway, for this run only
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_COOKIES": "false",  # plain HTTP on loopback: no secure cookies,
            "SECURE_SSL_REDIRECT": "false",  # nothing to redirect to
            "LOG_LEVEL": "WARNING",
            "SOP_SWEEP_SECONDS": str(sweep_seconds),
        }
        self.web_workers = web_workers
        self.server = server
        self.children: dict[str, Child] = {}
        self.worker_generation = 0

    def log(self, name: str) -> Path:
        return ARTIFACTS / f"{self.run_id}-{name}.log"

    # --- Redis ------------------------------------------------------------------------------
    def redis_start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed (bash .ci/services installs it)")
        command = [binary, "--port", str(self.redis_port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no"]  # fmt: skip
        self._start("redis", command)
        wait_for(lambda: _answers(self.redis_port), 20, "the private Redis")

    def redis_stop(self) -> None:
        self.children["redis"].stop()

    # --- Application processes -----------------------------------------------------------------
    def web_start(self) -> None:
        # With DEBUG off, pages name their static files through the collected manifest.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=PROJECT_ROOT, env=self.env, check=True,
        )  # fmt: skip
        # "asgi": as docker/entrypoint.sh serves it (uvicorn workers, pages on a2wsgi threads).
        served = (["sop_project.asgi:application", "--worker-class", "uvicorn_worker.UvicornWorker",
                   "--keep-alive", "75"]
                  if self.server == "asgi"
                  else ["sop_project.wsgi:application", "--worker-class", "sync"])  # fmt: skip
        command = [sys.executable, "-m", "gunicorn", *served,
                   "--bind", f"127.0.0.1:{self.web_port}", "--workers", str(self.web_workers),
                   "--timeout", "60", "--graceful-timeout", "10"]  # fmt: skip
        self._start("web", command)
        wait_for(lambda: _http_ok(f"{self.base_url}/accounts/login/"), 60, "gunicorn")

    def worker_start(self) -> None:
        self.worker_generation += 1
        name = f"worker{self.worker_generation}"
        command = [sys.executable, "-m", "celery", "-A", "sop_project", "worker",
                   "--loglevel=INFO", "--concurrency=2", "--without-gossip", "--without-mingle",
                   "-n", f"{self.run_id}-{name}@%h"]  # fmt: skip
        self._start("worker", command, log_name=name)
        wait_for(lambda: b" ready." in self.log(name).read_bytes(), 90, "the Celery worker")

    def worker_kill(self) -> None:
        self.children["worker"].kill()

    def beat_start(self) -> None:
        schedule = ARTIFACTS / f"{self.run_id}-beat-schedule"
        command = [sys.executable, "-m", "celery", "-A", "sop_project", "beat",
                   "--loglevel=INFO", "-s", str(schedule)]  # fmt: skip
        self._start("beat", command)

    def start(self) -> None:
        self.redis_start()
        self.web_start()
        self.worker_start()
        self.beat_start()

    def cpu_seconds(self, name: str) -> float:
        """CPU time used so far by a child and its live descendants (user + system)."""
        import psutil

        child = self.children[name]
        if not child.running():
            return 0.0
        assert child.process is not None
        root = psutil.Process(child.process.pid)
        total = 0.0
        for process in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def stop(self) -> None:
        for name in ("beat", "worker", "web", "redis"):
            if name in self.children:
                self.children[name].stop()

    def _start(self, name: str, command: list[str], log_name: str | None = None) -> None:
        self.children[name] = Child(name, command, self.env, self.log(log_name or name)).start()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False
