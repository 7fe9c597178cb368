"""Reminders from the real Celery beat and worker: once per event, a Redis restart loses none."""

from __future__ import annotations

import datetime
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from approvals.models import EmailState, Notification, NotificationKind, StageDeadline
from approvals.services import cycle_open
from planning.live_processes import AppProcess, start_beat, start_worker, wait_for
from planning.models import BusinessUnit, Cycle
from planning.roles import Role
from tests.recompute import conftest as recompute_fixtures
from tests.recompute.conftest import PrivateRedis, Stack

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# The processes on a Redis of the test's own, which it stops and starts again.
private_redis = recompute_fixtures.private_redis
private_stack = recompute_fixtures.private_stack

REMINDER_SECONDS = 2
# Who is reminded of a data collection stage: its submitters, and the chair who owns it.
REMINDED = {"chair", "seller", "maker", "buyer"}
K = NotificationKind


@pytest.fixture
def cycle(settings, make_user, make_family, business_unit: BusinessUnit) -> Cycle:
    settings.SOP_NOTIFY_MODE = "inline"  # the opening's own notifications, sent here
    people: dict[str, AbstractUser] = {}
    for name, role in (("chair", Role.DIRECTOR), ("seller", Role.SALES),
                       ("maker", Role.PRODUCTION), ("buyer", Role.PROCUREMENT),
                       ("boss", Role.EXECUTIVE)):  # fmt: skip
        people[name] = make_user(name, (role,), business_unit)
        people[name].email = f"{name}@example.com"
        people[name].save(update_fields=["email"])
    make_family("FAM-1")
    return cycle_open(
        actor=people["chair"],
        business_unit_id=business_unit.pk,
        plan_month=datetime.date(2024, 3, 1),
        horizon_months=3,
    )


def due_in(cycle: Cycle, days: int) -> None:
    StageDeadline.objects.filter(cycle=cycle, stage=cycle.stage).update(
        due_date=timezone.localdate() + datetime.timedelta(days=days)
    )


def reminded(kind: NotificationKind) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def scans_done(worker: AppProcess) -> int:
    return sum(
        "notification_reminders[" in line and "succeeded" in line
        for line in worker.log_text().splitlines()
    )


def mails_in(folder: Path) -> list[str]:
    """The recipients of every e-mail the worker wrote (the file backend, one file per batch)."""
    return sorted(
        line.removeprefix("To: ")
        for path in folder.glob("*.log")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("To: ")
    )


def test_beat_reminds_once_per_event_and_a_redis_restart_loses_nothing(
    cycle: Cycle,
    private_stack: Stack,
    private_redis: PrivateRedis,
    tmp_path: Path,
    settings,
) -> None:
    # given: a stage due tomorrow; the worker writes its e-mails to files
    Notification.objects.all().delete()
    due_in(cycle, 1)
    settings.SOP_NOTIFY_MODE = "celery"
    mail = {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(tmp_path), "LANGUAGE_CODE": "en"}  # fmt: skip
    worker = start_worker(private_stack.env(**mail), tmp_path)
    private_stack.processes.append(worker)
    beat_env = private_stack.env(SOP_REMINDER_SECONDS=str(REMINDER_SECONDS), **mail)
    private_stack.processes.append(start_beat(beat_env, tmp_path))
    # when beat has scanned
    wait_for(lambda: reminded(K.DUE_SOON) == sorted(REMINDED), 120, "the due-soon reminders")
    # then: the worker e-mailed each of them
    wait_for(lambda: len(mails_in(tmp_path)) == 4, 120, "the due-soon e-mails")

    # when: Redis goes away, and meanwhile the stage becomes overdue
    private_redis.stop()
    due_in(cycle, -1)
    time.sleep(3 * REMINDER_SECONDS)  # the outage spans several scans: its length, not a wait
    private_redis.start()
    # then: beat's next scans find it in the database and remind of it once
    wait_for(lambda: reminded(K.OVERDUE) == sorted(REMINDED), 180, "the overdue reminders")
    after = scans_done(worker)
    wait_for(lambda: scans_done(worker) >= after + 3, 180, "three more scans")
    assert reminded(K.DUE_SOON) == sorted(REMINDED)
    assert reminded(K.OVERDUE) == sorted(REMINDED)
    wait_for(lambda: len(mails_in(tmp_path)) == 8, 120, "the overdue e-mails")
    assert mails_in(tmp_path) == sorted([f"{name}@example.com" for name in REMINDED] * 2)
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.SENT}
