from django.urls import path

from approvals import api
from approvals.notifications import api as notification_api

urlpatterns = [
    path("cycles/", api.CycleList.as_view(), name="api-cycles"),
    path("cycles/<int:pk>/workflow/", api.CycleWorkflow.as_view(), name="api-workflow"),
    path("cycles/<int:pk>/advance/", api.CycleAdvance.as_view(), name="api-advance"),
    path("cycles/<int:pk>/send-back/", api.CycleSendBack.as_view(), name="api-send-back"),
    path("cycles/<int:pk>/approve/", api.CycleApprove.as_view(), name="api-approve"),
    path("cycles/<int:pk>/snapshot/", api.CycleSnapshot.as_view(), name="api-snapshot"),
    path("notifications/", notification_api.NotificationList.as_view(), name="api-notifications"),
    path(
        "notifications/settings/",
        notification_api.NotificationSettings.as_view(),
        name="api-notification-settings",
    ),
    path(
        "notifications/<int:pk>/read/",
        notification_api.NotificationRead.as_view(),
        name="api-notification-read",
    ),
]
