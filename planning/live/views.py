"""The browser's two ways to follow a cycle: the event stream, and the state to poll without it.

Both authorize with the one access helper: a cycle that is missing or not yours is the same 404,
and an anonymous visitor gets no stream (404 too: there is no cycle they may see).
"""

from __future__ import annotations

from typing import Any

import redis
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from planning.access import cycle_for_user
from planning.live.publish import (
    LiveState,
    cycle_channel,
    cycle_live_state,
    live_push_enabled,
)
from planning.live.stream import AsyncCycleStream, SyncCycleStream, sse_opening

# Push is not configured (no REDIS_URL: `make run` without services): no content, which an
# EventSource takes as "do not reconnect"; the page polls. Not an error, so nothing is logged.
PUSH_OFF = 204
# Redis is configured but down: an outage, logged as one; the page polls and retries push.
PUSH_UNAVAILABLE = 503


@require_GET
async def cycle_live_stream(request: HttpRequest, cycle_id: int) -> HttpResponseBase:
    user = await request.auser()
    state = await sync_to_async(_authorized_state)(user, cycle_id)
    if not live_push_enabled():
        return HttpResponse(status=PUSH_OFF)
    opening = sse_opening(state)
    stream: AsyncCycleStream | SyncCycleStream
    if isinstance(request, ASGIRequest):
        stream = AsyncCycleStream(cycle_channel(cycle_id))
        try:
            await stream.subscribe()
        except (redis.RedisError, OSError):
            return HttpResponse(status=PUSH_UNAVAILABLE)
        response = StreamingHttpResponse(stream.events(opening), content_type="text/event-stream")
    else:
        stream = SyncCycleStream(cycle_channel(cycle_id))
        try:
            await sync_to_async(stream.subscribe)()
        except (redis.RedisError, OSError):
            return HttpResponse(status=PUSH_UNAVAILABLE)
        response = StreamingHttpResponse(stream.events(opening), content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    # nginx and friends would otherwise buffer the stream.
    response["X-Accel-Buffering"] = "no"
    return response


@require_GET
def cycle_live_poll(request: HttpRequest, cycle_id: int) -> JsonResponse:
    """What a screen without push compares every few seconds."""
    return JsonResponse(dict(cycle_live_state(cycle_for_user(request.user, cycle_id))))


def _authorized_state(user: Any, cycle_id: int) -> LiveState:
    try:
        return cycle_live_state(cycle_for_user(user, cycle_id))
    finally:
        # The stream holds no database connection while it is open (under ASGI this thread
        # is the request's own and ends with it).
        if not connection.in_atomic_block:
            connection.close()
