"""Recording S&OP maturity assessments."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from planning.maturity import CRITERIA, MaturityLevel
from planning.models import BusinessUnit, MaturityAssessment
from planning.services.audit import audit_record


def maturity_assess(
    *,
    actor: Any,
    business_unit: BusinessUnit,
    level: int,
    criteria: Iterable[str],
    notes: str,
    assessed_on: datetime.date | str,
) -> MaturityAssessment:
    if level not in MaturityLevel.values:
        raise ValidationError({"level": _("Choose a level from L1 to L5.")})
    unknown = [code for code in criteria if code not in CRITERIA]
    if unknown:
        raise ValidationError(
            {"criteria": _("Unknown criterion: %(code)s.") % {"code": unknown[0]}}
        )
    assessment = MaturityAssessment(
        business_unit=business_unit,
        level=level,
        criteria_met=sorted(set(criteria)),
        notes=notes,
        assessed_on=assessed_on,
        assessed_by=actor,
    )
    assessment.full_clean(exclude=["assessed_by"])
    assessment.save()
    audit_record(
        action="maturity_assessed",
        actor=actor,
        target=f"business_unit:{business_unit.pk}",
        field="level",
        after=level,
        reason=notes,
    )
    return assessment
