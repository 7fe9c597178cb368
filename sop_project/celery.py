"""The Celery application: reads every ``CELERY_*`` Django setting and finds each app's tasks."""

import functools
import os
from typing import Any

import celery
from celery import Celery, signals
from celery.utils.log import get_logger
from celery.worker.consumer import Consumer
from celery.worker.request import Request
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_project.settings")
logger = get_logger(__name__)

# The worker retries a lost broker every 0.5 s, then 1 s, 1.5 s and at most every 2 s. Celery's
# own consumer waits 2 s, 4 s, 6 s, ... up to 30 s between attempts, so after an outage of 20 s
# it noticed Redis was back only 10 s later, and after a minute up to 30 s later: longer than
# the two sweep intervals within which every cycle must be fresh again.
BROKER_RETRY_INTERVALS = {"interval_start": 0.5, "interval_step": 0.5, "interval_max": 2.0}


class PromptlyReconnectingConsumer(Consumer):
    """Celery's consumer, reconnecting to the broker at ``BROKER_RETRY_INTERVALS``, and
    surviving the loss of a Redis broker while a task runs."""

    def ensure_connected(self, conn: Any) -> Any:
        conn.ensure_connection = functools.partial(conn.ensure_connection, **BROKER_RETRY_INTERVALS)
        return super().ensure_connected(conn)

    def on_connection_error_after_connected(self, exc: Exception) -> None:
        # Celery first collects the broken connection (dropping its client), then closes it;
        # closing hands the unacknowledged messages back to Redis through that client, and
        # kombu fails with AttributeError ('NoneType' object has no attribute 'hostname'), which
        # Celery treats as unrecoverable: the worker exited whenever Redis went away while a
        # task ran in a prefork child. The messages come back without it (visibility timeout),
        # and the sweep republishes any stale cycle sooner; the worker reconnects and goes on.
        try:
            super().on_connection_error_after_connected(exc)
        except AttributeError:
            logger.warning("Broker connection lost during a task; its message returns to the queue")


class BrokerLossTolerantRequest(Request):
    """A task request whose acknowledgement may find that the broker went away meanwhile.

    A late acknowledgement (``acks_late``) of a task that ran while Redis was lost goes to the
    old channel, whose client kombu has dropped: AttributeError, which Celery treated as
    unrecoverable, and the worker exited. Counted among the errors an acknowledgement may meet,
    it is logged ("Couldn't ack") instead. The message needs no acknowledgement any more: the
    Redis that held it is gone, or it returns after the visibility timeout and is recomputed
    again, harmlessly.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        errors: tuple[type[BaseException], ...] = tuple(self.connection_errors)
        self._connection_errors = (*errors, AttributeError)


class Task(celery.Task):
    Request = "sop_project.celery:BrokerLossTolerantRequest"


app = Celery("sop_project", task_cls=Task)
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
