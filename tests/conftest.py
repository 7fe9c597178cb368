"""Shared fixtures: the demo (seeded once per run), business units, families and users."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from planning.models import BusinessUnit, Cycle, ProductFamily
from planning.roles import Role
from planning.services.cycles import cycle_create
from planning.services.memberships import membership_grant
from tests.demo_snapshot import DatabaseSnapshot, demo_build, snapshot_of, snapshot_restore
from tests.parallel import redis_of_this_process

# Property and fuzz tests: a loaded machine is slow, not wrong. No per-example deadline and no
# "too slow" health check, so no property test depends on the machine's speed.
hypothesis.settings.register_profile(
    "suite", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile("suite")


def pytest_configure(config: pytest.Config) -> None:
    redis_of_this_process()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """One test database per pytest process, so parallel runs on one server never collide.

    Worker subprocesses started by tests read the name from ``connection.settings_dict``.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def flush_by_delete() -> Iterator[None]:
    """Transactional tests end with DELETEs, not a TRUNCATE (see tests/flush_by_delete.py)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    from tests.flush_by_delete import sql_flush_by_delete

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush_by_delete)
        yield


@pytest.fixture(scope="session", autouse=True)
def test_database_droppable(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """At the end of the run, close what is still connected to this process's test database.

    The browser tests' Playwright event loop gives the test thread another context, with a
    database connection of its own; the connection of the context before it stays open, and
    pytest-django could not drop the database ("is being accessed by other users").
    """
    yield
    from django.db import connection

    database = connection.settings_dict
    if connection.vendor != "postgresql" or database["NAME"] != database["TEST"]["NAME"]:
        return  # not PostgreSQL, or no test asked for a database, so none was created
    with django_db_blocker.unblock():
        connection.close()  # a fault test may have terminated it: ask on a fresh one
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup: None, django_db_blocker: Any) -> DatabaseSnapshot | None:
    """The demo's rows, built once per test run (None where the database is not PostgreSQL)."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            return None
        return snapshot_of(demo_build)


@pytest.fixture
def demo(db: None, demo_snapshot: DatabaseSnapshot | None, settings) -> None:
    """The demo data (``manage.py seed_demo``, analysis computed), as ``make run`` shows it.

    The snapshot is session-scoped, so pytest builds it before any function-scoped fixture
    (the test's transaction, rows of other fixtures) and it holds the demo and nothing else.

    Rolled back with the test's transaction, or committed when the test is transactional
    (``transaction=True``, ``live_server``). Any fixture or test that needs the demo asks for
    this one rather than running ``seed_demo`` again.
    """
    settings.DEBUG = True
    if demo_snapshot is None:
        demo_build()
    else:
        snapshot_restore(demo_snapshot)


@pytest.fixture(autouse=True)
def english_outside_requests() -> Iterator[None]:
    """Each test starts in English, whatever the test before it activated.

    A request activates its own language, and Django leaves it active in the thread after the
    response; text made outside a request (a form validated directly, a service's message)
    would otherwise read in the previous test's language, depending on the order xdist runs
    them in.
    """
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def content_types_read_afresh() -> None:
    """A transactional test's flush, or a rolled-back snapshot, may change content type ids."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture
def business_unit(db: None) -> BusinessUnit:
    return BusinessUnit.objects.create(code="east", name="East")


@pytest.fixture
def make_family(business_unit: BusinessUnit) -> Callable[..., ProductFamily]:
    def make(code: str = "FAM-1", **fields: Any) -> ProductFamily:
        fields.setdefault("business_unit", business_unit)
        fields.setdefault("name", code)
        return ProductFamily.objects.create(code=code, **fields)

    return make


@pytest.fixture
def make_user(db: None) -> Callable[..., AbstractUser]:
    def make(
        username: str, roles: tuple[Role, ...] = (), unit: BusinessUnit | None = None
    ) -> AbstractUser:
        user = get_user_model().objects.create_user(username=username, password="pw-" + username)
        if unit is not None:
            membership_grant(business_unit=unit, user=user, roles=roles)
        return user

    return make


@pytest.fixture
def make_cycle(business_unit: BusinessUnit) -> Callable[..., Cycle]:
    def make(
        plan_month: datetime.date = datetime.date(2024, 3, 1),
        horizon_months: int = 6,
        unit: BusinessUnit | None = None,
    ) -> Cycle:
        return cycle_create(
            business_unit_id=(unit or business_unit).pk,
            plan_month=plan_month,
            horizon_months=horizon_months,
        )

    return make


@pytest.fixture(autouse=True)
def recompute_in_process(settings, request: pytest.FixtureRequest) -> None:
    """Recompute (and send notification e-mails) in-process unless a test needs the real
    Celery worker (marked ``worker``)."""
    if request.node.get_closest_marker("worker") is None:
        settings.SOP_RECOMPUTE_MODE = "inline"
        settings.SOP_NOTIFY_MODE = "inline"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
