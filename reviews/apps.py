from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Role submissions")

    def ready(self) -> None:
        # Registers this app's cycle pages (where forms are posted from and shown again), and
        # tells planning which submissions are accepted: their plan-line fields are frozen.
        from planning.permissions import accepted_reader_register
        from reviews.selectors import accepted_submissions
        from reviews.web import page_contexts  # noqa: F401

        accepted_reader_register(accepted_submissions)
