"""Sign in and out over the API: expiring tokens (django-rest-knox), locked out like the page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox import views as knox_views
from rest_framework import exceptions, serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from planning.accounts.authentication import TokenAuthentication
from planning.accounts.lockout import retry_after_seconds

TokenResponse = inline_serializer(
    "TokenResponse",
    {
        "token": serializers.CharField(help_text="Send as `Authorization: Token <token>`."),
        "expiry": serializers.DateTimeField(help_text="After this the token is refused."),
    },
)
ErrorResponse = inline_serializer(
    "LockedOutError", {"detail": serializers.CharField(), "code": serializers.CharField()}
)


class TokenLogin(knox_views.LoginView):
    """Exchange a username and password for a new token that expires."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    serializer_class = AuthTokenSerializer

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: TokenResponse,
            429: OpenApiResponse(
                ErrorResponse,
                description="Too many failed sign-ins for this user from this address; "
                "the Retry-After header says when to try again.",
            ),
        },
    )
    def post(self, request: Request, format: str | None = None) -> Response:
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                raise exceptions.Throttled(
                    wait=retry_after_seconds(request),
                    detail=_("Too many failed sign-ins for this user from this address."),
                )
            raise exceptions.ValidationError(serializer.errors)
        # knox issues the token to request.user; no session is opened for an API client.
        request.user = serializer.validated_data["user"]
        return super().post(request, format=format)


class _SignedWithToken:
    """Signing out needs the token to revoke: a request signed in some other way (the test
    client forcing a user) gets 401, never knox's 500 on a missing token."""

    authentication_classes = [TokenAuthentication]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # a mixin of an APIView
        if request.auth is None:
            raise exceptions.NotAuthenticated(_("Sign this request with one of your API tokens."))


@extend_schema(request=None, responses={204: None})  # error answers: planning/api/schema.py
class TokenLogout(_SignedWithToken, knox_views.LogoutView):
    """Revoke the token this request is signed with."""


@extend_schema(request=None, responses={204: None})
class TokenLogoutAll(_SignedWithToken, knox_views.LogoutAllView):
    """Revoke every token of the signed-in user (all devices and scripts)."""
