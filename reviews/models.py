"""Role submissions of a cycle: what each role hands in, and the registers that go with it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from planning.models import Cycle, ProductFamily

# The workflow's vocabulary lives in planning (its one table of rules); re-exported here.
from planning.roles import SubmissionKind as SubmissionKind
from planning.roles import SubmissionState as SubmissionState


class Submission(models.Model):
    """One role's hand-in for a cycle: draft → submitted → accepted | returned (→ draft)."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("cycle")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=SubmissionKind.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=SubmissionState.choices, default=SubmissionState.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    comment = models.TextField(_("comment"), blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["cycle", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "kind"], name="one_submission_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} {self.kind} ({self.state})"


class AssumptionKind(models.TextChoices):
    OPPORTUNITY = "opportunity", _("Opportunity")
    RISK = "risk", _("Risk")


class DemandAssumption(models.Model):
    """An opportunity or risk annotated on the consensus demand (the sales register)."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="demand_assumptions", verbose_name=_("cycle")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AssumptionKind.choices)
    family = models.ForeignKey(
        ProductFamily,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product family"),
    )
    months = models.JSONField(
        _("months affected"), default=list, blank=True, help_text=_("YYYY-MM months.")
    )
    quantity = models.BigIntegerField(_("quantity"), validators=[MinValueValidator(0)])
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    description = models.TextField(_("description"))
    owner = models.CharField(_("owner"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("opportunity or risk")
        verbose_name_plural = _("opportunities and risks")
        ordering = ["cycle", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=100) & Q(quantity__gte=0),
                name="demand_assumption_ranges",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.description[:40]}"


class ProductionConstraint(models.Model):
    """A constraint production notes against a family and/or month (a line, a tool, a shift)."""

    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.CASCADE,
        related_name="production_constraints",
        verbose_name=_("cycle"),
    )
    family = models.ForeignKey(
        ProductFamily,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product family"),
    )
    month = models.DateField(_("month"), null=True, blank=True)
    note = models.TextField(_("constraint"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("production constraint")
        verbose_name_plural = _("production constraints")
        ordering = ["cycle", "id"]

    def __str__(self) -> str:
        return self.note[:60]


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class MaterialRisk(models.Model):
    """One line of procurement's material risk list."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="material_risks", verbose_name=_("cycle")
    )
    material = models.CharField(_("material"), max_length=200)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    families = models.ManyToManyField(
        ProductFamily, blank=True, related_name="+", verbose_name=_("affected families")
    )
    months = models.JSONField(
        _("months affected"), default=list, blank=True, help_text=_("YYYY-MM months.")
    )
    quantity_at_risk = models.BigIntegerField(
        _("quantity at risk"), default=0, validators=[MinValueValidator(0)]
    )
    mitigation = models.TextField(_("mitigation"), blank=True)
    owner = models.CharField(_("owner"), max_length=120, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("material risk")
        verbose_name_plural = _("material risks")
        ordering = ["cycle", "-risk_level", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_at_risk__gte=0), name="material_risk_quantity_non_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.material} ({self.risk_level})"


class GapOption(models.Model):
    """A way to close a capacity gap (overtime, outsourcing, stock, split deliveries), costed."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="gap_options", verbose_name=_("cycle")
    )
    name = models.CharField(_("alternative"), max_length=200)
    additional_capacity = models.BigIntegerField(
        _("additional capacity"), validators=[MinValueValidator(0)]
    )
    cost = models.DecimalField(
        _("cost"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), null=True, blank=True)
    months = models.JSONField(
        _("months it can close a gap in"),
        default=list,
        blank=True,
        help_text=_("YYYY-MM months; none: every month of the horizon."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("gap alternative")
        verbose_name_plural = _("gap alternatives")
        ordering = ["cycle", "id"]  # the order entered breaks ties in the ranking

    def __str__(self) -> str:
        return f"{self.name} (+{self.additional_capacity})"
