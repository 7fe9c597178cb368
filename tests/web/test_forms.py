"""The browser forms' fields: what they read, and what they refuse rather than guess at."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from approvals.web.forms import ApproveForm
from planning.web.fields import MonthField, QuantityField
from reviews.web.forms import CellForm, GapOptionForm


def errors_of(form_class: type, data: dict[str, str], **kwargs: int) -> dict[str, list[str]]:
    with translation.override("en"):
        form = form_class(data, **kwargs)
        form.is_valid()
        return {name: [str(text) for text in errors] for name, errors in form.errors.items()}


@pytest.mark.parametrize(
    ("typed", "read"), [("12000", 12000), ("12,000", 12000), (" 1,234,567 ", 1234567), ("0", 0)]
)
def test_a_quantity_reads_plain_and_grouped_digits(typed: str, read: int) -> None:
    assert QuantityField().clean(typed) == read


@pytest.mark.parametrize(
    "typed", ["1,5", "1,2,3,4", "12,00", "+-5", "²", "١٢", "1.5", "abc", "1e3"]
)
def test_an_ambiguous_or_foreign_quantity_is_refused(typed: str) -> None:
    assert errors_of(CellForm, {"value": typed, "version": "1"}) == {
        "value": ["Enter a whole number of units, e.g. 12000 or 12,000."]
    }


def test_a_five_thousand_digit_quantity_is_too_large() -> None:
    assert errors_of(CellForm, {"value": "9" * 5000, "version": "1"}) == {
        "value": ["Implausibly large: the limit is 1,000,000,000,000 units."]
    }


def test_a_negative_quantity_is_refused() -> None:
    assert errors_of(CellForm, {"value": "-5", "version": "1"}) == {
        "value": ["Must not be negative."]
    }


def test_a_version_that_is_no_number_is_refused() -> None:
    assert errors_of(CellForm, {"value": "5", "version": "abc"}) == {
        "version": ["Enter a whole number."]
    }


APPROVAL = {
    "comment": "ok",
    "decision-TOTAL_FORMS": "1",
    "decision-INITIAL_FORMS": "0",
    "decision-0-description": "Second shift",
    "kpi-TOTAL_FORMS": "1",
    "kpi-INITIAL_FORMS": "0",
    "kpi-0-name": "Fill rate",
}


def approval_errors(data: dict[str, str]) -> dict[str, list[str]]:
    """The approve form's errors, a row's named ``decision-<n>-<field>`` as on the page."""
    with translation.override("en"):
        form = ApproveForm(data, business_unit_id=0)
        form.is_valid()
        errors = {name: [str(text) for text in errors] for name, errors in form.errors.items()}
        for formset in (form.decisions, form.targets):
            for row in formset.forms:
                for name, texts in row.errors.items():
                    errors[f"{row.prefix}-{name}"] = [str(text) for text in texts]
        return errors


def test_the_approval_reads_grouped_amounts() -> None:
    form = ApproveForm(
        {
            **APPROVAL,
            "decision-0-additional_capacity": "2,000",
            "decision-0-investment": "2,000,000",
            "kpi-0-target": "0.95",
        },
        business_unit_id=0,
    )
    assert form.is_valid(), form.errors
    assert form.capacity_decisions() == [
        {
            "description": "Second shift",
            "family": None,
            "effective_from": None,
            "additional_capacity": 2000,
            "investment": Decimal("2000000"),
        }
    ]
    assert form.kpi_targets() == [{"name": "Fill rate", "target": Decimal("0.95"), "unit": ""}]


def test_the_approval_takes_any_number_of_decisions_and_targets() -> None:
    # given three decisions and two targets
    rows = {"decision-TOTAL_FORMS": "3", "kpi-TOTAL_FORMS": "2"}
    for index in range(3):
        rows[f"decision-{index}-description"] = f"Decision {index}"
        rows[f"decision-{index}-additional_capacity"] = str(100 * (index + 1))
    for index in range(2):
        rows[f"kpi-{index}-name"] = f"KPI {index}"
        rows[f"kpi-{index}-target"] = str(index + 1)
    # when
    form = ApproveForm({**APPROVAL, **rows}, business_unit_id=0)
    # then
    assert form.is_valid(), form.errors
    assert [row["additional_capacity"] for row in form.capacity_decisions()] == [100, 200, 300]
    assert [row["name"] for row in form.kpi_targets()] == ["KPI 0", "KPI 1"]


def test_an_approval_posted_without_rows_has_none() -> None:
    form = ApproveForm({"comment": "ok"}, business_unit_id=0)
    assert form.is_valid(), form.errors
    assert (form.capacity_decisions(), form.kpi_targets()) == ([], [])


@pytest.mark.parametrize("typed", ["95%", "abc", "1e30", "1,5", "NaN", "Infinity"])
def test_an_unreadable_amount_is_refused_next_to_its_field(typed: str) -> None:
    data = {**APPROVAL, "decision-0-investment": typed, "kpi-0-target": "1"}
    errors = approval_errors(data)
    assert errors == {"decision-0-investment": ["Enter a number, e.g. 2,000,000 or 0.95."]}


def test_an_amount_beyond_the_stored_digits_is_refused() -> None:
    errors = approval_errors({**APPROVAL, "kpi-0-target": "1" + "0" * 30})
    assert errors == {"kpi-0-target": ["Ensure that there are no more than 16 digits in total."]}


def test_a_kpi_name_longer_than_stored_is_refused() -> None:
    errors = approval_errors({**APPROVAL, "kpi-0-name": "k" * 121, "kpi-0-target": "1"})
    assert errors == {"kpi-0-name": ["Ensure this value has at most 120 characters (it has 121)."]}


def test_a_kpi_target_without_a_name_is_refused() -> None:
    errors = approval_errors({**APPROVAL, "kpi-0-name": "", "kpi-0-target": "0.95"})
    assert errors == {"kpi-0-name": ["Name the KPI."]}


def test_an_investment_without_a_decision_is_refused() -> None:
    errors = approval_errors(
        {**APPROVAL, "decision-0-description": "", "decision-0-investment": "100", "kpi-0-name": ""}
    )
    assert errors == {"decision-0-description": ["Describe the decision."]}


def test_a_nul_character_in_text_is_refused() -> None:
    errors = approval_errors({"comment": "ok\x00"})
    assert errors == {"comment": ["Null characters are not allowed."]}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("9999-12", "Choose a month from 2000-01 to 2099-12."),
        ("0001-01", "Choose a month from 2000-01 to 2099-12."),
        ("2024-13", "'2024-13' is not a month written YYYY-MM."),
        ("May", "'May' is not a month written YYYY-MM."),
    ],
)
def test_a_month_outside_the_calendar_we_plan_is_refused(typed: str, message: str) -> None:
    with translation.override("en"):
        with pytest.raises(ValidationError) as raised:
            MonthField().clean(typed)
        messages = raised.value.messages
    assert messages == [message]


def test_a_month_reads_as_its_first_day() -> None:
    assert MonthField().clean("2024-05") == datetime.date(2024, 5, 1)


def test_a_lead_time_beyond_a_century_is_refused() -> None:
    errors = errors_of(
        GapOptionForm,
        {"name": "A", "additional_capacity": "1", "lead_time_days": "99999"},
        business_unit_id=0,
    )
    assert errors == {"lead_time_days": ["Ensure this value is less than or equal to 36500."]}
