"""`make run` without services: SQLite, in-process recompute. The demo must load there too."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def manage(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    environment["DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_demo_loads_and_opens_its_cycles_on_sqlite(tmp_path: Path) -> None:
    # given a fresh SQLite database, as `make run` has with no DATABASE_URL
    database = tmp_path / "db.sqlite3"
    migrated = manage(database, "migrate", "--noinput", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    # when
    seeded = manage(database, "seed_demo")
    # then: every cycle has its plan lines, opened through the ORM (not PostgreSQL's SQL)
    assert seeded.returncode == 0, seeded.stderr
    with sqlite3.connect(database) as connection:
        cycles, without_lines = connection.execute(
            "SELECT count(*), sum(NOT EXISTS (SELECT 1 FROM planning_planline l"
            " WHERE l.cycle_id = c.id)) FROM planning_cycle c"
        ).fetchone()
    assert cycles >= 3
    assert without_lines == 0
