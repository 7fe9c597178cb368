"""Small template helpers for the pages: grid cells, percentages, the audit trail in words."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from approvals.web import audit_labels

register = template.Library()


@register.filter
def getattr_field(obj: Any, name: str) -> Any:
    """``{{ line|getattr_field:"demand_forecast" }}``: one of the plan-input fields."""
    return getattr(obj, name, "")


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def audit_action(code: str) -> Any:
    """``{{ event.action|audit_action }}``: the audit action in the user's language."""
    return audit_labels.action_label(code)


@register.filter
def audit_field(code: str) -> Any:
    return audit_labels.field_label(code)


@register.filter
def audit_reason(reason: str) -> Any:
    return audit_labels.reason_label(reason)


@register.simple_tag
def audit_value(event: Any, which: str) -> Any:
    """``{% audit_value event "before" %}``: a before/after value, codes in words."""
    return audit_labels.value_label(event.field, getattr(event, which))


@register.simple_tag
def audit_target(event: Any, cycle: Any) -> SafeString:
    """``{% audit_target event cycle %}``: the audited object in words, linked to its page."""
    label, url = audit_labels.target_label(event.target, event.field, cycle)
    if url:
        return format_html('<a href="{}">{}</a>', url, label)
    return format_html("{}", label)
