"""Celery tasks: thin, idempotent wrappers around the recompute service.

Coalescing: ``recompute_enqueue`` sets a per-cycle "pending" key in Redis (SET NX with a TTL)
and publishes a task only when the key was not set already.  The task lets the burst settle (a
short quiet period), then deletes the key *before* it reads the cycle's version.  So a burst of
edits publishes one task while it waits and at most one more while it runs: N edits cost at
most two recomputes, and the last one always sees the newest version.  The periodic sweep
publishes regardless of the key, so a lost message or a killed worker delays an analysis by one
sweep interval at most; it never loses it.
"""

from __future__ import annotations

import functools
import logging
import time

import redis
from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import F

from planning.models import Cycle
from planning.services.recompute import cycle_recompute

logger = logging.getLogger(__name__)

PENDING_KEY = "sop:recompute:pending:{cycle_id}"
# Longer than any recompute takes; after it a stuck key stops suppressing new work.
PENDING_TTL_SECONDS = 300


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=8,
    time_limit=300,
    soft_time_limit=240,
)
def recompute_cycle(cycle_id: int) -> int:
    """Recompute one cycle's analysis; returns the version it is now computed at."""
    _wait_until_quiet(cycle_id)
    _pending_clear(cycle_id)
    return cycle_recompute(cycle_id).version


def _wait_until_quiet(cycle_id: int) -> None:
    """Let a burst of edits settle (its later edits see the pending flag and publish nothing).

    Waits until the inputs version holds still for SOP_RECOMPUTE_QUIET_MS, but never longer
    than SOP_RECOMPUTE_MAX_WAIT_MS, so a steady stream of edits is still recomputed.
    """
    quiet = settings.SOP_RECOMPUTE_QUIET_MS / 1000
    if quiet <= 0:
        return
    deadline = time.monotonic() + settings.SOP_RECOMPUTE_MAX_WAIT_MS / 1000
    versions = Cycle.objects.filter(pk=cycle_id).values_list("inputs_version", flat=True)
    last = versions.first()
    while time.monotonic() < deadline:
        time.sleep(quiet)
        current = versions.first()
        if current == last:
            return
        last = current


@shared_task(acks_late=True, time_limit=60)
def recompute_sweep() -> int:
    """Re-enqueue every cycle whose analysis is behind its inputs (lost messages, dead workers)."""
    stale = list(
        Cycle.objects.filter(computed_version__lt=F("inputs_version")).values_list("pk", flat=True)
    )
    for cycle_id in stale:
        recompute_enqueue(cycle_id, force=True)
    return len(stale)


def recompute_enqueue(cycle_id: int, *, force: bool = False) -> bool:
    """Hand the recompute to a worker unless one is already pending; True if published.

    If Redis is down the change stays saved and visibly stale; the sweep catches up later.
    """
    claimed = False
    try:
        claimed = force or _pending_claim(cycle_id)
        if not claimed:
            return False
        # The broker URL is read per call, so a reconfigured broker is used at once.
        with recompute_cycle.app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            recompute_cycle.apply_async(  # type: ignore[call-arg]  # stubs lack `connection`
                args=(cycle_id,), connection=conn, retry=False
            )
        return True
    except Exception:
        if claimed and not force:
            _pending_clear(cycle_id)
        logger.warning(
            "Could not enqueue the recompute of cycle %s; the periodic sweep will retry",
            cycle_id,
            exc_info=True,
        )
        return False


def _redis() -> redis.Redis:
    return _redis_for(settings.REDIS_URL)


@functools.lru_cache(maxsize=4)
def _redis_for(url: str) -> redis.Redis:
    # Short timeouts: a user's edit must not wait on an unreachable Redis.
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


def _pending_claim(cycle_id: int) -> bool:
    key = PENDING_KEY.format(cycle_id=cycle_id)
    return bool(_redis().set(key, 1, nx=True, ex=PENDING_TTL_SECONDS))


def _pending_clear(cycle_id: int) -> None:
    try:
        _redis().delete(PENDING_KEY.format(cycle_id=cycle_id))
    except (redis.RedisError, OSError):
        # The task still runs; at worst one later edit waits for the key's TTL or the sweep.
        logger.warning("Could not clear the pending flag of cycle %s", cycle_id)
