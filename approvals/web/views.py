"""Browser pages. Thin: fetch-and-authorize, call one service or page selector, render.

Every page works without JavaScript; htmx (from django-htmx's own static file) swaps fragments
where it is there: grid cells save one by one, the analysis refreshes while it is stale.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.middleware import HtmxDetails

from approvals.services import (
    cycle_advance,
    cycle_approve,
    cycle_open,
    cycle_send_back,
    decision_refusal,
)
from approvals.web import pages
from planning.access import (
    business_units_for,
    cycle_for_user,
    cycles_for,
    permissions_prefetch,
    roles_in,
)
from planning.errors import ApplicationError, VersionConflict
from planning.maturity import CRITERIA, LEVEL_DESCRIPTIONS, MaturityLevel
from planning.models import AuditEvent, MaturityAssessment, PlanLine
from planning.months import parse_month
from planning.permissions import require_field_edit
from planning.roles import Role
from planning.selectors import cycle_analysis_read
from planning.services.memberships import cycle_guest_grant, cycle_guest_revoke
from planning.services.plan_lines import plan_line_update
from reviews.models import GapOption, MaterialRisk
from reviews.selectors import finance_by_month, submissions_for_cycle
from reviews.services import (
    demand_assumption_create,
    finance_comment_set,
    gap_option_create,
    material_risk_create,
    production_constraint_create,
    submission_transition,
)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


DEMAND_FIELDS = ("demand_forecast", "confirmed_orders")
SUPPLY_FIELDS = ("production_plan", "capacity_max", "safety_stock_target")


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.GET.get("next") or default
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = default
    return HttpResponseRedirect(target)


def page_action(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
    """POST actions: run the service; a refusal becomes a message on the page, not an error page."""

    @functools.wraps(view)
    @login_required
    @require_POST
    def wrapper(request: HttpRequest, cycle_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        default = reverse("cycle-overview", args=[cycle_id])
        try:
            view(request, cycle_id, *args, **kwargs)
        except ApplicationError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        return _back(request, default)

    return wrapper


@login_required
def home(request: HttpRequest) -> HttpResponse:
    cycles = cycles_for(request.user).order_by("business_unit__name", "-plan_month")
    units = list(business_units_for(request.user))
    permissions_prefetch(request.user, units)
    chairs = [unit for unit in units if Role.DIRECTOR in roles_in(request.user, unit)]
    return render(
        request,
        "web/home.html",
        {"cycles": cycles, "tasks": pages.open_tasks(request.user), "chairs": chairs},
    )


@login_required
@require_POST
def cycle_new(request: HttpRequest) -> HttpResponse:
    """The director opens next month's cycle; its plan lines carry over from the last one."""
    try:
        cycle = cycle_open(
            actor=request.user,
            business_unit_id=_int(request.POST.get("business_unit")),
            plan_month=parse_month(request.POST.get("plan_month", "")),
            horizon_months=_int(request.POST.get("horizon_months")),
        )
    except ValueError:
        messages.error(request, _("Enter the planning month as YYYY-MM."))
    except ApplicationError as error:
        messages.error(request, error.message)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("The cycle is open."))
        return HttpResponseRedirect(reverse("cycle-overview", args=[cycle.pk]))
    return HttpResponseRedirect(reverse("home"))


@login_required
def cycle_overview(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    return render(request, "web/cycle_overview.html", pages.overview(request.user, cycle))


def _grid_page(
    request: HtmxHttpRequest, cycle_id: int, template: str, fields: tuple[str, ...], extra: dict
) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    page = int(request.GET.get("page", "1") or 1) if request.GET.get("page", "1").isdigit() else 1
    context = {
        "cycle": cycle,
        "grid": pages.grid(request.user, cycle, fields, page, ("closing_stock",)),
        "submissions": submissions_for_cycle(cycle),
        "overview": pages.overview(request.user, cycle),
        **extra,
    }
    if request.htmx and request.GET.get("fragment") == "grid":
        return render(request, "web/_grid.html", context)
    return render(request, template, {**context, **extra})


@login_required
def demand_review(request: HtmxHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    extra = {
        "assumptions": cycle.demand_assumptions.select_related("family"),
        "families": cycle.business_unit.families.filter(is_active=True),
        "may_edit_register": pages.may(request.user, cycle, "demand_assumption.edit"),
    }
    return _grid_page(request, cycle_id, "web/demand_review.html", DEMAND_FIELDS, extra)


@login_required
def supply_review(request: HtmxHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    extra = {
        "gaps": pages.gap_months(cycle),
        "gap_options": GapOption.objects.filter(cycle=cycle),
        "risks": MaterialRisk.objects.filter(cycle=cycle).prefetch_related("families"),
        "constraints": cycle.production_constraints.select_related("family"),
        "may_edit_risks": pages.may(request.user, cycle, "material_risk.edit"),
        "may_edit_options": pages.may(request.user, cycle, "production_constraint.edit"),
        "families": cycle.business_unit.families.filter(is_active=True),
    }
    return _grid_page(request, cycle_id, "web/supply_review.html", SUPPLY_FIELDS, extra)


@login_required
@require_POST
def cell_save(request: HtmxHttpRequest, cycle_id: int, line_id: int, field: str) -> HttpResponse:
    """Save one grid cell; htmx gets the cell back (with its error or conflict), others a page."""
    cycle = cycle_for_user(request.user, cycle_id)
    line = PlanLine.objects.select_related("family").get(pk=line_id, cycle=cycle)
    raw = request.POST.get("value", "")
    context: dict[str, Any] = {"cycle": cycle, "line": line, "field": field, "editable": True}
    status = 200
    try:
        line = plan_line_update(
            plan_line=line,
            changes={field: raw},
            expected_version=int(request.POST.get("version", "0") or 0),
            actor=request.user,
            check=require_field_edit,
        )
        context.update(line=line, saved=True)
    except ValidationError as error:
        context.update(error=" ".join(error.messages), attempted=raw)
        status = 422
    except VersionConflict as error:
        line.refresh_from_db()
        context.update(line=line, conflict=error.message, attempted=raw)
        status = 409
    except ApplicationError as error:
        context.update(error=error.message, attempted=raw)
        status = 409
    except PermissionDenied as error:
        context.update(error=str(error), attempted=raw)
        status = 403
    if not request.htmx:
        if status != 200:
            messages.error(request, context.get("error") or context.get("conflict", ""))
        return _back(request, reverse("cycle-overview", args=[cycle_id]))
    response = render(request, "web/_cell.html", context, status=200)
    if status == 200:
        response["HX-Trigger"] = "planChanged"
    return response


@login_required
def family_balance(request: HtmxHttpRequest, cycle_id: int) -> HttpResponse:
    """The computed rows of the grid, refreshed after edits and while the analysis is stale."""
    return _grid_page(request, cycle_id, "web/_grid.html", (), {})


@login_required
def analysis(request: HtmxHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    family = request.GET.get("family") or None
    data = cycle_analysis_read(
        cycle, family_codes=[family] if family else None, family_limit=None if family else 30
    )
    context = {
        "cycle": cycle,
        "analysis": data,
        "family": family,
        "families": cycle.business_unit.families.filter(plan_lines__cycle=cycle).distinct(),
        "chart": _analysis_chart(data, family),
    }
    if request.htmx and request.GET.get("fragment") == "analysis":
        return render(request, "web/_analysis.html", context)
    return render(request, "web/analysis.html", context)


def _analysis_chart(data: Any, family: str | None) -> dict[str, Any]:
    rows = data.rows if family else data.summary
    return {
        "labels": [f"{row['month']:%Y-%m}" for row in rows],
        "demand": [row["effective_demand"] for row in rows],
        "production": [row["production_plan"] for row in rows],
        "closing": [row["closing_stock"] for row in rows],
        "safety": [row["safety_stock_target"] for row in rows],
        "capacity": [row["capacity_max"] for row in rows],
        "utilization": [
            None if row["utilization"] is None else round(row["utilization"] * 100, 1)
            for row in rows
        ],
    }


@login_required
def finance(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    months = finance_by_month(cycle)
    submission = next(s for s in submissions_for_cycle(cycle) if s.kind == "finance_review")
    return render(
        request,
        "web/finance.html",
        {
            "cycle": cycle,
            "months": months,
            "submission": submission,
            "may_edit": pages.may(request.user, cycle, "finance_review.edit"),
            "may_submit": pages.may(request.user, cycle, "submission.submit.finance_review"),
            "chart": {
                "labels": [f"{row['month']:%Y-%m}" for row in months],
                "inventory": [float(row["inventory_investment"]) for row in months],
                "revenue": [float(row["revenue"]) for row in months],
                "at_risk": [float(row["revenue_at_risk"]) for row in months],
            },
        },
    )


@login_required
def decision(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    context = pages.overview(request.user, cycle)
    context.update(
        gaps=[gap for gap in pages.gap_months(cycle) if gap["analysis"].gap > 0],
        risks=MaterialRisk.objects.filter(cycle=cycle).prefetch_related("families"),
        finance=finance_by_month(cycle),
        decisions=cycle.capacity_decisions.all(),
        targets=cycle.kpi_targets.all(),
        decision_refusal=decision_refusal(request.user, cycle),
    )
    return render(request, "web/decision.html", context)


@login_required
def history(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    events = AuditEvent.objects.filter(cycle=cycle).select_related("actor").order_by("-at", "-id")
    user, field = request.GET.get("user", ""), request.GET.get("field", "")
    if user:
        events = events.filter(actor__username=user)
    if field:
        events = events.filter(field=field)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    choices = AuditEvent.objects.filter(cycle=cycle)
    return render(
        request,
        "web/history.html",
        {
            "cycle": cycle,
            "page": page,
            "user_filter": user,
            "field_filter": field,
            "users": sorted(
                set(choices.exclude(actor=None).values_list("actor__username", flat=True))
            ),
            "fields": sorted(set(choices.exclude(field="").values_list("field", flat=True))),
        },
    )


@page_action
def advance(request: HttpRequest, cycle_id: int) -> None:
    cycle_advance(
        actor=request.user,
        cycle_id=cycle_id,
        override_reason=request.POST.get("override_reason", ""),
        from_stage=request.POST.get("from_stage") or None,
    )
    messages.success(request, _("The cycle moved on to the next stage."))


@page_action
def send_back(request: HttpRequest, cycle_id: int) -> None:
    cycle_send_back(
        actor=request.user,
        cycle_id=cycle_id,
        to_stage=request.POST.get("to_stage", ""),
        reason=request.POST.get("reason", ""),
    )
    messages.success(request, _("The plan was sent back."))


@page_action
def approve(request: HttpRequest, cycle_id: int) -> None:
    decisions = []
    if request.POST.get("decision_description"):
        decisions.append(
            {
                "description": request.POST["decision_description"],
                "additional_capacity": int(request.POST.get("decision_capacity") or 0),
                "investment": request.POST.get("decision_investment") or 0,
            }
        )
    targets = []
    if request.POST.get("kpi_name"):
        targets.append(
            {
                "name": request.POST["kpi_name"],
                "target": request.POST.get("kpi_target") or 0,
                "unit": request.POST.get("kpi_unit", ""),
            }
        )
    cycle_approve(
        actor=request.user,
        cycle_id=cycle_id,
        comment=request.POST.get("comment", ""),
        capacity_decisions=decisions,
        kpi_targets=targets,
    )
    messages.success(request, _("The plan is approved."))


@page_action
def submission_action(request: HttpRequest, cycle_id: int, kind: str, action: str) -> None:
    text = request.POST.get("reason" if action == "return" else "comment", "")
    submission_transition(
        actor=request.user, cycle_id=cycle_id, kind=kind, action=action, text=text
    )
    messages.success(request, _("Saved."))


@page_action
def assumption_add(request: HttpRequest, cycle_id: int) -> None:
    data = request.POST
    demand_assumption_create(
        actor=request.user,
        cycle_id=cycle_id,
        data={
            "kind": data.get("kind", ""),
            "family": data.get("family") or None,
            "months": _months_list(data.get("months", "")),
            "quantity": _int(data.get("quantity")),
            "probability": _int(data.get("probability")),
            "description": data.get("description", ""),
            "owner": data.get("owner", ""),
        },
    )
    messages.success(request, _("Saved."))


@page_action
def risk_add(request: HttpRequest, cycle_id: int) -> None:
    data = request.POST
    material_risk_create(
        actor=request.user,
        cycle_id=cycle_id,
        data={
            "material": data.get("material", ""),
            "supplier": data.get("supplier", ""),
            "risk_level": data.get("risk_level", ""),
            "families": data.getlist("families"),
            "months": _months_list(data.get("months", "")),
            "quantity_at_risk": _int(data.get("quantity_at_risk")),
            "mitigation": data.get("mitigation", ""),
            "owner": data.get("owner", ""),
            "due_date": data.get("due_date") or None,
        },
    )
    messages.success(request, _("Saved."))


@page_action
def gap_option_add(request: HttpRequest, cycle_id: int) -> None:
    data = request.POST
    gap_option_create(
        actor=request.user,
        cycle_id=cycle_id,
        data={
            "name": data.get("name", ""),
            "additional_capacity": _int(data.get("additional_capacity")),
            "cost": data.get("cost") or None,
            "lead_time_days": _int(data.get("lead_time_days")) or None,
        },
    )
    messages.success(request, _("Saved."))


@page_action
def guest_invite(request: HttpRequest, cycle_id: int) -> None:
    username = request.POST.get("username", "").strip()
    cycle_guest_grant(
        actor=request.user,
        cycle_id=cycle_id,
        username=username,
        roles=request.POST.getlist("roles"),
    )
    messages.success(request, _("%(name)s is now a guest of this cycle.") % {"name": username})


@page_action
def guest_remove(request: HttpRequest, cycle_id: int) -> None:
    cycle_guest_revoke(
        actor=request.user, cycle_id=cycle_id, username=request.POST.get("username", "")
    )
    messages.success(request, _("Guest access withdrawn."))


@page_action
def constraint_add(request: HttpRequest, cycle_id: int) -> None:
    data = request.POST
    production_constraint_create(
        actor=request.user,
        cycle_id=cycle_id,
        data={
            "note": data.get("note", ""),
            "family": data.get("family") or None,
            "month": data.get("month") or None,
        },
    )
    messages.success(request, _("Saved."))


@page_action
def finance_comment(request: HttpRequest, cycle_id: int) -> None:
    finance_comment_set(
        actor=request.user, cycle_id=cycle_id, comment=request.POST.get("comment", "")
    )
    messages.success(request, _("Saved."))


def _months_list(raw: str) -> list[str]:
    """'2024-05, 2024-06' or '2024-05 2024-06' -> ['2024-05', '2024-06']."""
    return raw.replace(",", " ").split()


def _int(raw: str | None) -> int:
    try:
        return int(str(raw or "0").strip())
    except ValueError:
        raise ValidationError(_("Enter a whole number.")) from None


@login_required
def maturity(request: HttpRequest) -> HttpResponse:
    units = business_units_for(request.user)
    may_assess = request.user.is_superuser or any(
        Role.ADMIN in roles_in(request.user, unit) for unit in units
    )
    if request.method == "POST":
        if not may_assess:
            return HttpResponse(status=403)
        _assess(request, units)
        return HttpResponseRedirect(reverse("maturity"))
    assessments = MaturityAssessment.objects.filter(business_unit__in=units).select_related(
        "business_unit", "assessed_by"
    )
    chart: dict[str, list] = {}
    for row in assessments.order_by("assessed_on"):
        chart.setdefault(row.business_unit.name, []).append(
            {"x": f"{row.assessed_on:%Y-%m-%d}", "y": row.level}
        )
    return render(
        request,
        "web/maturity.html",
        {
            "units": units,
            "assessments": assessments,
            "levels": [(level, LEVEL_DESCRIPTIONS[level]) for level in MaturityLevel],
            "criteria": [(code, level, label) for code, (level, label) in CRITERIA.items()],
            "may_assess": may_assess,
            "chart": chart,
        },
    )


def _assess(request: HttpRequest, units: Any) -> None:
    from django.utils import timezone

    from planning.services.maturity import maturity_assess

    unit = units.filter(pk=request.POST.get("business_unit") or 0).first()
    if unit is None:
        messages.error(request, _("Choose a business unit."))
        return
    try:
        maturity_assess(
            actor=request.user,
            business_unit=unit,
            level=_int(request.POST.get("level")),
            criteria=request.POST.getlist("criteria"),
            notes=request.POST.get("notes", ""),
            assessed_on=request.POST.get("assessed_on") or timezone.localdate(),
        )
        messages.success(request, _("Assessment recorded."))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
