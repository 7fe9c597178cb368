"""The planning pages' forms: the analysis query, maturity assessments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from planning.maturity import CRITERIA, MaturityLevel
from planning.models import BusinessUnit, Cycle, ProductFamily
from planning.web.fields import FAMILY_CODE_LIMIT, family_search_attrs, long_text_field


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
    """``?family=<code>``: one family of the cycle's plan, typed or picked by its code;
    ``?page=``: the page of the by-family table when no family is chosen."""

    # htmx asks for the analysis alone (``?fragment=analysis``) when it refreshes it in place.
    fragment = forms.ChoiceField(required=False, choices=[("", ""), ("analysis", "analysis")])

    family = forms.CharField(
        max_length=FAMILY_CODE_LIMIT,
        required=False,
        widget=forms.TextInput(attrs=family_search_attrs()),
    )

    page = forms.IntegerField(min_value=1, max_value=10**6, required=False)

    def __init__(self, *args: Any, cycle: Cycle, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.cycle = cycle

    def clean_family(self) -> str:
        code = self.cleaned_data["family"]
        planned = ProductFamily.objects.filter(
            business_unit_id=self.cycle.business_unit_id, code=code, plan_lines__cycle=self.cycle
        )
        if code and not planned.exists():
            raise forms.ValidationError(
                forms.ChoiceField.default_error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": code},
            )
        return code


class FamilySearchForm(forms.Form):
    """``?q=``: what has been typed into a family input, to suggest the families matching it."""

    q = forms.CharField(max_length=FAMILY_CODE_LIMIT, required=False, strip=True)
