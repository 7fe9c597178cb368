"""Numbers on the planning grid: thousands separated the same way in both languages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


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
def signed_units(value: Any) -> str:
    """A change: ``+1,500``, ``\u2212300`` (a true minus sign), ``±0``."""
    if value is None:
        return ""
    number = int(value)
    if number == 0:
        return "±0"
    return f"+{number:,}" if number > 0 else f"\u2212{-number:,}"
