"""The notifications API: a user's own notifications, newest first, and marking one read."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals.models import Notification, NotificationKind
from approvals.notifications.selectors import notification_preference, notifications_for
from approvals.notifications.services import (
    notification_mark_read,
    notification_preference_set,
)
from approvals.notifications.texts import notification_text
from planning.api.pagination import StrictLimitOffsetPagination


class NotificationPagination(StrictLimitOffsetPagination):
    """The same ``limit``/``offset`` as every list; 50 a page unless ``limit`` says otherwise."""

    default_limit = 50


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    message = serializers.SerializerMethodField(
        help_text="What happened, in the request's language."
    )
    read = serializers.BooleanField(read_only=True, help_text="Whether the user has read it.")
    reason = serializers.CharField(
        read_only=True,
        help_text="The reason given (a return, a send-back) or the comment written (a "
        "submission, an approval); empty when none.",
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "cycle", "subject", "due_date", "message", "reason",
                  "created_at", "read", "read_at"]  # fmt: skip
        read_only_fields = fields

    def get_message(self, notification: Notification) -> str:
        return notification_text(notification)


class NoBody(serializers.Serializer):
    """Marking read takes no fields; a body, if one is sent, is still read (and a malformed one
    refused) like every other request's."""


class NotificationList(generics.ListAPIView):
    """The signed-in user's notifications, newest first (nobody sees anyone else's)."""

    serializer_class = NotificationSerializer
    pagination_class = NotificationPagination

    def get_queryset(self) -> QuerySet[Notification]:
        return notifications_for(self.request.user).order_by("-created_at", "-id")


class NotificationRead(APIView):
    """Mark one of your notifications read (anyone else's answers 404, like a missing one)."""

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        NoBody(data=request.data).is_valid(raise_exception=True)
        notification = notification_mark_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(notification).data)


class NotificationSettingsSerializer(serializers.Serializer):
    email_enabled = serializers.BooleanField(
        help_text="Whether notifications are also sent by e-mail at all."
    )
    email_language = serializers.ChoiceField(
        choices=[""] + [code for code, _name in settings.LANGUAGES],
        required=False,
        allow_blank=True,
        help_text="The e-mails' language; empty: the installation's.",
    )
    email_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=NotificationKind.choices),
        required=False,
        max_length=len(NotificationKind.values),
        help_text="The kinds of notification sent by e-mail (the others only show in the "
        "application); left out: every kind.",
    )


def _settings_of(user: object) -> dict[str, object]:
    preference = notification_preference(user)
    return {
        "email_enabled": preference.email_enabled,
        "email_language": preference.email_language,
        "email_kinds": [
            kind for kind in NotificationKind.values if kind not in preference.email_kinds_off
        ],
    }


class NotificationSettings(APIView):
    """Your e-mail settings: on or off, their language, and which kinds are e-mailed."""

    @extend_schema(responses=NotificationSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(_settings_of(request.user))

    @extend_schema(request=NotificationSettingsSerializer, responses=NotificationSettingsSerializer)
    def put(self, request: Request) -> Response:
        incoming = NotificationSettingsSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        notification_preference_set(
            user=request.user,
            email_enabled=incoming.validated_data["email_enabled"],
            email_language=incoming.validated_data.get("email_language", ""),
            email_kinds=incoming.validated_data.get("email_kinds"),
        )
        return Response(_settings_of(request.user))
