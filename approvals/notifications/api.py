"""The notifications API: a user's own notifications, newest first, and marking one read."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals.models import Notification
from approvals.notifications.selectors import notifications_for
from approvals.notifications.services import notification_mark_read
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
