"""A cycle's event stream as server-sent events: ``text/event-stream`` from Redis pub/sub.

Served under ASGI (``sop_project.asgi``: gunicorn with uvicorn workers) an open screen costs one
coroutine and one pub/sub connection (and an idle thread Django parks for the request's sync
middleware), no worker and no database connection. Under WSGI (``runserver``,
Django's test server, a plain gunicorn) the same stream is served by a thread, so it ends after
``LIVE_WSGI_STREAM_SECONDS`` and the browser reconnects at once (EventSource does that by itself).

What the browser gets: ``retry``, then a ``state`` event (what ``cycle_live_state`` says now, so a
screen that reconnects can tell what it missed), then a ``cycle`` event per change, and a comment
line every ``LIVE_HEARTBEAT_SECONDS`` so proxies and the browser see a live connection.

Access is checked again at every heartbeat and before every event (at most once a second): a
guest withdrawn or a user signed out gets a ``revoked`` event and the stream ends, within a
heartbeat. Streams take their Redis connections from a pool of their own, at most
``LIVE_STREAM_CONNECTIONS`` per process, so they never take the connections of the cache, the
broker or publishing.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator, Mapping
from typing import Any

import redis
import redis.asyncio as aioredis
from asgiref.sync import async_to_sync
from django.conf import settings

logger = logging.getLogger(__name__)

# How long the browser waits before reconnecting after a stream ends or breaks.
RETRY_MS = 1000
HEARTBEAT = b": keep-alive\n\n"
WSGI_HEARTBEAT_SECONDS = 1.0
# A burst of events costs one access check.
RECHECK_FLOOR_SECONDS = 1.0
# A full pool answers at once (the page polls); the per-process count below keeps it from
# filling in the first place.
POOL_WAIT_SECONDS = 0.1


def sse_event(name: str, data: Any) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return f"event: {name}\ndata: {text}\n\n".encode()


def sse_opening(state: Mapping[str, object]) -> bytes:
    return f"retry: {RETRY_MS}\n\n".encode() + sse_event("state", state)


def _payload(message: dict[str, Any]) -> str:
    data = message["data"]
    return data.decode() if isinstance(data, bytes) else str(data)


# --- the streams' own connections ---------------------------------------------------------------


class OpenStreams:
    """This process's open streams, at most ``LIVE_STREAM_CONNECTIONS`` (threads and the loop).

    Weakly held: a stream whose response was dropped before it ever ran is not counted.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: weakref.WeakSet[object] = weakref.WeakSet()

    def room(self) -> bool:
        with self._lock:
            return len(self._streams) < settings.LIVE_STREAM_CONNECTIONS

    def add(self, stream: object) -> None:
        with self._lock:
            self._streams.add(stream)

    def discard(self, stream: object) -> None:
        with self._lock:
            self._streams.discard(stream)

    def __len__(self) -> int:
        return len(self._streams)


open_streams = OpenStreams()


@functools.lru_cache(maxsize=4)
def _sync_pool(url: str, size: int) -> redis.BlockingConnectionPool:
    return redis.BlockingConnectionPool.from_url(
        url, max_connections=size, timeout=POOL_WAIT_SECONDS, socket_connect_timeout=1
    )


# An asyncio pool belongs to the event loop it was made in (one per uvicorn worker).
_async_pools: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[tuple[str, int], aioredis.BlockingConnectionPool]
] = weakref.WeakKeyDictionary()


def _async_pool(url: str, size: int) -> aioredis.BlockingConnectionPool:
    pools = _async_pools.setdefault(asyncio.get_running_loop(), {})
    if (url, size) not in pools:
        pools[(url, size)] = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=size,
            timeout=POOL_WAIT_SECONDS,
            socket_connect_timeout=1,
            health_check_interval=30,
        )
    return pools[(url, size)]


class AccessWatch:
    """When to ask again whether the user may still see the cycle: at every heartbeat, and
    before an event unless the last answer is under a second old."""

    def __init__(self) -> None:
        self.checked = time.monotonic()

    def due(self, event: bool) -> bool:
        now = time.monotonic()
        if event and now - self.checked < RECHECK_FLOOR_SECONDS:
            return False
        self.checked = now
        return True


def revoked(channel: str) -> bytes:
    logger.info("Live stream of %s ended: the user may no longer see the cycle", channel)
    return sse_event("revoked", {})


# --- the streams ----------------------------------------------------------------------------------


class AsyncCycleStream:
    """Subscribed before the response starts (so a Redis that is down answers 503 at once).

    ``allowed`` says whether the user may still see the cycle; ``ended`` runs once the stream
    is over, however it ends (the user's place is given back there).
    """

    def __init__(
        self,
        channel: str,
        allowed: Callable[[], Awaitable[bool]],
        ended: Callable[[], Awaitable[None]],
    ) -> None:
        self.channel = channel
        self.allowed = allowed
        self.ended = ended
        pool = _async_pool(settings.REDIS_URL, settings.LIVE_STREAM_CONNECTIONS)
        self.client = aioredis.Redis(connection_pool=pool)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.closed = False
        open_streams.add(self)

    async def subscribe(self) -> None:
        try:
            await self.pubsub.subscribe(self.channel)
        except BaseException:
            await self.close()
            raise

    def body(self, opening: bytes) -> AsyncStreamBody:
        return AsyncStreamBody(self.events(opening), self)

    async def events(self, opening: bytes) -> AsyncIterator[bytes]:
        deadline = time.monotonic() + settings.LIVE_STREAM_SECONDS
        heartbeat = settings.LIVE_HEARTBEAT_SECONDS
        watch = AccessWatch()
        try:
            yield opening
            while (left := deadline - time.monotonic()) > 0:
                message = await self.pubsub.get_message(timeout=min(heartbeat, left))
                if watch.due(event=message is not None) and not await self.allowed():
                    yield revoked(self.channel)
                    return
                yield sse_event("cycle", _payload(message)) if message else HEARTBEAT
        except (redis.RedisError, OSError):
            # Redis went away: end the stream; the browser polls until push answers again.
            logger.info("Live stream of %s ended: Redis unreachable", self.channel)
        finally:
            # Also on a client disconnect, which cancels the task waiting in get_message.
            await asyncio.shield(self.close())

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        open_streams.discard(self)
        try:
            # Disconnects the subscribed connection and gives its place back to the pool.
            await self.pubsub.aclose()
            await self.client.aclose()
        except (redis.RedisError, OSError):
            pass
        finally:
            await self.ended()


class SyncCycleStream:
    """The same stream for a WSGI server: one thread per screen, so it is kept short."""

    def __init__(
        self, channel: str, allowed: Callable[[], bool], ended: Callable[[], None]
    ) -> None:
        self.channel = channel
        self.allowed = allowed
        self.ended = ended
        pool = _sync_pool(settings.REDIS_URL, settings.LIVE_STREAM_CONNECTIONS)
        self.client = redis.Redis(connection_pool=pool)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.closed = False
        open_streams.add(self)

    def subscribe(self) -> None:
        try:
            self.pubsub.subscribe(self.channel)
        except BaseException:
            self.close()
            raise

    def body(self, opening: bytes) -> SyncStreamBody:
        return SyncStreamBody(self.events(opening), self)

    def events(self, opening: bytes) -> Generator[bytes]:
        deadline = time.monotonic() + settings.LIVE_WSGI_STREAM_SECONDS
        # A WSGI server learns that the browser left (another page opened) only when a write
        # fails: beat often, so that the thread and the user's place are freed within seconds.
        heartbeat = min(settings.LIVE_HEARTBEAT_SECONDS, WSGI_HEARTBEAT_SECONDS)
        watch = AccessWatch()
        try:
            yield opening
            while (left := deadline - time.monotonic()) > 0:
                message = self.pubsub.get_message(timeout=min(heartbeat, left))
                if watch.due(event=message is not None) and not self.allowed():
                    yield revoked(self.channel)
                    return
                yield sse_event("cycle", _payload(message)) if message else HEARTBEAT
        except (redis.RedisError, OSError):
            logger.info("Live stream of %s ended: Redis unreachable", self.channel)
        finally:
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        open_streams.discard(self)
        try:
            self.pubsub.close()
            self.client.close()
        except (redis.RedisError, OSError):
            pass
        finally:
            self.ended()


class AsyncStreamBody:
    """The response's content under ASGI: Django closes the response when the client leaves,
    also before the first event was sent, and a generator that never started runs no
    ``finally``; closing the body closes the stream (its pool connection, the user's place)."""

    def __init__(self, events: AsyncIterator[bytes], stream: AsyncCycleStream) -> None:
        self.events = events
        self.stream = stream
        # A response can also be dropped unseen: the browser left while it passed back
        # through the middleware, and the handler cancelled the request there. Then neither
        # the events nor ``close`` ever run; the stream closes when the body is collected.
        weakref.finalize(self, _close_soon, stream, asyncio.get_running_loop())

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.events

    def close(self) -> None:
        # Django calls this through sync_to_async, from a thread beside the event loop.
        if not self.stream.closed:
            async_to_sync(self.stream.close)()


_closing: set[asyncio.Task[None]] = set()  # kept referenced until they are done


def _close_soon(stream: AsyncCycleStream, loop: asyncio.AbstractEventLoop) -> None:
    def close() -> None:
        if not stream.closed:
            task = loop.create_task(stream.close())
            _closing.add(task)
            task.add_done_callback(_closing.discard)

    if not loop.is_closed():
        loop.call_soon_threadsafe(close)


class SyncStreamBody:
    """The response's content: closing the response closes the stream, even one whose events
    were never read (a generator that never started runs no ``finally``)."""

    def __init__(self, events: Generator[bytes], stream: SyncCycleStream) -> None:
        self.events = events
        self.stream = stream

    def __iter__(self) -> Iterator[bytes]:
        return self.events

    def close(self) -> None:
        self.events.close()
        self.stream.close()
