"""The workflow pages' forms: opening a cycle, moving it on, the decision, guests."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from approvals.workflow import MAX_APPROVAL_ROWS
from planning.api.fields import TEXT_LIMIT
from planning.models import MAX_HORIZON_MONTHS, BusinessUnit, ProductFamily
from planning.roles import GUEST_ROLES, Role, Stage
from planning.web.fields import (
    AmountField,
    FamilyChoiceField,
    MonthField,
    PageQueryForm,
    QuantityField,
    long_text_field,
    unit_families,
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


class CapacityDecisionForm(forms.Form):
    """One capacity decision of the approval: family, month, additional capacity, investment.

    Every field has a visible label (``label_tag`` in ``web/decision.html``); a placeholder
    only hints at a format.
    """

    description = forms.CharField(label=_("Decision"), max_length=300, required=False)
    family = FamilyChoiceField(
        label=_("Product family"), queryset=ProductFamily.objects.none(), required=False
    )
    effective_from = MonthField(
        label=_("From month (YYYY-MM)"), required=False, widget=forms.TextInput()
    )
    additional_capacity = QuantityField(
        label=_("Additional capacity per month"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    investment = AmountField(
        label=_("Investment"),
        required=False,
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, business_unit_id: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["family"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = unit_families(business_unit_id).order_by("code")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = any(
            data.get(name) not in (None, "")
            for name in ("family", "effective_from", "additional_capacity", "investment")
        )
        if given and not data.get("description") and not self.has_error("description"):
            self.add_error("description", _("Describe the decision."))
        return data

    def entry(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("description"):
            return None
        return {
            "description": data["description"],
            "family": data["family"].pk if data["family"] else None,
            "effective_from": data["effective_from"],
            "additional_capacity": data["additional_capacity"] or 0,
            "investment": data["investment"] or Decimal(0),
        }


class KpiTargetForm(forms.Form):
    name = forms.CharField(label=_("KPI"), max_length=120, required=False)
    target = AmountField(
        label=_("Target"),
        required=False,
        max_digits=16,
        decimal_places=4,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)

    def __init__(self, *args: Any, business_unit_id: int, **kwargs: Any):
        # Both row forms take the unit (the formsets share their arguments); a KPI needs none.
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target_given = data.get("target") is not None or data.get("unit")
        if target_given and not data.get("name") and not self.has_error("name"):
            self.add_error("name", _("Name the KPI."))
        if data.get("name") and data.get("target") is None and "target" in data:
            self.add_error("target", _("Give the KPI's target."))
        return data

    def entry(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("name"):
            return None
        return {"name": data["name"], "target": data["target"], "unit": data["unit"]}


MAX_DECISION_ROWS = MAX_APPROVAL_ROWS
CapacityDecisionFormSet = forms.formset_factory(
    CapacityDecisionForm, extra=1, max_num=MAX_DECISION_ROWS, absolute_max=MAX_DECISION_ROWS,
    validate_max=True,
)  # fmt: skip
KpiTargetFormSet = forms.formset_factory(
    KpiTargetForm, extra=1, max_num=MAX_DECISION_ROWS, absolute_max=MAX_DECISION_ROWS,
    validate_max=True,
)  # fmt: skip
_ROW = re.compile(r"^(capacity_decisions|kpi_targets)\[(\d+)\]\.(\w+)$")


class ApproveForm(forms.Form):
    """The executive's approval: a comment, and any number of capacity decisions and KPI targets
    (two formsets, ``decision-N-...`` and ``kpi-N-...``; "add a row" posts back for one more).

    The service names a refused row's field ``capacity_decisions[<index>].<field>``;
    ``add_error`` puts it next to that field of that row.
    """

    comment = long_text_field()

    def __init__(self, data: Any = None, *, business_unit_id: int, more: str = "", **kwargs: Any):
        super().__init__(data, **kwargs)
        bound = None
        if data is not None:
            bound = data.copy()
            for prefix in ("decision", "kpi"):
                if f"{prefix}-TOTAL_FORMS" not in bound:
                    # Posted without rows (an API-like client, a test): no rows at all.
                    bound[f"{prefix}-TOTAL_FORMS"] = bound[f"{prefix}-INITIAL_FORMS"] = "0"
            if more in ("decision", "kpi"):
                total = f"{more}-TOTAL_FORMS"
                bound[total] = str(min(_int(bound.get(total)) + 1, MAX_DECISION_ROWS))
        kwargs = {"form_kwargs": {"business_unit_id": business_unit_id}}
        self.decisions = CapacityDecisionFormSet(bound, prefix="decision", **kwargs)
        self.targets = KpiTargetFormSet(bound, prefix="kpi", **kwargs)
        self._rows: dict[str, list[forms.Form]] = {"capacity_decisions": [], "kpi_targets": []}

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return self.decisions.is_valid() & self.targets.is_valid() & valid

    def capacity_decisions(self) -> list[dict[str, Any]]:
        return self._entries("capacity_decisions", self.decisions)

    def kpi_targets(self) -> list[dict[str, Any]]:
        return self._entries("kpi_targets", self.targets)

    def _entries(self, name: str, formset: Any) -> list[dict[str, Any]]:
        entries, rows = [], []
        for form in formset.forms:
            entry = form.entry() if form.is_valid() else None
            if entry is not None:
                entries.append(entry)
                rows.append(form)
        self._rows[name] = rows
        return entries

    def owns_field(self, field: str) -> bool:
        """Whether a service's error naming ``field`` can be shown next to one of the rows."""
        match = _ROW.match(field)
        if match is None:
            return False
        return int(match.group(2)) < len(self._rows[match.group(1)])

    def add_error(self, field: str | None, error: Any) -> None:
        match = _ROW.match(field or "")
        if match and self.owns_field(match.group(0)):
            row = self._rows[match.group(1)][int(match.group(2))]
            name = match.group(3)
            row.add_error(name if name in row.fields else None, error)
            return
        super().add_error(field, error)


class RowRequestForm(forms.Form):
    """The approve form's "add a row" buttons: which list gets one more row."""

    more = forms.ChoiceField(choices=[("decision", "decision"), ("kpi", "kpi")], required=False)


def _int(text: Any) -> int:
    try:
        return max(0, int(str(text)))
    except ValueError:
        return 0


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
