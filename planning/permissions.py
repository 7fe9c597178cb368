"""The permission checks: who may do what, in which stage of the cycle.

The rules are the workflow's one table (``planning.workflow``), read here:

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

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from planning.access import cycle_roles, roles_in
from planning.errors import StageConflict, SubmissionAccepted
from planning.models import BusinessUnit, Cycle
from planning.roles import Role, Stage, SubmissionKind
from planning.workflow import ACTION_RULES, FIELD_EDITORS, SUBMISSION_FIELDS, UNIT_ACTIONS


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


# Acceptance freezes: the plan-line fields of an accepted submission cannot be edited until the
# director returns it (``SUBMISSION_FIELDS``). The submissions' states are kept by ``reviews``,
# which registers its reader here at start-up: planning imports no higher app.
AcceptedReader = Callable[[Cycle], frozenset[SubmissionKind]]
_ACCEPTED_READERS: list[AcceptedReader] = []


def accepted_reader_register(reader: AcceptedReader) -> None:
    if reader not in _ACCEPTED_READERS:
        _ACCEPTED_READERS.append(reader)


def frozen_fields(cycle: Cycle) -> dict[str, SubmissionKind]:
    """The plan-line fields frozen in ``cycle`` now -> the accepted submission they belong to."""
    accepted = frozenset().union(*(reader(cycle) for reader in _ACCEPTED_READERS))
    return {
        field: kind
        for kind in SubmissionKind
        if kind in accepted
        for field in SUBMISSION_FIELDS[kind]
    }


def accepted_refusal(kind: SubmissionKind) -> str:
    return _(
        "The %(kind)s was accepted, so its inputs are frozen; "
        "the director can return it to reopen them."
    ) % {"kind": kind.label.lower()}


def editable_fields(user: Any, cycle: Cycle) -> frozenset[str]:
    """The plan-line fields ``user`` may edit in the cycle's current stage (none of an accepted
    submission's)."""
    allowed: set[str] = set()
    for role in cycle_roles(user, cycle):
        allowed |= FIELD_EDITORS[Stage(cycle.stage)].get(role, frozenset())
    return frozenset(allowed) - frozen_fields(cycle).keys()


def require_field_edit(cycle: Cycle, user: Any, fields: set[str]) -> None:
    """May ``user`` edit ``fields`` of the cycle's plan lines now? Raises if not: the check the
    plan-line services (``plan_line_update``, ``plan_cells_save``) run once the cycle is locked."""
    roles = cycle_roles(user, cycle)
    stage = Stage(cycle.stage)
    frozen: dict[str, SubmissionKind] | None = None
    for field in sorted(fields):
        if any(field in FIELD_EDITORS[stage].get(role, frozenset()) for role in roles):
            frozen = frozen_fields(cycle) if frozen is None else frozen
            if field in frozen:
                raise SubmissionAccepted(
                    accepted_refusal(frozen[field]),
                    extra={"field": field, "submission": frozen[field].value},
                )
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
