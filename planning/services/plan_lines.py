"""Editing plan lines: validated, version-checked, audited, and followed by a recompute."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from planning.engine.balance import MAX_QUANTITY
from planning.errors import ApplicationError, VersionConflict
from planning.live.publish import cycle_changed_publish
from planning.models import PLAN_INPUT_FIELDS, Cycle, PlanLine
from planning.permissions import require_field_edit
from planning.services.audit import audit_record, audit_record_changes
from planning.services.recompute import recompute_schedule


def plan_line_changes_clean(changes: Mapping[str, Any]) -> dict[str, int]:
    """Whole, non-negative, plausible quantities for known fields; errors name each field."""
    errors: dict[str, str] = {}
    cleaned: dict[str, int] = {}
    for name, raw in changes.items():
        if name not in PLAN_INPUT_FIELDS:
            errors[name] = _("This field cannot be edited on a plan line.")
            continue
        value = _whole_number(raw)
        if value is None:
            errors[name] = _("Enter a whole number of units.")
        elif value < 0:
            errors[name] = _("Must not be negative.")
        elif value > MAX_QUANTITY:
            errors[name] = _("Implausibly large: the limit is %(limit)s units.") % {
                "limit": f"{MAX_QUANTITY:,}"
            }
        else:
            cleaned[name] = value
    if not changes:
        errors["__all__"] = _("Nothing to change: give at least one field.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def plan_line_update(
    *,
    plan_line: PlanLine,
    changes: Mapping[str, Any],
    expected_version: int,
    actor: AbstractBaseUser | AnonymousUser,
) -> PlanLine:
    """Apply ``changes`` if ``actor`` may and the line is still at ``expected_version``.

    The cycle row is locked first (the same lock stage transitions take), then the actor's
    right to edit each field is checked against the workflow's one table in that locked stage
    (``require_field_edit``: 403 for a role that never may, 409 in another stage or once the
    field's submission is accepted), so an edit can never land in a stage that forbids it; the
    line is then updated only if its version is unchanged.
    """
    cleaned = plan_line_changes_clean(changes)
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=plan_line.cycle_id)
        require_field_edit(cycle, actor, set(cleaned))
        line = PlanLine.objects.select_for_update().get(pk=plan_line.pk)
        if line.version != expected_version:
            raise VersionConflict(
                _(
                    "Somebody else changed this plan line (now version %(current)s, you edited "
                    "version %(expected)s). Reload it and apply your change again."
                )
                % {"current": line.version, "expected": expected_version},
                extra={
                    "current_version": line.version,
                    "current": {name: getattr(line, name) for name in PLAN_INPUT_FIELDS},
                },
            )
        changed = [
            (name, getattr(line, name), value)
            for name, value in cleaned.items()
            if getattr(line, name) != value
        ]
        if not changed:
            return line
        new_inputs_version = cycle_inputs_bump(cycle.pk)
        for name, _before, value in changed:
            setattr(line, name, value)
        line.version += 1
        line.changed_in_version = new_inputs_version
        line.updated_by = actor if actor.is_authenticated else None  # type: ignore[assignment]
        line.save(
            update_fields=[
                *(name for name, _b, _a in changed),
                "version",
                "changed_in_version",
                "updated_by",
                "updated_at",
            ]
        )
        audit_record_changes(
            action="plan_line_changed",
            actor=actor,
            cycle=cycle,
            target=f"plan_line:{line.pk} {line.family.code} {line.month:%Y-%m}",
            changes=changed,
        )
        cycle_changed_publish(cycle.pk, "lines", families=[line.family_id])
        recompute_schedule(cycle.pk)
    return line


def cycle_inputs_bump(cycle_id: int, *, structural: bool = False) -> int:
    """Increment the cycle's inputs version (inside the caller's transaction); return it."""
    structure = ", structure_version = inputs_version + 1" if structural else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE planning_cycle SET inputs_version = inputs_version + 1{structure}"
            " WHERE id = %s RETURNING inputs_version",
            [cycle_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Cycle.DoesNotExist(cycle_id)
    return int(row[0])


# A quantity written as text: digits with an optional sign, commas only between groups of
# three ("12,500").  "1,5" or "1,2,3,4" could mean several numbers, so they are refused rather
# than read as 15 or 1234; "²" or "+-5" are not numbers at all.
_WHOLE_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)")
# More digits than this is "implausibly large" anyway; never convert a 5,000-digit string.
_MAX_DIGITS = 30


def _whole_number(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if isinstance(raw, str):
        text = raw.strip()
        if _WHOLE_NUMBER_TEXT.fullmatch(text):
            digits = text.lstrip("+-").replace(",", "").lstrip("0") or "0"
            if len(digits) > _MAX_DIGITS:
                return -(MAX_QUANTITY + 1) if text.startswith("-") else MAX_QUANTITY + 1
            return int(text.replace(",", ""))
    return None


def plan_lines_bulk_set(
    *,
    cycle: Cycle,
    values: Mapping[tuple[int, Any], Mapping[str, int]],
    actor: AbstractBaseUser | AnonymousUser | None,
    reason: str = "",
) -> int:
    """Set many lines' inputs at once (data collection, demo data); one version bump.

    ``values`` maps (family id, month) to the fields to set; values are validated first, so a
    bad value changes nothing.  Returns the number of lines changed.

    Under the cycle's lock, ``actor`` must be allowed to edit every field set in the locked
    stage: the check ``plan_line_update`` and ``plan_cells_save`` make (``require_field_edit``:
    403 for a role that never may, 409 in another stage or once the field's submission is
    accepted). ``actor=None`` is a load run on the server by a management command (the demo,
    the load tests' data), recorded as by nobody: no request can pass it, a view passes its
    user, and an anonymous user holds no role.
    """
    cleaned = {key: plan_line_changes_clean(fields) for key, fields in values.items()}
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        if actor is not None:
            require_field_edit(
                locked, actor, {name for fields in cleaned.values() for name in fields}
            )
        lines = {
            (line.family_id, line.month): line
            for line in PlanLine.objects.filter(cycle=cycle).select_for_update()
        }
        unknown = [key for key in cleaned if key not in lines]
        if unknown:
            raise ValidationError(
                _("No plan line for family %(family)s in %(month)s.")
                % {"family": unknown[0][0], "month": unknown[0][1]}
            )
        version = cycle_inputs_bump(cycle.pk, structural=True)
        touched = []
        fields: set[str] = set()
        for key, changes in cleaned.items():
            line = lines[key]
            for name, value in changes.items():
                setattr(line, name, value)
                fields.add(name)
            line.version += 1
            line.changed_in_version = version
            touched.append(line)
        PlanLine.objects.bulk_update(
            touched, [*sorted(fields), "version", "changed_in_version"], batch_size=2000
        )
        audit_record_changes(
            action="plan_lines_loaded",
            actor=actor,
            cycle=cycle,
            target=f"cycle:{cycle.pk}",
            changes=[("lines", None, len(touched))],
            reason=reason,
        )
        cycle_changed_publish(cycle.pk, "lines")
        recompute_schedule(cycle.pk)
    return len(touched)


@dataclass(frozen=True)
class CellChange:
    """One grid cell to set: the line, the field, the value as typed, the version it was seen at."""

    line_id: int
    field: str
    value: Any
    version: int


@dataclass(frozen=True)
class CellsSaved:
    """What a block of cells changed: the lines (as they now are) and their families."""

    lines: list[PlanLine]
    family_ids: list[int]
    inputs_version: int


class CellsRefused(ApplicationError):
    """Some cells of a block cannot be saved, so none is; ``cells`` names each with its reason.

    400 when every refusal is a bad value, 409 when any cell was changed by somebody else.
    """

    code = "cells_refused"

    def __init__(self, message: str, refused: list[dict[str, Any]]):
        super().__init__(message, extra={"cells": refused})
        conflict = any(cell["code"] == "version_conflict" for cell in refused)
        self.status_code = 409 if conflict else 400


def plan_cells_save(
    *,
    cycle: Cycle,
    cells: Sequence[CellChange],
    actor: AbstractBaseUser | AnonymousUser,
) -> CellsSaved:
    """Save a block of grid cells (a paste from a spreadsheet) all together, or none of them.

    One transaction under the cycle's lock; ``actor`` must be allowed to edit every field of
    the block in the locked stage (``require_field_edit``, as ``plan_line_update``); every cell
    is checked (its value, and that its line is still at the version the user saw); one refused
    cell refuses the block, naming every refused cell.  Saved: one inputs-version bump, one
    UPDATE, ONE audit record listing every cell's before and after, ONE recompute.
    """
    if not cells:
        raise ValidationError({"cells": _("Nothing to change: give at least one cell.")})
    refused: list[dict[str, Any]] = []
    cleaned: dict[tuple[int, str], int] = {}
    seen: set[tuple[int, str]] = set()
    for cell in cells:
        key = (cell.line_id, cell.field)
        if key in seen:
            refused.append(_refusal(cell, "duplicate", _("This cell appears twice in the block.")))
            continue
        seen.add(key)
        try:
            cleaned[key] = plan_line_changes_clean({cell.field: cell.value})[cell.field]
        except ValidationError as error:
            refused.append(_refusal(cell, "invalid", " ".join(error.messages)))
    with transaction.atomic():
        locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
        fields = {cell.field for cell in cells if cell.field in PLAN_INPUT_FIELDS}
        if fields:
            require_field_edit(locked, actor, fields)
        line_ids = sorted({cell.line_id for cell in cells})
        lines = {
            line.pk: line
            for line in PlanLine.objects.select_for_update()
            .filter(cycle_id=cycle.pk, pk__in=line_ids)
            .select_related("family")
            .order_by("pk")
        }
        already = {(r["line"], r["field"]) for r in refused}
        for cell in cells:
            line = lines.get(cell.line_id)
            if (cell.line_id, cell.field) in already:
                continue
            if line is None:
                refused.append(
                    _refusal(cell, "unknown_line", _("No such plan line in this cycle."))
                )
            elif line.version != cell.version:
                refused.append(
                    _refusal(
                        cell,
                        "version_conflict",
                        _(
                            "Changed by someone else (now version %(current)s, you edited "
                            "version %(expected)s)."
                        )
                        % {"current": line.version, "expected": cell.version},
                        current=getattr(line, cell.field, None),
                        current_version=line.version,
                    )
                )
        if refused:
            raise CellsRefused(
                ngettext(
                    "%(count)d cell was refused, so nothing was saved.",
                    "%(count)d cells were refused, so nothing was saved.",
                    len(refused),
                )
                % {"count": len(refused)},
                refused,
            )
        changes = [
            (lines[line_id], field, getattr(lines[line_id], field), value)
            for (line_id, field), value in cleaned.items()
            if getattr(lines[line_id], field) != value
        ]
        if not changes:
            return CellsSaved(
                lines=[lines[pk] for pk in line_ids],
                family_ids=sorted({line.family_id for line in lines.values()}),
                inputs_version=locked.inputs_version,
            )
        version = cycle_inputs_bump(cycle.pk)
        touched: dict[int, PlanLine] = {}
        for line, field, _before, value in changes:
            setattr(line, field, value)
            touched[line.pk] = line
        user = actor if actor.is_authenticated else None
        now = timezone.now()
        for line in touched.values():
            line.version += 1
            line.changed_in_version = version
            line.updated_by = user  # type: ignore[assignment]
            line.updated_at = now
        PlanLine.objects.bulk_update(
            list(touched.values()),
            [*sorted({field for _l, field, _b, _a in changes}),
             "version", "changed_in_version", "updated_by", "updated_at"],
        )  # fmt: skip
        audit_record(
            action="plan_cells_saved",
            actor=actor,
            cycle=locked,
            target=f"cells:{len(changes)}",
            before={_cell_label(line, field): before for line, field, before, _a in changes},
            after={_cell_label(line, field): after for line, field, _b, after in changes},
        )
        cycle_changed_publish(
            cycle.pk, "lines", families=sorted({line.family_id for line, *_rest in changes})
        )
        recompute_schedule(cycle.pk)
    return CellsSaved(
        lines=[lines[pk] for pk in line_ids],
        family_ids=sorted({line.family_id for line in lines.values()}),
        inputs_version=version,
    )


def _cell_label(line: PlanLine, field: str) -> str:
    return f"{line.family.code} {line.month:%Y-%m} {field}"


def _refusal(cell: CellChange, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"line": cell.line_id, "field": cell.field, "code": code, "message": message, **extra}
