"""Errors that do not come from a DRF view still reach an API client as JSON in the one shape."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils import translation
from rest_framework.test import APIClient


def crashing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a defect")


# This module is the URLconf of its tests: the project's URLs plus views that fail on purpose.
urlpatterns = [
    path("api/test-crash/", crashing_view),
    path("page-crash/", crashing_view),
    path("", include("sop_project.urls")),
]
pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def client() -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.raise_request_exception = False
    return api


def test_an_exception_escaping_an_api_view_answers_500_as_json_without_a_traceback(
    client: APIClient,
) -> None:
    response = client.get("/api/test-crash/")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Server error: the problem was logged.",
        "code": "server_error",
    }


def test_an_exception_escaping_a_page_is_left_to_the_html_error_page(client: APIClient) -> None:
    response = client.get("/page-crash/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_a_method_an_api_address_does_not_have_answers_405_in_the_error_shape(
    client: APIClient,
) -> None:
    response = client.put("/api/auth/token/", {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_the_schema_endpoint_answers_an_error_as_json(client: APIClient) -> None:
    response = client.post("/api/schema/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
