"""How many live streams one user may hold open at once, counted in Redis across processes.

Each stream costs a coroutine (or a thread under WSGI) and a Redis connection for minutes, so
one user opening tabs or scripting requests could otherwise take the Redis server's every
client slot. A user's open streams are members of one sorted set, each scored by the time it
ends at the latest: a stream whose process died without a goodbye frees its place once that
time has passed, and the key expires with its last member.
"""

from __future__ import annotations

import contextlib
import time
import uuid

import redis
from django.conf import settings

from planning.live.publish import live_redis

# Past its own deadline a stream still needs a moment to say goodbye (and clocks differ).
_GRACE_SECONDS = 30

# KEYS[1] the user's streams; ARGV: now, this stream's end, its token, the cap, the key's ttl.
_CLAIM = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"""


def user_streams_key(user_id: int) -> str:
    return f"sop:live:{settings.DATABASES['default']['NAME']}:streams:user:{user_id}"


def stream_place_claim(user_id: int, lifetime: float) -> str | None:
    """A place for one more stream of ``user_id`` (its token), or None: the user is at the cap.

    Raises ``redis.RedisError``/``OSError`` when Redis does not answer (no stream then either).
    """
    token = uuid.uuid4().hex
    now = time.time()
    ends = now + lifetime + _GRACE_SECONDS
    claimed = live_redis().eval(
        _CLAIM,
        1,
        user_streams_key(user_id),
        now,
        ends,
        token,
        settings.LIVE_STREAMS_PER_USER,
        int((lifetime + _GRACE_SECONDS) * 1000),
    )
    return token if claimed else None


def stream_place_release(user_id: int, token: str) -> None:
    """The stream ended: its place is free at once (else when its score passes)."""
    with contextlib.suppress(redis.RedisError, OSError):
        live_redis().zrem(user_streams_key(user_id), token)
