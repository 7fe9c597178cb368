"""The review pages' forms: grid cells, submissions, finance, the registers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MinValueValidator

from planning.api.fields import TEXT_LIMIT
from planning.models import ProductFamily
from planning.web.fields import (
    AmountField,
    CycleScopedForm,
    FamilyChoiceField,
    FamilyMultipleChoiceField,
    MonthField,
    MonthListField,
    QuantityField,
    text_field,
)
from reviews.models import AssumptionKind, RiskLevel

MAX_LEAD_TIME_DAYS = 36_500

# --- the plan grid ---------------------------------------------------------------------------


class CellForm(forms.Form):
    """One grid cell: the new value and the line version the user saw."""

    value = QuantityField()
    version = forms.IntegerField(min_value=0, max_value=2**62)


class SubmissionTextForm(forms.Form):
    """The comment sent with a submission, or the reason it is returned."""

    comment = forms.CharField(max_length=TEXT_LIMIT, required=False)
    reason = forms.CharField(max_length=TEXT_LIMIT, required=False)


# --- the registers ------------------------------------------------------------------------------


class DemandAssumptionForm(CycleScopedForm):
    kind = forms.ChoiceField(choices=AssumptionKind.choices)
    family = FamilyChoiceField(queryset=ProductFamily.objects.none(), required=False)
    months = MonthListField()
    quantity = QuantityField(widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    probability = forms.IntegerField(
        min_value=0, max_value=100, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    description = text_field()
    owner = text_field(120, required=False)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        family = data.pop("family")
        return {**data, "family": family.pk if family else None}


class ProductionConstraintForm(CycleScopedForm):
    family = FamilyChoiceField(queryset=ProductFamily.objects.none(), required=False)
    month = MonthField(required=False)
    note = text_field()

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "note": data["note"],
            "family": data["family"].pk if data["family"] else None,
            "month": f"{data['month']:%Y-%m}" if data["month"] else None,
        }


class MaterialRiskForm(CycleScopedForm):
    material = text_field(200)
    supplier = text_field(200, required=False)
    risk_level = forms.ChoiceField(choices=RiskLevel.choices)
    families = FamilyMultipleChoiceField(queryset=ProductFamily.objects.none(), required=False)
    months = MonthListField()
    quantity_at_risk = QuantityField(
        required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    mitigation = text_field(required=False)
    owner = text_field(120, required=False)
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {
            **data,
            "families": [family.pk for family in data["families"]],
            "quantity_at_risk": data["quantity_at_risk"] or 0,
            "due_date": data["due_date"].isoformat() if data["due_date"] else None,
        }


class GapOptionForm(forms.Form):
    name = text_field(200)
    additional_capacity = QuantityField(widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    cost = AmountField(
        required=False,
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    lead_time_days = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_LEAD_TIME_DAYS,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class FinanceCommentForm(forms.Form):
    comment = forms.CharField(
        max_length=TEXT_LIMIT, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
