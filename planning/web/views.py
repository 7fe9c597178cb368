"""The planning pages: the balance analysis of a cycle and the maturity assessments.

Thin: fetch-and-authorize, parse the input with a form, call one service or selector, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from planning.access import business_units_for, cycle_for_user, roles_in
from planning.roles import Role
from planning.selectors import cycle_analysis_read, families_matching
from planning.services.maturity import maturity_assess
from planning.web.cycle_pages import BAD_INPUT, HtmxHttpRequest, query_refused, run_service
from planning.web.fields import FAMILY_SEARCH_LIMIT
from planning.web.forms import AnalysisQueryForm, FamilySearchForm, MaturityForm
from planning.web.page_contexts import analysis_chart, chart_labels, maturity_context

# The by-family table of the whole unit shows its families a page at a time.
ANALYSIS_FAMILIES_PER_PAGE = 30


@login_required
def analysis(request: HtmxHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    query = AnalysisQueryForm(request.GET, cycle=cycle)
    status = 200
    if not query.is_valid():
        query_refused(request, query)
        status = BAD_INPUT
    family = (query.cleaned_data.get("family") or None) if status == 200 else None
    page = (query.cleaned_data.get("page") or 1) if status == 200 and not family else 1
    data = cycle_analysis_read(
        cycle,
        family_codes=[family] if family else None,
        family_limit=None if family else ANALYSIS_FAMILIES_PER_PAGE,
        family_offset=0 if family else (page - 1) * ANALYSIS_FAMILIES_PER_PAGE,
    )
    pages = max(1, -(-data.family_count // ANALYSIS_FAMILIES_PER_PAGE))
    context = {
        "cycle": cycle,
        "analysis": data,
        "family": family,
        "query": query,
        "page": page,
        "pages": pages,
        "first_shown": min((page - 1) * ANALYSIS_FAMILIES_PER_PAGE + 1, data.family_count),
        "last_shown": min(page * ANALYSIS_FAMILIES_PER_PAGE, data.family_count),
        "chart": analysis_chart(data, family),
        "chart_labels": chart_labels(),
    }
    if request.htmx and query.cleaned_data.get("fragment") == "analysis":
        return render(request, "web/_analysis.html", context, status=status)
    return render(request, "web/analysis.html", context, status=status)


@login_required
def family_search(request: HttpRequest, cycle_id: int) -> JsonResponse:
    """The families matching what was typed into a family input (``?q=``): at most
    FAMILY_SEARCH_LIMIT of the cycle's unit, for its suggestions; never the whole unit."""
    cycle = cycle_for_user(request.user, cycle_id)
    query = FamilySearchForm(request.GET)
    if not query.is_valid():
        return JsonResponse({"errors": query.errors}, status=BAD_INPUT)
    families = families_matching(cycle, query.cleaned_data["q"], FAMILY_SEARCH_LIMIT)
    return JsonResponse({"families": families})


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
    return run_service(
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
