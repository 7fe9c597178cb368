"""A cycle's event stream as server-sent events: ``text/event-stream`` from Redis pub/sub.

Served under ASGI (``sop_project.asgi``: gunicorn with uvicorn workers) an open screen costs one
coroutine and one pub/sub connection (and an idle thread Django parks for the request's sync
middleware), no worker and no database connection. Under WSGI (``runserver``,
Django's test server, a plain gunicorn) the same stream is served by a thread, so it ends after
``LIVE_WSGI_STREAM_SECONDS`` and the browser reconnects at once (EventSource does that by itself).

What the browser gets: ``retry``, then a ``state`` event (what ``cycle_live_state`` says now, so a
screen that reconnects can tell what it missed), then a ``cycle`` event per change, and a comment
line every ``LIVE_HEARTBEAT_SECONDS`` so proxies and the browser see a live connection.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import redis
import redis.asyncio as aioredis
from django.conf import settings

logger = logging.getLogger(__name__)

# How long the browser waits before reconnecting after a stream ends or breaks.
RETRY_MS = 1000
HEARTBEAT = b": keep-alive\n\n"


def sse_event(name: str, data: Any) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"event: {name}\ndata: {text}\n\n".encode()


def sse_opening(state: Mapping[str, object]) -> bytes:
    return f"retry: {RETRY_MS}\n\n".encode() + sse_event("state", state)


def _payload(message: dict[str, Any]) -> str:
    data = message["data"]
    return data.decode() if isinstance(data, bytes) else str(data)


class AsyncCycleStream:
    """Subscribed before the response starts (so a Redis that is down answers 503 at once)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.client = aioredis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, health_check_interval=30
        )
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)

    async def subscribe(self) -> None:
        try:
            await self.pubsub.subscribe(self.channel)
        except BaseException:
            await self.close()
            raise

    async def events(self, opening: bytes) -> AsyncIterator[bytes]:
        deadline = time.monotonic() + settings.LIVE_STREAM_SECONDS
        heartbeat = settings.LIVE_HEARTBEAT_SECONDS
        try:
            yield opening
            while (left := deadline - time.monotonic()) > 0:
                message = await self.pubsub.get_message(timeout=min(heartbeat, left))
                yield sse_event("cycle", _payload(message)) if message else HEARTBEAT
        except (redis.RedisError, OSError):
            # Redis went away: end the stream; the browser polls until push answers again.
            logger.info("Live stream of %s ended: Redis unreachable", self.channel)
        finally:
            # Also on a client disconnect, which cancels the task waiting in get_message.
            await asyncio.shield(self.close())

    async def close(self) -> None:
        try:
            await self.pubsub.aclose()
            await self.client.aclose()
        except (redis.RedisError, OSError):
            pass


class SyncCycleStream:
    """The same stream for a WSGI server: one thread per screen, so it is kept short."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)

    def subscribe(self) -> None:
        try:
            self.pubsub.subscribe(self.channel)
        except BaseException:
            self.close()
            raise

    def events(self, opening: bytes) -> Iterator[bytes]:
        deadline = time.monotonic() + settings.LIVE_WSGI_STREAM_SECONDS
        heartbeat = settings.LIVE_HEARTBEAT_SECONDS
        try:
            yield opening
            while (left := deadline - time.monotonic()) > 0:
                message = self.pubsub.get_message(timeout=min(heartbeat, left))
                yield sse_event("cycle", _payload(message)) if message else HEARTBEAT
        except (redis.RedisError, OSError):
            logger.info("Live stream of %s ended: Redis unreachable", self.channel)
        finally:
            self.close()

    def close(self) -> None:
        try:
            self.pubsub.close()
            self.client.close()
        except (redis.RedisError, OSError):
            pass
