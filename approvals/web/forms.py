"""One Django form per browser input: what the pages accept, parsed into the services' types.

Views never read ``request.POST`` or ``request.GET`` by hand. A form either gives typed values
(ints, Decimals, dates, model instances of the user's own business unit) or errors naming each
field, and keeps what the user typed so the page can show it again. Numbers are read strictly:
"12,000" is twelve thousand, but "1,5" or "1,2,3,4" are refused rather than guessed at.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from planning.api.fields import TEXT_LIMIT
from planning.engine.balance import MAX_QUANTITY
from planning.maturity import CRITERIA, MaturityLevel
from planning.models import MAX_HORIZON_MONTHS, BusinessUnit, ProductFamily
from planning.roles import GUEST_ROLES, Role, Stage
from reviews.models import AssumptionKind, RiskLevel

# Plain digits, or digits grouped in threes by commas ("12,000"); an optional decimal part.
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$", re.ASCII)
_PLAIN_INTEGER = re.compile(r"^[+-]?\d+$", re.ASCII)
_PLAIN_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$", re.ASCII)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
# Months a cycle may plan: wide enough for any business, narrow enough that a horizon of
# MAX_HORIZON_MONTHS never leaves the calendar.
FIRST_YEAR, LAST_YEAR = 2000, 2099
MAX_LEAD_TIME_DAYS = 36_500


def _ungrouped(text: str) -> str:
    """'12,000' -> '12000'; text grouped any other way is left as is (and then refused)."""
    return text.replace(",", "") if _GROUPED.match(text) else text


class QuantityField(forms.Field):
    """A whole, non-negative number of units up to the engine's limit: '12000' or '12,000'."""

    default_error_messages = {
        "invalid": _("Enter a whole number of units, e.g. 12000 or 12,000."),
        "negative": _("Must not be negative."),
        "too_large": _("Implausibly large: the limit is %(limit)s units."),
    }

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        text = _ungrouped(text)
        if not _PLAIN_INTEGER.match(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        digits = text.lstrip("+-").lstrip("0")
        if len(digits) > len(str(MAX_QUANTITY)):  # never converts a 5,000-digit number
            number = MAX_QUANTITY + 1 if not text.startswith("-") else -1
        else:
            number = int(text)
        if number < 0:
            raise ValidationError(self.error_messages["negative"], code="negative")
        if number > MAX_QUANTITY:
            raise ValidationError(
                self.error_messages["too_large"],
                code="too_large",
                params={"limit": f"{MAX_QUANTITY:,}"},
            )
        return number


class AmountField(forms.DecimalField):
    """A decimal amount: '2000000', '2,000,000' or '0.95'; not '95%', not '1e30'."""

    default_error_messages = {"invalid": _("Enter a number, e.g. 2,000,000 or 0.95.")}

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = str(value or "").strip()
        if not text:
            return None
        text = _ungrouped(text)
        if not _PLAIN_DECIMAL.match(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


def parse_month_text(text: str) -> datetime.date:
    """'2024-04' -> date(2024, 4, 1) within FIRST_YEAR..LAST_YEAR; ValidationError otherwise."""
    match = _MONTH.match(text.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError(
            _("'%(value)s' is not a month written YYYY-MM."), code="invalid", params={"value": text}
        )
    year = int(match.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            _("Choose a month from %(first)s-01 to %(last)s-12."),
            code="out_of_range",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return datetime.date(year, int(match.group(2)), 1)


class MonthField(forms.CharField):
    """A calendar month written YYYY-MM, as the date of its first day."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "2024-06"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        # The text is checked as text (length, NUL) first, then read as a month.
        text = super().clean(value)
        return parse_month_text(text) if text else None


class MonthListField(forms.CharField):
    """'2024-05, 2024-06' or '2024-05 2024-06' -> ['2024-05', '2024-06'], sorted, once each."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 400)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "2024-06"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value) or ""
        months = {parse_month_text(part) for part in text.replace(",", " ").split()}
        return [f"{month:%Y-%m}" for month in sorted(months)]


def _text(limit: int = TEXT_LIMIT, *, required: bool = True, **attrs: Any) -> forms.CharField:
    widget = forms.TextInput(attrs=attrs) if attrs else forms.TextInput
    return forms.CharField(max_length=limit, required=required, widget=widget)


def _long_text(*, required: bool = False, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        max_length=TEXT_LIMIT, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


def _labelled(label: Any, inputmode: str = "") -> forms.TextInput:
    """A text input labelled by its placeholder (the approve form's compact fieldsets)."""
    attrs = {"placeholder": label, "aria-label": label}
    if inputmode:
        attrs["inputmode"] = inputmode
    return forms.TextInput(attrs=attrs)


def _families(cycle_unit_id: int) -> QuerySet[ProductFamily]:
    """Only the cycle's own business unit's families can be chosen (others: 'not a choice')."""
    return ProductFamily.objects.filter(business_unit_id=cycle_unit_id, is_active=True)


class FamilyChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(empty_label="—", **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.code)


class FamilyMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.code)


# --- the plan grid ---------------------------------------------------------------------------


class CellForm(forms.Form):
    """One grid cell: the new value and the line version the user saw."""

    value = QuantityField()
    version = forms.IntegerField(min_value=0, max_value=2**62)


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
    reason = _long_text(required=True)


class ApproveForm(forms.Form):
    """The executive's approval, with an optional capacity investment and KPI target."""

    comment = _long_text()
    decision_description = forms.CharField(
        max_length=300, required=False, widget=_labelled(_("Decision"))
    )
    decision_capacity = QuantityField(
        required=False, widget=_labelled(_("Additional capacity per month"), "numeric")
    )
    decision_investment = AmountField(
        required=False,
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        widget=_labelled(_("Investment"), "decimal"),
    )
    kpi_name = forms.CharField(max_length=120, required=False, widget=_labelled(_("KPI")))
    kpi_target = AmountField(
        required=False, max_digits=16, decimal_places=4, widget=_labelled(_("Target"), "decimal")
    )
    kpi_unit = forms.CharField(max_length=20, required=False, widget=_labelled(_("Unit")))

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


class SubmissionTextForm(forms.Form):
    """The comment sent with a submission, or the reason it is returned."""

    comment = forms.CharField(max_length=TEXT_LIMIT, required=False)
    reason = forms.CharField(max_length=TEXT_LIMIT, required=False)


# --- the registers ------------------------------------------------------------------------------


class CycleScopedForm(forms.Form):
    """A form whose family choices come from the cycle's own business unit."""

    def __init__(self, *args: Any, business_unit_id: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = _families(business_unit_id).order_by("code")


class DemandAssumptionForm(CycleScopedForm):
    kind = forms.ChoiceField(choices=AssumptionKind.choices)
    family = FamilyChoiceField(queryset=ProductFamily.objects.none(), required=False)
    months = MonthListField()
    quantity = QuantityField(widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    probability = forms.IntegerField(
        min_value=0, max_value=100, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    description = _text()
    owner = _text(120, required=False)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        family = data.pop("family")
        return {**data, "family": family.pk if family else None}


class ProductionConstraintForm(CycleScopedForm):
    family = FamilyChoiceField(queryset=ProductFamily.objects.none(), required=False)
    month = MonthField(required=False)
    note = _text()

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "note": data["note"],
            "family": data["family"].pk if data["family"] else None,
            "month": f"{data['month']:%Y-%m}" if data["month"] else None,
        }


class MaterialRiskForm(CycleScopedForm):
    material = _text(200)
    supplier = _text(200, required=False)
    risk_level = forms.ChoiceField(choices=RiskLevel.choices)
    families = FamilyMultipleChoiceField(queryset=ProductFamily.objects.none(), required=False)
    months = MonthListField()
    quantity_at_risk = QuantityField(
        required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    mitigation = _text(required=False)
    owner = _text(120, required=False)
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
    name = _text(200)
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


class GuestInviteForm(forms.Form):
    username = forms.CharField(max_length=150)
    # Not required here: the service says "Give the guest at least one role." itself.
    roles = forms.MultipleChoiceField(
        choices=[(role.value, role.label) for role in Role if role in GUEST_ROLES],
        required=False,
    )


class GuestRemoveForm(forms.Form):
    username = forms.CharField(max_length=150)


class MaturityForm(forms.Form):
    business_unit = forms.ModelChoiceField(queryset=BusinessUnit.objects.none(), empty_label=None)
    assessed_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    criteria = forms.MultipleChoiceField(
        choices=[(code, label) for code, (_level, label) in CRITERIA.items()], required=False
    )
    level = forms.TypedChoiceField(choices=MaturityLevel.choices, coerce=int)
    notes = _long_text()

    def __init__(self, *args: Any, units: QuerySet[BusinessUnit], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["business_unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = units


# --- query strings ----------------------------------------------------------------------------


class PageQueryForm(forms.Form):
    """``?page=`` of a paged list; an unreadable page is an error, not a guess."""

    page = forms.IntegerField(min_value=1, max_value=10**6, required=False)


class AnalysisQueryForm(forms.Form):
    family = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, family_codes: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["family"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "")] + [(code, code) for code in family_codes]


class HistoryQueryForm(PageQueryForm):
    user = forms.ChoiceField(required=False)
    field = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, users: list[str], fields: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name, values in (("user", users), ("field", fields)):
            choice = self.fields[name]
            assert isinstance(choice, forms.ChoiceField)
            choice.choices = [("", "")] + [(value, value) for value in values]
