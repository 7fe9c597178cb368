"""Bad input on the browser pages: the page again with the error next to the field and what
was typed kept, or a 404 for what does not exist; never a 500, never another unit's data."""

from __future__ import annotations

import pytest

from approvals.models import CapacityDecision
from planning.models import Cycle, PlanLine
from planning.roles import Stage
from tests.clients import client_as
from tests.demo_snapshot import SEED_MONTHS, seed_month


@pytest.fixture
def current(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


@pytest.fixture
def previous(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)


@pytest.fixture
def other_unit_line(demo: None) -> PlanLine:
    return PlanLine.objects.exclude(cycle__business_unit__code="demo").select_related("family")[0]


def seed_line(cycle: Cycle) -> PlanLine:
    return PlanLine.objects.get(cycle=cycle, family__code="SEED-01", month=SEED_MONTHS[1])


# --- grid cells ---


def test_an_unknown_line_id_in_a_grid_cell_is_404(current: Cycle) -> None:
    response = client_as("sales").post(
        f"/cycles/{current.pk}/lines/999999999/demand_forecast/", {"value": "1", "version": "1"}
    )
    assert response.status_code == 404


def test_another_units_line_is_404_and_shows_nothing_of_it_even_with_debug_on(
    current: Cycle, other_unit_line: PlanLine
) -> None:
    # given: the technical error page of DEBUG would list the variables of every frame
    client = client_as("sales", raise_request_exception=False)
    # when
    response = client.post(
        f"/cycles/{current.pk}/lines/{other_unit_line.pk}/demand_forecast/",
        {"value": "1", "version": "1"},
    )
    # then
    assert response.status_code == 404
    assert other_unit_line.family.code not in response.content.decode()


def test_an_unknown_field_in_a_grid_cell_is_404(current: Cycle) -> None:
    line = seed_line(current)
    response = client_as("sales").post(
        f"/cycles/{current.pk}/lines/{line.pk}/nonsense/", {"value": "1", "version": "1"}
    )
    assert response.status_code == 404


def test_version_abc_in_a_grid_cell_is_shown_in_the_cell(current: Cycle) -> None:
    line = seed_line(current)
    response = client_as("sales").post(
        f"/cycles/{current.pk}/lines/{line.pk}/demand_forecast/",
        {"value": "14000", "version": "abc"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert '<div class="cell-msg" role="alert">Enter a whole number.</div>' in body
    assert 'value="14000"' in body
    line.refresh_from_db()
    assert line.demand_forecast == 13500


@pytest.mark.parametrize("typed", ["1,5", "1,2,3,4"])
def test_an_ambiguous_cell_value_is_refused_not_misread(current: Cycle, typed: str) -> None:
    line = seed_line(current)
    body = (
        client_as("sales")
        .post(
            f"/cycles/{current.pk}/lines/{line.pk}/demand_forecast/",
            {"value": typed, "version": line.version},
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert "Enter a whole number of units, e.g. 12000 or 12,000." in body
    line.refresh_from_db()
    assert line.demand_forecast == 13500


# --- query strings ---


def test_page_superscript_two_is_refused_naming_the_parameter(current: Cycle) -> None:
    response = client_as("sales").get(f"/cycles/{current.pk}/demand/?page=²")
    assert response.status_code == 400
    assert "page: Enter a whole number." in response.content.decode()


def test_an_unknown_family_on_the_analysis_is_refused_naming_it(current: Cycle) -> None:
    response = client_as("sales").get(f"/cycles/{current.pk}/analysis/?family=abc")
    assert response.status_code == 400
    assert "family: Select a valid choice. abc is not one of the available choices." in (
        response.content.decode()
    )


def test_a_nul_in_the_history_filter_is_refused(current: Cycle) -> None:
    response = client_as("director").get(f"/cycles/{current.pk}/history/?user=%00&page=x")
    assert response.status_code == 400


# --- registers ---


def test_a_garbage_due_date_is_shown_next_to_the_field_with_the_rest_kept(current: Cycle) -> None:
    Cycle.objects.filter(pk=current.pk).update(stage=Stage.SUPPLY_REVIEW)
    response = client_as("procurement").post(
        f"/cycles/{current.pk}/risks/",
        {
            "material": "Chip X",
            "risk_level": "high",
            "due_date": "garbage",
            "months": seed_month(1),
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert '<ul class="errorlist" id="id_due_date_error"><li>Enter a valid date.</li></ul>' in body
    assert 'value="Chip X"' in body
    assert f'value="{seed_month(1)}"' in body


def test_family_abc_in_a_register_is_refused_next_to_the_field(current: Cycle) -> None:
    response = client_as("sales").post(
        f"/cycles/{current.pk}/assumptions/",
        {
            "kind": "risk",
            "family": "abc",
            "quantity": "10",
            "probability": "50",
            "description": "d",
        },
    )
    assert response.status_code == 400
    assert "No family with the code “abc” in this business unit." in response.content.decode()


def test_another_units_family_is_not_a_choice(current: Cycle, other_unit_line: PlanLine) -> None:
    response = client_as("sales").post(
        f"/cycles/{current.pk}/assumptions/",
        {
            "kind": "risk",
            "family": other_unit_line.family_id,
            "quantity": "10",
            "probability": "50",
            "description": "d",
        },
    )
    assert response.status_code == 400
    assert current.demand_assumptions.filter(description="d").count() == 0


def test_an_unknown_submission_action_is_404(current: Cycle) -> None:
    response = client_as("sales").post(f"/cycles/{current.pk}/submissions/sales_forecast/destroy/")
    assert response.status_code == 404


# --- the executive decision ---


ROWS = {"decision-TOTAL_FORMS": "1", "decision-INITIAL_FORMS": "0",
        "kpi-TOTAL_FORMS": "1", "kpi-INITIAL_FORMS": "0"}  # fmt: skip


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("kpi-0-target", "95%", "Enter a number, e.g. 2,000,000 or 0.95."),
        ("kpi-0-target", "abc", "Enter a number, e.g. 2,000,000 or 0.95."),
        ("kpi-0-target", "1e30", "Enter a number, e.g. 2,000,000 or 0.95."),
        ("kpi-0-name", "k" * 121, "Ensure this value has at most 120 characters (it has 121)."),
    ],
)
def test_a_refused_approval_keeps_everything_the_ceo_typed(
    previous: Cycle, field: str, typed: str, message: str
) -> None:
    # given
    typed_in = {
        **ROWS,
        "comment": "Go ahead with the second shift",
        "decision-0-description": "Second shift",
        "decision-0-additional_capacity": "2,000",
        "decision-0-investment": "2,000,000",
        "kpi-0-name": "Fill rate",
        "kpi-0-target": "0.95",
        "kpi-0-unit": "%",
        field: typed,
    }
    # when
    response = client_as("ceo").post(f"/cycles/{previous.pk}/approve/", typed_in)
    # then
    body = response.content.decode()
    assert response.status_code == 400
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{message}</li></ul>' in body
    assert "Go ahead with the second shift</textarea>" in body
    typed_rows = ("decision-0-description", "decision-0-additional_capacity",
                  "decision-0-investment", field)  # fmt: skip
    for name in typed_rows:
        assert f'name="{name}" value="{typed_in[name]}"' in body
    previous.refresh_from_db()
    assert previous.stage == Stage.EXECUTIVE_REVIEW


def test_a_refused_decision_row_is_explained_next_to_its_field(previous: Cycle) -> None:
    # given the second decision has a negative investment
    typed_in = {
        **ROWS,
        "decision-TOTAL_FORMS": "2",
        "decision-0-description": "Second shift",
        "decision-0-additional_capacity": "2,000",
        "decision-1-description": "New line",
        "decision-1-additional_capacity": "500",
        "decision-1-investment": "-5",
    }
    # when
    response = client_as("ceo").post(f"/cycles/{previous.pk}/approve/", typed_in)
    # then
    body = response.content.decode()
    assert response.status_code == 400
    assert (
        '<ul class="errorlist" id="id_decision-1-investment_error">'
        "<li>Ensure this value is greater than or equal to 0.</li></ul>"
    ) in body
    assert 'name="decision-0-description" value="Second shift"' in body
    assert 'name="decision-1-description" value="New line"' in body
    assert CapacityDecision.objects.filter(cycle=previous).count() == 0


def test_add_a_row_shows_the_page_again_with_one_more_row_and_nothing_lost(
    previous: Cycle,
) -> None:
    # given
    typed_in = {**ROWS, "comment": "Draft", "decision-0-description": "Second shift",
                "more": "decision"}  # fmt: skip
    # when
    response = client_as("ceo").post(f"/cycles/{previous.pk}/approve/", typed_in)
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="decision-TOTAL_FORMS" value="2"' in body
    assert 'name="decision-1-description"' in body
    assert 'name="decision-0-description" value="Second shift"' in body
    previous.refresh_from_db()
    assert previous.stage == Stage.EXECUTIVE_REVIEW


def test_several_decisions_and_targets_are_recorded(previous: Cycle) -> None:
    # given
    rows = {**ROWS, "decision-TOTAL_FORMS": "2", "kpi-TOTAL_FORMS": "2"}
    rows.update({
        "decision-0-description": "Second shift", "decision-0-additional_capacity": "2,000",
        "decision-0-effective_from": seed_month(1),
        "decision-1-description": "Outsource", "decision-1-investment": "90,000",
        "kpi-0-name": "Fill rate", "kpi-0-target": "0.95",
        "kpi-1-name": "Stock days", "kpi-1-target": "30", "kpi-1-unit": "d",
    })  # fmt: skip
    # when
    response = client_as("ceo").post(f"/cycles/{previous.pk}/approve/", rows)
    # then
    assert response.status_code == 302
    decisions = CapacityDecision.objects.filter(cycle=previous).order_by("pk")
    assert [(row.description, row.additional_capacity, row.investment) for row in decisions] == [
        ("Second shift", 2000, 0),
        ("Outsource", 0, 90000),
    ]
    assert decisions[0].effective_from == SEED_MONTHS[1]
    assert sorted(previous.kpi_targets.values_list("name", flat=True)) == [
        "Fill rate",
        "Stock days",
    ]


def test_an_investment_of_two_million_with_separators_is_approved(previous: Cycle) -> None:
    response = client_as("ceo").post(
        f"/cycles/{previous.pk}/approve/",
        {
            **ROWS,
            "decision-0-description": "Second shift",
            "decision-0-additional_capacity": "2,000",
            "decision-0-investment": "2,000,000",
        },
    )
    assert response.status_code == 302
    decision = CapacityDecision.objects.get(cycle=previous)
    assert (decision.additional_capacity, decision.investment) == (2000, 2_000_000)


# --- opening a cycle ---


def test_a_cycle_for_month_9999_12_is_refused_on_the_home_page(current: Cycle) -> None:
    unit = current.business_unit_id
    response = client_as("director").post(
        "/cycles/new/", {"business_unit": unit, "plan_month": "9999-12", "horizon_months": "6"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choose a month from 2000-01 to 2099-12." in body
    assert 'value="9999-12"' in body


def test_a_refused_invitation_keeps_the_roles_ticked(current: Cycle) -> None:
    response = client_as("director").post(
        f"/cycles/{current.pk}/guests/", {"username": "nobody", "roles": ["finance"]}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "No active user is called nobody." in body
    assert 'value="finance" checked' in body
