"""GET /healthz: does this process reach the database and the broker? For probes, anonymous.

It names each part and says "ok" or "unavailable", never why (no host names, no errors), and
gives up on a part after a short timeout so a probe never hangs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

OK = "ok"
UNAVAILABLE = "unavailable"
# The broker answers a PING in well under a millisecond; one second means it is not there.
BROKER_TIMEOUT_SECONDS = 1.0
DATABASE_TIMEOUT_MS = 2000


def database_status(alias: str = "default") -> str:
    connection = connections[alias]
    try:
        # Reaching the server is bounded by DB_CONNECT_TIMEOUT, the query by this transaction's
        # own statement timeout (SET LOCAL: the connection's later work keeps its own).
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"SET LOCAL statement_timeout = {DATABASE_TIMEOUT_MS}")
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database %r does not answer.", alias, exc_info=True)
        # A broken connection must not be reused by the next request of this process.
        connection.close_if_unusable_or_obsolete()
        return UNAVAILABLE
    return OK


def broker_status(url: str | None = None) -> str:
    url = settings.REDIS_URL if url is None else url
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=BROKER_TIMEOUT_SECONDS,
        socket_timeout=BROKER_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except (redis.RedisError, OSError):
        logger.warning("Health check: the broker does not answer.", exc_info=True)
        return UNAVAILABLE
    finally:
        client.close()
    return OK


def checks() -> dict[str, Callable[[], str]]:
    """The parts this installation depends on: without REDIS_URL there is no broker."""
    parts: dict[str, Callable[[], str]] = {"database": database_status}
    if settings.REDIS_URL:
        parts["broker"] = broker_status
    return parts


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    results = {name: check() for name, check in checks().items()}
    healthy = all(status == OK for status in results.values())
    return JsonResponse(
        {"status": OK if healthy else UNAVAILABLE, "checks": results},
        status=200 if healthy else 503,
    )
