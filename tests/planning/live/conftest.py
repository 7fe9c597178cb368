"""A subscriber on a cycle's live channel, as an open screen's stream is."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from planning.live.publish import cycle_channel

SENTINEL = {"sentinel": True}


class Listener:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.pubsub = self.client.pubsub()

    def subscribe(self, cycle_id: int) -> None:
        self.pubsub.subscribe(cycle_channel(cycle_id))
        confirmation = self.pubsub.get_message(timeout=10)
        assert confirmation and confirmation["type"] == "subscribe", confirmation

    def events_until_sentinel(self, cycle_id: int, timeout: float = 30) -> list[dict[str, Any]]:
        """Every event published so far, in order: a marker published now comes after them."""
        self.client.publish(cycle_channel(cycle_id), json.dumps(SENTINEL))
        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.pubsub.get_message(timeout=1)
            if message is None or message["type"] != "message":
                continue
            event = json.loads(message["data"])
            if event == SENTINEL:
                return events
            events.append(event)
        raise AssertionError(f"no marker within {timeout}s; got {events}")

    def close(self) -> None:
        self.pubsub.close()
        self.client.close()


@pytest.fixture
def listener(settings) -> Iterator[Listener]:
    assert settings.REDIS_URL, "live tests need Redis: set REDIS_URL (make test does)"
    subscriber = Listener(settings.REDIS_URL)
    yield subscriber
    subscriber.close()
