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
    # Each register: its list (GET, POST) and its entries (PUT, DELETE), the same views.
    *[
        pattern
        for register in api.REGISTERS
        for listing, detail in [api.register_views(register)]
        for pattern in (
            path(
                f"cycles/<int:pk>/{register.segment}/",
                listing.as_view(),
                name=f"api-{register.segment}",
            ),
            path(
                f"cycles/<int:pk>/{register.segment}/<int:entry_id>/",
                detail.as_view(),
                name=f"api-{register.entry}",
            ),
        )
    ],
    path("cycles/<int:pk>/finance-review/", api.FinanceReview.as_view(), name="api-finance-review"),
]
