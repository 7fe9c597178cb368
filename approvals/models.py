"""The cycle's workflow records: stage deadlines, the approved snapshot, executive decisions."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from planning.models import Cycle, ProductFamily
from planning.roles import Role, Stage


class StageDeadline(models.Model):
    """A stage's owner and due date in one cycle, and when it was completed."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="deadlines", verbose_name=_("cycle")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    owner_role = models.CharField(_("owner"), max_length=20, choices=Role.choices)
    due_date = models.DateField(_("due date"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stage deadline")
        verbose_name_plural = _("stage deadlines")
        ordering = ["cycle", "due_date"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "stage"], name="one_deadline_per_stage")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} {self.stage} {self.due_date}"


class PlanSnapshot(models.Model):
    """The approved plan, frozen: inputs and analysis as they were, who approved, when, why."""

    cycle = models.OneToOneField(
        Cycle, on_delete=models.PROTECT, related_name="snapshot", verbose_name=_("cycle")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"))
    comment = models.TextField(_("comment"), blank=True)
    inputs_version = models.BigIntegerField(_("inputs version"))
    excess_multiplier = models.DecimalField(max_digits=5, decimal_places=2)
    # Columns, one list per field of ``planning.selectors.PLAN_COLUMNS``, ordered by family then
    # month: a 240,000-line plan names each field once instead of once per line.
    lines = models.JSONField(_("plan lines and analysis"))
    summary = models.JSONField(_("monthly summary"))

    class Meta:
        verbose_name = _("approved plan snapshot")
        verbose_name_plural = _("approved plan snapshots")

    def __str__(self) -> str:
        return f"{self.cycle} approved {self.approved_at:%Y-%m-%d}"


class CapacityDecision(models.Model):
    """A capacity investment decided in the executive meeting."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="capacity_decisions", verbose_name=_("cycle")
    )
    description = models.CharField(_("decision"), max_length=300)
    family = models.ForeignKey(
        ProductFamily,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product family"),
    )
    additional_capacity = models.BigIntegerField(
        _("additional capacity per month"), default=0, validators=[MinValueValidator(0)]
    )
    investment = models.DecimalField(
        _("investment"),
        max_digits=16,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("capacity decision")
        verbose_name_plural = _("capacity decisions")
        ordering = ["cycle", "id"]

    def __str__(self) -> str:
        return self.description


class KpiTarget(models.Model):
    """A KPI target set by the executives for the plan period."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="kpi_targets", verbose_name=_("cycle")
    )
    name = models.CharField(_("KPI"), max_length=120)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["cycle", "name"]
        constraints = [models.UniqueConstraint(fields=["cycle", "name"], name="one_target_per_kpi")]

    def __str__(self) -> str:
        return f"{self.name} = {self.target}{self.unit}"


class NotificationKind(models.TextChoices):
    STAGE_OPENED = "stage_opened", _("A stage opened for you")
    SUBMISSION_RETURNED = "submission_returned", _("Your submission was returned")
    SUBMISSION_ACCEPTED = "submission_accepted", _("Your submission was accepted")
    REVIEW_AWAITED = "review_awaited", _("A submission awaits your review")
    DUE_SOON = "due_soon", _("A due date is two days away")
    OVERDUE = "overdue", _("A due date has passed")
    PLAN_SENT_BACK = "plan_sent_back", _("The plan was sent back")
    PLAN_APPROVED = "plan_approved", _("The plan was approved")
    GUEST_INVITED = "guest_invited", _("You were invited as a guest")


class EmailState(models.TextChoices):
    PENDING = "pending", _("to be sent")
    SENT = "sent", _("sent")
    SKIPPED = "skipped", _("not sent (e-mail off or no address)")


class Notification(models.Model):
    """Something one user should know about a cycle, shown in the app and sent by e-mail.

    The text is not stored: it is written from ``kind`` and ``subject`` in the reader's
    language. ``event_key`` names the event; one user gets one notification per event, which
    the unique constraint enforces (a reminder scan that runs twice adds nothing).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("cycle")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    # The stage, submission kind or roles the event is about (empty when the kind says it all).
    subject = models.CharField(_("about"), max_length=100, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    event_key = models.CharField(_("event"), max_length=200)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_state = models.CharField(
        _("e-mail"), max_length=10, choices=EmailState.choices, default=EmailState.PENDING
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event_key"], name="one_notification_per_user_and_event"
            )
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_newest"),
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_user_unread",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(email_state="pending"),
                name="notification_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.event_key}"

    @property
    def read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """A user's choices about notifications: whether they are also sent by e-mail, and which
    kinds."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email_enabled = models.BooleanField(_("send notifications by e-mail"), default=True)
    # A language code of settings.LANGUAGES; empty: the installation's LANGUAGE_CODE.
    email_language = models.CharField(_("language of the e-mails"), max_length=10, blank=True)
    # The kinds (NotificationKind values) the user does not want by e-mail; they still appear in
    # the application. Stored as the kinds turned off, so every kind, and any new one, is on
    # until the user turns it off.
    email_kinds_off = models.JSONField(_("kinds not sent by e-mail"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id} e-mail {'on' if self.email_enabled else 'off'}"

    def emails(self, kind: str) -> bool:
        """Whether a notification of ``kind`` is also sent to the user by e-mail."""
        return self.email_enabled and kind not in self.email_kinds_off


class LanguageChoice(models.Model):
    """The language a user chose with the language switch: it follows them to every browser
    and stays ahead of the browser's Accept-Language (``approvals.web.language``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="language_choice",
        verbose_name=_("user"),
    )
    # A language code of settings.LANGUAGES.
    language = models.CharField(_("language"), max_length=10)

    class Meta:
        verbose_name = _("language choice")
        verbose_name_plural = _("language choices")

    def __str__(self) -> str:
        return f"{self.user_id} {self.language}"
