from django.urls import path

from planning.live import views

urlpatterns = [
    path("cycles/<int:cycle_id>/live/", views.cycle_live_stream, name="cycle-live"),
    path("cycles/<int:cycle_id>/live/state/", views.cycle_live_poll, name="cycle-live-state"),
]
