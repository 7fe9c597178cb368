"""The brute-force lock-out (django-axes): who the client is, and what a locked-out one sees."""

from __future__ import annotations

import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from planning.accounts.language import chosen_or_default_language


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out user+address before any password is checked.

    Every sign-in that comes over the network (login page, admin, API token) passes its
    request. A call without one (the test client's ``login``, a script in a shell) has no
    address to lock, so it is left to the password backends instead of being an error.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_address(request: HttpRequest) -> str | None:
    """The client's address, as the outermost of our TRUSTED_PROXY_COUNT proxies saw it.

    Each proxy appends the address it received the request from to X-Forwarded-For, so the
    entry that many places from the right is the last one no client could forge.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return request.META.get("REMOTE_ADDR")
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return request.META.get("REMOTE_ADDR")
    return forwarded[-proxies]


def retry_after_seconds(request: HttpRequest) -> int:
    """Every failure restarts the lock-out, so the client may retry after one full cool-off."""
    cool_off = get_cool_off(request)
    return math.ceil(cool_off.total_seconds()) if cool_off else 0


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """The page a locked-out browser sign-in gets: 429, translated, with Retry-After."""
    seconds = retry_after_seconds(request)
    # In the sign-in page's language: the one the user chose, else the installation's.
    with translation.override(chosen_or_default_language(request)):
        response = render(
            request,
            "registration/locked_out.html",
            {"minutes": max(1, math.ceil(seconds / 60))},
            status=429,
        )
    response["Retry-After"] = str(seconds)
    return response


# Django caps usernames at 150 characters; the lock-out's own table at 255.
_LONGEST_USERNAME = 150


def client_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username a sign-in attempt is counted under, cut to the longest that can exist, so
    an absurdly long one is refused like any wrong name instead of overflowing the record."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")  # axes' own default
    value = credentials.get(field) if credentials else request.POST.get(field)
    return None if value is None else str(value)[:_LONGEST_USERNAME]
