"""API token authentication: django-rest-knox's tokens, refusing undecodable ones cleanly."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's scheme (``Authorization: Token <token>``); a token that is not UTF-8, or carries
    a NUL (which PostgreSQL refuses in a query), is a 401."""

    def authenticate_credentials(self, token: bytes) -> Any:
        try:
            text = token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if "\x00" in text:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(token)
