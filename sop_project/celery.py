"""The Celery application: reads every ``CELERY_*`` Django setting and finds each app's tasks."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_project.settings")

app = Celery("sop_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
