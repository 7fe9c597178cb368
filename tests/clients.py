"""Signed-in test clients for the demo's users (password ``demo``)."""

from __future__ import annotations

from django.test import Client


def client_as(
    username: str, language: str = "en", *, raise_request_exception: bool = True
) -> Client:
    """Signed in, asking for ``language`` as a browser does (Accept-Language)."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=raise_request_exception)
    assert client.login(username=username, password="demo")
    return client


def client_choosing(username: str, language: str = "en") -> Client:
    """Signed in, with the language chosen on the page's switch (its cookie) before signing in."""
    client = Client()
    client.cookies["django_language"] = language
    assert client.login(username=username, password="demo")
    return client
