from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings

from planning.api import views

urlpatterns = [
    # DRF's token view names its own parsers; it gets the API's bounded ones like every view.
    path(
        "auth/token/",
        ObtainAuthToken.as_view(parser_classes=api_settings.DEFAULT_PARSER_CLASSES),
        name="api-token",
    ),
    path("cycles/<int:pk>/", views.CycleDetail.as_view(), name="api-cycle"),
    path("cycles/<int:pk>/plan-lines/", views.CyclePlanLines.as_view(), name="api-plan-lines"),
    path("cycles/<int:pk>/analysis/", views.CycleAnalysis.as_view(), name="api-analysis"),
    path("cycles/<int:pk>/history/", views.CycleHistory.as_view(), name="api-history"),
    path("cycles/<int:pk>/guests/", views.CycleGuests.as_view(), name="api-guests"),
    path(
        "cycles/<int:pk>/guests/<str:username>/",
        views.CycleGuest.as_view(),
        name="api-guest",
    ),
    path("plan-lines/<int:pk>/", views.PlanLineDetail.as_view(), name="api-plan-line"),
]
