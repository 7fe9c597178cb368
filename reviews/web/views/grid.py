"""The demand and supply grids: families x months.

With JavaScript (``sop/grid.js``) cells save through the API (``/api/cycles/<id>/cells/``),
one cell or a pasted block per request, and the answer updates that cell and its family's rows.
Without it, every cell is a form that posts here and comes back to the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from planning.access import cycle_for_user, plan_line_for_user
from planning.errors import ApplicationError, VersionConflict
from planning.models import PLAN_INPUT_FIELDS, Cycle
from planning.services.plan_lines import plan_line_update
from planning.web.cycle_pages import (
    BAD_INPUT,
    CONFLICT,
    HtmxHttpRequest,
    back,
    form_messages,
    query_refused,
)
from reviews.web.forms import CellForm
from reviews.web.grid_page import GridQueryForm
from reviews.web.page_contexts import demand_context, grid_context, supply_context


def _grid_page(
    request: HtmxHttpRequest,
    cycle_id: int,
    template: str,
    build: Callable[[HttpRequest, Cycle, int, str], dict[str, Any]],
) -> HttpResponse:
    cycle = cycle_for_user(request.user, cycle_id)
    query = GridQueryForm(request.GET)
    status = 200
    if not query.is_valid():
        query_refused(request, query)
        status = BAD_INPUT
    page = (query.cleaned_data.get("page") or 1) if status == 200 else 1
    text = (query.cleaned_data.get("q") or "") if status == 200 else ""
    context = build(request, cycle, page, text)
    if request.htmx and query.cleaned_data.get("fragment") == "grid":
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

    def build(request: HttpRequest, cycle: Cycle, page: int, query: str) -> dict[str, Any]:
        return grid_context(request, cycle, (), page, query)

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
        context.update(error=" ".join(form_messages(form)), attempted=attempted)
        status = 422
    else:
        try:
            line = plan_line_update(
                plan_line=line,
                changes={field: form.cleaned_data["value"]},
                expected_version=form.cleaned_data["version"],
                actor=request.user,
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
        return back(request, cycle, "cycle-overview")
    # htmx swaps only 2xx answers: the cell comes back with 200 and says what went wrong.
    response = render(request, "web/_cell.html", context, status=200)
    if status == 200:
        response["HX-Trigger"] = "planChanged"
    return response
