from django.urls import path

from planning.api import views

urlpatterns = [
    path("cycles/<int:pk>/", views.CycleDetail.as_view(), name="api-cycle"),
    path("cycles/<int:pk>/plan-lines/", views.CyclePlanLines.as_view(), name="api-plan-lines"),
    path("cycles/<int:pk>/analysis/", views.CycleAnalysis.as_view(), name="api-analysis"),
    path("cycles/<int:pk>/cells/", views.CyclePlanCells.as_view(), name="api-plan-cells"),
    path("cycles/<int:pk>/grid-rows/", views.CycleGridRows.as_view(), name="api-grid-rows"),
    path("cycles/<int:pk>/history/", views.CycleHistory.as_view(), name="api-history"),
    path("cycles/<int:pk>/guests/", views.CycleGuests.as_view(), name="api-guests"),
    path(
        "cycles/<int:pk>/guests/<str:username>/",
        views.CycleGuest.as_view(),
        name="api-guest",
    ),
    path("plan-lines/<int:pk>/", views.PlanLineDetail.as_view(), name="api-plan-line"),
]
