from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Role submissions")

    def ready(self) -> None:
        # Registers this app's cycle pages, where forms are posted from and shown again.
        from reviews.web import page_contexts  # noqa: F401
