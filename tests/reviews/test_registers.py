"""The registers in the browser: entries edited and deleted, months outside the horizon
refused, material risks naming their families, gap alternatives limited to months."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from planning.models import AuditEvent, Cycle, ProductFamily
from planning.months import add_months
from planning.roles import Stage
from reviews.models import DemandAssumption, GapOption, MaterialRisk, ProductionConstraint
from reviews.web.pages import gap_months
from tests.clients import client_as
from tests.demo_snapshot import SEED_MONTHS


@pytest.fixture
def current(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


@pytest.fixture
def in_supply_review(current: Cycle) -> Cycle:
    """The demand review cycle put in supply review (its supply submissions are drafts)."""
    Cycle.objects.filter(pk=current.pk).update(stage=Stage.SUPPLY_REVIEW)
    current.refresh_from_db()
    return current


def horizon(cycle: Cycle) -> tuple[str, str]:
    last = add_months(cycle.horizon_start, cycle.horizon_months - 1)
    return f"{cycle.horizon_start:%Y-%m}", f"{last:%Y-%m}"


def test_sales_edits_an_opportunity_in_the_browser(current: Cycle) -> None:
    # given
    entry = DemandAssumption.objects.filter(cycle=current, kind="opportunity").get()
    first, _last = horizon(current)
    # when
    response = client_as("sales").post(
        f"/cycles/{current.pk}/assumptions/{entry.pk}/",
        {"kind": "opportunity", "months": first, "quantity": "1,800", "probability": "70",
         "description": "618 promotion, confirmed", "owner": "East"},
    )  # fmt: skip
    # then
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.quantity, entry.probability, entry.months) == (1800, 70, [first])
    assert AuditEvent.objects.filter(
        cycle=current, action="demand_assumption_changed", target=f"demand_assumption:{entry.pk}"
    ).exists()


def test_the_edit_form_shows_the_entrys_values(current: Cycle) -> None:
    entry = DemandAssumption.objects.filter(cycle=current, kind="opportunity").get()
    body = client_as("sales").get(f"/cycles/{current.pk}/demand/?edit_assumption={entry.pk}")
    text = body.content.decode()
    assert f'action="/cycles/{current.pk}/assumptions/{entry.pk}/"' in text
    assert f'value="{entry.months[0]}"' in text
    assert f'value="{SEED_MONTHS[2].month} 月大促追加订单"' in text


def test_sales_deletes_a_risk_in_the_browser(current: Cycle) -> None:
    entry = DemandAssumption.objects.filter(cycle=current, kind="risk").get()
    response = client_as("sales").post(f"/cycles/{current.pk}/assumptions/{entry.pk}/delete/")
    assert response.status_code == 302
    assert not DemandAssumption.objects.filter(pk=entry.pk).exists()
    assert AuditEvent.objects.filter(cycle=current, action="demand_assumption_deleted").exists()


def test_deleting_an_entry_that_is_not_there_is_a_404(current: Cycle) -> None:
    response = client_as("sales").post(f"/cycles/{current.pk}/assumptions/999999/delete/")
    assert response.status_code == 404


def test_a_month_outside_the_horizon_is_refused_next_to_the_field(current: Cycle) -> None:
    # given
    first, last = horizon(current)
    # when
    response = client_as("sales").post(
        f"/cycles/{current.pk}/assumptions/",
        {"kind": "risk", "months": "2030-01", "quantity": "5", "probability": "10",
         "description": "Far away"},
    )  # fmt: skip
    # then
    body = response.content.decode()
    assert response.status_code == 400
    assert f"2030-01 is outside this cycle&#x27;s horizon ({first} to {last})." in body
    assert 'value="Far away"' in body
    assert not DemandAssumption.objects.filter(cycle=current, description="Far away").exists()


def test_the_api_refuses_a_month_outside_the_horizon_naming_the_field(current: Cycle) -> None:
    first, last = horizon(current)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username="sales", password="demo")
    response = client.post(
        f"/api/cycles/{current.pk}/demand-assumptions/",
        {"kind": "risk", "months": ["2030-01"], "quantity": 5, "probability": 10,
         "description": "Far away"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["months"] == [
        f"2030-01 is outside this cycle's horizon ({first} to {last})."
    ]


def test_a_material_risk_names_its_families_and_keeps_them_when_edited(
    in_supply_review: Cycle,
) -> None:
    # given
    cycle = in_supply_review
    family = ProductFamily.objects.get(business_unit=cycle.business_unit, code="SEED-01")
    client_as("procurement").post(
        f"/cycles/{cycle.pk}/risks/",
        {"material": "Chip", "risk_level": "high", "families": family.code},
    )
    risk = MaterialRisk.objects.get(cycle=cycle, material="Chip")
    # when
    response = client_as("procurement").post(
        f"/cycles/{cycle.pk}/risks/{risk.pk}/",
        {"material": "Chip", "risk_level": "medium", "families": family.code},
    )
    # then
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.risk_level == "medium"
    assert list(risk.families.values_list("code", flat=True)) == ["SEED-01"]
    body = client_as("procurement").get(f"/cycles/{cycle.pk}/supply/").content.decode()
    assert "<td>SEED-01</td>" in body
    editing = client_as("procurement").get(f"/cycles/{cycle.pk}/supply/?edit_risk={risk.pk}")
    assert 'name="families" value="SEED-01"' in editing.content.decode()


def test_a_gap_alternative_limited_to_a_month_is_ranked_in_that_month_only(
    in_supply_review: Cycle,
) -> None:
    # given two months with a gap
    cycle = in_supply_review
    short = [f"{item['month']:%Y-%m}" for item in gap_months(cycle) if item["analysis"].gap > 0]
    assert len(short) >= 2
    # when
    response = client_as("production").post(
        f"/cycles/{cycle.pk}/gap-options/",
        {"name": "Night shift", "additional_capacity": "900", "months": short[0]},
    )
    # then
    assert response.status_code == 302
    assert GapOption.objects.get(cycle=cycle, name="Night shift").months == [short[0]]
    ranked = {
        f"{item['month']:%Y-%m}": [alt.name for alt in item["analysis"].alternatives]
        for item in gap_months(cycle)
        if item["analysis"].gap > 0
    }
    assert [month for month, names in ranked.items() if "Night shift" in names] == [short[0]]
    assert all("调用渠道安全库存" in names for names in ranked.values())  # unlimited: every month


def api_as(username: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=username, password="demo")
    return client


def test_the_api_replaces_an_entry_through_the_same_service(current: Cycle) -> None:
    # given
    entry = DemandAssumption.objects.filter(cycle=current, kind="risk").get()
    first, _last = horizon(current)
    # when
    response = api_as("sales").put(
        f"/api/cycles/{current.pk}/demand-assumptions/{entry.pk}/",
        {"kind": "risk", "months": [first], "quantity": 2500, "probability": 40,
         "description": "Competitor price cut"},
        format="json",
    )  # fmt: skip
    # then
    assert response.status_code == 200, response.content
    entry.refresh_from_db()
    assert (entry.quantity, entry.months, entry.description) == (
        2500,
        [first],
        "Competitor price cut",
    )
    assert AuditEvent.objects.filter(cycle=current, action="demand_assumption_changed").exists()


def test_the_api_refuses_to_replace_another_cycles_entry(current: Cycle) -> None:
    other = DemandAssumption.objects.exclude(cycle=current).first()
    entry_id = other.pk if other else 999999
    response = api_as("sales").put(
        f"/api/cycles/{current.pk}/demand-assumptions/{entry_id}/",
        {"kind": "risk", "quantity": 1, "probability": 1, "description": "x"},
        format="json",
    )
    assert response.status_code == 404


def test_the_api_replaces_a_production_constraint_through_the_same_service(
    in_supply_review: Cycle,
) -> None:
    # given
    cycle = in_supply_review
    constraint = ProductionConstraint.objects.create(cycle=cycle, note="Line 3 down")
    first, _last = horizon(cycle)
    # when
    response = api_as("production").put(
        f"/api/cycles/{cycle.pk}/production-constraints/{constraint.pk}/",
        {"note": "Line 3 down for two weeks", "month": first},
        format="json",
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["month"] == first
    constraint.refresh_from_db()
    assert (constraint.note, f"{constraint.month:%Y-%m}") == ("Line 3 down for two weeks", first)
    assert AuditEvent.objects.filter(
        cycle=cycle,
        action="production_constraint_changed",
        target=f"production_constraint:{constraint.pk}",
    ).exists()


def test_the_api_deletes_a_production_constraint(in_supply_review: Cycle) -> None:
    constraint = ProductionConstraint.objects.create(cycle=in_supply_review, note="Line 3 down")
    response = api_as("production").delete(
        f"/api/cycles/{in_supply_review.pk}/production-constraints/{constraint.pk}/"
    )
    assert response.status_code == 204
    assert not ProductionConstraint.objects.filter(pk=constraint.pk).exists()


def test_the_api_adds_and_replaces_a_gap_alternative_limited_to_months(
    in_supply_review: Cycle,
) -> None:
    # given
    cycle = in_supply_review
    first, last = horizon(cycle)
    production = api_as("production")
    created = production.post(
        f"/api/cycles/{cycle.pk}/gap-options/",
        {"name": "Night shift", "additional_capacity": 900},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["months"] == []
    # when
    response = production.put(
        f"/api/cycles/{cycle.pk}/gap-options/{created.json()['id']}/",
        {"name": "Night shift", "additional_capacity": 1200, "cost": "35000.00",
         "lead_time_days": 7, "months": [last, first]},
        format="json",
    )  # fmt: skip
    # then
    assert response.status_code == 200, response.content
    option = GapOption.objects.get(pk=created.json()["id"])
    assert (option.additional_capacity, option.lead_time_days, option.months) == (
        1200,
        7,
        [first, last],
    )
    assert AuditEvent.objects.filter(
        cycle=cycle, action="gap_option_changed", target=f"gap_option:{option.pk}"
    ).exists()
    listed = production.get(f"/api/cycles/{cycle.pk}/gap-options/").json()
    assert [(item["name"], item["cost"]) for item in listed if item["id"] == option.pk] == [
        ("Night shift", "35000.00")
    ]


def test_the_api_refuses_a_gap_alternative_month_outside_the_horizon_and_keeps_it(
    in_supply_review: Cycle,
) -> None:
    # given
    cycle = in_supply_review
    first, last = horizon(cycle)
    option = GapOption.objects.create(cycle=cycle, name="Overtime", additional_capacity=500)
    # when
    response = api_as("production").put(
        f"/api/cycles/{cycle.pk}/gap-options/{option.pk}/",
        {"name": "Overtime", "additional_capacity": 800, "months": ["2030-01"]},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json()["months"] == [
        f"2030-01 is outside this cycle's horizon ({first} to {last})."
    ]
    option.refresh_from_db()
    assert (option.additional_capacity, option.months) == (500, [])


def test_the_api_refuses_a_gap_alternative_beyond_the_engines_limits(
    in_supply_review: Cycle,
) -> None:
    option = GapOption.objects.create(
        cycle=in_supply_review, name="Overtime", additional_capacity=500
    )
    response = api_as("production").put(
        f"/api/cycles/{in_supply_review.pk}/gap-options/{option.pk}/",
        {"name": "Overtime", "additional_capacity": 10**15, "lead_time_days": 40000},
        format="json",
    )
    assert response.status_code == 400
    assert sorted(response.json()) == ["additional_capacity", "lead_time_days"]
    option.refresh_from_db()
    assert option.additional_capacity == 500


def test_sales_may_not_replace_a_gap_alternative(in_supply_review: Cycle) -> None:
    option = GapOption.objects.create(
        cycle=in_supply_review, name="Overtime", additional_capacity=500
    )
    response = api_as("sales").put(
        f"/api/cycles/{in_supply_review.pk}/gap-options/{option.pk}/",
        {"name": "Mine now", "additional_capacity": 1},
        format="json",
    )
    assert response.status_code == 403
    option.refresh_from_db()
    assert option.name == "Overtime"
