from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Cycle workflow and approvals")

    def ready(self) -> None:
        # Registers this app's cycle pages, where forms are posted from and shown again.
        # The notifications hear what the lower apps announce (planning.events).
        from approvals.notifications.services import notify_workflow_event
        from approvals.web import language, page_contexts  # noqa: F401 (the sign-in hook)
        from planning.events import event_subscribe

        event_subscribe(notify_workflow_event)
