"""The Celery application: reads every ``CELERY_*`` Django setting and finds each app's tasks."""

import functools
import os
from typing import Any

from celery import Celery, signals
from celery.worker.consumer import Consumer
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_project.settings")

# The worker retries a lost broker every 0.5 s, then 1 s, 1.5 s and at most every 2 s. Celery's
# own consumer waits 2 s, 4 s, 6 s, ... up to 30 s between attempts, so after an outage of 20 s
# it noticed Redis was back only 10 s later, and after a minute up to 30 s later: longer than
# the two sweep intervals within which every cycle must be fresh again.
BROKER_RETRY_INTERVALS = {"interval_start": 0.5, "interval_step": 0.5, "interval_max": 2.0}


class PromptlyReconnectingConsumer(Consumer):
    """Celery's consumer, reconnecting to the broker at ``BROKER_RETRY_INTERVALS``."""

    def ensure_connected(self, conn: Any) -> Any:
        conn.ensure_connection = functools.partial(conn.ensure_connection, **BROKER_RETRY_INTERVALS)
        return super().ensure_connected(conn)


app = Celery("sop_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _database_connections_checked(**kwargs: Any) -> None:
    """Treat each task like a web request: drop broken or expired database connections.

    The others are health-checked before use (CONN_HEALTH_CHECKS), so a terminated connection
    costs the task one retry instead of failing every retry on the same dead connection.
    """
    close_old_connections()
