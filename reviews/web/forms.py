"""The review pages' forms: grid cells, submissions, finance, the registers (each parsed into
the typed input its service takes, as the API's serializers do)."""

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
from reviews.registers import (
    DemandAssumptionInput,
    GapOptionInput,
    MaterialRiskInput,
    ProductionConstraintInput,
)

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


class RegisterForm(CycleScopedForm):
    """An entry of a register, parsed into the typed input its service takes (as the API's
    serializer builds it); shown for editing from the entry's stored values."""

    input_class: type

    def entry(self) -> Any:
        return self.input_class(**self.cleaned_data)

    @classmethod
    def initial_from(cls, entry: Any) -> dict[str, Any]:
        initial = {name: getattr(entry, name) for name in cls.base_fields}
        for name, value in initial.items():
            if hasattr(value, "all"):  # the affected families, shown by their codes
                initial[name] = list(value.all())
        return initial


class DemandAssumptionForm(RegisterForm):
    input_class = DemandAssumptionInput

    kind = forms.ChoiceField(choices=AssumptionKind.choices)
    family = FamilyChoiceField(queryset=ProductFamily.objects.none(), required=False)
    months = MonthListField()
    quantity = QuantityField(widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    probability = forms.IntegerField(
        min_value=0, max_value=100, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    description = text_field()
    owner = text_field(120, required=False)


class ProductionConstraintForm(RegisterForm):
    input_class = ProductionConstraintInput

    family = FamilyChoiceField(queryset=ProductFamily.objects.none(), required=False)
    month = MonthField(required=False)
    note = text_field()


class MaterialRiskForm(RegisterForm):
    input_class = MaterialRiskInput

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

    def entry(self) -> Any:
        return MaterialRiskInput(
            **{**self.cleaned_data, "families": list(self.cleaned_data["families"])}
        )


class GapOptionForm(RegisterForm):
    input_class = GapOptionInput

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
    # Empty: the alternative can close a gap in every month of the horizon.
    months = MonthListField()


class RegisterEditQueryForm(forms.Form):
    """``?edit_<register>=<id>``: the entry whose values the register's form shows for editing."""

    edit_assumption = forms.IntegerField(min_value=1, max_value=2**62, required=False)
    edit_constraint = forms.IntegerField(min_value=1, max_value=2**62, required=False)
    edit_risk = forms.IntegerField(min_value=1, max_value=2**62, required=False)
    edit_gap_option = forms.IntegerField(min_value=1, max_value=2**62, required=False)


class FinanceCommentForm(forms.Form):
    comment = forms.CharField(
        max_length=TEXT_LIMIT, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
