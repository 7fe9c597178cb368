"""Hypothesis fuzzing of every input serializer and of the JSON parser: whatever arrives, the
answer is valid data or errors naming fields, never an exception."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework import exceptions, serializers

from approvals.api import AdvanceSerializer, ApproveSerializer, SendBackSerializer
from planning.api.parsers import BoundedJSONParser
from planning.api.serializers import CycleCreateSerializer, GuestSerializer, PlanLinePatchSerializer
from planning.models import PLAN_INPUT_FIELDS
from planning.services.plan_lines import plan_line_changes_clean
from reviews.api import (
    DemandAssumptionSerializer,
    MaterialRiskSerializer,
    ProductionConstraintSerializer,
    TextSerializer,
)

# Text a hostile or careless client sends: digits of other scripts, separators, NUL, huge runs.
NASTY_TEXT = st.sampled_from(
    [
        "+-5",
        "²",
        "1" * 5000,
        "1,5",
        "1,2,3,4",
        "\x00",
        "9999-12",
        "0001-01",
        "2024-13",
        "NaN",
        "-0",
        "1e400",
        " ",
        "",
        "\uff11\uff12",
        "12,500",
        "2024-04",
        "2024-04-31",
        "null",
        "\u202e",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    NASTY_TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

INPUT_SERIALIZERS: list[type[serializers.Serializer]] = [
    CycleCreateSerializer,
    PlanLinePatchSerializer,
    GuestSerializer,
    TextSerializer,
    AdvanceSerializer,
    SendBackSerializer,
    ApproveSerializer,
    DemandAssumptionSerializer,
    ProductionConstraintSerializer,
    MaterialRiskSerializer,
]


def _bodies(serializer_class: type[serializers.Serializer]) -> st.SearchStrategy[Any]:
    """Bodies using the serializer's own field names (so values reach the fields), or anything."""
    names = [name for name, field in serializer_class().fields.items() if not field.read_only]
    keyed = st.dictionaries(st.sampled_from(names), JSON_VALUES, max_size=len(names))
    return st.one_of(keyed, keyed, JSON_VALUES)


def _assert_errors_name_fields(errors: Any, names: set[str]) -> None:
    assert isinstance(errors, dict) and errors
    assert set(errors) <= names | {"non_field_errors"}, errors


@pytest.mark.django_db
@pytest.mark.parametrize("serializer_class", INPUT_SERIALIZERS, ids=lambda cls: cls.__name__)
def test_an_input_serializer_answers_any_body_with_data_or_errors_naming_fields(
    serializer_class: type[serializers.Serializer],
) -> None:
    names = set(serializer_class().fields)

    @FUZZ
    @given(body=_bodies(serializer_class))
    def check(body: Any) -> None:
        payload = serializer_class(data=body)
        if not payload.is_valid():
            _assert_errors_name_fields(payload.errors, names)

    check()


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(PLAN_INPUT_FIELDS), JSON_VALUES, max_size=3))
@example(changes={"demand_forecast": "+-5", "capacity_max": "²"})
@example(changes={"opening_stock": "1" * 5000})
def test_plan_line_values_are_whole_numbers_or_errors_naming_each_field(
    changes: dict[str, Any],
) -> None:
    try:
        cleaned = plan_line_changes_clean(changes)
    except DjangoValidationError as error:
        assert set(error.message_dict) <= set(changes) | {"__all__"}
        return
    assert set(cleaned) == set(changes)
    assert all(type(value) is int and value >= 0 for value in cleaned.values())


@FUZZ
@given(text=st.text(alphabet="0123456789,+- ²\uff11", max_size=12))
def test_a_quantity_written_as_text_is_read_only_when_unambiguous(text: str) -> None:
    try:
        cleaned = plan_line_changes_clean({"demand_forecast": text})
    except DjangoValidationError as error:
        assert set(error.message_dict) == {"demand_forecast"}
        return
    groups = text.strip().lstrip("+-").split(",")
    # what was accepted is plain digits, or digits in well-formed groups of three
    assert all(group.isascii() and group.isdigit() for group in groups)
    assert len(groups) == 1 or (len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]))
    assert cleaned["demand_forecast"] == int(text.strip().replace(",", ""))


@FUZZ
@given(
    raw=st.one_of(
        st.binary(max_size=200),
        JSON_VALUES.map(lambda value: json.dumps(value).encode()),
        st.integers(min_value=1, max_value=5000).map(lambda depth: b"[" * depth + b"]" * depth),
        st.integers(min_value=1, max_value=5000).map(lambda depth: b'{"a":' * depth),
    )
)
def test_the_json_parser_answers_any_bytes_with_data_or_a_client_error(raw: bytes) -> None:
    with contextlib.suppress(exceptions.ParseError, exceptions.ValidationError):
        BoundedJSONParser().parse(io.BytesIO(raw), "application/json", {})
