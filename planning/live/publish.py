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
import threading
from collections.abc import Iterable
from typing import Literal, TypedDict

import redis
from django.conf import settings
from django.db import connection, transaction
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
    """After the current transaction commits, tell the cycle's open screens what changed.

    One transaction sends one event per cycle and kind, however many of its steps announce
    it (a service calling another, a loop of edits): screens re-read once per user action.
    """
    assert kind in EVENT_KINDS, kind
    wanted = None if families is None else {int(family) for family in families}
    if not connection.in_atomic_block:
        _send(cycle_id, _payload(cycle_id, kind, wanted))  # autocommit: it is committed
        return
    batch = _batch_of_this_transaction()
    batch.add(cycle_id, kind, wanted)
    # Each announcement registers the flush (the first to run sends, the rest find nothing):
    # so a savepoint's rollback, or a test capturing callbacks, still leaves one in place.
    transaction.on_commit(batch.flush)


class _Batch:
    """The events of one transaction: per (cycle, kind), the families (None: all of them)."""

    def __init__(self) -> None:
        self.events: dict[tuple[int, str], set[int] | None] = {}

    def add(self, cycle_id: int, kind: str, families: set[int] | None) -> None:
        key = (cycle_id, kind)
        if key not in self.events:
            self.events[key] = families
            return
        known = self.events[key]
        self.events[key] = None if known is None or families is None else known | families

    def flush(self) -> None:
        events, self.events = self.events, {}
        for (cycle_id, kind), families in events.items():
            _send(cycle_id, _payload(cycle_id, kind, families))

    def registered(self) -> bool:
        """Whether the current transaction will still run this flush (not rolled back, not
        already run)."""
        return any(entry[1] == self.flush for entry in connection.run_on_commit)


_local = threading.local()


def _batch_of_this_transaction() -> _Batch:
    batch: _Batch | None = getattr(_local, "batch", None)
    if batch is None or not batch.registered():
        batch = _Batch()
        _local.batch = batch
    return batch


def _payload(cycle_id: int, kind: str, families: set[int] | None) -> str:
    event: dict[str, object] = {"cycle": cycle_id, "kind": kind}
    if families is not None:
        event["families"] = sorted(families)
    return json.dumps(event, separators=(",", ":"))


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
