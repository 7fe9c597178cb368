"""The planning grid's page context: the grid itself, its query, the words its script shows.

The grid (``planning.plan_grid``) is read in a fixed number of queries for a page of families;
the script (``sop/grid.js``) saves cells through ``/api/cycles/<id>/cells/`` and refreshes rows
through ``/api/cycles/<id>/grid-rows/``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from planning.models import Cycle
from planning.permissions import editable_fields
from planning.plan_grid import grid_for

DEMAND_FIELDS = ("demand_forecast", "confirmed_orders")
SUPPLY_FIELDS = ("opening_stock", "production_plan", "capacity_max", "safety_stock_target")


class GridQueryForm(forms.Form):
    """``?page=`` and ``?q=`` (families whose code or name contains it) of a grid page, and
    ``?fragment=grid`` when htmx asks for the grid alone."""

    page = forms.IntegerField(min_value=1, max_value=10**6, required=False)
    q = forms.CharField(max_length=100, required=False, strip=True)
    fragment = forms.ChoiceField(required=False, choices=[("", ""), ("grid", "grid")])


def grid_messages() -> dict[str, Any]:
    """What the grid's script says, in the user's language ({placeholders} filled there); a
    message with a count as its one and its many form."""
    one_many = (1, 2)
    return {
        "saving": _("Saving…"),
        "pasted": [
            ngettext("Pasted {count} cell of {family}.", "Pasted {count} cells of {family}.", n)
            for n in one_many
        ],
        "pasteRefused": [
            ngettext(
                "{count} read-only cell was not pasted (marked).",
                "{count} read-only cells were not pasted (marked).",
                n,
            )
            for n in one_many
        ],
        "pasteBeyond": [
            ngettext(
                "{count} row beyond this family was not pasted.",
                "{count} rows beyond this family were not pasted.",
                n,
            )
            for n in one_many
        ],
        "pasteRefusedCell": _("Read-only here: this value of the pasted block was not pasted."),
        "pasteTooBig": _(
            "The pasted block reaches beyond the last month: nothing was saved. Paste it at a "
            "cell with room for every column."
        ),
        "conflict": _(
            "Changed by someone else: now {theirs} (yours: {mine}). Leave the cell to keep "
            "yours, or press Escape to take theirs."
        ),
        "offline": _(
            "Not saved: the server could not be reached. Your value is kept; leave the cell "
            "again to retry."
        ),
        "failed": _("Not saved."),
    }


def grid_context(
    request: HttpRequest,
    cycle: Cycle,
    fields: tuple[str, ...],
    *,
    page: int = 1,
    query: str = "",
) -> dict[str, Any]:
    editable = editable_fields(request.user, cycle)
    # What every cell's form repeats, worked out once (``grid_cells`` builds the cells).
    one_cell = reverse("cell-save", args=[cycle.pk, 1, "f"])
    return {
        "grid": grid_for(cycle, fields, editable=editable, page=page, query=query),
        # Whether any cell on this page takes input: the page explains saving only then.
        "grid_editable": bool(editable.intersection(fields)),
        "grid_messages": grid_messages(),
        "grid_html": {
            "cell_url": one_cell.removesuffix("1/f/"),
            "csrf_input": format_html(
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
            ),
            "next": escape(request.get_full_path()),
            "approved_title": _("Last approved plan: %(value)s (change %(change)s)"),
        },
        "currency": settings.SOP_CURRENCY,
    }
