from django.urls import path

from approvals.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("maturity/", views.maturity, name="maturity"),
    path("cycles/new/", views.cycle_new, name="cycle-new"),
    path("cycles/<int:cycle_id>/", views.cycle_overview, name="cycle-overview"),
    path("cycles/<int:cycle_id>/demand/", views.demand_review, name="cycle-demand"),
    path("cycles/<int:cycle_id>/supply/", views.supply_review, name="cycle-supply"),
    path("cycles/<int:cycle_id>/finance/", views.finance, name="cycle-finance"),
    path("cycles/<int:cycle_id>/analysis/", views.analysis, name="cycle-analysis"),
    path("cycles/<int:cycle_id>/decision/", views.decision, name="cycle-decision"),
    path("cycles/<int:cycle_id>/history/", views.history, name="cycle-history"),
    path("cycles/<int:cycle_id>/balance/", views.family_balance, name="cycle-balance"),
    path(
        "cycles/<int:cycle_id>/lines/<int:line_id>/<str:field>/",
        views.cell_save,
        name="cell-save",
    ),
    path("cycles/<int:cycle_id>/advance/", views.advance, name="cycle-advance"),
    path("cycles/<int:cycle_id>/send-back/", views.send_back, name="cycle-send-back"),
    path("cycles/<int:cycle_id>/approve/", views.approve, name="cycle-approve"),
    path(
        "cycles/<int:cycle_id>/submissions/<str:kind>/<str:action>/",
        views.submission_action,
        name="submission-action",
    ),
    path("cycles/<int:cycle_id>/assumptions/", views.assumption_add, name="assumption-add"),
    path("cycles/<int:cycle_id>/risks/", views.risk_add, name="risk-add"),
    path("cycles/<int:cycle_id>/gap-options/", views.gap_option_add, name="gap-option-add"),
    path("cycles/<int:cycle_id>/guests/", views.guest_invite, name="guest-invite"),
    path("cycles/<int:cycle_id>/guests/remove/", views.guest_remove, name="guest-remove"),
    path("cycles/<int:cycle_id>/constraints/", views.constraint_add, name="constraint-add"),
    path("cycles/<int:cycle_id>/finance/comment/", views.finance_comment, name="finance-comment"),
]
