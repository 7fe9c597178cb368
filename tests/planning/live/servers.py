"""The application served as deployed (gunicorn, uvicorn workers, ``sop_project.asgi``), on the
committed test database and a Redis of the test's own that it may stop and start again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection

from planning.live_processes import (
    HttpSession,
    PrivateRedis,
    WebServer,
    app_env,
    database_url,
    start_web,
)

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


class AsgiStack:
    def __init__(self, redis: PrivateRedis, web: WebServer) -> None:
        self.redis = redis
        self.web = web
        self.url = f"http://127.0.0.1:{web.port}"

    def session(self, username: str) -> HttpSession:
        return HttpSession(self.web.port, get_user_model().objects.get(username=username))


@contextmanager
def asgi_stack() -> Iterator[AsgiStack]:
    """Recomputes run in the web process (no worker needed); DEBUG serves the static files."""
    assert connection.vendor == "postgresql", "live server tests need PostgreSQL (DATABASE_URL)"
    redis = PrivateRedis()
    redis.start()
    try:
        env = app_env(
            database_url(connection.settings_dict),
            redis.url,
            SOP_RECOMPUTE_MODE="inline",
            DEBUG="true",
            LOG_LEVEL="WARNING",
        )
        web = start_web(env, ARTIFACTS, workers=1, asgi=True)
        try:
            yield AsgiStack(redis, web)
        finally:
            web.stop()
    finally:
        redis.stop()
