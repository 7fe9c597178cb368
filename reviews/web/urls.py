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
    # The registers: add, edit, delete (the same views for each, named by the register).
    *[
        pattern
        for segment, register, name in (
            ("assumptions", "assumption", "assumption"),
            ("risks", "risk", "risk"),
            ("gap-options", "gap_option", "gap-option"),
            ("constraints", "constraint", "constraint"),
        )
        for pattern in (
            path(
                f"cycles/<int:cycle_id>/{segment}/",
                registers.register_add,
                {"register": register},
                name=f"{name}-add",
            ),
            path(
                f"cycles/<int:cycle_id>/{segment}/<int:entry_id>/",
                registers.register_edit,
                {"register": register},
                name=f"{name}-edit",
            ),
            path(
                f"cycles/<int:cycle_id>/{segment}/<int:entry_id>/delete/",
                registers.register_delete,
                {"register": register},
                name=f"{name}-delete",
            ),
        )
    ],
]
