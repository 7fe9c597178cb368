"""Where a browser form goes back to: its ``next``, parsed by a form, only ever one of the
cycle's own pages on this site; anything else falls back to the form's own page."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from planning.models import Cycle
from planning.roles import Stage
from planning.web.cycle_pages import PostedFromForm, page_posted_from
from reviews.models import DemandAssumption


@pytest.fixture
def current(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


def parsed(cycle: Cycle, target: str) -> PostedFromForm:
    with translation.override("en"):
        form = PostedFromForm({"next": target}, host="testserver", cycle=cycle)
        form.is_valid()
        return form


def test_one_of_the_cycles_pages_is_where_the_form_goes_back_to(current: Cycle) -> None:
    form = parsed(current, f"/cycles/{current.pk}/supply/?page=2")
    assert form.is_valid()
    assert (form.page, form.cleaned_data["next"]) == (
        "cycle-supply",
        f"/cycles/{current.pk}/supply/?page=2",
    )


@pytest.mark.parametrize(
    "target",
    [
        "https://elsewhere.example/cycles/{pk}/supply/",
        "//elsewhere.example/cycles/{pk}/supply/",
        "/cycles/{other}/supply/",  # another cycle's page
        "/cycles/{pk}/advance/",  # an address of this cycle, but not a page
        "/no/such/address/",
        "javascript:alert(1)",
    ],
)
def test_anything_else_is_refused_and_names_no_page(current: Cycle, target: str) -> None:
    form = parsed(current, target.format(pk=current.pk, other=current.pk + 1000))
    assert form.errors == {"next": ["Not one of this cycle's pages."]}
    assert form.page == ""


def test_without_next_the_default_page_is_used(current: Cycle) -> None:
    request = RequestFactory().post("/", {})
    assert page_posted_from(request, current, "cycle-demand") == "cycle-demand"


def test_a_register_entry_posted_from_the_overview_goes_back_there(current: Cycle) -> None:
    # given
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username="sales", password="demo")
    first = f"{current.horizon_start:%Y-%m}"
    # when
    response = client.post(
        f"/cycles/{current.pk}/assumptions/",
        {"kind": "risk", "months": first, "quantity": "5", "probability": "10",
         "description": "Back to the overview", "next": f"/cycles/{current.pk}/"},
    )  # fmt: skip
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/cycles/{current.pk}/"
    assert DemandAssumption.objects.filter(description="Back to the overview").exists()


def test_a_register_entry_posted_with_another_sites_next_goes_to_its_own_page(
    current: Cycle,
) -> None:
    # given
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username="sales", password="demo")
    first = f"{current.horizon_start:%Y-%m}"
    # when
    response = client.post(
        f"/cycles/{current.pk}/assumptions/",
        {"kind": "risk", "months": first, "quantity": "5", "probability": "10",
         "description": "Not elsewhere", "next": "https://elsewhere.example/"},
    )  # fmt: skip
    # then
    assert response.status_code == 302
    assert response["Location"] == f"/cycles/{current.pk}/demand/"


def test_a_refused_entry_is_shown_again_on_the_page_it_was_posted_from(current: Cycle) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username="sales", password="demo")
    response = client.post(
        f"/cycles/{current.pk}/assumptions/",
        {"kind": "risk", "months": "2030-01", "quantity": "5", "probability": "10",
         "description": "Far away", "next": f"/cycles/{current.pk}/"},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.templates[0].name == "web/cycle_overview.html"


def test_the_grid_fragment_is_asked_for_through_its_query_form(current: Cycle) -> None:
    # given
    client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_HX_REQUEST="true")
    assert client.login(username="sales", password="demo")
    # when
    fragment = client.get(f"/cycles/{current.pk}/demand/?fragment=grid")
    unknown = client.get(f"/cycles/{current.pk}/demand/?fragment=everything")
    # then
    assert fragment.status_code == 200
    assert fragment.templates[0].name == "web/_grid.html"
    assert unknown.status_code == 400
    assert unknown.templates[0].name == "web/demand_review.html"
    assert "fragment: Select a valid choice. everything is not one of the available choices." in (
        unknown.content.decode()
    )
