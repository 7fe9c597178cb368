"""The finance review page and its comment."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planning.access import cycle_for_user
from planning.web.cycle_pages import cycle_action, render_page
from reviews.services import finance_comment_set
from reviews.web.forms import FinanceCommentForm


@login_required
def finance(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return render_page(request, cycle_for_user(request.user, cycle_id), "cycle-finance")


@login_required
@require_POST
def finance_comment(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = FinanceCommentForm(request.POST)
    return cycle_action(
        request,
        cycle_id,
        form=form,
        key="finance_form",
        page="cycle-finance",
        call=lambda cycle: finance_comment_set(
            actor=request.user, cycle_id=cycle.pk, comment=form.cleaned_data["comment"]
        ),
        success=_("Saved."),
    )
