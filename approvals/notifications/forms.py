from django import forms
from django.utils.translation import gettext_lazy as _


class NotificationPreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        label=_("Also send my notifications by e-mail"), required=False
    )
