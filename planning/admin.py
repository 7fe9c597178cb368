from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from planning.models import AuditEvent, BusinessUnit, Cycle, ProductFamily
from planning.services.business_units import excess_multiplier_set, family_lines_add


@admin.register(BusinessUnit)
class BusinessUnitAdmin(GuardedModelAdmin):
    list_display = ("code", "name", "excess_multiplier")
    search_fields = ("code", "name")

    def save_model(self, request: HttpRequest, obj: BusinessUnit, form: Any, change: bool) -> None:
        multiplier = obj.excess_multiplier
        if change and "excess_multiplier" in form.changed_data:
            # Through the service: it bumps and recomputes every open cycle of the unit.
            obj.excess_multiplier = form.initial["excess_multiplier"]
            super().save_model(request, obj, form, change)
            excess_multiplier_set(business_unit=obj, multiplier=multiplier, actor=request.user)
        else:
            super().save_model(request, obj, form, change)


@admin.register(ProductFamily)
class ProductFamilyAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "business_unit",
        "unit_of_measure",
        "unit_cost",
        "unit_price",
        "is_active",
    )
    list_filter = ("business_unit", "is_active")
    search_fields = ("code", "name")

    def save_model(self, request: HttpRequest, obj: ProductFamily, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.is_active and (not change or "is_active" in form.changed_data):
            family_lines_add(family=obj, actor=request.user)


@admin.register(Cycle)
class CycleAdmin(GuardedModelAdmin):  # "Object permissions": guests invited into one cycle
    list_display = (
        "business_unit",
        "plan_month",
        "horizon_start",
        "horizon_months",
        "stage",
        "inputs_version",
        "computed_version",
    )
    list_filter = ("business_unit", "stage")
    # Plan lines and stages change only through the workflow, never by hand here.
    readonly_fields = (
        "stage",
        "inputs_version",
        "computed_version",
        "structure_version",
        "computed_at",
    )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "cycle", "action", "target", "field", "before", "after")
    list_filter = ("action",)
    search_fields = ("target", "field", "reason")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
