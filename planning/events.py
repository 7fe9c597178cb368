"""Workflow events announced by the lower apps, for the apps above them to act on.

Dependencies point one way (planning ← reviews ← approvals), yet an app above must react to
what happens below: when a submission (reviews) is returned, or a guest (planning) is invited,
the notifications (approvals) tell the people concerned. The service that makes the change
announces it here, in one line, inside its transaction; the app above subscribes once, in its
``AppConfig.ready()``. A subscriber runs in the announcing transaction, so what it writes
commits or rolls back with the change, and it defers anything outside the database to
``transaction.on_commit`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planning.models import Cycle


@dataclass(frozen=True)
class WorkflowEvent:
    """``name`` says what happened (``submission_returned``, ``guest_invited``, ...)."""

    name: str
    cycle: Cycle
    actor: Any
    # What it happened to: a submission kind, a stage (empty when the name says it all).
    subject: str = ""
    reason: str = ""
    # The one person concerned, when there is one (the invited guest, the submitter).
    user_id: int | None = None
    # Distinguishes repeats of the same event (a submission's version, ...).
    version: int | None = None


_subscribers: list[Callable[[WorkflowEvent], None]] = []


def event_subscribe(handler: Callable[[WorkflowEvent], None]) -> None:
    if handler not in _subscribers:
        _subscribers.append(handler)


def event_announce(event: WorkflowEvent) -> None:
    for handler in _subscribers:
        handler(event)
