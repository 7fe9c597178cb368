from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Cycle workflow and approvals")

    def ready(self) -> None:
        # Registers this app's cycle pages, where forms are posted from and shown again.
        from approvals.web import page_contexts  # noqa: F401
