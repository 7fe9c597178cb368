import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = _("Planning")

    def ready(self) -> None:
        # Registers the API token scheme with drf-spectacular.
        from planning.accounts import schema  # noqa: F401

        if settings.SOP_RECOMPUTE_MODE == "inline":
            logger.info(
                "No REDIS_URL configured: the balance analysis is recomputed in-process "
                "after each change instead of by a Celery worker."
            )
