"""Small template helpers for the planning grids."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def getattr_field(obj: Any, name: str) -> Any:
    """``{{ line|getattr_field:"demand_forecast" }}``: one of the plan-input fields."""
    return getattr(obj, name, "")


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
