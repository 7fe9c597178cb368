from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from guardian.admin import GuardedModelAdmin
from knox.admin import AuthTokenAdmin
from knox.models import AuthToken

from planning.models import AuditEvent, BusinessUnit, Cycle, ProductFamily
from planning.roles import Role
from planning.services.business_units import (
    excess_multiplier_set,
    family_lines_add,
    family_prices_set,
)
from planning.services.memberships import (
    cycle_guest_grant,
    cycle_guest_revoke,
    membership_revoke,
    membership_set,
)


class RolesThroughServicesAdmin(GuardedModelAdmin):
    """Guardian's "Object permissions" pages, writing through the services the API uses.

    Guardian's own forms assign permissions directly: no audit trail, and nothing stops an
    administrator giving themselves the executive role. Here the page's choice goes to the
    membership or guest service (the same rules, the same audit records). Permissions for
    groups are refused: roles are held by people.
    """

    access_codename = ""  # the permission that admits a user to the object

    def roles_save(
        self, request: HttpRequest, obj: Any, user: AbstractUser, roles: list[Role], admitted: bool
    ) -> None:
        """Give ``user`` exactly ``roles`` on ``obj`` (``admitted``: access with or without
        roles), or withdraw their access, through the service."""
        raise NotImplementedError

    def obj_perms_manage_user_view(
        self, request: HttpRequest, object_pk: str, user_id: str
    ) -> HttpResponse:
        if request.method != "POST" or not self.has_change_permission(request, None):
            return super().obj_perms_manage_user_view(request, object_pk, user_id)
        user = get_object_or_404(get_user_model(), pk=user_id)
        obj = get_object_or_404(self.get_queryset(request), pk=unquote(object_pk))
        form_class: Any = self.get_obj_perms_manage_user_form(request)  # (user, obj, data)
        form = form_class(user, obj, request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(list(form.errors.get("permissions", [])))
            chosen = set(form.cleaned_data["permissions"])
            roles = self._roles(chosen)
            admitted = bool(roles) or self.access_codename in chosen
            self.roles_save(request, obj, user, roles, admitted)
        except (ValidationError, PermissionDenied, Http404) as error:
            messages.error(request, _refusal(error))
        else:
            messages.success(request, _("Permissions saved."))
        return HttpResponseRedirect(self._permissions_url(obj, "manage_user", user.pk))

    def obj_perms_manage_group_view(
        self, request: HttpRequest, object_pk: str, group_id: str
    ) -> HttpResponse:
        return self._refuse_groups(request, object_pk)

    def obj_perms_manage_view(self, request: HttpRequest, object_pk: str) -> HttpResponse:
        if request.method == "POST" and "submit_manage_group" in request.POST:
            return self._refuse_groups(request, object_pk)
        return super().obj_perms_manage_view(request, object_pk)

    def _roles(self, chosen: set[str]) -> list[Role]:
        roles = [role for role in Role if role.codename in chosen]
        others = chosen - {role.codename for role in roles} - {self.access_codename}
        if others:
            raise ValidationError(
                _("Only access and roles are given here, not: %(names)s.")
                % {"names": ", ".join(sorted(others))}
            )
        return roles

    def _refuse_groups(self, request: HttpRequest, object_pk: str) -> HttpResponse:
        messages.error(request, _("Roles are given to people, not to groups: choose a user."))
        obj = get_object_or_404(self.get_queryset(request), pk=unquote(object_pk))
        return HttpResponseRedirect(self._permissions_url(obj, "", None))

    def _permissions_url(self, obj: Model, page: str, user_id: int | None) -> str:
        opts = self.model._meta
        name = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_permissions"
        if page:
            return reverse(f"{name}_{page}", args=[obj.pk, user_id])
        return reverse(name, args=[obj.pk])


def _refusal(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, Http404):
        return _("Only the director or administrator of this cycle's business unit may do this.")
    return str(error)


@admin.register(BusinessUnit)
class BusinessUnitAdmin(RolesThroughServicesAdmin):  # "Object permissions": members and roles
    list_display = ("code", "name", "excess_multiplier")
    search_fields = ("code", "name")
    access_codename = "view_businessunit"

    def roles_save(
        self,
        request: HttpRequest,
        obj: BusinessUnit,
        user: AbstractUser,
        roles: list[Role],
        admitted: bool,
    ) -> None:
        if admitted:
            membership_set(actor=request.user, business_unit=obj, user=user, roles=roles)
        else:
            membership_revoke(actor=request.user, business_unit=obj, user=user)

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
        prices = {"unit_cost", "unit_price"}
        if change and prices & set(form.changed_data):
            # Through the service: it bumps and recomputes every open cycle's finance figures.
            unit_cost, unit_price = obj.unit_cost, obj.unit_price
            obj.unit_cost = form.initial["unit_cost"]
            obj.unit_price = form.initial["unit_price"]
            super().save_model(request, obj, form, change)
            family_prices_set(
                family=obj, unit_cost=unit_cost, unit_price=unit_price, actor=request.user
            )
        else:
            super().save_model(request, obj, form, change)
        if obj.is_active and (not change or "is_active" in form.changed_data):
            family_lines_add(family=obj, actor=request.user)


@admin.register(Cycle)
class CycleAdmin(RolesThroughServicesAdmin):  # "Object permissions": guests invited into one cycle
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
    # A cycle is opened, moved and approved only through the workflow (audited), never by hand
    # here: every field is read-only, and cycles are neither added nor deleted (deleting one
    # would take its audit trail with it). Only its "Object permissions" (guests) are managed.
    readonly_fields = (
        "business_unit",
        "plan_month",
        "horizon_start",
        "horizon_months",
        "stage",
        "created_by",
        "inputs_version",
        "computed_version",
        "structure_version",
        "computed_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    access_codename = "view_cycle"

    def roles_save(
        self,
        request: HttpRequest,
        obj: Cycle,
        user: AbstractUser,
        roles: list[Role],
        admitted: bool,
    ) -> None:
        if admitted:  # with no role chosen, the service explains that a guest needs one
            cycle_guest_grant(
                actor=request.user, cycle_id=obj.pk, username=user.get_username(), roles=roles
            )
        else:
            cycle_guest_revoke(actor=request.user, cycle_id=obj.pk, username=user.get_username())


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "cycle", "action", "target", "field", "before", "after")
    list_filter = ("action",)
    search_fields = ("target", "field", "reason")

    # The audit trail is written by the services only: nobody adds, edits or deletes entries.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# An administrator sees and revokes API tokens, but never mints one for somebody else (that
# would let them act in the API as that person).
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(AuthTokenAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
