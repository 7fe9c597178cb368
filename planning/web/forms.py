"""The planning pages' forms: the analysis query, maturity assessments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from planning.maturity import CRITERIA, MaturityLevel
from planning.models import BusinessUnit
from planning.web.fields import (
    long_text_field,
)


class MaturityForm(forms.Form):
    business_unit = forms.ModelChoiceField(queryset=BusinessUnit.objects.none(), empty_label=None)
    assessed_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    criteria = forms.MultipleChoiceField(
        choices=[(code, label) for code, (_level, label) in CRITERIA.items()], required=False
    )
    level = forms.TypedChoiceField(choices=MaturityLevel.choices, coerce=int)
    notes = long_text_field()

    def __init__(self, *args: Any, units: QuerySet[BusinessUnit], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["business_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units


class AnalysisQueryForm(forms.Form):
    family = forms.ChoiceField(required=False)
    # htmx asks for the analysis alone (``?fragment=analysis``) when it refreshes it in place.
    fragment = forms.ChoiceField(required=False, choices=[("", ""), ("analysis", "analysis")])

    def __init__(self, *args: Any, family_codes: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["family"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "")] + [(code, code) for code in family_codes]
