from django.urls import path

from planning.web import views

urlpatterns = [
    path("maturity/", views.maturity, name="maturity"),
    path("cycles/<int:cycle_id>/analysis/", views.analysis, name="cycle-analysis"),
    path("cycles/<int:cycle_id>/families/", views.family_search, name="cycle-family-search"),
]
