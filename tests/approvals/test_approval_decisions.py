"""The executive's decisions belong to the cycle's business unit; bad ones name field and index."""

from __future__ import annotations

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
