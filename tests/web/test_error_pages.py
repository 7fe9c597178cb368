"""The 400, 403, 404 and 500 pages with DEBUG off, in both languages."""

from __future__ import annotations

import datetime
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.utils import translation
from django.views import defaults
from django.views.debug import ExceptionReporter

from planning.models import BusinessUnit
from planning.roles import Role
from planning.services.cycles import cycle_create
from planning.services.memberships import membership_grant

LANGUAGES = ("en", "zh-hans")
TEXTS = {
    "en": {
        400: ("Bad request", "The request could not be understood. Go back and try again."),
        403: ("Not allowed", "Your roles do not allow this here."),
        404: ("Page not found", "This page does not exist, or it is not yours to see."),
        500: ("Server error", "Something went wrong on our side."),
    },
    "zh-hans": {
        400: ("请求无效", "无法理解该请求。请返回后重试。"),
        403: ("不允许", "您的角色不允许在此执行该操作。"),
        404: ("页面不存在", "该页面不存在,或您无权查看。"),
        500: ("服务器错误", "我们这边出了问题。"),
    },
}


@pytest.fixture(autouse=True)
def debug_off(settings) -> None:
    settings.DEBUG = False


def signed_in(language: str, db: None) -> Client:
    get_user_model().objects.create_user(username="reader", password="pw-reader")
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    assert client.login(username="reader", password="pw-reader")
    return client


@pytest.mark.parametrize("language", LANGUAGES)
def test_404_is_translated_in_the_base_layout(language: str, db: None) -> None:
    response = signed_in(language, db).get("/cycles/999999/")
    body = response.content.decode()
    title, text = TEXTS[language][404]
    assert response.status_code == 404
    assert f"<h1>{title}</h1>" in body
    assert text in body
    assert 'class="topbar"' in body  # the base layout, with the user's navigation


@pytest.mark.parametrize("language", LANGUAGES)
def test_403_is_translated_in_the_base_layout_with_the_reason(language: str, db: None) -> None:
    # given: a sales user of a unit, who may not invite guests
    unit = BusinessUnit.objects.create(code="east", name="East")
    cycle = cycle_create(
        business_unit_id=unit.pk,
        plan_month=datetime.date(2024, 3, 1),
        horizon_months=3,
    )
    client = signed_in(language, db)
    membership_grant(
        business_unit=unit,
        user=get_user_model().objects.get(username="reader"),
        roles=(Role.SALES,),
    )
    # when
    response = client.post(
        f"/cycles/{cycle.pk}/guests/", {"username": "reader", "roles": ["finance"]}
    )
    # then
    body = response.content.decode()
    title, text = TEXTS[language][403]
    assert response.status_code == 403
    assert f"<h1>{title}</h1>" in body
    assert text in body
    assert 'class="topbar"' in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_400_is_translated_and_static(language: str, db: None) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/", HTTP_HOST="evil.example")
    body = response.content.decode()
    title, text = TEXTS[language][400]
    assert response.status_code == 400
    assert f"<h1>{title}</h1>" in body
    assert text in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_500_renders_translated_without_touching_the_database(language: str) -> None:
    # given: no database access allowed at all (pytest-django refuses it without the db mark)
    request = RequestFactory().get("/")
    # when
    with translation.override(language):
        response = defaults.server_error(request)
    # then
    body = response.content.decode()
    title, text = TEXTS[language][500]
    assert response.status_code == 500
    assert f"<h1>{title}</h1>" in body
    assert text in body
    assert f'<html lang="{language}">' in body


def test_the_403_handler_shows_the_services_reason(db: None) -> None:
    request = RequestFactory().get("/")
    request.user = get_user_model()(username="reader")
    with translation.override("en"):
        response = defaults.permission_denied(
            request, PermissionDenied("Your role may not edit x.")
        )
    assert "Your role may not edit x." in response.content.decode()


def test_a_debug_error_report_shows_no_rows_of_a_queryset(db: None, settings) -> None:
    # given: a crash in a frame holding an unscoped queryset, as QuerySet.get's frame does
    settings.DEBUG = True
    # (the name is built, so the test's own source lines shown on the page do not contain it)
    BusinessUnit.objects.create(code="other", name="Other " + "unit-" * 2 + "name")
    request = RequestFactory().get("/")
    try:
        everything = BusinessUnit.objects.all()
        raise LookupError(f"crash beside {type(everything).__name__}")
    except LookupError:
        report = ExceptionReporter(request, *sys.exc_info())
        # when
        html = report.get_traceback_html()
    # then
    assert "&lt;QuerySet of BusinessUnit: rows not shown&gt;" in html
    assert "unit-unit-name" not in html
