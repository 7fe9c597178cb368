"""Telling open screens that a cycle changed: one small event on Redis pub/sub, after commit.

The services that change a cycle call ``cycle_changed_publish`` inside their transaction, one
line each; the event leaves only if the transaction commits. An event is a hint to re-read, never
the data itself: it names the cycle, what kind of thing changed and, where known, the families.
Nothing waits on Redis: unreachable, the change is saved, the event is dropped, and the screens
that lost their stream are polling ``cycle_live_state`` meanwhile.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable
from typing import Literal, TypedDict

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from redis.backoff import NoBackoff
from redis.retry import Retry

from planning.models import AuditEvent, Cycle

logger = logging.getLogger(__name__)

EventKind = Literal["lines", "analysis", "stage", "submission", "register"]
EVENT_KINDS: tuple[EventKind, ...] = ("lines", "analysis", "stage", "submission", "register")


class LiveState(TypedDict):
    cycle: int
    lines: int  # inputs version
    analysis: int  # computed version
    stage: str
    audit: int  # the cycle's newest audit row


def cycle_changed_publish(
    cycle_id: int, kind: EventKind, families: Iterable[int] | None = None
) -> None:
    """After the current transaction commits, tell the cycle's open screens what changed."""
    assert kind in EVENT_KINDS, kind
    event: dict[str, object] = {"cycle": cycle_id, "kind": kind}
    if families is not None:
        event["families"] = sorted({int(family) for family in families})
    payload = json.dumps(event, separators=(",", ":"))
    transaction.on_commit(lambda: _send(cycle_id, payload))


def cycle_channel(cycle_id: int) -> str:
    """The pub/sub channel of one cycle, namespaced by database (test runs share one Redis)."""
    return f"sop:live:{settings.DATABASES['default']['NAME']}:cycle:{cycle_id}"


def live_push_enabled() -> bool:
    return bool(settings.REDIS_URL)


def cycle_live_state(cycle: Cycle) -> LiveState:
    """What a polling screen compares to see whether, and what, changed (one query).

    Every change of a cycle is audited, so the newest audit row moves with submissions and
    registers; the versions and the stage say which of lines, analysis and stage moved.
    """
    latest = AuditEvent.objects.filter(cycle_id=cycle.pk).aggregate(latest=Max("pk"))["latest"]
    return {
        "cycle": cycle.pk,
        "lines": cycle.inputs_version,
        "analysis": cycle.computed_version,
        "stage": cycle.stage,
        "audit": latest or 0,
    }


def live_redis() -> redis.Redis:
    """The short-timeout client of publishing and of counting streams (not of the streams)."""
    return _redis_for(settings.REDIS_URL)


def _send(cycle_id: int, payload: str) -> None:
    if not live_push_enabled():
        return
    try:
        live_redis().publish(cycle_channel(cycle_id), payload)
    except (redis.RedisError, OSError):
        logger.warning("Redis unreachable: open screens of cycle %s poll for this change", cycle_id)


@functools.lru_cache(maxsize=4)
def _redis_for(url: str) -> redis.Redis:
    # As the recompute's scheduler: short timeouts, one immediate retry; an edit never waits.
    return redis.Redis.from_url(
        url, socket_connect_timeout=0.5, socket_timeout=0.5, retry=Retry(NoBackoff(), 1)
    )
