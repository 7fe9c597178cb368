"""Celery tasks: thin wrappers around the notification services."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

from approvals.notifications.services import (
    EMAIL_TASK,
    notification_emails_send,
    reminders_create,
)

logger = logging.getLogger(__name__)

# A database restart, or a mail server that did not answer: the next attempt may succeed.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, SMTPException, OSError)


@shared_task(
    name=EMAIL_TASK,
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=10,
    soft_time_limit=110,
    time_limit=120,
)
def notification_emails() -> int:
    """Send the pending notification e-mails; returns how many were sent."""
    return notification_emails_send()


@shared_task(
    name="approvals.tasks.notification_reminders",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=1,
    max_retries=3,
    soft_time_limit=110,
    time_limit=120,
)
def notification_reminders() -> int:
    """Remind of stages due soon or overdue (once each), then send any e-mail still pending."""
    written = reminders_create()
    try:
        notification_emails_send()
    except TRANSIENT_ERRORS:
        # The rows stay pending: the next scan sends them.
        logger.warning("Notification e-mails not sent now; the next scan retries", exc_info=True)
    return written
