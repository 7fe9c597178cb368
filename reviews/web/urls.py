from django.urls import path

from reviews.web.views import finance, grid, registers, submissions

urlpatterns = [
    path("cycles/<int:cycle_id>/demand/", grid.demand_review, name="cycle-demand"),
    path("cycles/<int:cycle_id>/supply/", grid.supply_review, name="cycle-supply"),
    path("cycles/<int:cycle_id>/balance/", grid.family_balance, name="cycle-balance"),
    path(
        "cycles/<int:cycle_id>/lines/<int:line_id>/<str:field>/",
        grid.cell_save,
        name="cell-save",
    ),
    path("cycles/<int:cycle_id>/finance/", finance.finance, name="cycle-finance"),
    path(
        "cycles/<int:cycle_id>/finance/comment/",
        finance.finance_comment,
        name="finance-comment",
    ),
    path(
        "cycles/<int:cycle_id>/submissions/<str:kind>/<str:action>/",
        submissions.submission_action,
        name="submission-action",
    ),
    path("cycles/<int:cycle_id>/assumptions/", registers.assumption_add, name="assumption-add"),
    path("cycles/<int:cycle_id>/risks/", registers.risk_add, name="risk-add"),
    path("cycles/<int:cycle_id>/gap-options/", registers.gap_option_add, name="gap-option-add"),
    path("cycles/<int:cycle_id>/constraints/", registers.constraint_add, name="constraint-add"),
]
