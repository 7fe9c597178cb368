"""Family inputs: typed (or picked from suggestions) by code, never a list of every family; the
search that suggests them answers a few of the cycle's own unit's families."""

from __future__ import annotations

import pytest

from planning.models import Cycle, PlanLine, ProductFamily
from planning.roles import Stage
from planning.web.fields import FAMILY_SEARCH_LIMIT
from reviews.models import DemandAssumption
from reviews.web.forms import DemandAssumptionForm, MaterialRiskForm
from tests.clients import client_as


@pytest.fixture
def current(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


def test_the_search_answers_the_matching_families_of_the_cycles_unit(current: Cycle) -> None:
    response = client_as("sales").get(f"/cycles/{current.pk}/families/?q=seed-0")
    assert response.status_code == 200
    codes = [family["code"] for family in response.json()["families"]]
    assert codes[0] == "SEED-01"
    assert all(code.upper().startswith("SEED-0") for code in codes)


def test_the_search_answers_at_most_its_limit(current: Cycle) -> None:
    # given more families than one answer holds
    ProductFamily.objects.bulk_create(
        ProductFamily(business_unit_id=current.business_unit_id, code=f"ZZ-{n:03}", name="z")
        for n in range(FAMILY_SEARCH_LIMIT + 5)
    )
    # when
    response = client_as("sales").get(f"/cycles/{current.pk}/families/?q=zz-")
    # then
    assert len(response.json()["families"]) == FAMILY_SEARCH_LIMIT


def test_the_search_of_another_units_cycle_is_404(demo: None) -> None:
    other = PlanLine.objects.exclude(cycle__business_unit__code="demo")[0].cycle
    assert client_as("sales").get(f"/cycles/{other.pk}/families/?q=a").status_code == 404


def test_an_overlong_search_is_refused_naming_the_parameter(current: Cycle) -> None:
    response = client_as("sales").get(f"/cycles/{current.pk}/families/?q={'x' * 61}")
    assert response.status_code == 400
    assert response.json() == {
        "errors": {"q": ["Ensure this value has at most 60 characters (it has 61)."]}
    }


def test_a_register_entry_takes_the_family_typed_by_its_code(current: Cycle) -> None:
    # when sales types the family's code (no script, no list of families)
    response = client_as("sales").post(
        f"/cycles/{current.pk}/assumptions/",
        {"kind": "risk", "family": " SEED-01 ", "quantity": "10", "probability": "50",
         "description": "typed code"},
    )  # fmt: skip
    # then
    assert response.status_code == 302
    entry = DemandAssumption.objects.get(cycle=current, description="typed code")
    assert entry.family is not None and entry.family.code == "SEED-01"


def test_the_demand_page_lists_no_families_but_searches_them(current: Cycle) -> None:
    body = client_as("sales").get(f"/cycles/{current.pk}/demand/").content.decode()
    assert "SEED-01</option>" not in body
    assert f'data-search-url="/cycles/{current.pk}/families/"' in body
    assert 'list="family-options"' in body


def test_an_entry_edited_shows_its_family_code(current: Cycle) -> None:
    family = ProductFamily.objects.get(business_unit_id=current.business_unit_id, code="SEED-01")
    entry = DemandAssumption.objects.create(
        cycle=current, kind="risk", family=family, quantity=1, probability=10, description="e"
    )
    form = DemandAssumptionForm(
        initial=DemandAssumptionForm.initial_from(entry),
        business_unit_id=current.business_unit_id,
    )
    assert 'value="SEED-01"' in str(form["family"])


def test_material_risk_families_are_typed_as_codes(current: Cycle) -> None:
    unit = current.business_unit_id
    codes = list(
        ProductFamily.objects.filter(business_unit_id=unit).order_by("code")
        .values_list("code", flat=True)[:2]
    )  # fmt: skip
    form = MaterialRiskForm(
        {"material": "Chip", "risk_level": "high", "families": f"{codes[0]}, {codes[1]}"},
        business_unit_id=unit,
    )
    assert form.is_valid(), form.errors
    assert sorted(family.code for family in form.cleaned_data["families"]) == codes


def test_an_unknown_code_among_material_risk_families_is_named(current: Cycle) -> None:
    form = MaterialRiskForm(
        {"material": "Chip", "risk_level": "high", "families": "SEED-01, NOPE"},
        business_unit_id=current.business_unit_id,
    )
    assert not form.is_valid()
    assert form.errors["families"] == ["No family with the code “NOPE” in this business unit."]
    assert 'value="SEED-01, NOPE"' in str(form["families"])


def test_material_risk_family_codes_may_hold_spaces(current: Cycle) -> None:
    # given a family whose code holds a space
    unit = current.business_unit_id
    ProductFamily.objects.create(business_unit_id=unit, code="PHN C", name="c")
    # when it is named with another, separated by a full-width comma
    form = MaterialRiskForm(
        {"material": "Chip", "risk_level": "high", "families": "PHN C\uff0c PHN-A"},
        business_unit_id=unit,
    )
    # then
    assert form.is_valid(), form.errors
    assert sorted(family.code for family in form.cleaned_data["families"]) == ["PHN C", "PHN-A"]
