"""The permission matrix: who may do what, in which stage of the cycle. One table, read here.

Two kinds of rule:

* ``FIELD_EDITORS`` — which role may edit which plan-line field in which stage.
* ``ACTION_RULES`` — which roles may take each workflow action, and in which stages; and the
  administrator's actions on a business unit (``UNIT_ACTIONS``: roles and maturity).

Roles are granted, never assumed: a superuser holds in a cycle only the roles granted to them
(administration is not a business role). Two rules sit beside the table, in the services that
need them: nobody grants a role to themselves (``planning.services.memberships``), and whoever
chaired or edited a cycle's plan does not approve it or send it back
(``approvals.services.decision_barred_reason``).

A role that may never do a thing gets ``PermissionDenied`` (HTTP 403); a role that may do it,
but not in the cycle's current stage, gets ``StageConflict`` (HTTP 409) saying when it can.
Roles are held per business unit, or as a guest on one cycle (``planning.access.cycle_roles``).
Actions are plain strings so the higher apps (reviews, approvals) use this table without planning
importing them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from planning.access import cycle_roles, roles_in
from planning.errors import StageConflict
from planning.models import BusinessUnit, Cycle
from planning.roles import Role, Stage

S = Stage
R = Role

# Stage -> role -> plan-line fields that role may edit then.  Frozen stages allow nothing.
FIELD_EDITORS: dict[Stage, dict[Role, frozenset[str]]] = {
    S.DATA_COLLECTION: {
        R.DIRECTOR: frozenset({"opening_stock", "confirmed_orders", "safety_stock_target"}),
        R.SALES: frozenset({"demand_forecast", "confirmed_orders"}),
        R.PRODUCTION: frozenset({"production_plan", "capacity_max"}),
    },
    S.DEMAND_REVIEW: {
        R.SALES: frozenset({"demand_forecast", "confirmed_orders"}),
        R.DIRECTOR: frozenset({"safety_stock_target"}),
    },
    S.SUPPLY_REVIEW: {
        R.PRODUCTION: frozenset({"production_plan", "capacity_max"}),
        R.DIRECTOR: frozenset({"safety_stock_target"}),
    },
    S.EXECUTIVE_REVIEW: {},
    S.APPROVED: {},
}

ALL_STAGES = frozenset(Stage)
OPEN_STAGES = frozenset({S.DATA_COLLECTION, S.DEMAND_REVIEW, S.SUPPLY_REVIEW})

# action -> (roles that may take it, stages in which it may be taken)
ACTION_RULES: dict[str, tuple[frozenset[Role], frozenset[Stage]]] = {
    "cycle.create": (frozenset({R.DIRECTOR}), ALL_STAGES),
    "cycle.guests": (frozenset({R.DIRECTOR, R.ADMIN}), ALL_STAGES),
    "cycle.advance": (frozenset({R.DIRECTOR}), OPEN_STAGES),
    "cycle.send_back": (frozenset({R.EXECUTIVE}), frozenset({S.EXECUTIVE_REVIEW})),
    "cycle.approve": (frozenset({R.EXECUTIVE}), frozenset({S.EXECUTIVE_REVIEW})),
    "submission.submit.sales_forecast": (
        frozenset({R.SALES}),
        frozenset({S.DATA_COLLECTION, S.DEMAND_REVIEW}),
    ),
    "submission.submit.production_capacity": (
        frozenset({R.PRODUCTION}),
        frozenset({S.DATA_COLLECTION, S.SUPPLY_REVIEW}),
    ),
    "submission.submit.procurement_risk": (
        frozenset({R.PROCUREMENT}),
        frozenset({S.DATA_COLLECTION, S.SUPPLY_REVIEW}),
    ),
    "submission.submit.finance_review": (frozenset({R.FINANCE}), frozenset({S.SUPPLY_REVIEW})),
    "submission.review.sales_forecast": (frozenset({R.DIRECTOR}), frozenset({S.DEMAND_REVIEW})),
    "submission.review.production_capacity": (
        frozenset({R.DIRECTOR}),
        frozenset({S.SUPPLY_REVIEW}),
    ),
    "submission.review.procurement_risk": (frozenset({R.DIRECTOR}), frozenset({S.SUPPLY_REVIEW})),
    "submission.review.finance_review": (frozenset({R.DIRECTOR}), frozenset({S.SUPPLY_REVIEW})),
    "demand_assumption.edit": (
        frozenset({R.SALES}),
        frozenset({S.DATA_COLLECTION, S.DEMAND_REVIEW}),
    ),
    "production_constraint.edit": (
        frozenset({R.PRODUCTION}),
        frozenset({S.DATA_COLLECTION, S.SUPPLY_REVIEW}),
    ),
    "material_risk.edit": (
        frozenset({R.PROCUREMENT}),
        frozenset({S.DATA_COLLECTION, S.SUPPLY_REVIEW}),
    ),
    "finance_review.edit": (frozenset({R.FINANCE}), frozenset({S.SUPPLY_REVIEW})),
    # Administration, on a business unit rather than in a cycle: not a business role.
    "business_unit.roles": (frozenset({R.ADMIN}), ALL_STAGES),
    "business_unit.maturity": (frozenset({R.ADMIN}), ALL_STAGES),
}
# Taken on a business unit (``require_unit_action``), not on a cycle.
UNIT_ACTIONS = frozenset({"business_unit.roles", "business_unit.maturity"})


def stage_names(stages: Iterable[Stage]) -> str:
    ordered = [stage for stage in Stage if stage in set(stages)]
    return ", ".join(str(stage.label) for stage in ordered) or _("no stage")


def action_allowed_roles(action: str) -> frozenset[Role]:
    return ACTION_RULES[action][0]


def can_take(user: Any, cycle: Cycle, action: str) -> bool:
    roles, stages = ACTION_RULES[action]
    return Stage(cycle.stage) in stages and bool(roles & cycle_roles(user, cycle))


def require_action(user: Any, cycle: Cycle, action: str) -> None:
    """Raise unless ``user`` may take ``action`` on ``cycle`` in its current stage."""
    roles, stages = ACTION_RULES[action]
    if not roles & cycle_roles(user, cycle):
        raise PermissionDenied(
            _("Your role in this business unit may not do this (%(action)s).") % {"action": action}
        )
    if Stage(cycle.stage) not in stages:
        raise StageConflict(
            _("Not possible in the %(stage)s stage; possible in: %(stages)s.")
            % {"stage": Stage(cycle.stage).label, "stages": stage_names(stages)},
            extra={"stage": cycle.stage},
        )


def may_administer(user: Any, business_unit: BusinessUnit, action: str) -> bool:
    """Whether ``user`` may take the administrative ``action`` on ``business_unit``.

    A superuser administers every unit (somebody must give the first roles); anyone else needs
    the unit's administrator role. Neither makes them a player in the unit's cycles.
    """
    if action not in UNIT_ACTIONS:
        raise ValueError(action)
    if not user.is_authenticated:
        return False
    return user.is_superuser or bool(ACTION_RULES[action][0] & roles_in(user, business_unit))


def require_unit_action(user: Any, business_unit: BusinessUnit, action: str) -> None:
    if not may_administer(user, business_unit, action):
        raise PermissionDenied(
            _("Only an administrator of %(unit)s may do this (%(action)s).")
            % {"unit": business_unit.name, "action": action}
        )


def editable_fields(user: Any, cycle: Cycle) -> frozenset[str]:
    """The plan-line fields ``user`` may edit in the cycle's current stage."""
    allowed: set[str] = set()
    for role in cycle_roles(user, cycle):
        allowed |= FIELD_EDITORS[Stage(cycle.stage)].get(role, frozenset())
    return frozenset(allowed)


def require_field_edit(cycle: Cycle, user: Any, fields: set[str]) -> None:
    """The check ``plan_line_update`` runs once the cycle row is locked."""
    roles = cycle_roles(user, cycle)
    stage = Stage(cycle.stage)
    for field in sorted(fields):
        if any(field in FIELD_EDITORS[stage].get(role, frozenset()) for role in roles):
            continue
        stages_for_field = [
            candidate
            for candidate in Stage
            if any(field in FIELD_EDITORS[candidate].get(role, frozenset()) for role in roles)
        ]
        if not stages_for_field:
            raise PermissionDenied(
                _("Your role may not edit %(field)s.") % {"field": field},
            )
        raise StageConflict(
            _("%(field)s cannot be edited in the %(stage)s stage; it can be edited in: %(stages)s.")
            % {"field": field, "stage": stage.label, "stages": stage_names(stages_for_field)},
            extra={"field": field, "stage": stage.value},
        )


def matrix_rows() -> list[tuple[str, str, str]]:
    """(action, roles, stages) rows for the README and the documentation."""
    rows = []
    for stage in Stage:
        for role, fields in FIELD_EDITORS[stage].items():
            rows.append((f"edit {', '.join(sorted(fields))}", role.value, stage.value))
    for action, (roles, stages) in ACTION_RULES.items():
        rows.append(
            (
                action,
                ", ".join(sorted(role.value for role in roles)),
                "(any)"
                if stages == ALL_STAGES
                else ", ".join(stage.value for stage in Stage if stage in stages),
            )
        )
    return rows
