from django.urls import path

from planning.accounts import api

urlpatterns = [
    path("token/", api.TokenLogin.as_view(), name="api-token"),
    path("logout/", api.TokenLogout.as_view(), name="api-logout"),
    path("logoutall/", api.TokenLogoutAll.as_view(), name="api-logout-all"),
]
