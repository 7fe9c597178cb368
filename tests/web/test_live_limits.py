"""What one user, or a crowd of streams, can take from the live screens, and how long a stream
outlives its user's access: a cap per user (429), a bounded pool per process (the health check
and everything else keep their Redis connections), and access checked at every heartbeat."""

from __future__ import annotations

import json
import socket
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import translation

from planning.live.limits import user_streams_key
from planning.live.publish import live_redis
from planning.live.stream import HEARTBEAT
from planning.live.views import SERVER_FULL, USER_FULL
from planning.live_processes import PrivateRedis, app_env, database_url, start_web
from planning.models import Cycle
from planning.roles import Stage
from planning.services.memberships import cycle_guest_grant, cycle_guest_revoke
from tests.clients import client_as as client_of
from tests.planning.live.servers import ARTIFACTS, AsgiStack
from tests.planning.live.test_asgi import OpenStream

REVOKED = b"event: revoked\ndata: {}\n\n"


def user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def demand_cycle() -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


@pytest.fixture
def no_streams_counted() -> Iterator[None]:
    """Test runs share one Redis: start from no open stream of the demo's users."""
    users = list(get_user_model().objects.values_list("pk", flat=True))
    live_redis().delete(*(user_streams_key(pk) for pk in users))
    yield


# --- served by Django's test client (the WSGI stream) --------------------------------------------


@pytest.mark.django_db
def test_a_user_beyond_the_cap_gets_429_with_a_message_and_a_closed_stream_frees_its_place(
    demo: None, no_streams_counted: None, settings
) -> None:
    # given: two streams per user; the CEO opens two
    settings.LIVE_STREAMS_PER_USER = 2
    url = f"/cycles/{demand_cycle().pk}/live/"
    ceo = client_of("ceo")
    opened = [ceo.get(url), ceo.get(url)]
    # when: a third
    refused = ceo.get(url)
    # then
    assert [response.status_code for response in opened] == [200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert "too many live screens open" in refused.json()["detail"]
    # and: another user is not held back by the CEO's streams
    other = client_of("sales").get(url)
    assert other.status_code == 200
    # when: the CEO closes one (the browser's tab)
    closed_as_the_server_would(opened[0])
    # then: there is room for one again
    again = ceo.get(url)
    assert again.status_code == 200
    for response in (opened[1], other, again):
        closed_as_the_server_would(response)


def closed_as_the_server_would(response: Any) -> None:
    """The WSGI server closes a response whose client left; the test client, as it does itself,
    keeps that from closing the test's database connection (its transaction)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def stream_of(username: str, settings: Any) -> tuple[Client, Iterator[bytes]]:
    """A stream that heartbeats every 0.2 s and would run a minute by itself."""
    settings.LIVE_HEARTBEAT_SECONDS = 0.2
    settings.LIVE_WSGI_STREAM_SECONDS = 60
    client = client_of(username)
    response: Any = client.get(f"/cycles/{demand_cycle().pk}/live/")
    assert response.status_code == 200
    chunks = iter(response.streaming_content)
    assert b"event: state" in next(chunks)
    return client, chunks


@pytest.mark.django_db
def test_a_withdrawn_guests_stream_ends_at_the_next_heartbeat(
    demo: None, no_streams_counted: None, settings
) -> None:
    # given: sales2, of another unit, follows the cycle as a guest
    cycle = demand_cycle()
    cycle_guest_grant(actor=user("director"), cycle_id=cycle.pk, username="sales2", roles=["sales"])
    _client, chunks = stream_of("sales2", settings)
    assert next(chunks) == HEARTBEAT  # still a guest: the stream goes on
    # when: the director withdraws the guest
    cycle_guest_revoke(actor=user("director"), cycle_id=cycle.pk, username="sales2")
    # then: the next heartbeat is the stream's end, and it says why
    assert list(chunks) == [REVOKED]


@pytest.mark.django_db
def test_a_signed_out_users_stream_ends_at_the_next_heartbeat(
    demo: None, no_streams_counted: None, settings
) -> None:
    # given
    client, chunks = stream_of("ceo", settings)
    assert next(chunks) == HEARTBEAT
    # when: the CEO signs out (in another tab: the session is gone)
    client.logout()
    # then
    assert list(chunks) == [REVOKED]


# --- served as deployed (gunicorn, uvicorn workers), on a Redis of the test's own -----------------

PER_USER = 2
PER_PROCESS = 3


@contextmanager
def crowded_stack() -> Iterator[AsgiStack]:
    """One web process that holds at most three streams, two per user, on a private Redis."""
    private = PrivateRedis()
    private.start()
    try:
        env = app_env(
            database_url(connection.settings_dict),
            private.url,
            SOP_RECOMPUTE_MODE="inline",
            LOG_LEVEL="WARNING",
            LIVE_STREAMS_PER_USER=str(PER_USER),
            LIVE_STREAM_CONNECTIONS=str(PER_PROCESS),
        )
        web = start_web(env, ARTIFACTS, workers=1, asgi=True)
        try:
            yield AsgiStack(private, web)
        finally:
            web.stop()
    finally:
        private.stop()


def healthz(stack: AsgiStack) -> tuple[int, Any]:
    return stack.session("ceo").get("/healthz")


@pytest.mark.django_db(transaction=True)
def test_open_streams_never_take_the_connections_the_health_check_and_pages_need(
    demo: None,
) -> None:
    with crowded_stack() as stack:
        cycle = demand_cycle()
        server = redis.Redis.from_url(stack.redis.url)
        # given: Redis takes only as many more clients as the streams' pool and a few others
        assert healthz(stack)[0] == 200
        server.config_set("maxclients", len(server.client_list()) + PER_PROCESS + 4)
        streams: list[OpenStream] = []
        try:
            # when: five users try to open two streams each, more than the process holds
            answers = []
            for username in ("ceo", "director", "sales", "production", "finance"):
                for _tab in range(PER_USER):
                    stream = OpenStream(stack, username, cycle.pk)
                    streams.append(stream)
                    answers.append(stream.response.status)
                    if stream.response.status == 200:
                        assert stream.next_event()[0] == "state"
            # then: three streams are open, the others told to poll
            assert answers == [200, 200, 200] + [503] * 7
            assert json_of(streams[3])["detail"] in in_either_language(SERVER_FULL)
            # and: the health check still reaches the broker, and pages are served
            health = {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
            assert healthz(stack) == (200, health)
            assert stack.session("sales").get(f"/cycles/{cycle.pk}/")[0] == 200
            # and: a user's third stream is refused as theirs once the process has room
            streams[2].close()  # director's first
            third = open_once_there_is_room(stack, "ceo", cycle.pk)
            streams.append(third)
            assert third.response.status == 429
            assert json_of(third)["detail"] in in_either_language(USER_FULL)
        finally:
            for stream in streams:
                stream.close()
            server.close()


def in_either_language(message: Any) -> set[str]:
    """The server speaks its users' language (English or Chinese)."""
    texts = set()
    for language in ("en", "zh-hans"):
        with translation.override(language):
            texts.add(str(message))
    return texts


def json_of(stream: OpenStream) -> Any:
    return json.loads(stream.response.read())


def open_once_there_is_room(stack: AsgiStack, username: str, cycle_id: int) -> OpenStream:
    """A closed stream leaves the server when it notices the disconnect: wait for that."""
    deadline = time.monotonic() + 30
    while True:
        stream = OpenStream(stack, username, cycle_id)
        if stream.response.status != 503 or time.monotonic() > deadline:
            return stream
        stream.close()
        time.sleep(0.1)


def abandoned_stream_requests(stack: AsgiStack, username: str, cycle_id: int, count: int) -> None:
    """Stream requests whose browser leaves at once (a reset), some before the stream even
    subscribed, some just after: what clicking through pages, or a script, does."""
    request = (
        f"GET /cycles/{cycle_id}/live/ HTTP/1.1\r\nHost: 127.0.0.1:{stack.web.port}\r\n"
        f"Cookie: {stack.session(username).cookie}\r\nAccept: text/event-stream\r\n\r\n"
    ).encode()
    for index in range(count):
        with socket.create_connection(("127.0.0.1", stack.web.port)) as raw:
            raw.sendall(request)
            time.sleep(0.02 if index % 2 else 0)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def wait_until(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.django_db(transaction=True)
def test_streams_abandoned_before_their_first_event_give_back_their_places_and_connections(
    demo: None,
) -> None:
    with crowded_stack() as stack:
        cycle = demand_cycle()
        server = redis.Redis.from_url(stack.redis.url)
        places = user_streams_key(user("sales").pk)
        try:
            # when: twenty stream requests are abandoned as they start
            abandoned_stream_requests(stack, "sales", cycle.pk, 20)
            # then: within seconds, no place is held and no subscribed connection is left
            assert wait_until(lambda: server.zcard(places) == 0, 10), server.zrange(places, 0, -1)
            subscribed = lambda: [c for c in server.client_list() if int(c["sub"])]  # noqa: E731
            assert wait_until(lambda: not subscribed(), 10), subscribed()
            # and: the user and the process soon get every stream they are allowed (a request
            # the server is still finishing may hold a place for a moment, never for minutes)
            assert wait_until(lambda: every_stream_opens(stack, cycle.pk), 10)
        finally:
            server.close()


def every_stream_opens(stack: AsgiStack, cycle_id: int) -> bool:
    """The sales user's every allowed stream, and one of another user's, open together."""
    streams = [OpenStream(stack, "sales", cycle_id) for _tab in range(PER_USER)]
    streams.append(OpenStream(stack, "ceo", cycle_id))
    try:
        return [stream.response.status for stream in streams] == [200] * (PER_USER + 1)
    finally:
        for stream in streams:
            stream.close()
