"""Writing the audit trail: every change records who, when, what, before and after."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from planning.models import AuditEvent, BusinessUnit, Cycle


def audit_record(
    *,
    action: str,
    actor: AbstractBaseUser | AnonymousUser | None,
    cycle: Cycle | None = None,
    business_unit: BusinessUnit | None = None,
    target: str = "",
    field: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action,
        actor=_user_or_none(actor),
        cycle=cycle,
        business_unit_id=cycle.business_unit_id if cycle else _pk_or_none(business_unit),
        target=target,
        field=field,
        before=before,
        after=after,
        reason=reason,
    )


def audit_record_changes(
    *,
    action: str,
    actor: AbstractBaseUser | AnonymousUser | None,
    cycle: Cycle,
    target: str,
    changes: Iterable[tuple[str, Any, Any]],
    reason: str = "",
) -> None:
    """One audit row per changed field, written in a single INSERT."""
    user = _user_or_none(actor)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action=action,
            actor=user,
            cycle=cycle,
            business_unit_id=cycle.business_unit_id,
            target=target,
            field=field,
            before=before,
            after=after,
            reason=reason,
        )
        for field, before, after in changes
    )


def _pk_or_none(business_unit: BusinessUnit | None) -> int | None:
    return business_unit.pk if business_unit is not None else None


def _user_or_none(actor: AbstractBaseUser | AnonymousUser | None) -> Any:
    return actor if actor is not None and actor.is_authenticated else None
