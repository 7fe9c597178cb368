from django.urls import path

from reviews import api

urlpatterns = [
    path("cycles/<int:pk>/submissions/", api.CycleSubmissions.as_view(), name="api-submissions"),
    *[
        path(
            f"cycles/<int:pk>/submissions/<str:kind>/{action}/",
            api.SubmissionAction.as_view(action_name=action),
            name=f"api-submission-{action}",
        )
        for action in ("submit", "accept", "return")
    ],
    path(
        "cycles/<int:pk>/demand-assumptions/",
        api.DemandAssumptions.as_view(),
        name="api-demand-assumptions",
    ),
    path(
        "cycles/<int:pk>/demand-assumptions/<int:entry_id>/",
        api.DemandAssumptionDetail.as_view(),
        name="api-demand-assumption",
    ),
    path(
        "cycles/<int:pk>/production-constraints/",
        api.ProductionConstraints.as_view(),
        name="api-production-constraints",
    ),
    path(
        "cycles/<int:pk>/production-constraints/<int:entry_id>/",
        api.ProductionConstraintDetail.as_view(),
        name="api-production-constraint",
    ),
    path("cycles/<int:pk>/gap-options/", api.GapOptions.as_view(), name="api-gap-options"),
    path(
        "cycles/<int:pk>/gap-options/<int:entry_id>/",
        api.GapOptionDetail.as_view(),
        name="api-gap-option",
    ),
    path("cycles/<int:pk>/material-risks/", api.MaterialRisks.as_view(), name="api-material-risks"),
    path(
        "cycles/<int:pk>/material-risks/<int:entry_id>/",
        api.MaterialRiskDetail.as_view(),
        name="api-material-risk",
    ),
    path("cycles/<int:pk>/finance-review/", api.FinanceReview.as_view(), name="api-finance-review"),
]
