"""Bad input through HTTP: a 4xx in the API's error shape naming what is wrong, never a 500,
and nothing silently misread."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation
from rest_framework.test import APIClient

from planning.models import AuditEvent, Cycle, PlanLine
from planning.roles import Role
from reviews.models import DemandAssumption, MaterialRisk

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 50_000 + "]" * 50_000


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def as_role(
    role_users: dict[Role, AbstractUser], client_for: Callable[[AbstractUser], APIClient]
) -> Callable[[Role], APIClient]:
    def make(role: Role) -> APIClient:
        client = client_for(role_users[role])
        client.credentials(HTTP_ACCEPT_LANGUAGE="en")
        return client

    return make


@pytest.fixture
def line(cycle: Cycle) -> PlanLine:
    return PlanLine.objects.filter(cycle=cycle).order_by("pk").first()  # type: ignore[return-value]


def patch_forecast(client: APIClient, line: PlanLine, value: Any) -> Any:
    body = json.dumps({"demand_forecast": value, "version": line.version})
    return client.patch(f"/api/plan-lines/{line.pk}/", body, content_type="application/json")


def is_error_shape(body: Any) -> bool:
    """{"detail": text, "code": text}, or messages per field."""
    if not isinstance(body, dict) or not body:
        return False
    if "detail" in body:
        return isinstance(body["detail"], str) and isinstance(body.get("code"), str)
    return all(isinstance(messages, list | dict) for messages in body.values())


# --- Quantities ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        "+-5",
        "²",
        "1" * 5000,
        "1,5",
        "1,2,3,4",
        "12,50",
        "\uff11\uff12",
        "1e3",
        "",
        True,
        12.5,
        [1],
        {},
    ],
    ids=repr,
)
def test_a_quantity_that_is_not_plainly_one_whole_number_is_refused_naming_the_field(
    as_role: Callable[[Role], APIClient], line: PlanLine, value: Any
) -> None:
    before = line.demand_forecast
    response = patch_forecast(as_role(Role.SALES), line, value)
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["demand_forecast"]
    line.refresh_from_db()
    assert line.demand_forecast == before


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (12500, 12500),
        ("12500", 12500),
        ("12,500", 12500),
        ("1,234,567", 1234567),
        (" 7 ", 7),
        (12.0, 12),
    ],
    ids=repr,
)
def test_a_quantity_as_a_number_or_its_digits_is_stored_as_that_number(
    as_role: Callable[[Role], APIClient], line: PlanLine, value: Any, stored: int
) -> None:
    response = patch_forecast(as_role(Role.SALES), line, value)
    assert response.status_code == 200, response.content
    assert response.json()["demand_forecast"] == stored


@pytest.mark.parametrize(
    "body",
    [
        '{"demand_forecast": 1e400, "version": 1}',
        '{"demand_forecast": NaN, "version": 1}',
        '{"demand_forecast": Infinity, "version": 1}',
        '{"demand_forecast": ' + "9" * 5_000 + ', "version": 1}',
    ],
)
def test_a_number_json_cannot_hold_exactly_is_refused(
    as_role: Callable[[Role], APIClient], line: PlanLine, body: str
) -> None:
    response = as_role(Role.SALES).patch(
        f"/api/plan-lines/{line.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "set_int_max_str_digits" not in response.json()["detail"]  # Python's own words


def test_an_override_reason_longer_than_any_form_allows_is_refused_naming_it(
    as_role: Callable[[Role], APIClient], cycle: Cycle
) -> None:
    response = as_role(Role.DIRECTOR).post(
        f"/api/cycles/{cycle.pk}/advance/", {"override_reason": "x" * 2001}, format="json"
    )
    assert response.status_code == 400
    assert "override_reason" in response.json()
    cycle.refresh_from_db()
    assert cycle.stage == "data_collection"


# --- Bodies: depth, size, NUL -------------------------------------------------------------------
def _api_routes(cycle: Cycle, line: PlanLine) -> list[str]:
    """Every URL of the API (not its HTML documentation pages), with real ids filled in."""
    values = {"pk": str(cycle.pk), "entry_id": "1", "kind": "sales_forecast", "username": "x"}
    routes = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/"):
                if pattern.name in {"api-docs", "api-redoc"}:
                    continue
                for name, value in values.items():
                    route = route.replace(f"<int:{name}>", value).replace(f"<str:{name}>", value)
                if route.startswith("api/plan-lines/"):
                    route = route.replace(str(cycle.pk), str(line.pk))
                routes.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return routes


@pytest.mark.parametrize("role", [Role.DIRECTOR, Role.SALES, Role.EXECUTIVE])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_deeply_nested_body_on_any_api_url_gets_a_client_error_in_the_error_shape(
    as_role: Callable[[Role], APIClient], cycle: Cycle, line: PlanLine, method: str, role: Role
) -> None:
    """400 wherever the body is read; a view that refuses first (403, 404, 405) never reads it."""
    client = as_role(role)
    routes = _api_routes(cycle, line)
    assert len(routes) >= 25
    statuses = set()
    for route in routes:
        response = getattr(client, method)(route, DEEP_JSON, content_type="application/json")
        assert 400 <= response.status_code < 500, (route, response.status_code)
        assert is_error_shape(response.json()), route
        statuses.add(response.status_code)
    assert 400 in statuses or method in {"put", "delete"}


def test_a_deeply_nested_body_to_the_anonymous_token_endpoint_is_refused() -> None:
    response = APIClient(HTTP_ACCEPT_LANGUAGE="en").post(
        "/api/auth/token/", DEEP_JSON, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request body is nested deeper than 32 levels.",
        "code": "parse_error",
    }


def test_a_body_over_the_size_limit_gets_413_in_the_error_shape(
    as_role: Callable[[Role], APIClient], line: PlanLine
) -> None:
    body = json.dumps({"version": 1, "demand_forecast": "1" * 10_000_000})
    response = as_role(Role.SALES).patch(
        f"/api/plan-lines/{line.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_a_form_body_over_the_size_limit_to_the_token_endpoint_gets_413_in_the_error_shape() -> (
    None
):
    response = APIClient().post(
        "/api/auth/token/",
        "username=" + "a" * 10_000_000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "request_too_large"


def test_text_with_a_nul_character_in_a_body_is_refused_naming_the_field(
    as_role: Callable[[Role], APIClient], cycle: Cycle
) -> None:
    body = {"material": "chip", "risk_level": "low", "months": ["2024-04\u0000"]}
    response = as_role(Role.PROCUREMENT).post(
        f"/api/cycles/{cycle.pk}/material-risks/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"months": ["Text must not contain the NUL character."]}
    assert not MaterialRisk.objects.exists()


# --- Paths and query strings ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/api/cycles/{cycle}/history/?user=%00",
        "/api/cycles/{cycle}/history/?field=a%00b",
        "/api/cycles/{cycle}/analysis/?family=%00",
        "/api/cycles/{cycle}/plan-lines/?x%00=1",
        "/api/cycles/{cycle}/guests/a%00b/",
    ],
)
def test_a_nul_character_in_the_address_of_an_api_request_is_refused(
    as_role: Callable[[Role], APIClient], cycle: Cycle, url: str
) -> None:
    client = as_role(Role.DIRECTOR)
    address = url.format(cycle=cycle.pk)
    response = client.delete(address) if "guests" in address else client.get(address)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The address must not contain the NUL character (%00).",
        "code": "nul_character",
    }


def test_a_nul_character_in_the_address_of_a_page_is_a_bad_request(
    role_users: dict[Role, AbstractUser], client: Any, cycle: Cycle
) -> None:
    client.force_login(role_users[Role.DIRECTOR])
    response = client.get(f"/cycles/{cycle.pk}/history/?user=%00")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/cycles/{cycle}/plan-lines/?limit=abc", "limit"),
        ("/api/cycles/{cycle}/plan-lines/?limit=²", "limit"),
        ("/api/cycles/{cycle}/plan-lines/?offset=-1", "offset"),
        ("/api/cycles/{cycle}/plan-lines/?limit=0", "limit"),
        ("/api/cycles/{cycle}/plan-lines/?limit=" + "9" * 5000, "limit"),
        ("/api/cycles/{cycle}/history/?limit=1.5", "limit"),
        ("/api/cycles/{cycle}/analysis/?limit=abc", "limit"),
        ("/api/cycles/{cycle}/analysis/?offset=1e3", "offset"),
        ("/api/cycles/{cycle}/analysis/?limit=2001", "limit"),
        ("/api/cycles/?limit=x", "limit"),
    ],
)
def test_a_paging_parameter_that_is_not_a_whole_number_in_range_is_refused_naming_it(
    as_role: Callable[[Role], APIClient], cycle: Cycle, url: str, parameter: str
) -> None:
    response = as_role(Role.DIRECTOR).get(url.format(cycle=cycle.pk))
    assert response.status_code == 400
    assert list(response.json()) == [parameter]


def test_an_unknown_api_address_answers_404_in_the_error_shape(
    as_role: Callable[[Role], APIClient],
) -> None:
    response = as_role(Role.DIRECTOR).get("/api/cycles/not-a-number/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_drf_error_with_a_detail_names_its_code(as_role: Callable[[Role], APIClient]) -> None:
    response = APIClient().get("/api/cycles/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- Cycles -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"plan_month": "9999-12"}, "plan_month"),
        ({"plan_month": "0001-01"}, "plan_month"),
        ({"plan_month": "2024-13"}, "plan_month"),
        ({"plan_month": "2024-02-30"}, "plan_month"),
        ({"plan_month": "24-04"}, "plan_month"),
        ({"plan_month": 202404}, "plan_month"),
        ({"horizon_start": "2024-03"}, "horizon_start"),
        ({"horizon_start": "2026-01"}, "horizon_start"),
        ({"horizon_start": "9999-12"}, "horizon_start"),
        ({"horizon_months": 37}, "horizon_months"),
        ({"business_unit": 10**30}, "business_unit"),
    ],
    ids=repr,
)
def test_a_cycle_with_an_implausible_month_or_horizon_is_refused_naming_the_field(
    as_role: Callable[[Role], APIClient], cycle: Cycle, body: dict[str, Any], field: str
) -> None:
    request = {
        "business_unit": cycle.business_unit_id,
        "plan_month": "2024-05",
        "horizon_months": 6,
        **body,
    }
    response = as_role(Role.DIRECTOR).post("/api/cycles/", request, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert Cycle.objects.count() == 1


def test_a_cycle_whose_horizon_starts_in_its_plan_month_is_opened(
    as_role: Callable[[Role], APIClient], cycle: Cycle
) -> None:
    request = {
        "business_unit": cycle.business_unit_id,
        "plan_month": "2024-05",
        "horizon_start": "2024-05",
        "horizon_months": 2,
    }
    response = as_role(Role.DIRECTOR).post("/api/cycles/", request, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["horizon_start"] == "2024-05-01"


# --- Registers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "months",
    [5, "2024-04", {"a": "2024-04"}, ["2024-4"], ["9999-12"], [5], [None], [["2024-04"]]],
    ids=repr,
)
def test_register_months_that_are_not_a_list_of_months_are_refused_naming_the_field(
    as_role: Callable[[Role], APIClient], cycle: Cycle, months: Any
) -> None:
    body = {"material": "chip", "risk_level": "low", "months": months}
    response = as_role(Role.PROCUREMENT).post(
        f"/api/cycles/{cycle.pk}/material-risks/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["months"]


def test_register_months_are_stored_and_shown_as_months(
    as_role: Callable[[Role], APIClient], cycle: Cycle
) -> None:
    body = {
        "kind": "risk",
        "months": ["2024-05", "2024-04"],
        "quantity": 5,
        "probability": 10,
        "description": "late launch",
    }
    response = as_role(Role.SALES).post(
        f"/api/cycles/{cycle.pk}/demand-assumptions/", body, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["months"] == ["2024-04", "2024-05"]


def test_a_production_constraint_month_out_of_range_is_refused_naming_the_field(
    as_role: Callable[[Role], APIClient], cycle: Cycle
) -> None:
    response = as_role(Role.PRODUCTION).post(
        f"/api/cycles/{cycle.pk}/production-constraints/",
        {"note": "line 3 down", "month": "0001-01"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["month"]


@pytest.mark.parametrize("register", ["demand-assumptions", "material-risks"])
def test_deleting_a_register_entry_that_does_not_exist_answers_404_and_records_nothing(
    as_role: Callable[[Role], APIClient], cycle: Cycle, register: str
) -> None:
    role = Role.SALES if register == "demand-assumptions" else Role.PROCUREMENT
    events = AuditEvent.objects.count()
    response = as_role(role).delete(f"/api/cycles/{cycle.pk}/{register}/987654/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert AuditEvent.objects.count() == events


def test_deleting_an_existing_register_entry_answers_204(
    as_role: Callable[[Role], APIClient], cycle: Cycle
) -> None:
    entry = DemandAssumption.objects.create(
        cycle=cycle, kind="risk", months=[], quantity=1, probability=1, description="x"
    )
    response = as_role(Role.SALES).delete(f"/api/cycles/{cycle.pk}/demand-assumptions/{entry.pk}/")
    assert response.status_code == 204
    assert not DemandAssumption.objects.filter(pk=entry.pk).exists()


# --- Approval -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("decision", "field"),
    [
        ({"description": "x", "family": 10**30}, "family"),
        ({"description": "x", "additional_capacity": 10**30}, "additional_capacity"),
    ],
)
def test_an_approval_with_an_out_of_range_number_is_refused_naming_the_field(
    as_role: Callable[[Role], APIClient], cycle: Cycle, decision: dict[str, Any], field: str
) -> None:
    response = as_role(Role.EXECUTIVE).post(
        f"/api/cycles/{cycle.pk}/approve/", {"capacity_decisions": [decision]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in json.dumps(response.json())
