"""How the audit trail reads on the history page: stored codes become words in the user's language.

The audit table keeps stable codes (``plan_line_changed``, ``demand_forecast``, ``supply_review``)
so the API and exports stay machine-readable; only the page translates them.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from approvals.web.pages import SUBMISSION_PAGES
from planning.models import BusinessUnit, Cycle, PlanLine
from planning.roles import Role, Stage, SubmissionKind
from reviews.models import (
    DemandAssumption,
    GapOption,
    MaterialRisk,
    ProductionConstraint,
    SubmissionState,
)

# Where the codes stored in ``field`` and in before/after dicts are model fields, their
# verbose names (and choice labels) are the words; the first model with the field wins.
LABELLED_MODELS = (
    PlanLine,
    BusinessUnit,
    Cycle,
    DemandAssumption,
    MaterialRisk,
    ProductionConstraint,
    GapOption,
)

ACTION_LABELS = {
    "cycle_created": _("Cycle opened"),
    "cycle_advanced": _("Cycle advanced"),
    "cycle_sent_back": _("Cycle sent back"),
    "cycle_approved": _("Plan approved"),
    "gate_overridden": _("Gate overridden"),
    "plan_line_changed": _("Plan line changed"),
    "plan_lines_loaded": _("Plan lines loaded"),
    "plan_cells_saved": _("Grid cells saved together"),
    "family_added": _("Product family added"),
    "excess_multiplier_changed": _("Excess multiplier changed"),
    "family_prices_changed": _("Unit cost or price changed"),
    "submission_submit": _("Submitted"),
    "submission_accept": _("Accepted"),
    "submission_return": _("Returned"),
    "demand_assumption_created": _("Opportunity or risk noted"),
    "demand_assumption_changed": _("Opportunity or risk changed"),
    "demand_assumption_deleted": _("Opportunity or risk removed"),
    "demandassumption_deleted": _("Opportunity or risk removed"),
    "production_constraint_created": _("Production constraint noted"),
    "production_constraint_changed": _("Production constraint changed"),
    "production_constraint_deleted": _("Production constraint removed"),
    "material_risk_created": _("Material risk noted"),
    "material_risk_changed": _("Material risk changed"),
    "material_risk_deleted": _("Material risk removed"),
    "materialrisk_deleted": _("Material risk removed"),
    "gap_option_created": _("Gap alternative added"),
    "gap_option_changed": _("Gap alternative changed"),
    "gap_option_deleted": _("Gap alternative removed"),
    "finance_comment_changed": _("Finance comment changed"),
    "maturity_assessed": _("Maturity assessed"),
    "guest_granted": _("Guest invited"),
    "guest_revoked": _("Guest access withdrawn"),
    "membership_granted": _("Roles in the business unit given"),
    "membership_revoked": _("Membership of the business unit withdrawn"),
}

OTHER_FIELD_LABELS = {
    "stage": _("stage"),
    "gates": _("gates"),
    "state": _("state"),
    "comment": _("comment"),
    "level": _("maturity level"),
    "roles": _("roles"),
    "lines": _("plan lines"),
}


# The audit row's ``target`` is "<kind>:<id>[ <words>]"; each kind reads as words, and where
# the object lives on a page of the cycle, it links there.
REGISTER_TARGETS = {
    "demand_assumption": (_("Opportunity or risk no. %(id)s"), "cycle-demand"),
    "demandassumption": (_("Opportunity or risk no. %(id)s"), "cycle-demand"),
    "production_constraint": (_("Production constraint no. %(id)s"), "cycle-supply"),
    "material_risk": (_("Material risk no. %(id)s"), "cycle-supply"),
    "materialrisk": (_("Material risk no. %(id)s"), "cycle-supply"),
    "gap_option": (_("Gap alternative no. %(id)s"), "cycle-supply"),
}
DEMAND_GRID_FIELDS = ("demand_forecast", "confirmed_orders")
MONTH = re.compile(r"\d{4}-\d{2}")


def target_label(target: str, field: str, cycle: Cycle) -> tuple[str, str]:
    """The audited object in words, and the address of the cycle's page that shows it ("" if
    none): ``cycle:4`` -> "Cycle 2024-05", ``submission:sales_forecast`` -> "Submission: Sales
    forecast", ``plan_line:7 SEED-01 2024-05`` -> "Plan line SEED-01 · 2024-05"."""
    kind, _colon, rest = target.partition(":")
    key, _space, words = rest.partition(" ")
    if kind == "cycle":
        label = _("Cycle %(month)s") % {"month": f"{cycle.plan_month:%Y-%m}"}
        return str(label), _page("cycle-overview", cycle)
    if kind == "submission" and key in SubmissionKind.values:
        label = _("Submission: %(kind)s") % {"kind": SubmissionKind(key).label}
        return str(label), _page(SUBMISSION_PAGES[SubmissionKind(key)], cycle)
    if kind == "plan_line" and words:
        # The family's code may hold spaces; the month is the last word.
        code, _space, month = words.rpartition(" ")
        label = _("Plan line %(family)s · %(month)s") % {"family": code, "month": month}
        page = "cycle-demand" if field in DEMAND_GRID_FIELDS else "cycle-supply"
        return str(label), f"{_page(page, cycle)}?{urlencode({'q': code})}"
    if kind == "cells" and key.isdigit():
        count = int(key)
        return ngettext("%(count)s grid cell", "%(count)s grid cells", count) % {"count": count}, ""
    if kind in REGISTER_TARGETS:
        text, page = REGISTER_TARGETS[kind]
        return str(text % {"id": key}), _page(page, cycle)
    if kind == "family" and words:
        return str(_("Product family %(code)s") % {"code": words}), ""
    if kind == "user" and words:
        return str(_("User %(name)s") % {"name": words}), ""
    if kind == "business_unit":
        return str(_("Business unit %(name)s") % {"name": cycle.business_unit.name}), ""
    return target, ""


def _page(name: str, cycle: Cycle) -> str:
    return reverse(name, args=[cycle.pk])


def action_label(code: str) -> Any:
    return ACTION_LABELS.get(code, code)


def field_label(code: str) -> Any:
    if not code:
        return ""
    field = _model_field(code)
    if field is not None:
        return getattr(field, "verbose_name", code)
    return OTHER_FIELD_LABELS.get(code, code)


def value_label(field: str, value: Any) -> Any:
    """A before/after value in words where it holds codes (stages, states, roles, choices),
    numbers grouped by thousands in the user's language."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return " · ".join(
            f"{_key_label(key)}: {value_label(_key_field(key), item)}"
            for key, item in value.items()
        )
    if isinstance(value, int) and not isinstance(value, bool):
        return number_format(value, force_grouping=True)
    if field == "stage" and value in Stage.values:
        return Stage(value).label
    if field == "state" and value in SubmissionState.values:
        return SubmissionState(value).label
    if field == "roles" and isinstance(value, list):
        return ", ".join(str(Role(v).label) if v in Role.values else str(v) for v in value)
    model_field = _model_field(field)
    choices = dict(getattr(model_field, "flatchoices", None) or ())
    if isinstance(value, str) and value in choices:
        return choices[value]
    return value


def _cell_key(key: str) -> tuple[str, str, str] | None:
    """A grid cell's key in a batch save, "<family code> <YYYY-MM> <field>" (the code may hold
    spaces), as (code, month, field); None for any other key."""
    rest, _space, field = key.rpartition(" ")
    code, _space, month = rest.rpartition(" ")
    if code and MONTH.fullmatch(month) and _model_field(field) is not None:
        return code, month, field
    return None


def _key_label(key: str) -> str:
    cell = _cell_key(key)
    if cell is None:
        return str(field_label(key))
    code, month, field = cell
    return f"{code} · {month} · {field_label(field)}"


def _key_field(key: str) -> str:
    cell = _cell_key(key)
    return cell[2] if cell else key


def reason_label(reason: str) -> Any:
    """The reason as written, except a stage the system itself named (the demo's and loaders'
    "data collection"), which reads in the user's language."""
    words = reason.strip().lower().replace("_", " ")
    for stage in Stage:
        if words in (stage.value.replace("_", " "), str(stage.label).lower()):
            return stage.label
    return reason


def _model_field(code: str) -> Any:
    for model in LABELLED_MODELS:
        try:
            return model._meta.get_field(code)
        except FieldDoesNotExist:
            continue
    return None
