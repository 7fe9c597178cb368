"""Real races against PostgreSQL: requests from threads, a third session holding a row lock.

A test that merely starts two threads at once proves little: one may finish before the other
starts. Here a third database session takes the lock (or the unique-index slot) first, every
request is started, and the test waits until PostgreSQL itself reports each one waiting on a
lock (``pg_stat_activity``); only then is the lock released, so the requests really meet.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection

# Generous: the machine is shared, and waiting for a condition costs nothing when it is quick.
WAIT_SECONDS = 60


def _dsn() -> str:
    settings = connection.settings_dict
    assert connection.vendor == "postgresql", "run the suite on PostgreSQL (DATABASE_URL)"
    return (
        f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
        f"user={settings['USER']} dbname={settings['NAME']}"
    )


@contextmanager
def third_session() -> Iterator[psycopg.Connection]:
    """A session of its own, outside Django; its transaction stays open until the block ends.

    Whatever it did is committed at the end of the block, unless the block rolled it back.
    """
    with psycopg.connect(_dsn()) as session:
        yield session


def wait_for_lock_waiters(session: psycopg.Connection, count: int) -> None:
    """Return once ``count`` other sessions of this database wait on a lock."""
    deadline = time.monotonic() + WAIT_SECONDS
    waiting = 0
    while time.monotonic() < deadline:
        # Statistics views are snapshotted per transaction; the session's stays open.
        session.execute("SELECT pg_stat_clear_snapshot()")
        row = session.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        ).fetchone()
        waiting = int(row[0]) if row else 0
        if waiting >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} requests should wait on the lock; {waiting} do")


class Requests:
    """Run callables in threads (each with its own database connection); collect the results."""

    def __init__(self, calls: list[Callable[[], Any]]):
        self.results: list[Any] = [None] * len(calls)
        self.errors: list[BaseException] = []
        self._threads = [
            threading.Thread(target=self._run, args=(index, call))
            for index, call in enumerate(calls)
        ]

    def start(self) -> Requests:
        for thread in self._threads:
            thread.start()
        return self

    def join(self) -> list[Any]:
        for thread in self._threads:
            thread.join(WAIT_SECONDS)
        assert not any(thread.is_alive() for thread in self._threads), "a request never ended"
        assert self.errors == [], self.errors
        return self.results

    def _run(self, index: int, call: Callable[[], Any]) -> None:
        try:
            self.results[index] = call()
        except BaseException as error:  # reported by join(), not lost in the thread
            self.errors.append(error)
        finally:
            connection.close()


def lock_cycle_row(session: psycopg.Connection, cycle_id: int) -> None:
    session.execute("SELECT id FROM planning_cycle WHERE id = %s FOR UPDATE", [cycle_id])
