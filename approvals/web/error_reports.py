"""What error reports may show: never rows the user was not given.

With ``DEBUG`` on, Django's technical 500 page (and, in production, the error e-mails of
``AdminEmailHandler``) list every frame's local variables, and printing a QuerySet runs it.
A frame deep in the ORM holds querysets before they are scoped to the user (``PlanLine.objects``
in ``QuerySet.get``), so one crash printed another business unit's plan lines. Querysets and
managers are therefore shown by their model only, never by their rows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Manager, QuerySet
from django.views.debug import SafeExceptionReporterFilter


class RowHidingExceptionReporterFilter(SafeExceptionReporterFilter):
    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return [(name, rows_hidden(value)) for name, value in variables]


def rows_hidden(value: Any) -> Any:
    if isinstance(value, QuerySet | Manager):
        return f"<{type(value).__name__} of {value.model.__name__}: rows not shown>"
    return value
