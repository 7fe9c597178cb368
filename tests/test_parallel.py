"""Each pytest-xdist process gets a Redis database of its own (tests/parallel.py)."""

import os
import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from tests.parallel import redis_url_for_worker, worker_index


@pytest.mark.parametrize(
    ("worker_id", "index"),
    [(None, 0), ("", 0), ("master", 0), ("gw0", 0), ("gw1", 1), ("gw12", 12)],
)
def test_the_worker_index_comes_from_xdists_worker_id(worker_id: str | None, index: int) -> None:
    assert worker_index(worker_id) == index


@pytest.mark.parametrize(
    ("url", "index", "expected"),
    [
        ("redis://127.0.0.1:6379/15", 0, "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379/15", 1, "redis://127.0.0.1:6379/14"),
        ("redis://127.0.0.1:6379/0", 1, "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379", 2, "redis://127.0.0.1:6379/14"),
        ("redis://:secret@redis.example:6380/3", 1, "redis://:secret@redis.example:6380/2"),
        ("", 1, ""),
    ],
)
def test_each_worker_counts_down_from_the_configured_database(
    url: str, index: int, expected: str
) -> None:
    assert redis_url_for_worker(url, index) == expected


def test_the_cache_writes_to_this_processs_own_redis_database() -> None:
    assert settings.REDIS_URL, "the suite needs Redis: set REDIS_URL (make test does)"
    # given
    key = f"parallel-probe-{uuid.uuid4().hex}"
    # when
    cache.set(key, "here", timeout=30)
    # then the raw database behind REDIS_URL (which workers and child processes receive) has it
    client = redis.Redis.from_url(settings.REDIS_URL)
    stored: list[bytes] = client.keys(f"*{key}")  # type: ignore[assignment]  # sync client
    assert len(stored) == 1 and stored[0].endswith(key.encode())
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL == os.environ["REDIS_URL"]
