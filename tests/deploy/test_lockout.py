"""Brute force: repeated wrong passwords lock out one user from one address (django-axes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.db.models import F
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

HERE, ELSEWHERE = "198.51.100.7", "203.0.113.9"


@pytest.fixture
def users(make_user: Callable) -> None:
    make_user("alice")
    make_user("bob")


def api_sign_in(username: str, password: str, address: str = HERE):
    return APIClient().post(
        "/api/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def page_sign_in(username: str, password: str, address: str = HERE, language: str = "en"):
    """The sign-in page, in the language chosen with the page's language switch (its cookie)."""
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail_until_locked(username: str, settings, address: str = HERE) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_sign_in(username, "wrong", address)


def test_wrong_passwords_below_the_limit_are_only_refused(users: None, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api_sign_in("alice", "wrong").status_code == 400
    assert api_sign_in("alice", "pw-alice").status_code == 200


def test_the_token_endpoint_answers_429_with_retry_after_once_locked(users: None, settings) -> None:
    fail_until_locked("alice", settings)
    # even the right password is refused while the lock lasts
    response = api_sign_in("alice", "pw-alice")
    assert response.status_code == 429
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert response.json()["detail"].startswith(
        "Too many failed sign-ins for this user from this address."
    )


def test_the_login_page_shows_a_translated_lockout_page(users: None, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page_sign_in("alice", "wrong")
    english = page_sign_in("alice", "pw-alice")
    chinese = page_sign_in("alice", "pw-alice", language="zh-hans")
    assert english.status_code == chinese.status_code == 429
    assert english["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert "Too many failed sign-ins" in english.content.decode()
    assert "登录失败次数过多" in chinese.content.decode()
    assert "_auth_user_id" not in english.client.session


def test_failures_on_the_page_and_the_api_count_together(users: None, settings) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        (page_sign_in if attempt % 2 else api_sign_in)("alice", "wrong")
    page_sign_in("alice", "wrong")
    assert api_sign_in("alice", "pw-alice").status_code == 429


def test_the_lock_holds_only_for_that_user_from_that_address(users: None, settings) -> None:
    fail_until_locked("alice", settings, address=HERE)
    assert api_sign_in("alice", "pw-alice", address=HERE).status_code == 429
    assert api_sign_in("alice", "pw-alice", address=ELSEWHERE).status_code == 200
    assert api_sign_in("bob", "pw-bob", address=HERE).status_code == 200
    assert page_sign_in("bob", "pw-bob", address=HERE).status_code == 302


def test_the_lock_lifts_after_the_cool_off(users: None, settings) -> None:
    fail_until_locked("alice", settings)
    assert api_sign_in("alice", "pw-alice").status_code == 429
    # given the cool-off has passed since the last failure
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    # then the right password works again, on the page and the API
    assert api_sign_in("alice", "pw-alice").status_code == 200
    assert page_sign_in("alice", "pw-alice").status_code == 302


def test_the_lock_follows_the_forwarded_address_behind_a_trusted_proxy(
    users: None, settings
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"

    def through_proxy(password: str, client_address: str):
        return APIClient().post(
            "/api/auth/token/",
            {"username": "alice", "password": password},
            format="json",
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"6.6.6.6, {client_address}",
        )

    for _ in range(settings.AXES_FAILURE_LIMIT):
        through_proxy("wrong", HERE)
    assert through_proxy("pw-alice", HERE).status_code == 429
    assert through_proxy("pw-alice", ELSEWHERE).status_code == 200


def test_the_admin_sign_in_is_locked_out_too(make_user: Callable, settings) -> None:
    admin = make_user("root")
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])

    def admin_sign_in(password: str):
        return Client().post(
            "/admin/login/", {"username": "root", "password": password}, REMOTE_ADDR=HERE
        )

    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_sign_in("wrong")
    assert admin_sign_in("pw-root").status_code == 429


@pytest.mark.parametrize("length", [151, 256, 5_000])
def test_an_absurdly_long_username_is_refused_like_any_wrong_one(users: None, length: int) -> None:
    """No account has a name over 150 characters; the attempt is counted, never a 500."""
    name = "u" * length
    assert api_sign_in(name, "wrong").status_code == 400
    assert page_sign_in(name, "wrong").status_code == 200  # the form again, with the error
    assert AccessAttempt.objects.get().username == "u" * 150
