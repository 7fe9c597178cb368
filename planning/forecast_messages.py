"""Translated wording for the baseline forecast's notes (``planning.forecasting``)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from planning.forecasting import ForecastNote

NOTE_TEXTS: dict[str, Promise] = {
    "method_failed": _("{method} failed ({error}); the next method was used"),
    "fit_warnings": _("the model fit warned {count} time(s): {kinds}"),
}


def describe_note(note: ForecastNote) -> str:
    template = NOTE_TEXTS.get(note.code)
    if template is None:
        return str(note)
    return str(template).format(**{name: str(value) for name, value in note.params.items()})
