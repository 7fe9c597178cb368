"""The browser's two ways to follow a cycle: the event stream, and the state to poll without it.

Both authorize with the one access helper: a cycle that is missing or not yours is the same 404,
and an anonymous visitor gets no stream (404 too: there is no cycle they may see). A user holds
at most ``LIVE_STREAMS_PER_USER`` streams (429 beyond), a process at most
``LIVE_STREAM_CONNECTIONS`` (503 beyond); either way the page polls instead. An open stream
asks again at every heartbeat whether its user may still see the cycle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from importlib import import_module
from types import SimpleNamespace
from typing import Any

import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.core.handlers.asgi import ASGIRequest
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from planning.access import cycle_for_user
from planning.live.limits import stream_place_claim, stream_place_release
from planning.live.publish import (
    LiveState,
    cycle_channel,
    cycle_live_state,
    live_push_enabled,
)
from planning.live.stream import AsyncCycleStream, SyncCycleStream, open_streams, sse_opening

logger = logging.getLogger(__name__)

# Push is not configured (no REDIS_URL: `make run` without services): no content, which an
# EventSource takes as "do not reconnect"; the page polls. Not an error, so nothing is logged.
PUSH_OFF = 204
# Redis is configured but down: an outage, logged as one; the page polls and retries push.
PUSH_UNAVAILABLE = 503
TOO_MANY_STREAMS = 429
# What a refused stream suggests before trying again (the page polls meanwhile).
RETRY_AFTER_SECONDS = 30


SERVER_FULL = _(
    "This server follows as many live screens as it can; this page checks for changes every "
    "few seconds instead."
)
USER_FULL = _(
    "You have too many live screens open; this one checks for changes every few seconds "
    "instead. Close a tab to make room."
)


@require_GET
async def cycle_live_stream(request: HttpRequest, cycle_id: int) -> HttpResponseBase:
    user = await request.auser()
    state = await sync_to_async(_authorized_state)(user, cycle_id)
    assert user.pk is not None  # an anonymous visitor sees no cycle: 404 above
    if not live_push_enabled():
        return HttpResponse(status=PUSH_OFF)
    if not open_streams.room():
        logger.warning("Live streams: this process holds its %s; a page polls", len(open_streams))
        return _refusal(PUSH_UNAVAILABLE, SERVER_FULL)
    asynchronous = isinstance(request, ASGIRequest)
    lifetime = settings.LIVE_STREAM_SECONDS if asynchronous else settings.LIVE_WSGI_STREAM_SECONDS
    claim = asyncio.ensure_future(
        sync_to_async(stream_place_claim, thread_sensitive=False)(user.pk, lifetime)
    )
    try:
        place = await asyncio.shield(claim)
    except (redis.RedisError, OSError):
        return HttpResponse(status=PUSH_UNAVAILABLE)
    except asyncio.CancelledError:
        # The browser left while the place was being claimed: the claim still completes in
        # its thread, so give the place back once it has.
        claim.add_done_callback(_release_once_claimed(user.pk))
        raise
    if place is None:
        return _refusal(TOO_MANY_STREAMS, USER_FULL)
    check = AccessCheck(request.session.session_key, user.pk, cycle_id)
    stream = _stream(asynchronous, cycle_id, check, lambda: stream_place_release(user.pk, place))
    try:
        if isinstance(stream, AsyncCycleStream):
            await stream.subscribe()
        else:
            await sync_to_async(stream.subscribe)()
    except (redis.RedisError, OSError):
        return HttpResponse(status=PUSH_UNAVAILABLE)
    except asyncio.CancelledError:
        # The browser left while the stream subscribed: give back its connection and place.
        await asyncio.shield(_stream_close(stream))
        raise
    body = stream.body(sse_opening(state))
    response = StreamingHttpResponse(body, content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    # nginx and friends would otherwise buffer the stream.
    response["X-Accel-Buffering"] = "no"
    return response


def _stream(
    asynchronous: bool, cycle_id: int, check: AccessCheck, release: Callable[[], None]
) -> AsyncCycleStream | SyncCycleStream:
    """The stream of a coroutine (ASGI) or of a thread (WSGI); ``release`` gives back the
    user's place once it ends."""
    if asynchronous:
        return AsyncCycleStream(
            cycle_channel(cycle_id),
            allowed=sync_to_async(check),
            ended=sync_to_async(release, thread_sensitive=False),
        )
    return SyncCycleStream(cycle_channel(cycle_id), allowed=check, ended=release)


def _release_once_claimed(user_id: int) -> Callable[[asyncio.Future[str | None]], None]:
    def release(claim: asyncio.Future[str | None]) -> None:
        if claim.cancelled() or claim.exception() is not None:
            return
        place = claim.result()
        if place is not None:
            asyncio.get_running_loop().run_in_executor(None, stream_place_release, user_id, place)

    return release


async def _stream_close(stream: AsyncCycleStream | SyncCycleStream) -> None:
    if isinstance(stream, AsyncCycleStream):
        await stream.close()
    else:
        await sync_to_async(stream.close)()


@require_GET
def cycle_live_poll(request: HttpRequest, cycle_id: int) -> JsonResponse:
    """What a screen without push compares every few seconds."""
    return JsonResponse(dict(cycle_live_state(cycle_for_user(request.user, cycle_id))))


class AccessCheck:
    """Whether the stream's user may still see the cycle: their session still signs them in
    (not signed out, password unchanged, account active) and the cycle is still theirs (a
    guest not withdrawn). Three small queries, at most once a second per stream."""

    def __init__(self, session_key: str | None, user_id: int, cycle_id: int) -> None:
        self.session_key = session_key
        self.user_id = user_id
        self.cycle_id = cycle_id

    def __call__(self) -> bool:
        try:
            user = self._user()
            if not user.is_authenticated or user.pk != self.user_id:
                return False
            cycle_for_user(user, self.cycle_id)
            return True
        except Http404:
            return False
        except DatabaseError:
            # Fail open for a database hiccup: a stream carries hints to re-read, never data,
            # and every re-read is authorized again.
            logger.warning("Live stream: access could not be checked", exc_info=True)
            return True
        finally:
            _close_connection()

    def _user(self) -> Any:
        if self.session_key is None:
            return SimpleNamespace(is_authenticated=False, pk=None)
        store = import_module(settings.SESSION_ENGINE).SessionStore(self.session_key)
        return get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]


def _refusal(status: int, message: Any) -> JsonResponse:
    response = JsonResponse({"detail": str(message)}, status=status)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _authorized_state(user: Any, cycle_id: int) -> LiveState:
    try:
        return cycle_live_state(cycle_for_user(user, cycle_id))
    finally:
        _close_connection()


def _close_connection() -> None:
    # The stream holds no database connection while it is open (under ASGI this thread is the
    # request's own and ends with it).
    if not connection.in_atomic_block:
        connection.close()
