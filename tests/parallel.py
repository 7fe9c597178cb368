"""pytest-xdist runs the suite in two processes: each needs Redis of its own, not only a database.

pytest-django already gives each process its own test database. Redis is shared by URL, so two
processes' Celery workers would take each other's recomputes (for cycles of the other database)
and see each other's pending keys. Each process therefore moves to a Redis database number of its
own, counting down from the configured one: ``/15`` stays with ``gw0``, ``gw1`` takes ``/14``.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16


def worker_index(worker_id: str | None) -> int:
    """``gw3`` → 3; the controller, or a run without xdist, is 0."""
    if not worker_id or not worker_id.startswith("gw"):
        return 0
    return int(worker_id.removeprefix("gw"))


def redis_url_for_worker(url: str, index: int) -> str:
    if not url or index == 0:
        return url
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    path = f"/{(database - index) % REDIS_DATABASES}"
    return urlunsplit(parts._replace(path=path))


def redis_of_this_process() -> None:
    """Point this process's settings (and any child process's environment) at its own database.

    Runs in ``pytest_configure``: after pytest-django has loaded the settings, before any test
    (and so before the cache, the broker pool or a child process has read them).
    """
    from django.conf import settings

    index = worker_index(os.environ.get("PYTEST_XDIST_WORKER"))
    url = redis_url_for_worker(settings.REDIS_URL, index)
    if url == settings.REDIS_URL:
        return
    os.environ["REDIS_URL"] = url
    settings.REDIS_URL = settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = url
    settings.CACHES["default"]["LOCATION"] = url
