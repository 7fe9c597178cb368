"""Numbers on the planning grid: thousands separated the same way in both languages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from planning.issue_messages import FIELD_LABELS

register = template.Library()


@register.filter
def field_label(name: str) -> str:
    """``{{ field|field_label }}``: a plan-line field as the grid's row names it."""
    return str(FIELD_LABELS.get(name, name))


@register.filter
def units(value: Any) -> str:
    """``12500`` -> ``12,500`` (Django's ``intcomma`` groups nothing in Chinese)."""
    if value is None or value == "":
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def amount(value: Any) -> str:
    """A sum of money rounded to whole units, grouped alike in both languages: ``12,766,300``."""
    if value is None or value == "":
        return ""
    try:
        whole = Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except (ArithmeticError, ValueError):
        return str(value)
    return f"{int(whole):,}"


@register.filter
def signed_units(value: Any) -> str:
    """A change: ``+1,500``, ``\u2212300`` (a true minus sign), ``±0``."""
    if value is None:
        return ""
    number = int(value)
    if number == 0:
        return "±0"
    return f"+{number:,}" if number > 0 else f"\u2212{-number:,}"


@register.simple_tag(takes_context=True)
def grid_cells(context: Any, block: Any, row: Any) -> SafeString:
    """The ``<td>`` cells of one grid row, built here rather than by a template include.

    A page holds some 1,000 cells; included and rendered one by one they cost ~150 ms, built
    here a few. Every input is still a form of its own that posts without JavaScript.
    """
    html = context["grid_html"]
    code = escape(block.family.code)
    label = escape(row.label)
    parts = []
    for column, cell in enumerate(row.cells):
        if not cell.is_input:
            negative = " negative" if cell.value < 0 else ""
            testid = (
                f' data-testid="closing-{code}-{column + 1}"' if row.key == "closing_stock" else ""
            )
            parts.append(
                f'<td class="num{negative}" data-col="{column}"{testid}>{units(cell.value)}</td>'
            )
            continue
        line = cell.line
        month = f"{line.month:%Y-%m}"
        over = " over-capacity" if cell.over_capacity else ""
        readonly = "" if cell.editable else " readonly"
        approved = ""
        if cell.approved is not None:
            direction = " up" if cell.change > 0 else " down" if cell.change < 0 else ""
            title = escape(
                html["approved_title"]
                % {"value": units(cell.approved), "change": signed_units(cell.change)}
            )
            approved = (
                f'<span class="approved" data-approved="{cell.approved}" title="{title}">'
                f'{units(cell.approved)} <span class="delta{direction}">'
                f"{signed_units(cell.change)}</span></span>"
            )
        parts.append(
            f'<td class="cell"><form method="post" id="cell-{line.id}-{cell.field}"'
            f' class="cell-form{over}" action="{html["cell_url"]}{line.id}/{cell.field}/">'
            f'{html["csrf_input"]}<input type="hidden" name="version" value="{line.version}">'
            f'<input type="hidden" name="next" value="{html["next"]}">'
            f'<input class="num" name="value" inputmode="numeric" autocomplete="off"'
            f' aria-label="{code} {month} {label}" data-testid="cell-{code}-{month}-{cell.field}"'
            f' data-line="{line.id}" data-field="{cell.field}" data-col="{column}"'
            f' data-version="{line.version}" data-saved="{cell.value}"'
            f' value="{units(cell.value)}"{readonly}>{approved}</form></td>'
        )
    # Every piece of text above is escaped (codes, labels) or a number or a fixed name.
    return mark_safe("".join(parts))
