"""How the audit trail reads on the history page: stored codes become words in the user's language.

The audit table keeps stable codes (``plan_line_changed``, ``demand_forecast``, ``supply_review``)
so the API and exports stay machine-readable; only the page translates them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from planning.models import BusinessUnit, Cycle, PlanLine
from planning.roles import Role, Stage
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
    """A before/after value in words where it holds codes (stages, states, roles, choices)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return " · ".join(
            f"{field_label(key)}: {value_label(key, item)}" for key, item in value.items()
        )
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


def _model_field(code: str) -> Any:
    for model in LABELLED_MODELS:
        try:
            return model._meta.get_field(code)
        except FieldDoesNotExist:
            continue
    return None
