"""A scratch PostgreSQL database of the drill's own: created, migrated, dropped afterwards."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg


def database_url(database: Mapping[str, Any], name: str | None = None) -> str:
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return (
        f"postgres://{database['USER']}{password}@{database['HOST']}{port}/"
        f"{name or database['NAME']}"
    )


def admin_connection(database: Mapping[str, Any]) -> psycopg.Connection:
    return psycopg.connect(
        host=database["HOST"],
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@contextmanager
def scratch_database(purpose: str) -> Iterator[str]:
    """Point Django at a new empty database ``<configured name>_<purpose>_<pid>``; drop it after.

    Yields its URL, for the server and worker processes the drill starts.
    """
    from django.conf import settings
    from django.db import connections

    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("postgresql"):
        raise SystemExit("The load and fault drills need PostgreSQL: set DATABASE_URL.")
    original = database["NAME"]
    name = f"{original}_{purpose}_{os.getpid()}"
    with admin_connection(database) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    connections.close_all()
    database["NAME"] = name
    try:
        yield database_url(database)
    finally:
        connections.close_all()
        database["NAME"] = original
        with admin_connection(database) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
