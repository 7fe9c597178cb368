"""The workflow's pages: home and its tasks, opening a cycle, the overview, the executive
decision, the history, moving the cycle on, guests.

Thin: fetch-and-authorize, parse the input with a form, call one service or selector, render.
A refused form, or a service's refusal, shows the same page again with the errors next to their
fields and everything the user typed kept (400 for bad input, 409 for a conflict with the cycle's
state); a success redirects back (POST/redirect/GET).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from approvals.services import cycle_advance, cycle_approve, cycle_open, cycle_send_back
from approvals.web.form_actions import form_action
from approvals.web.forms import (
    AdvanceForm,
    ApproveForm,
    CycleOpenForm,
    GuestInviteForm,
    GuestRemoveForm,
    HistoryQueryForm,
    RowRequestForm,
    SendBackForm,
)
from approvals.web.page_contexts import home_context
from planning.access import business_units_for, cycle_for_user
from planning.models import AuditEvent, Cycle
from planning.services.memberships import cycle_guest_grant, cycle_guest_revoke
from planning.web.cycle_pages import (
    BAD_INPUT,
    Refused,
    cycle_action,
    query_refused,
    render_page,
    run_service,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", home_context(request))


@login_required
@require_POST
def cycle_new(request: HttpRequest) -> HttpResponse:
    """The director opens next month's cycle; its plan lines carry over from the last one."""
    form = CycleOpenForm(request.POST, units=list(business_units_for(request.user)))
    status: int | None = BAD_INPUT
    if form.is_valid():
        opened: list[Cycle] = []
        status = run_service(
            form,
            lambda: opened.append(
                cycle_open(
                    actor=request.user,
                    business_unit_id=form.cleaned_data["business_unit"].pk,
                    plan_month=form.cleaned_data["plan_month"],
                    horizon_months=form.cleaned_data["horizon_months"],
                )
            ),
        )
        if status is None:
            messages.success(request, _("The cycle is open."))
            return HttpResponseRedirect(reverse("cycle-overview", args=[opened[0].pk]))
    return render(request, "web/home.html", home_context(request, form), status=status)


@login_required
def cycle_overview(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return render_page(request, cycle_for_user(request.user, cycle_id), "cycle-overview")


@login_required
def decision(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return render_page(request, cycle_for_user(request.user, cycle_id), "cycle-decision")


@login_required
def history(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    events = AuditEvent.objects.filter(cycle=cycle).select_related("actor").order_by("-at", "-id")
    recorded = AuditEvent.objects.filter(cycle=cycle)
    users = sorted(set(recorded.exclude(actor=None).values_list("actor__username", flat=True)))
    fields = sorted(set(recorded.exclude(field="").values_list("field", flat=True)))
    query = HistoryQueryForm(request.GET, users=users, fields=fields)
    status = 200
    user = field = ""
    page_number = 1
    if query.is_valid():
        user, field = query.cleaned_data["user"], query.cleaned_data["field"]
        page_number = query.cleaned_data["page"] or 1
    else:
        query_refused(request, query)
        status = BAD_INPUT
    if user:
        events = events.filter(actor__username=user)
    if field:
        events = events.filter(field=field)
    context = {
        "cycle": cycle,
        "page": Paginator(events, 50).get_page(page_number),
        "user_filter": user,
        "field_filter": field,
        "users": users,
        "fields": fields,
    }
    return render(request, "web/history.html", context, status=status)


# --- actions posted from the cycle's pages ------------------------------------------------------


@login_required
@form_action(back_to="cycle-overview")
def advance(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = AdvanceForm(request.POST)
    return cycle_action(
        request,
        cycle_id,
        form=form,
        key="advance_form",
        page="cycle-overview",
        call=lambda cycle: cycle_advance(
            actor=request.user,
            cycle_id=cycle.pk,
            override_reason=form.cleaned_data["override_reason"],
            from_stage=form.cleaned_data["from_stage"] or None,
        ),
        success=_("The cycle moved on to the next stage."),
    )


@login_required
@form_action(back_to="cycle-decision")
def send_back(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = SendBackForm(request.POST, auto_id="%s")
    return cycle_action(
        request,
        cycle_id,
        form=form,
        key="send_back_form",
        page="cycle-decision",
        call=lambda cycle: cycle_send_back(
            actor=request.user,
            cycle_id=cycle.pk,
            to_stage=form.cleaned_data["to_stage"],
            reason=form.cleaned_data["reason"],
        ),
        success=_("The plan was sent back."),
    )


@login_required
@form_action(back_to="cycle-decision")
def approve(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    more = RowRequestForm(request.POST)
    form = ApproveForm(
        request.POST,
        auto_id="%s",
        business_unit_id=cycle.business_unit_id,
        more=more.cleaned_data["more"] if more.is_valid() else "",
    )
    if more.is_valid() and more.cleaned_data["more"]:
        # "Add a row": the page again with everything typed and one more empty row.
        return render_page(request, cycle, "cycle-decision", Refused("approve_form", form, 200))
    return cycle_action(
        request,
        cycle_id,
        form=form,
        key="approve_form",
        page="cycle-decision",
        call=lambda cycle: cycle_approve(
            actor=request.user,
            cycle_id=cycle.pk,
            comment=form.cleaned_data["comment"],
            capacity_decisions=form.capacity_decisions(),
            kpi_targets=form.kpi_targets(),
        ),
        success=_("The plan is approved."),
    )


@login_required
@form_action(back_to="cycle-overview")
def guest_invite(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = GuestInviteForm(request.POST)
    return cycle_action(
        request,
        cycle_id,
        form=form,
        key="invite_form",
        page="cycle-overview",
        call=lambda cycle: cycle_guest_grant(
            actor=request.user,
            cycle_id=cycle.pk,
            username=form.cleaned_data["username"],
            roles=form.cleaned_data["roles"],
        ),
        success=lambda: (
            _("%(name)s is now a guest of this cycle.") % {"name": form.cleaned_data["username"]}
        ),
    )


@login_required
@form_action(back_to="cycle-overview")
def guest_remove(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = GuestRemoveForm(request.POST)
    return cycle_action(
        request,
        cycle_id,
        form=form,
        key="remove_form",
        page="cycle-overview",
        call=lambda cycle: cycle_guest_revoke(
            actor=request.user, cycle_id=cycle.pk, username=form.cleaned_data["username"]
        ),
        success=_("Guest access withdrawn."),
    )
