"""The Celery application: reads every ``CELERY_*`` Django setting and finds each app's tasks."""

import os
from typing import Any

from celery import Celery, signals
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_project.settings")

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
