from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from planning.accounts.language import in_chosen_or_default_language
from planning.api.schema import SchemaView
from planning.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        in_chosen_or_default_language(auth_views.LoginView.as_view()),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("api/auth/", include("planning.accounts.api_urls")),
    path("api/", include("planning.api.urls")),
    path("api/", include("reviews.api_urls")),
    path("api/", include("approvals.api_urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's set-up as a script file, which the CSP allows.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Each app's browser pages, as each owns its API: the analysis, its live stream and maturity
    # (planning), the review pages (reviews), the workflow's pages (approvals).
    path("", include("planning.web.urls")),
    path("", include("planning.live.urls")),
    path("", include("reviews.web.urls")),
    path("notifications/", include("approvals.notifications.urls")),
    path("", include("approvals.web.urls")),
]
