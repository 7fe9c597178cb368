"""`manage.py sop_page_bench --through-server` at a small size: it runs to the end and prints a
row for every page, sign-in and the cell save, so the benchmark cannot rot. No figure is
asserted: its times are the machine's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
from django.conf import settings

from planning.page_benchmark import PAGES

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_the_through_server_mode_measures_every_page_sign_in_and_a_cell_save() -> None:
    # when: the demo and 50 more families, through gunicorn, in a scratch database of its own
    run = subprocess.run(
        [sys.executable, "manage.py", "sop_page_bench", "--through-server",
         "--families", "50", "--repeat", "2", "--saves", "3"],
        cwd=PROJECT_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=900,
        check=False,
    )  # fmt: skip
    # then: a row per page, measured at the demo's size and with the families added
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert "+50 families" in lines[0]
    rows = {line.split("|")[0].strip(): line.split("|")[1:] for line in lines[1:-1]}
    expected = [page.name for page in PAGES] + ["login + home", "cell save -> rows"]
    assert list(rows) == expected
    for name, (demo, many) in rows.items():
        for measured in (demo, many):
            p50, p95, queries, _kilobytes = measured.split()
            assert float(p50) > 0 and float(p95) >= float(p50), (name, measured)
            assert queries == "-"  # not counted through the server
    assert "gunicorn with uvicorn workers" in lines[-1]
    # and the scratch database is gone
    scratch = re.search(r"scratch database (\S+) \(dropped afterwards\)", run.stderr)
    assert scratch is not None, run.stderr[-3000:]
    assert not database_exists(scratch.group(1))


def database_exists(name: str) -> bool:
    database = settings.DATABASES["default"]
    with psycopg.connect(
        host=database["HOST"], port=database["PORT"] or 5432, user=database["USER"],
        password=database["PASSWORD"] or None, dbname="postgres",
    ) as admin:  # fmt: skip
        return (
            admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )
