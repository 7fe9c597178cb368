"""Browser pages. Thin: fetch-and-authorize, parse the input with a form, call one service or
page selector, render.

Every page works without JavaScript; htmx (from django-htmx's own static file) swaps fragments
where it is there: grid cells save one by one, the analysis refreshes while it is stale.

Input never reaches a service unparsed: each POST and query string goes through its form
(``approvals.web.forms``). A refused form, or a service's refusal, shows the same page again
with the errors next to their fields and everything the user typed kept (400 for bad input,
409 for a conflict with the cycle's state); a success redirects back (POST/redirect/GET).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from approvals.services import cycle_advance, cycle_approve, cycle_open, cycle_send_back
from approvals.web.forms import (
    AdvanceForm,
    AnalysisQueryForm,
    ApproveForm,
    CellForm,
    CycleOpenForm,
    DemandAssumptionForm,
    FinanceCommentForm,
    GapOptionForm,
    GuestInviteForm,
    GuestRemoveForm,
    HistoryQueryForm,
    MaterialRiskForm,
    MaturityForm,
    PageQueryForm,
    ProductionConstraintForm,
    SendBackForm,
    SubmissionTextForm,
)
from approvals.web.page_contexts import (
    Refused,
    analysis_chart,
    demand_context,
    grid_context,
    home_context,
    maturity_context,
    render_page,
    supply_context,
)
from planning.access import (
    business_units_for,
    cycle_for_user,
    plan_line_for_user,
    roles_in,
)
from planning.errors import ApplicationError, VersionConflict
from planning.models import PLAN_INPUT_FIELDS, AuditEvent, Cycle
from planning.permissions import require_field_edit
from planning.roles import Role
from planning.selectors import cycle_analysis_read
from planning.services.maturity import maturity_assess
from planning.services.memberships import cycle_guest_grant, cycle_guest_revoke
from planning.services.plan_lines import plan_line_update
from reviews.models import SubmissionKind
from reviews.services import (
    SUBMISSION_TRANSITIONS,
    demand_assumption_create,
    finance_comment_set,
    gap_option_create,
    material_risk_create,
    production_constraint_create,
    submission_transition,
)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


BAD_INPUT, CONFLICT = 400, 409


# --- refusals shown on the page -----------------------------------------------------------------


def form_errors_add(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto ``form``: next to the field it names, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


def _run_service(form: forms.Form, call: Callable[[], Any]) -> int | None:
    """Run ``call``; on a refusal put its message on ``form`` and return the page's status."""
    try:
        call()
    except ValidationError as error:
        form_errors_add(form, error)
        return BAD_INPUT
    except ApplicationError as error:
        form.add_error(None, error.message)
        return CONFLICT
    return None


def _query_refused(request: HttpRequest, form: forms.Form) -> None:
    """A query string that does not parse: say which parameter, and show the defaults."""
    for field, errors in form.errors.items():
        for text in errors:
            messages.error(request, f"{field}: {text}")


# --- where to go back to ------------------------------------------------------------------------

# The pages of a cycle a form may be posted from, and that can show it again with its errors.
CYCLE_PAGES = (
    "cycle-overview",
    "cycle-demand",
    "cycle-supply",
    "cycle-finance",
    "cycle-decision",
)


def _page_posted_from(request: HttpRequest, cycle: Cycle, default: str) -> str:
    """The cycle page the form was on (its ``next``), if it is one of this cycle's pages."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}):
        try:
            match = resolve(target.split("?", 1)[0])
        except Resolver404:
            return default
        if match.url_name in CYCLE_PAGES and match.kwargs.get("cycle_id") == cycle.pk:
            return str(match.url_name)
    return default


def _back(request: HttpRequest, cycle: Cycle, default: str) -> HttpResponseRedirect:
    """Back to the page the form was posted from (never to a POST-only address)."""
    if _page_posted_from(request, cycle, ""):  # checked: one of this cycle's pages
        return HttpResponseRedirect(request.POST.get("next", ""))
    return HttpResponseRedirect(reverse(default, args=[cycle.pk]))


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
        status = _run_service(
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


def _grid_page(
    request: HtmxHttpRequest,
    cycle_id: int,
    template: str,
    build: Callable[[HttpRequest, Cycle, int], dict[str, Any]],
) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    query = PageQueryForm(request.GET)
    status = 200
    if not query.is_valid():
        _query_refused(request, query)
        status = BAD_INPUT
    page = (query.cleaned_data.get("page") or 1) if status == 200 else 1
    context = build(request, cycle, page)
    if request.htmx and request.GET.get("fragment") == "grid":
        return render(request, "web/_grid.html", context, status=status)
    return render(request, template, context, status=status)


@login_required
def demand_review(request: HtmxHttpRequest, cycle_id: int) -> HttpResponse:
    return _grid_page(request, cycle_id, "web/demand_review.html", demand_context)


@login_required
def supply_review(request: HtmxHttpRequest, cycle_id: int) -> HttpResponse:
    return _grid_page(request, cycle_id, "web/supply_review.html", supply_context)


@login_required
def family_balance(request: HtmxHttpRequest, cycle_id: int) -> HttpResponse:
    """The computed rows of the grid, refreshed after edits and while the analysis is stale."""

    def build(request: HttpRequest, cycle: Cycle, page: int) -> dict[str, Any]:
        return grid_context(request, cycle, (), page)

    return _grid_page(request, cycle_id, "web/_grid.html", build)


@login_required
@require_POST
def cell_save(request: HtmxHttpRequest, cycle_id: int, line_id: int, field: str) -> HttpResponse:
    """Save one grid cell; htmx gets the cell back (with its error or conflict), others a page."""
    cycle = cycle_for_user(request.user, cycle_id)
    if field not in PLAN_INPUT_FIELDS:
        raise Http404("No such field.")
    line = plan_line_for_user(request.user, line_id, cycle=cycle)
    form = CellForm(request.POST)
    attempted = form.data.get("value", "")
    context: dict[str, Any] = {"cycle": cycle, "line": line, "field": field, "editable": True}
    status = 200
    if not form.is_valid():
        context.update(error=" ".join(_messages_of(form)), attempted=attempted)
        status = 422
    else:
        try:
            line = plan_line_update(
                plan_line=line,
                changes={field: form.cleaned_data["value"]},
                expected_version=form.cleaned_data["version"],
                actor=request.user,
                check=require_field_edit,
            )
            context.update(line=line, saved=True)
        except ValidationError as error:
            context.update(error=" ".join(error.messages), attempted=attempted)
            status = 422
        except VersionConflict as error:
            line.refresh_from_db()
            context.update(line=line, conflict=error.message, attempted=attempted)
            status = CONFLICT
        except ApplicationError as error:
            context.update(error=error.message, attempted=attempted)
            status = CONFLICT
        except PermissionDenied as error:
            context.update(error=str(error), attempted=attempted)
            status = 403
    if not request.htmx:
        if status != 200:
            messages.error(request, context.get("error") or context.get("conflict", ""))
        return _back(request, cycle, "cycle-overview")
    # htmx swaps only 2xx answers: the cell comes back with 200 and says what went wrong.
    response = render(request, "web/_cell.html", context, status=200)
    if status == 200:
        response["HX-Trigger"] = "planChanged"
    return response


def _messages_of(form: forms.Form) -> list[str]:
    return [str(text) for errors in form.errors.values() for text in errors]


@login_required
def analysis(request: HtmxHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    families = list(
        cycle.business_unit.families.filter(plan_lines__cycle=cycle).distinct().order_by("code")
    )
    query = AnalysisQueryForm(request.GET, family_codes=[family.code for family in families])
    status = 200
    if not query.is_valid():
        _query_refused(request, query)
        status = BAD_INPUT
    family = (query.cleaned_data.get("family") or None) if status == 200 else None
    data = cycle_analysis_read(
        cycle, family_codes=[family] if family else None, family_limit=None if family else 30
    )
    context = {
        "cycle": cycle,
        "analysis": data,
        "family": family,
        "families": families,
        "chart": analysis_chart(data, family),
    }
    if request.htmx and request.GET.get("fragment") == "analysis":
        return render(request, "web/_analysis.html", context, status=status)
    return render(request, "web/analysis.html", context, status=status)


@login_required
def finance(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return render_page(request, cycle_for_user(request.user, cycle_id), "cycle-finance")


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
        _query_refused(request, query)
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


def _cycle_action(
    request: HttpRequest,
    cycle_id: int,
    *,
    form: forms.Form,
    key: str,
    page: str,
    call: Callable[[Cycle], Any],
    success: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Validate ``form``, run ``call``; back to the page, or the page again with the errors."""
    cycle = cycle_for_user(request.user, cycle_id)
    status = BAD_INPUT
    if form.is_valid():
        refused = _run_service(form, lambda: call(cycle))
        if refused is None:
            messages.success(request, success)
            return _back(request, cycle, page)
        status = refused
    shown_on = _page_posted_from(request, cycle, page)
    return render_page(request, cycle, shown_on, Refused(key, form, status, extra))


@login_required
@require_POST
def advance(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = AdvanceForm(request.POST)
    return _cycle_action(
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
@require_POST
def send_back(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = SendBackForm(request.POST, auto_id="%s")
    return _cycle_action(
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
@require_POST
def approve(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = ApproveForm(request.POST, auto_id="%s")
    return _cycle_action(
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
@require_POST
def submission_action(request: HttpRequest, cycle_id: int, kind: str, action: str) -> HttpResponse:
    cycle_for_user(request.user, cycle_id)  # another unit's cycle: 404 before anything else
    if kind not in SubmissionKind.values or action not in SUBMISSION_TRANSITIONS:
        raise Http404("No such submission action.")
    form = SubmissionTextForm(request.POST)
    text_field = "reason" if action == "return" else "comment"
    return _cycle_action(
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


@login_required
@require_POST
def assumption_add(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return _register_add(
        request, cycle_id, DemandAssumptionForm, demand_assumption_create,
        key="assumption_form", page="cycle-demand",
    )  # fmt: skip


@login_required
@require_POST
def risk_add(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return _register_add(
        request, cycle_id, MaterialRiskForm, material_risk_create,
        key="risk_form", page="cycle-supply",
    )  # fmt: skip


def _register_add(
    request: HttpRequest,
    cycle_id: int,
    form_class: Any,
    create: Callable[..., Any],
    *,
    key: str,
    page: str,
) -> HttpResponse:
    """Add an entry to one of the cycle's registers whose families are the unit's own."""
    cycle = cycle_for_user(request.user, cycle_id)
    form = form_class(request.POST, business_unit_id=cycle.business_unit_id)
    return _cycle_action(
        request,
        cycle_id,
        form=form,
        key=key,
        page=page,
        call=lambda cycle: create(actor=request.user, cycle_id=cycle.pk, data=form.service_data()),
        success=_("Saved."),
    )


@login_required
@require_POST
def gap_option_add(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = GapOptionForm(request.POST)
    return _cycle_action(
        request,
        cycle_id,
        form=form,
        key="gap_option_form",
        page="cycle-supply",
        call=lambda cycle: gap_option_create(
            actor=request.user, cycle_id=cycle.pk, data=form.cleaned_data
        ),
        success=_("Saved."),
    )


@login_required
@require_POST
def constraint_add(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return _register_add(
        request, cycle_id, ProductionConstraintForm, production_constraint_create,
        key="constraint_form", page="cycle-supply",
    )  # fmt: skip


@login_required
@require_POST
def finance_comment(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = FinanceCommentForm(request.POST)
    return _cycle_action(
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


@login_required
@require_POST
def guest_invite(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = GuestInviteForm(request.POST)
    username = form.data.get("username", "").strip()
    return _cycle_action(
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
        success=_("%(name)s is now a guest of this cycle.") % {"name": username},
    )


@login_required
@require_POST
def guest_remove(request: HttpRequest, cycle_id: int) -> HttpResponse:
    form = GuestRemoveForm(request.POST)
    return _cycle_action(
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


# --- maturity -----------------------------------------------------------------------------------


@login_required
def maturity(request: HttpRequest) -> HttpResponse:
    units = business_units_for(request.user)
    may_assess = request.user.is_superuser or any(
        Role.ADMIN in roles_in(request.user, unit) for unit in units
    )
    form = MaturityForm(units=units)
    status = 200
    if request.method == "POST":
        if not may_assess:
            raise PermissionDenied(_("Only an administrator records maturity assessments."))
        form = MaturityForm(request.POST, units=units)
        refused = _assess(request, form)
        if refused is None:
            messages.success(request, _("Assessment recorded."))
            return HttpResponseRedirect(reverse("maturity"))
        status = refused
    return render(
        request,
        "web/maturity.html",
        maturity_context(units, form, may_assess),
        status=status,
    )


def _assess(request: HttpRequest, form: MaturityForm) -> int | None:
    if not form.is_valid():
        return BAD_INPUT
    data = form.cleaned_data
    return _run_service(
        form,
        lambda: maturity_assess(
            actor=request.user,
            business_unit=data["business_unit"],
            level=data["level"],
            criteria=data["criteria"],
            notes=data["notes"],
            assessed_on=data["assessed_on"] or timezone.localdate(),
        ),
    )
