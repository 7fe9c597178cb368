"""Browser pages of the planning app (thin: a selector, then a template)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from planning.access import cycle_for_user, cycles_for
from planning.selectors import cycle_analysis_read


@login_required
def home(request: HttpRequest) -> HttpResponse:
    cycles = cycles_for(request.user).order_by("business_unit__name", "-plan_month")
    return render(request, "planning/home.html", {"cycles": cycles})


@login_required
def cycle_analysis(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    return render(
        request,
        "planning/cycle_analysis.html",
        {"cycle": cycle, "analysis": cycle_analysis_read(cycle)},
    )
