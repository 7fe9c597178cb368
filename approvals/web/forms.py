"""The workflow pages' forms: opening a cycle, moving it on, the decision, guests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from planning.api.fields import TEXT_LIMIT
from planning.models import MAX_HORIZON_MONTHS, BusinessUnit
from planning.roles import GUEST_ROLES, Role, Stage
from planning.web.fields import (
    AmountField,
    MonthField,
    PageQueryForm,
    QuantityField,
    labelled_input,
    long_text_field,
)

# --- opening a cycle and moving it on -----------------------------------------------------------


class CycleOpenForm(forms.Form):
    business_unit = forms.ModelChoiceField(queryset=BusinessUnit.objects.none(), empty_label=None)
    plan_month = MonthField(widget=forms.TextInput(attrs={"placeholder": "2024-04"}))
    horizon_months = forms.IntegerField(
        min_value=1,
        max_value=MAX_HORIZON_MONTHS,
        initial=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(
        self, *args: Any, units: QuerySet[BusinessUnit] | list[BusinessUnit], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        field = self.fields["business_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        ids = [unit.pk for unit in units]
        field.queryset = BusinessUnit.objects.filter(pk__in=ids).order_by("name")


class AdvanceForm(forms.Form):
    override_reason = forms.CharField(max_length=TEXT_LIMIT, required=False)
    from_stage = forms.ChoiceField(choices=Stage.choices, required=False)


class SendBackForm(forms.Form):
    to_stage = forms.ChoiceField(
        choices=[
            (Stage.DEMAND_REVIEW.value, Stage.DEMAND_REVIEW.label),
            (Stage.SUPPLY_REVIEW.value, Stage.SUPPLY_REVIEW.label),
        ]
    )
    reason = long_text_field(required=True)


class ApproveForm(forms.Form):
    """The executive's approval, with an optional capacity investment and KPI target."""

    comment = long_text_field()
    decision_description = forms.CharField(
        max_length=300, required=False, widget=labelled_input(_("Decision"))
    )
    decision_capacity = QuantityField(
        required=False, widget=labelled_input(_("Additional capacity per month"), "numeric")
    )
    decision_investment = AmountField(
        required=False,
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        widget=labelled_input(_("Investment"), "decimal"),
    )
    kpi_name = forms.CharField(max_length=120, required=False, widget=labelled_input(_("KPI")))
    kpi_target = AmountField(
        required=False,
        max_digits=16,
        decimal_places=4,
        widget=labelled_input(_("Target"), "decimal"),
    )
    kpi_unit = forms.CharField(max_length=20, required=False, widget=labelled_input(_("Unit")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision_given = any(
            data.get(name) not in (None, "")
            for name in ("decision_capacity", "decision_investment")
        )
        if (
            decision_given
            and not data.get("decision_description")
            and not self.has_error("decision_description")
        ):
            self.add_error("decision_description", _("Describe the decision."))
        target_given = data.get("kpi_target") is not None or data.get("kpi_unit")
        if target_given and not data.get("kpi_name") and not self.has_error("kpi_name"):
            self.add_error("kpi_name", _("Name the KPI."))
        if data.get("kpi_name") and data.get("kpi_target") is None and "kpi_target" in data:
            self.add_error("kpi_target", _("Give the KPI's target."))
        return data

    def capacity_decisions(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        if not data["decision_description"]:
            return []
        return [
            {
                "description": data["decision_description"],
                "additional_capacity": data["decision_capacity"] or 0,
                "investment": data["decision_investment"] or Decimal(0),
            }
        ]

    def kpi_targets(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        if not data["kpi_name"]:
            return []
        return [{"name": data["kpi_name"], "target": data["kpi_target"], "unit": data["kpi_unit"]}]


class GuestInviteForm(forms.Form):
    username = forms.CharField(max_length=150)
    # Not required here: the service says "Give the guest at least one role." itself.
    roles = forms.MultipleChoiceField(
        choices=[(role.value, role.label) for role in Role if role in GUEST_ROLES],
        required=False,
    )


class GuestRemoveForm(forms.Form):
    username = forms.CharField(max_length=150)


class HistoryQueryForm(PageQueryForm):
    user = forms.ChoiceField(required=False)
    field = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, users: list[str], fields: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, values in (("user", users), ("field", fields)):
            choice = self.fields[name]
            assert isinstance(choice, forms.ChoiceField)
            choice.choices = [("", "")] + [(value, value) for value in values]
