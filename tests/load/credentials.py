"""Sign people in without typing passwords: an API token and a browser session per user.

A load test measures the meeting week, not the password hasher: hashing a password costs
hundreds of milliseconds of CPU on purpose, so the runner mints credentials directly instead
of sending each simulated user through the login form.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from knox.models import AuthToken


def api_token(user: Any) -> str:
    """An expiring API token (knox) for the ``Authorization: Token ...`` header."""
    return str(AuthToken.objects.create(user)[1])


def session_cookie(user: Any) -> dict[str, str]:
    """The cookie of a signed-in browser session for ``user``."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return {settings.SESSION_COOKIE_NAME: str(session.session_key)}
