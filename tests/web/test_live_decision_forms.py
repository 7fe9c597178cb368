"""The decision page's approve form: every field of every decision and KPI row has a label of
its own, in the user's language, and a refused value is explained right after its field."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from planning.models import Cycle
from planning.roles import Stage

pytestmark = pytest.mark.django_db

ROW_FIELD = re.compile(
    r'<(?:input|select)[^>]* name="((?:decision|kpi)-\d+-\w+)"[^>]* id="([^"]+)"'
)
LABEL = re.compile(r'<label for="([^"]+)">([^<]+)</label>')

ENGLISH = {
    "description": "Decision:",
    "family": "Product family:",
    "effective_from": "From month (YYYY-MM):",
    "additional_capacity": "Additional capacity per month:",
    "investment": "Investment:",
    "name": "KPI:",
    "target": "Target:",
    "unit": "Unit:",
}


def executive_cycle() -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)


def ceo(language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.login(username="ceo", password="demo")
    return client


def row_labels(body: str) -> dict[str, str]:
    """Each row field's name, and the text of the label that names its id."""
    labels = dict(LABEL.findall(body))
    return {name: labels.get(field_id, "") for name, field_id in ROW_FIELD.findall(body)}


def test_every_field_of_the_decision_and_kpi_rows_has_its_own_label(demo: None) -> None:
    # when
    body = ceo("en").get(f"/cycles/{executive_cycle().pk}/decision/").content.decode()
    # then
    labels = row_labels(body)
    assert labels == {
        f"{prefix}-0-{field}": ENGLISH[field]
        for prefix, fields in (
            ("decision", ("description", "family", "effective_from", "additional_capacity",
                          "investment")),
            ("kpi", ("name", "target", "unit")),
        )
        for field in fields
    }  # fmt: skip


def test_the_labels_are_translated(demo: None) -> None:
    # when
    body = ceo("zh-hans").get(f"/cycles/{executive_cycle().pk}/decision/").content.decode()
    # then: every label is there, in Chinese ("KPI" is written so in Chinese too)
    labels = row_labels(body)
    assert len(labels) == 8
    translated = {name: text for name, text in labels.items() if not name.endswith("-name")}
    assert all(text and text not in ENGLISH.values() for text in translated.values()), labels
    assert labels["kpi-0-name"] == "KPI:"
    assert labels["kpi-0-target"].startswith("目标值")


def test_a_refused_value_is_explained_right_after_its_labelled_field(demo: None) -> None:
    # given
    rows = {"decision-TOTAL_FORMS": "1", "decision-INITIAL_FORMS": "0",
            "kpi-TOTAL_FORMS": "1", "kpi-INITIAL_FORMS": "0"}  # fmt: skip
    # when
    response = ceo("en").post(
        f"/cycles/{executive_cycle().pk}/approve/",
        {**rows, "decision-0-description": "Second shift", "decision-0-investment": "-5"},
    )
    # then: label, field, error, in one row field of their own
    body = response.content.decode()
    assert response.status_code == 400
    assert re.search(
        r'<div class="row-field"><label for="id_decision-0-investment">Investment:</label> '
        r'<input[^>]* name="decision-0-investment" value="-5"[^>]*>'
        r'<ul class="errorlist" id="id_decision-0-investment_error">',
        body,
    ), body
