"""The roles people play in a business unit's S&OP cycle, and the stages of a cycle.

A role is held *in a business unit*: it is stored as a django-guardian object permission
``planning.act_as_<role>`` on that BusinessUnit (plus ``planning.view_businessunit`` for
membership).  A Django group per role also exists, so administrators can see who is a
"sales" person anywhere; the object permission is what grants access.  A role can also be
granted on a single cycle (``act_as_<role>`` plus ``planning.view_cycle`` on the Cycle): a guest
who sees and acts in that cycle only.  ``planning.access`` reads both.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DIRECTOR = "director", _("Supply chain director")
    SALES = "sales", _("Sales / marketing")
    PRODUCTION = "production", _("Production / operations")
    PROCUREMENT = "procurement", _("Procurement")
    FINANCE = "finance", _("Finance")
    EXECUTIVE = "executive", _("CEO / COO")
    ADMIN = "admin", _("Administrator")

    @property
    def codename(self) -> str:
        return f"act_as_{self.value}"

    @property
    def permission(self) -> str:
        return f"planning.{self.codename}"


class Stage(models.TextChoices):
    DATA_COLLECTION = "data_collection", _("Data collection")
    DEMAND_REVIEW = "demand_review", _("Demand review")
    SUPPLY_REVIEW = "supply_review", _("Supply review")
    EXECUTIVE_REVIEW = "executive_review", _("Executive review")
    APPROVED = "approved", _("Approved")


class SubmissionKind(models.TextChoices):
    """What each role hands in for a cycle (stored by ``reviews``; the workflow's vocabulary)."""

    SALES_FORECAST = "sales_forecast", _("Sales forecast")
    PRODUCTION_CAPACITY = "production_capacity", _("Production capacity")
    PROCUREMENT_RISK = "procurement_risk", _("Procurement risk")
    FINANCE_REVIEW = "finance_review", _("Finance review")


class SubmissionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)

MEMBERSHIP_PERMISSION = "planning.view_businessunit"
CYCLE_GUEST_PERMISSION = "planning.view_cycle"

# Roles a guest may be given on one cycle: contributors and deciders, never the chair or the
# administrator (so a guest can never invite further guests).
GUEST_ROLES = frozenset(
    {Role.SALES, Role.PRODUCTION, Role.PROCUREMENT, Role.FINANCE, Role.EXECUTIVE}
)
