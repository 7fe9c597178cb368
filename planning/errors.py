"""The application's errors: services raise them, one API exception handler renders them.

Field validation uses Django's ``ValidationError`` (400, naming the field); permission problems
use ``PermissionDenied`` (403) or ``Http404`` for objects outside the user's business units.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A request that is well formed but cannot be carried out now (HTTP 409)."""

    status_code = 409
    code = "conflict"

    def __init__(self, message: str, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class VersionConflict(ApplicationError):
    """The client edited a version that somebody else has changed since."""

    code = "version_conflict"


class StageConflict(ApplicationError):
    """The cycle's stage does not allow this change now."""

    code = "stage_conflict"


class SubmissionAccepted(ApplicationError):
    """The change belongs to a submission the director accepted: its inputs are frozen."""

    code = "submission_accepted"


class CycleExists(ApplicationError):
    """The business unit already has a cycle for that month (the answer names it)."""

    code = "cycle_exists"
