from django.urls import path

from planning import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cycles/<int:cycle_id>/analysis/", views.cycle_analysis, name="cycle-analysis"),
]
