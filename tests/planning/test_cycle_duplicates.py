"""One cycle per business unit and month: a duplicate is told which cycle exists, never a 500."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.test import Client
from rest_framework.test import APIClient

from approvals.services import cycle_open
from planning.errors import CycleExists
from planning.models import BusinessUnit, Cycle
from planning.roles import Role
from tests.approvals.concurrency import Requests, third_session, wait_for_lock_waiters

MARCH = datetime.date(2024, 3, 1)


@pytest.fixture
def director(make_user, make_family, business_unit: BusinessUnit) -> AbstractUser:
    make_family("FAM-1")
    return make_user("chair", (Role.DIRECTOR,), business_unit)


def api_create(user: AbstractUser, unit: BusinessUnit, barrier: threading.Barrier | None = None):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    body = {"business_unit": unit.pk, "plan_month": "2024-03", "horizon_months": 3}

    def create() -> tuple[int, Any]:
        if barrier is not None:
            barrier.wait()
        response = client.post("/api/cycles/", body, format="json")
        return response.status_code, response.json()

    return create


def insert_cycle_uncommitted(session: Any, unit: BusinessUnit) -> int:
    """Another session opens March for the unit and has not committed yet."""
    row = session.execute(
        "INSERT INTO planning_cycle (business_unit_id, plan_month, horizon_start, "
        "horizon_months, stage, inputs_version, computed_version, structure_version, "
        "created_at) VALUES (%s, %s, %s, 3, 'data_collection', 1, 0, 1, now()) RETURNING id",
        [unit.pk, MARCH, datetime.date(2024, 4, 1)],
    ).fetchone()
    return int(row[0])


def test_opening_a_month_twice_names_the_existing_cycle(
    director: AbstractUser, business_unit: BusinessUnit
) -> None:
    first = cycle_open(
        actor=director, business_unit_id=business_unit.pk, plan_month=MARCH, horizon_months=3
    )

    with pytest.raises(CycleExists) as refused:
        cycle_open(
            actor=director, business_unit_id=business_unit.pk, plan_month=MARCH, horizon_months=3
        )

    assert refused.value.extra == {"cycle": first.pk, "plan_month": "2024-03"}


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_creates_of_one_month_give_one_cycle_and_nine_conflicts(
    director: AbstractUser, business_unit: BusinessUnit
) -> None:
    barrier = threading.Barrier(10)
    results = Requests([api_create(director, business_unit, barrier) for _ in range(10)])

    answers = results.start().join()

    statuses = sorted(status for status, _body in answers)
    assert statuses == [201] + [409] * 9
    [created] = [body for status, body in answers if status == 201]
    for status, body in answers:
        if status == 409:
            assert (body["code"], body["cycle"], body["plan_month"]) == (
                "cycle_exists",
                created["id"],
                "2024-03",
            )
    assert Cycle.objects.filter(business_unit=business_unit).count() == 1


@pytest.mark.django_db(transaction=True)
def test_creates_that_meet_at_the_unique_index_get_409_naming_the_cycle(
    director: AbstractUser, business_unit: BusinessUnit
) -> None:
    # given: another session has inserted March and not committed, so nobody sees it yet
    with third_session() as other:
        existing = insert_cycle_uncommitted(other, business_unit)
        requests = Requests([api_create(director, business_unit) for _ in range(3)]).start()
        # when: all three wait on the unique index until the other session commits
        wait_for_lock_waiters(other, 3)
        other.commit()
    answers = requests.join()

    # then
    assert [status for status, _body in answers] == [409, 409, 409]
    assert {body["cycle"] for _status, body in answers} == {existing}
    assert answers[0][1]["detail"] == (
        f"This business unit already has a cycle for 2024-03 (cycle {existing})."
    )


@pytest.mark.django_db(transaction=True)
def test_the_new_cycle_form_meeting_a_parallel_create_says_which_cycle_exists(
    director: AbstractUser, business_unit: BusinessUnit
) -> None:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(director)  # type: ignore[arg-type]  # our user model is Django's
    form = {"business_unit": business_unit.pk, "plan_month": "2024-03", "horizon_months": "3"}

    with third_session() as other:
        existing = insert_cycle_uncommitted(other, business_unit)
        requests = Requests([lambda: browser.post("/cycles/new/", form, follow=True)]).start()
        wait_for_lock_waiters(other, 1)
        other.commit()
    [page] = requests.join()

    # the home page comes back with the form and the refusal (409), nothing half-made
    assert page.status_code == 409
    assert f"already has a cycle for 2024-03 (cycle {existing})" in page.content.decode()
