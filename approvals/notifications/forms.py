from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from approvals.models import NotificationKind


def _languages() -> list[tuple[str, Any]]:
    return list(settings.LANGUAGES)


class NotificationPreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        label=_("Also send my notifications by e-mail"), required=False
    )
    email_language = forms.ChoiceField(label=_("Language of the e-mails"), choices=_languages)
    email_kinds = forms.MultipleChoiceField(
        label=_("Send these by e-mail"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class NotificationPageForm(forms.Form):
    """``?page=`` of the notification list (past the last page: the last page)."""

    page = forms.IntegerField(min_value=1, max_value=10**6, required=False)
