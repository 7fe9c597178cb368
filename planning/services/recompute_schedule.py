"""When a cycle's recompute is handed to a worker: the pending flag, publishing, the sweep.

The promise, true for any spacing of edits: while a recompute of a cycle is queued or running,
further edits publish nothing, and one follow-up run takes them all.

How it holds:

* An edit, after its commit (so after its version bump), claims the cycle's "pending" key in
  Redis (SET NX with a TTL) and publishes a task only if it claimed it.
* The key stays set while that task is queued and while it runs.  When the recompute has
  committed, the task releases the key, *then* re-reads the cycle's versions; if an edit came
  in meanwhile, it claims the key again and publishes the follow-up.
* An edit whose claim failed had committed its version before the key was released, so the
  check that follows every release sees it: no edit is ever left behind.  (A key that only
  expires, say because its worker was SIGKILLed, has nobody to check after it; the sweep is
  there for that.)
* The sweep (Celery beat) publishes a recompute for every stale cycle whatever the key says:
  lost messages, a dead worker, Redis down while somebody edited.  Duplicates cost nothing
  but a version check, because recomputes of one cycle are serialized by an advisory lock and
  a recompute that finds the analysis fresh does nothing.

Nothing here waits on Redis for long: if it is unreachable, the change is saved, the analysis
reads stale, and the sweep catches up once Redis is back.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from celery import current_app
from django.conf import settings
from django.db.models import F
from kombu import Producer, pools
from redis.backoff import NoBackoff
from redis.retry import Retry

from planning.models import Cycle

logger = logging.getLogger(__name__)

RECOMPUTE_TASK = "planning.tasks.recompute_cycle"
PENDING_KEY = "sop:recompute:pending:{cycle_id}"
# Longer than a queued task waits plus the task's time limit, so the key never expires under
# a live recompute; after it, a key left by a killed worker stops suppressing new work.
PENDING_TTL_SECONDS = 900
# One immediate retry reconnects a pooled connection that predates a Redis restart; a Redis
# that is really down fails fast, and the sweep publishes later.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0,
                        "interval_max": 0}  # fmt: skip


def recompute_request(cycle_id: int) -> bool:
    """Publish a recompute unless one is already queued or running; True if published."""
    try:
        if not _pending_claim(cycle_id):
            return False
    except (redis.RedisError, OSError):
        logger.warning(
            "Redis unreachable: the recompute of cycle %s waits for the periodic sweep",
            cycle_id,
        )
        return False
    if _publish(cycle_id):
        return True
    # Nothing is queued after all: let the next edit try again (the sweep will too).
    recompute_pending_release(cycle_id)
    return False


def recompute_follow_up(cycle_id: int) -> bool:
    """After a queued recompute: release the cycle's key, then catch any edit it missed.

    The order is what makes coalescing safe: an edit that found the key set had already
    committed its version, so the check after the release sees it.
    """
    recompute_pending_release(cycle_id)
    if not _is_stale(cycle_id):
        return False
    return recompute_request(cycle_id)


def recompute_sweep_stale() -> int:
    """Publish a recompute for every cycle whose analysis is behind its inputs; how many."""
    stale = list(
        Cycle.objects.filter(computed_version__lt=F("inputs_version"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for cycle_id in stale:
        _pending_mark(cycle_id)
        if not _publish(cycle_id):
            recompute_pending_release(cycle_id)
    if stale:
        logger.info("Sweep: published the recompute of %s stale cycle(s)", len(stale))
    return len(stale)


def recompute_pending_release(cycle_id: int) -> None:
    try:
        _redis().delete(_key(cycle_id))
    except (redis.RedisError, OSError):
        # The key expires on its own; until then the sweep publishes for this cycle.
        logger.warning("Could not release the pending flag of cycle %s", cycle_id)


def _is_stale(cycle_id: int) -> bool:
    return Cycle.objects.filter(pk=cycle_id, computed_version__lt=F("inputs_version")).exists()


def _publish(cycle_id: int) -> bool:
    try:
        with _producer() as producer:
            current_app.send_task(
                RECOMPUTE_TASK,
                args=(cycle_id,),
                producer=producer,
                retry=True,
                retry_policy=PUBLISH_RETRY_POLICY,
            )
    except Exception:  # any broker failure: the change is saved; the sweep publishes later
        logger.warning(
            "Could not publish the recompute of cycle %s; the periodic sweep will retry",
            cycle_id,
            exc_info=True,
        )
        return False
    return True


@contextmanager
def _producer() -> Iterator[Producer]:
    """A pooled producer for the configured broker, read per call.

    A new broker connection per edit cost ~30 ms on a busy machine, a pooled one ~3 ms.
    """
    connection = current_app.connection_for_write(settings.CELERY_BROKER_URL)
    with pools.producers[connection].acquire(block=True, timeout=5) as producer:
        yield producer


def _pending_claim(cycle_id: int) -> bool:
    return bool(_redis().set(_key(cycle_id), 1, nx=True, ex=PENDING_TTL_SECONDS))


def _pending_mark(cycle_id: int) -> None:
    """The sweep's publish counts as queued work too: later edits coalesce into it."""
    try:
        _redis().set(_key(cycle_id), 1, ex=PENDING_TTL_SECONDS)
    except (redis.RedisError, OSError):
        logger.warning("Could not mark cycle %s as pending", cycle_id)


def _key(cycle_id: int) -> str:
    return PENDING_KEY.format(cycle_id=cycle_id)


def _redis() -> redis.Redis:
    return _redis_for(settings.REDIS_URL)


@functools.lru_cache(maxsize=4)
def _redis_for(url: str) -> redis.Redis:
    # Short timeouts and one immediate retry (a pooled connection may predate a Redis
    # restart): a user's edit must not wait on an unreachable Redis.
    return redis.Redis.from_url(
        url, socket_connect_timeout=0.5, socket_timeout=0.5, retry=Retry(NoBackoff(), 1)
    )
