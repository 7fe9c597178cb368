"""Celery tasks: thin, idempotent wrappers around the recompute service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError, InterfaceError, OperationalError
from django.db.models import F

from planning.models import Cycle
from planning.services.recompute import cycle_recompute

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=8,
    time_limit=300,
    soft_time_limit=240,
)
def recompute_cycle(cycle_id: int) -> int:
    """Recompute one cycle's analysis; returns the version it is now computed at."""
    return cycle_recompute(cycle_id).version


@shared_task(acks_late=True, time_limit=60)
def recompute_sweep() -> int:
    """Re-enqueue every cycle whose analysis is behind its inputs (lost messages, dead workers)."""
    stale = list(
        Cycle.objects.filter(computed_version__lt=F("inputs_version")).values_list("pk", flat=True)
    )
    for cycle_id in stale:
        recompute_enqueue(cycle_id)
    return len(stale)


def recompute_enqueue(cycle_id: int) -> None:
    """Hand the recompute to a worker; if the broker is down the change stays saved and stale."""
    try:
        recompute_cycle.apply_async(args=(cycle_id,), retry=False)
    except DatabaseError:
        raise
    except Exception:
        logger.warning(
            "Could not enqueue the recompute of cycle %s; the periodic sweep will retry",
            cycle_id,
            exc_info=True,
        )
