from django.urls import path

from approvals.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cycles/new/", views.cycle_new, name="cycle-new"),
    path("cycles/<int:cycle_id>/", views.cycle_overview, name="cycle-overview"),
    path("cycles/<int:cycle_id>/decision/", views.decision, name="cycle-decision"),
    path("cycles/<int:cycle_id>/history/", views.history, name="cycle-history"),
    path("cycles/<int:cycle_id>/advance/", views.advance, name="cycle-advance"),
    path("cycles/<int:cycle_id>/send-back/", views.send_back, name="cycle-send-back"),
    path("cycles/<int:cycle_id>/approve/", views.approve, name="cycle-approve"),
    path("cycles/<int:cycle_id>/guests/", views.guest_invite, name="guest-invite"),
    path("cycles/<int:cycle_id>/guests/remove/", views.guest_remove, name="guest-remove"),
]
