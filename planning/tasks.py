"""Celery tasks: thin, idempotent wrappers around the recompute services.

When a recompute is published and how a burst of edits shares one is the scheduling service's
business (``planning.services.recompute_schedule``); these only run what was published.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from planning.services.recompute import cycle_recompute_queued
from planning.services.recompute_schedule import recompute_sweep_stale

# A database restart or a terminated connection: the next attempt gets a fresh connection.
TRANSIENT_DATABASE_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=10,
    soft_time_limit=240,
    time_limit=300,
)
def recompute_cycle(cycle_id: int) -> int:
    """Recompute one cycle's analysis; returns the version it is now computed at."""
    return cycle_recompute_queued(cycle_id).version


# Both limits are set: a hard limit below the global soft limit makes beat refuse the task.
@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=1,
    max_retries=3,
    soft_time_limit=50,
    time_limit=60,
)
def recompute_sweep() -> int:
    """Publish a recompute for every cycle left stale (lost message, dead worker, Redis down)."""
    return recompute_sweep_stale()
