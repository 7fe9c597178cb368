"""A role's submission: submitted by its owner, accepted or returned by the director."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from planning.access import cycle_for_user
from planning.web.cycle_pages import cycle_action
from planning.workflow import SUBMISSION_TRANSITIONS
from reviews.models import SubmissionKind
from reviews.services import submission_transition
from reviews.web.forms import SubmissionTextForm


@login_required
@require_POST
def submission_action(request: HttpRequest, cycle_id: int, kind: str, action: str) -> HttpResponse:
    cycle_for_user(request.user, cycle_id)  # another unit's cycle: 404 before anything else
    if kind not in SubmissionKind.values or action not in SUBMISSION_TRANSITIONS:
        raise Http404("No such submission action.")
    form = SubmissionTextForm(request.POST)
    text_field = "reason" if action == "return" else "comment"
    return cycle_action(
        request,
        cycle_id,
        form=form,
        key="submission_form",
        page="cycle-overview",
        call=lambda cycle: submission_transition(
            actor=request.user,
            cycle_id=cycle.pk,
            kind=kind,
            action=action,
            text=form.cleaned_data[text_field],
        ),
        success=_("Saved."),
        extra={"submission_refused": {"kind": kind, "action": action}},
    )
