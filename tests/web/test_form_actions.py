"""A workflow form's address answers a GET by going back to the form's page (after a refused
POST the address bar shows the action's address; a reload or a language switch GETs it)."""

from __future__ import annotations

import pytest

from planning.models import Cycle
from planning.roles import Stage
from tests.clients import client_as

ACTIONS = [
    ("approve", "decision"),
    ("send-back", "decision"),
    ("advance", ""),
    ("guests", ""),
    ("guests/remove", ""),
]


@pytest.fixture
def executive(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)


@pytest.mark.parametrize(("action", "page"), ACTIONS)
def test_a_get_of_a_form_action_goes_back_to_its_page(
    executive: Cycle, action: str, page: str
) -> None:
    cycle = executive
    response = client_as("ceo").get(f"/cycles/{cycle.pk}/{action}/")
    assert response.status_code == 302
    assert response["Location"] == f"/cycles/{cycle.pk}/{page + '/' if page else ''}"


def test_a_get_of_another_units_action_is_not_found(executive: Cycle) -> None:
    response = client_as("director2").get(f"/cycles/{executive.pk}/approve/")
    assert response.status_code == 404


def test_other_methods_are_not_allowed(executive: Cycle) -> None:
    response = client_as("ceo").put(f"/cycles/{executive.pk}/approve/")
    assert response.status_code == 405
