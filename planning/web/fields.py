"""The form fields every app's browser forms are built from: quantities, amounts, months,
the cycle's own families.

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
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from planning.api.fields import TEXT_LIMIT
from planning.engine.balance import MAX_QUANTITY
from planning.models import ProductFamily

# Plain digits, or digits grouped in threes by commas ("12,000"); an optional decimal part.
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$", re.ASCII)
_PLAIN_INTEGER = re.compile(r"^[+-]?\d+$", re.ASCII)
_PLAIN_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$", re.ASCII)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
# Months a cycle may plan: wide enough for any business, narrow enough that a horizon of
# MAX_HORIZON_MONTHS never leaves the calendar.
FIRST_YEAR, LAST_YEAR = 2000, 2099


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

    def prepare_value(self, value: Any) -> Any:
        return f"{value:%Y-%m}" if isinstance(value, datetime.date) else value


class MonthListField(forms.CharField):
    """'2024-05, 2024-06' or '2024-05 2024-06' -> [date(2024, 5, 1), date(2024, 6, 1)], sorted,
    once each."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 400)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "2024-06"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value) or ""
        return sorted({parse_month_text(part) for part in text.replace(",", " ").split()})

    def prepare_value(self, value: Any) -> Any:
        # An entry's stored months (["2024-05", "2024-06"]) shown for editing as typed.
        if isinstance(value, list | tuple):
            return ", ".join(str(month)[:7] for month in value)
        return value


def text_field(limit: int = TEXT_LIMIT, *, required: bool = True, **attrs: Any) -> forms.CharField:
    widget = forms.TextInput(attrs=attrs) if attrs else forms.TextInput
    return forms.CharField(max_length=limit, required=required, widget=widget)


def long_text_field(*, required: bool = False, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        max_length=TEXT_LIMIT, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


def labelled_input(label: Any, inputmode: str = "") -> forms.TextInput:
    """A text input labelled by its placeholder (the approve form's compact fieldsets)."""
    attrs = {"placeholder": label, "aria-label": label}
    if inputmode:
        attrs["inputmode"] = inputmode
    return forms.TextInput(attrs=attrs)


def unit_families(cycle_unit_id: int) -> QuerySet[ProductFamily]:
    """Only the cycle's own business unit's families can be chosen (others: 'not a choice')."""
    return ProductFamily.objects.filter(business_unit_id=cycle_unit_id, is_active=True)


# The id of the one <datalist> a cycle's pages carry (in ``web/_cycle_nav.html``): the search
# script (``sop/family_search.js``) fills it with the families matching what is typed.
FAMILY_OPTIONS_ID = "family-options"
# How many families one search answers with: a list to pick from, never the whole unit.
FAMILY_SEARCH_LIMIT = 20
# Codes may hold spaces: only commas and semicolons (also full-width) separate them.
_FAMILY_CODE_SEPARATORS = re.compile("[,;\uff0c\uff1b]")


FAMILY_CODE_LIMIT = 60  # ProductFamily.code's max_length


def _plausible_code(text: str) -> bool:
    """Could be a family's code: not longer than a code, no NUL (PostgreSQL refuses it)."""
    return len(text) <= FAMILY_CODE_LIMIT and "\x00" not in text


def family_search_attrs(multiple: bool = False) -> dict[str, Any]:
    """A text input that suggests families as the user types (and works typed by hand)."""
    attrs: dict[str, Any] = {
        "list": FAMILY_OPTIONS_ID,
        "autocomplete": "off",
        "data-family-search": "many" if multiple else "one",
        "placeholder": _("Family codes") if multiple else _("Family code"),
        "size": "24" if multiple else "14",
    }
    return attrs


class FamilyCodesInput(forms.TextInput):
    """Several family codes in one text input: 'F001, F002'."""

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value if item not in (None, ""))
        return super().format_value(value)


class FamilyChoiceField(forms.ModelChoiceField):
    """One of the cycle's families, typed (or picked from the suggestions) by its code.

    The page never lists every family: a unit may have ten thousand. The input suggests
    matches as the user types (``family_search`` answers them); without JavaScript, the code
    typed by hand is enough.
    """

    default_error_messages = {
        "invalid_choice": _("No family with the code “%(value)s” in this business unit."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs=family_search_attrs()))
        super().__init__(empty_label=None, to_field_name="code", **kwargs)

    def to_python(self, value: Any) -> Any:
        code = str(value).strip() if value is not None else ""
        if code and not _plausible_code(code):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": code[:FAMILY_CODE_LIMIT]},
            )
        return super().to_python(code)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.code)


class FamilyMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Any number of the cycle's families, typed by code and separated by commas."""

    default_error_messages = {
        "invalid_choice": _("No family with the code “%(value)s” in this business unit."),
        "invalid_pk_value": _("No family with the code “%(pk)s” in this business unit."),
        "too_many": _("Name at most %(limit)s families."),
    }
    limit = 200

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", FamilyCodesInput(attrs=family_search_attrs(multiple=True)))
        super().__init__(to_field_name="code", **kwargs)

    def clean(self, value: Any) -> Any:
        if isinstance(value, str):
            value = [code.strip() for code in _FAMILY_CODE_SEPARATORS.split(value) if code.strip()]
        if isinstance(value, list | tuple):
            if len(value) > self.limit:
                raise ValidationError(
                    self.error_messages["too_many"], code="too_many", params={"limit": self.limit}
                )
            for code in value:
                if not _plausible_code(str(code)):
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": str(code)[:FAMILY_CODE_LIMIT]},
                    )
        return super().clean(value)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.code)


class CycleScopedForm(forms.Form):
    """A form whose family choices come from the cycle's own business unit."""

    def __init__(self, *args: Any, business_unit_id: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = unit_families(business_unit_id).order_by("code")


# --- query strings ----------------------------------------------------------------------------


class PageQueryForm(forms.Form):
    """``?page=`` of a paged list; an unreadable page is an error, not a guess."""

    page = forms.IntegerField(min_value=1, max_value=10**6, required=False)
