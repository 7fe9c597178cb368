"""API tokens (django-rest-knox): issued by the token endpoint, they expire and logout revokes them."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(make_user: Callable) -> None:
    make_user("alice")


def token_for(username: str) -> dict:
    response = APIClient().post(
        "/api/auth/token/", {"username": username, "password": f"pw-{username}"}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_is_issued_with_its_expiry(user: None, settings) -> None:
    before = timezone.now()
    issued = token_for("alice")
    expiry = datetime.datetime.fromisoformat(issued["expiry"])
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert before + ttl <= expiry <= timezone.now() + ttl


def test_a_token_authenticates_requests(user: None) -> None:
    client = client_with(token_for("alice")["token"])
    assert client.get("/api/cycles/").status_code == 200


def test_an_expired_token_is_refused(user: None) -> None:
    client = client_with(token_for("alice")["token"])
    # given a token whose lifetime has passed
    AuthToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    # then it no longer opens the API, and it is gone
    assert client.get("/api/cycles/").status_code == 401
    assert not AuthToken.objects.exists()


def test_logout_revokes_the_token_it_is_sent_with(user: None) -> None:
    kept = client_with(token_for("alice")["token"])
    revoked = client_with(token_for("alice")["token"])
    assert revoked.post("/api/auth/logout/").status_code == 204
    assert revoked.get("/api/cycles/").status_code == 401
    assert kept.get("/api/cycles/").status_code == 200


def test_logout_all_revokes_every_token_of_the_user(user: None, make_user: Callable) -> None:
    make_user("bob")
    first = client_with(token_for("alice")["token"])
    second = client_with(token_for("alice")["token"])
    other_user = client_with(token_for("bob")["token"])
    assert first.post("/api/auth/logoutall/").status_code == 204
    assert first.get("/api/cycles/").status_code == 401
    assert second.get("/api/cycles/").status_code == 401
    assert other_user.get("/api/cycles/").status_code == 200


def test_tokens_are_stored_only_as_digests(user: None) -> None:
    token = token_for("alice")["token"]
    stored = AuthToken.objects.get()
    assert token not in (stored.digest, stored.token_key)


def test_logout_needs_a_token(user: None) -> None:
    assert APIClient().post("/api/auth/logout/").status_code == 401


@pytest.mark.parametrize(
    "header", ["Token", "Token a b", "Token \xe9\xe9", "Token " + "f" * 200, "Token abc\x00def"]
)
def test_a_malformed_token_is_a_401(header: str) -> None:
    response = APIClient().get("/api/cycles/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
