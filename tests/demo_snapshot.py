"""The demo data, built once per test run and copied back into the test database per test.

``seed_demo`` builds everything through the services (users, grants, two cycles, their audit
trail, the analysis): about half a second on a quiet machine, many seconds on a busy one.
The suite builds it once, in a transaction it rolls back, and keeps every table's rows in
memory (PostgreSQL's binary COPY format). A test that wants the demo empties the tables and
copies the rows back: a few milliseconds, in the test's own transaction when it has one (so
it is rolled back with it), or committed when the test needs commits (live server, worker).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings

from planning.demo import demo_plan_month, seed_horizon_start
from planning.models import Cycle
from planning.months import add_months, month_range
from planning.services.recompute import cycle_recompute

# The suite's demo is dated as if today were this day, so it is the same on every run. Tests
# name the demo's months through the constants below, never by their calendar labels.
DEMO_TODAY = datetime.date(2026, 11, 16)
# The current cycle (demand review) and the second unit's are planned in today's month,
# the previous cycle (executive review) in the month before, the approved one before that.
DEMO_PLAN_MONTH = demo_plan_month(DEMO_TODAY)
DEMO_PREVIOUS_PLAN_MONTH = add_months(DEMO_PLAN_MONTH, -1)
# The cycle before that one was approved by the CEO (a capacity decision, KPI targets).
DEMO_APPROVED_PLAN_MONTH = add_months(DEMO_PLAN_MONTH, -2)
# The seed document's six months (its April to September) as the current cycle's horizon.
SEED_MONTHS = tuple(month_range(seed_horizon_start(DEMO_TODAY), 6))


def seed_month(index: int) -> str:
    """The seed's month ``index`` (0 = its April) as the demo labels it: 'YYYY-MM'."""
    return f"{SEED_MONTHS[index]:%Y-%m}"


@dataclass(frozen=True)
class TableRows:
    table: str
    rows: bytes  # COPY ... (FORMAT binary)
    row_count: int


@dataclass(frozen=True)
class SequenceFloor:
    """A sequence must stay above the highest id the snapshot puts back in its table."""

    sequence: str
    highest_id: int


@dataclass(frozen=True)
class DatabaseSnapshot:
    tables: tuple[TableRows, ...]
    sequences: tuple[SequenceFloor, ...]


def demo_build() -> None:
    """The demo as the web and API tests have always seen it: seeded, every cycle recomputed.

    Passwords are hashed with the test run's fast hasher, so signing in stays cheap.
    """
    with override_settings(
        DEBUG=True,
        SOP_RECOMPUTE_MODE="inline",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        call_command("seed_demo", f"--today={DEMO_TODAY:%Y-%m-%d}", stdout=StringIO())
        for cycle_id in Cycle.objects.values_list("pk", flat=True):
            cycle_recompute(cycle_id)


def snapshot_of(build: Callable[[], None]) -> DatabaseSnapshot:
    """The rows ``build`` leaves in the database; the database itself is left as it was.

    Sequences are not transactional, so they stay past the ids ``build`` used, and rows a
    test creates later never collide with the snapshot's.
    """
    with transaction.atomic():
        build()
        snapshot = _snapshot_take()
        transaction.set_rollback(True)
    return snapshot


def snapshot_restore(snapshot: DatabaseSnapshot) -> None:
    """Replace every table's rows with the snapshot's, in one transaction (or savepoint).

    DELETE rather than TRUNCATE: the tables are small, and TRUNCATE creates and removes files
    for every table, which costs seconds when the disk is busy. Foreign keys are deferred, so
    the order does not matter.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("; ".join(f"DELETE FROM {_quoted(table)}" for table in _table_names()))
        for table in snapshot.tables:
            if table.row_count:
                sql = f"COPY {_quoted(table.table)} FROM STDIN (FORMAT binary)"
                with cursor.cursor.copy(sql) as copy:
                    copy.write(table.rows)
        _sequences_raise(cursor, snapshot.sequences)
    # The snapshot's content types may have other ids than the ones cached in this process;
    # read them all now, as the process that seeded the demo would have them cached.
    ContentType.objects.clear_cache()
    ContentType.objects.get_for_models(*apps.get_models())


def _sequences_raise(cursor: Any, floors: tuple[SequenceFloor, ...]) -> None:
    """Move each sequence past the snapshot's highest id, never backwards.

    setval outlives a rollback, and a sequence behind the restored rows would hand out their
    ids again.
    """
    if not floors:
        return
    values = ", ".join(["(%s, %s::bigint)"] * len(floors))
    cursor.execute(
        "SELECT setval(format('%%I', s.sequencename)::regclass, v.highest_id) "
        f"FROM (VALUES {values}) AS v(sequencename, highest_id) "
        "JOIN pg_sequences s "
        "ON s.schemaname = current_schema() AND s.sequencename = v.sequencename "
        "WHERE coalesce(s.last_value, 0) < v.highest_id",
        [item for floor in floors for item in (floor.sequence, floor.highest_id)],
    )


def _snapshot_take() -> DatabaseSnapshot:
    tables: list[TableRows] = []
    sequences: list[SequenceFloor] = []
    with connection.cursor() as cursor:
        for table in _table_names():
            with cursor.cursor.copy(f"COPY {_quoted(table)} TO STDOUT (FORMAT binary)") as copy:
                rows = b"".join(bytes(chunk) for chunk in copy)
            cursor.execute(f"SELECT count(*) FROM {_quoted(table)}")
            tables.append(TableRows(table, rows, cursor.fetchone()[0]))
            for sequence in connection.introspection.get_sequences(cursor, table):
                cursor.execute(
                    f"SELECT coalesce(max({_quoted(sequence['column'])}), 0) FROM {_quoted(table)}"
                )
                sequences.append(SequenceFloor(sequence["name"], cursor.fetchone()[0]))
    return DatabaseSnapshot(tuple(tables), tuple(sequences))


def _table_names() -> list[str]:
    """Every table the models own: the ones Django's own flush empties between tests."""
    return sorted(
        connection.introspection.django_table_names(only_existing=True, include_views=False)
    )


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)
