"""Storage for the planning domain: business units, families, cycles, plan lines, analysis.

The models hold data and its database constraints; the arithmetic lives in ``planning.engine``
and every change goes through ``planning.services``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from planning.engine.balance import MAX_QUANTITY, STATUS_BALANCED, STATUS_EXCESS, STATUS_SHORT
from planning.maturity import MaturityLevel
from planning.roles import Role, Stage

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_HORIZON_MONTHS = 36
PLAN_INPUT_FIELDS = (
    "demand_forecast",
    "confirmed_orders",
    "opening_stock",
    "production_plan",
    "capacity_max",
    "safety_stock_target",
)


def _quantity_field(verbose_name: StrOrPromise) -> models.BigIntegerField:
    return models.BigIntegerField(
        verbose_name,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_QUANTITY)],
    )


class BusinessUnit(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    excess_multiplier = models.DecimalField(
        _("excess-stock multiplier"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(3),
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(100))],
        help_text=_("Closing stock above this multiple of the safety stock target is excess."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("business unit")
        verbose_name_plural = _("business units")
        ordering = ["name"]
        # Permission names stay untranslated: they are stored rows, not interface text.
        permissions = [(role.codename, f"Acts as {role.value}") for role in Role]
        constraints = [
            models.CheckConstraint(
                condition=Q(excess_multiplier__gte=1) & Q(excess_multiplier__lte=100),
                name="business_unit_excess_multiplier_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProductFamily(models.Model):
    business_unit = models.ForeignKey(
        BusinessUnit,
        on_delete=models.CASCADE,
        related_name="families",
        verbose_name=_("business unit"),
    )
    code = models.CharField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=20, default="pcs")
    unit_cost = models.DecimalField(
        _("unit cost"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("product family")
        verbose_name_plural = _("product families")
        ordering = ["business_unit", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_unit", "code"], name="family_code_unique_in_unit"
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0) & Q(unit_price__gte=0),
                name="family_money_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Cycle(models.Model):
    """One monthly S&OP cycle of a business unit, planning a rolling horizon of months."""

    business_unit = models.ForeignKey(
        BusinessUnit,
        on_delete=models.PROTECT,
        related_name="cycles",
        verbose_name=_("business unit"),
    )
    plan_month = models.DateField(_("planning month"), help_text=_("The month the cycle runs in."))
    horizon_start = models.DateField(_("horizon start"))
    horizon_months = models.PositiveSmallIntegerField(
        _("horizon length (months)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HORIZON_MONTHS)],
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.DATA_COLLECTION
    )
    # Bumped in the same transaction as every change to the cycle's inputs; the analysis is
    # stamped with the version it was computed from, so "fresh" means the two are equal.
    inputs_version = models.BigIntegerField(_("inputs version"), default=1)
    computed_version = models.BigIntegerField(_("computed version"), default=0)
    # The inputs version of the last change that affects every family (e.g. the multiplier).
    structure_version = models.BigIntegerField(default=1)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("S&OP cycle")
        verbose_name_plural = _("S&OP cycles")
        ordering = ["business_unit", "-plan_month"]
        # Guest roles: granted on one cycle to someone outside its business unit.
        permissions = [(role.codename, f"Acts as {role.value} in this cycle") for role in Role]
        constraints = [
            models.UniqueConstraint(
                fields=["business_unit", "plan_month"], name="one_cycle_per_unit_and_month"
            ),
            models.CheckConstraint(
                condition=Q(horizon_months__gte=1) & Q(horizon_months__lte=MAX_HORIZON_MONTHS),
                name="cycle_horizon_length_range",
            ),
            models.CheckConstraint(
                condition=Q(computed_version__lte=models.F("inputs_version")),
                name="cycle_computed_not_ahead_of_inputs",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.business_unit} {self.plan_month:%Y-%m}"

    @property
    def is_fresh(self) -> bool:
        return self.computed_version == self.inputs_version


class PlanLine(models.Model):
    """The six plan inputs of one product family in one month of a cycle."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="plan_lines", verbose_name=_("cycle")
    )
    family = models.ForeignKey(
        ProductFamily,
        on_delete=models.PROTECT,
        related_name="plan_lines",
        verbose_name=_("product family"),
    )
    month = models.DateField(_("month"))
    demand_forecast = _quantity_field(_("demand forecast"))
    confirmed_orders = _quantity_field(_("confirmed orders"))
    opening_stock = _quantity_field(_("opening stock"))
    production_plan = _quantity_field(_("production plan"))
    capacity_max = _quantity_field(_("maximum capacity"))
    safety_stock_target = _quantity_field(_("safety stock target"))
    # Optimistic concurrency: an edit names the version it was based on.
    version = models.PositiveIntegerField(_("version"), default=1)
    # The cycle's inputs_version at this line's last change: what a partial recompute reads.
    changed_in_version = models.BigIntegerField(default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("plan line")
        verbose_name_plural = _("plan lines")
        ordering = ["cycle", "family", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "family", "month"], name="one_plan_line_per_family_and_month"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 0}) & Q(**{f"{name}__lte": MAX_QUANTITY}),
                    name=f"plan_line_{name}_range",
                )
                for name in PLAN_INPUT_FIELDS
            ],
        ]
        indexes = [models.Index(fields=["cycle", "changed_in_version"], name="plan_line_changes")]

    def __str__(self) -> str:
        return f"{self.family.code} {self.month:%Y-%m}"


class BalanceStatus(models.IntegerChoices):
    SHORT = STATUS_SHORT, _("Short — expand capacity or add stock")
    BALANCED = STATUS_BALANCED, _("Balanced")
    EXCESS = STATUS_EXCESS, _("Excess stock — consider cutting production")


class LineAnalysis(models.Model):
    """The computed balance of one plan line, written in bulk by the recompute.

    It repeats the inputs it was computed from (family, month, production, capacity, safety
    target), so one version of the analysis is self-consistent and readable without a join.
    """

    # Derived data, rewritten whole by the recompute from the lines it has just read.  No
    # database foreign-key checks and no unique index on plan_line: each would be checked for
    # every one of 240,000 rows per recompute (measured: the FK checks cost 3.4 s of 5.7 s, the
    # unique plan_line key, probing the rows just deleted, about 1 s more) and they guard nothing
    # the recompute does not already guarantee (one row per line, under the cycle's lock).
    # Deletes still cascade through the ORM.
    plan_line = models.ForeignKey(
        PlanLine,
        on_delete=models.CASCADE,
        related_name="analyses",
        db_constraint=False,
        db_index=False,
    )
    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.CASCADE,
        related_name="line_analyses",
        db_constraint=False,
        db_index=False,  # the (cycle, family, month) index serves every cycle query
    )
    family = models.ForeignKey(
        ProductFamily,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    month = models.DateField()
    production_plan = models.BigIntegerField()
    capacity_max = models.BigIntegerField()
    safety_stock_target = models.BigIntegerField()
    effective_demand = models.BigIntegerField()
    opening_stock = models.BigIntegerField()
    closing_stock = models.BigIntegerField()
    stock_days = models.FloatField()
    utilization = models.FloatField(null=True, help_text=_("Empty when capacity is 0."))
    status = models.SmallIntegerField(choices=BalanceStatus.choices)
    over_capacity = models.BooleanField()
    infeasible = models.BooleanField()
    computed_version = models.BigIntegerField()

    class Meta:
        verbose_name = _("plan line analysis")
        verbose_name_plural = _("plan line analyses")
        indexes = [models.Index(fields=["cycle", "family", "month"], name="line_analysis_order")]

    def __str__(self) -> str:
        return f"{self.plan_line_id} v{self.computed_version}"


class MonthSummary(models.Model):
    """The balance of a whole cycle in one month, across all its families."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="month_summaries")
    month = models.DateField()
    effective_demand = models.BigIntegerField()
    production_plan = models.BigIntegerField()
    capacity_max = models.BigIntegerField()
    closing_stock = models.BigIntegerField()
    safety_stock_target = models.BigIntegerField()
    backlog = models.BigIntegerField(help_text=_("Unfilled demand: the negative closing stocks."))
    families_short = models.IntegerField()
    families_balanced = models.IntegerField()
    families_excess = models.IntegerField()
    families_over_capacity = models.IntegerField()
    utilization = models.FloatField(null=True)
    # Money at the families' prices when the month was computed, kept by the recompute so the
    # finance figures are read from a few summary rows, not summed over every line on each view.
    # A price change bumps the open cycles in full (planning.services.business_units).
    inventory_investment = models.DecimalField(
        max_digits=28,
        decimal_places=2,
        null=True,
        help_text=_("On-hand closing stock times unit cost."),
    )
    revenue = models.DecimalField(
        max_digits=28,
        decimal_places=2,
        null=True,
        help_text=_("Effective demand times unit price."),
    )
    revenue_at_risk = models.DecimalField(
        max_digits=28,
        decimal_places=2,
        null=True,
        help_text=_("Backlog times unit price."),
    )
    computed_version = models.BigIntegerField()

    class Meta:
        verbose_name = _("monthly balance summary")
        verbose_name_plural = _("monthly balance summaries")
        ordering = ["cycle", "month"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "month"], name="one_summary_per_cycle_month")
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id} {self.month:%Y-%m}"


class RecomputeRun(models.Model):
    """One recompute that did work: what it computed, for which version, how long it took.

    Operations read it to see the background recompute keep up; tests count it.
    """

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="recompute_runs", db_constraint=False
    )
    version = models.BigIntegerField()
    rows = models.IntegerField()
    full = models.BooleanField()
    started_at = models.DateTimeField()
    duration_ms = models.FloatField()

    class Meta:
        verbose_name = _("recompute run")
        verbose_name_plural = _("recompute runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.cycle_id} v{self.version} {self.rows} rows {self.duration_ms:.0f} ms"


class AuditEvent(models.Model):
    """Who changed what, when, from what to what, and why: the audit trail of every change."""

    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("cycle"),
    )
    business_unit = models.ForeignKey(
        BusinessUnit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("business unit"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=60)
    target = models.CharField(_("object"), max_length=120, blank=True)
    field = models.CharField(_("field"), max_length=60, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["cycle", "at"], name="audit_cycle_time")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target} {self.field}"


class MaturityAssessment(models.Model):
    """An administrator's assessment of a business unit's S&OP maturity (L1-L5) on a date."""

    business_unit = models.ForeignKey(
        BusinessUnit,
        on_delete=models.CASCADE,
        related_name="maturity_assessments",
        verbose_name=_("business unit"),
    )
    assessed_on = models.DateField(_("assessed on"))
    level = models.PositiveSmallIntegerField(_("level"), choices=MaturityLevel.choices)
    criteria_met = models.JSONField(_("criteria met"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Figures the system measured itself when the assessment was made (on-time submissions,
    # forecast accuracy, scenarios used), kept with the assessment as its evidence.
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("maturity assessment")
        verbose_name_plural = _("maturity assessments")
        ordering = ["business_unit", "-assessed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=5), name="maturity_level_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_unit} {self.assessed_on} L{self.level}"


# Direct foreign-key object permissions (django-guardian): fast joins instead of generic keys.
class BusinessUnitUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE)


class BusinessUnitGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE)


class CycleUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Cycle, on_delete=models.CASCADE)


class CycleGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Cycle, on_delete=models.CASCADE)
