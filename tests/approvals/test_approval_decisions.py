"""The executive's decisions belong to the cycle's business unit; bad ones name field and index."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.utils import translation

from approvals.models import CapacityDecision, KpiTarget
from planning.models import BusinessUnit, Cycle, ProductFamily
from planning.roles import Stage

from .conftest import api_as, browser_as


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def deciding(at_stage: Callable[[Stage], Cycle]) -> Cycle:
    from planning.services.recompute import cycle_recompute

    cycle = at_stage(Stage.EXECUTIVE_REVIEW)
    cycle_recompute(cycle.pk)  # the test transaction never commits
    cycle.refresh_from_db()
    return cycle


def approve(user: AbstractUser, cycle: Cycle, **body: Any):
    return api_as(user).post(
        f"/api/cycles/{cycle.pk}/approve/", {"comment": "ok", **body}, format="json"
    )


def test_a_capacity_decision_for_another_units_family_is_refused(
    deciding: Cycle, people: dict[str, AbstractUser]
) -> None:
    other = BusinessUnit.objects.create(code="other", name="Other")
    foreign = ProductFamily.objects.create(business_unit=other, code="X-1", name="X")
    decisions = [
        {"description": "second line", "additional_capacity": 100},
        {"description": "their line", "family": foreign.pk, "additional_capacity": 100},
    ]

    response = approve(people["ceo-a"], deciding, capacity_decisions=decisions)

    assert response.status_code == 400
    assert response.json() == {
        "capacity_decisions[1].family": [
            f"Decision 2: product family {foreign.pk} is not one of this business unit's families."
        ]
    }
    deciding.refresh_from_db()
    assert deciding.stage == Stage.EXECUTIVE_REVIEW
    assert not CapacityDecision.objects.exists()


def test_a_capacity_decision_for_a_family_that_does_not_exist_is_refused(
    deciding: Cycle, people: dict[str, AbstractUser]
) -> None:
    decisions = [{"description": "ghost", "family": 987654, "additional_capacity": 1}]

    response = approve(people["ceo-a"], deciding, capacity_decisions=decisions)

    assert response.status_code == 400
    assert list(response.json()) == ["capacity_decisions[0].family"]


def test_a_capacity_decision_for_the_units_own_family_is_recorded(
    deciding: Cycle, people: dict[str, AbstractUser]
) -> None:
    family = ProductFamily.objects.get(business_unit=deciding.business_unit, code="FAM-1")
    decisions = [{"description": "second line", "family": family.pk, "additional_capacity": 50}]

    response = approve(people["ceo-a"], deciding, capacity_decisions=decisions)

    assert response.status_code == 200
    assert CapacityDecision.objects.get().family == family


def test_a_bad_kpi_target_from_the_approve_form_keeps_the_cycle_in_review(
    deciding: Cycle, people: dict[str, AbstractUser]
) -> None:
    page = browser_as(people["ceo-a"]).post(
        f"/cycles/{deciding.pk}/approve/",
        {
            "comment": "ok",
            "kpi-TOTAL_FORMS": "1",
            "kpi-INITIAL_FORMS": "0",
            "kpi-0-name": "k" * 121,
            "kpi-0-target": "1",
        },
    )

    # the decision page comes back with the error by the field and what was typed kept
    assert page.status_code == 400
    assert "Ensure this value has at most 120 characters" in page.content.decode()
    assert "k" * 121 in page.content.decode()
    deciding.refresh_from_db()
    assert deciding.stage == Stage.EXECUTIVE_REVIEW
    assert not KpiTarget.objects.exists()


OUTSIDE_THE_HORIZON = (
    "Decision 1: the month it takes effect must be within this cycle's horizon"
    " (2024-04 to 2024-06)."
)


@pytest.mark.parametrize(
    ("effective_from", "errors"),
    [
        # the field itself: a month of 2000-01 to 2100-12 (named by the serializer's nesting)
        ("1900-01-17",
         {"capacity_decisions": {"0": {"effective_from": [
             "Enter a month from 2000-01 to 2100-12."]}}}),
        # the service: a month of this cycle's horizon
        ("2099-12", {"capacity_decisions[0].effective_from": [OUTSIDE_THE_HORIZON]}),
        ("2024-03", {"capacity_decisions[0].effective_from": [OUTSIDE_THE_HORIZON]}),
    ],
)  # fmt: skip
def test_a_capacity_decision_takes_effect_in_a_month_of_the_horizon(
    deciding: Cycle, people: dict[str, AbstractUser], effective_from: str, errors: dict
) -> None:
    # given: a cycle whose horizon is 2024-04 to 2024-06
    decisions = [{"description": "third shift", "additional_capacity": 100,
                  "effective_from": effective_from}]  # fmt: skip
    # when
    response = approve(people["ceo-a"], deciding, capacity_decisions=decisions)
    # then
    assert response.status_code == 400
    assert response.json() == errors
    deciding.refresh_from_db()
    assert deciding.stage == Stage.EXECUTIVE_REVIEW
    assert not CapacityDecision.objects.exists()


def test_a_capacity_decision_in_the_horizon_is_kept_as_its_month(
    deciding: Cycle, people: dict[str, AbstractUser]
) -> None:
    decisions = [{"description": "third shift", "additional_capacity": 100,
                  "effective_from": "2024-05"}]  # fmt: skip

    response = approve(people["ceo-a"], deciding, capacity_decisions=decisions)

    assert response.status_code == 200
    assert CapacityDecision.objects.get().effective_from == datetime.date(2024, 5, 1)


def test_the_approve_form_refuses_a_decision_month_outside_the_horizon_by_its_field(
    deciding: Cycle, people: dict[str, AbstractUser]
) -> None:
    page = browser_as(people["ceo-a"]).post(
        f"/cycles/{deciding.pk}/approve/",
        {
            "comment": "ok",
            "decision-TOTAL_FORMS": "1",
            "decision-INITIAL_FORMS": "0",
            "decision-0-description": "third shift",
            "decision-0-additional_capacity": "100",
            "decision-0-effective_from": "2099-12",
        },
    )

    assert page.status_code == 400
    assert "must be within this cycle&#x27;s horizon (2024-04 to 2024-06)" in page.content.decode()
    assert "third shift" in page.content.decode()
    deciding.refresh_from_db()
    assert deciding.stage == Stage.EXECUTIVE_REVIEW
    assert not CapacityDecision.objects.exists()
