"""The S&OP maturity model (L1-L5) from the source document, with the criteria of each level."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MaturityLevel(models.IntegerChoices):
    L1 = 1, _("L1 Initial")
    L2 = 2, _("L2 Basic")
    L3 = 3, _("L3 Intermediate")
    L4 = 4, _("L4 Advanced")
    L5 = 5, _("L5 Excellent")


LEVEL_DESCRIPTIONS = {
    MaturityLevel.L1: _("Only a financial plan; no sales/production coordination."),
    MaturityLevel.L2: _(
        "Monthly meetings, but the information is inaccurate and decision makers are absent."
    ),
    MaturityLevel.L3: _("Reliable data, cross-department consensus."),
    MaturityLevel.L4: _("Integrated with strategic planning; multi-scenario simulation."),
    MaturityLevel.L5: _("Real-time demand/supply sensing; AI-assisted decisions."),
}

# Criteria an assessor ticks; each belongs to the lowest level that requires it.
CRITERIA: dict[str, tuple[MaturityLevel, object]] = {
    "financial_plan": (MaturityLevel.L1, _("A financial plan exists")),
    "monthly_meeting": (MaturityLevel.L2, _("A monthly S&OP meeting is held")),
    "executives_attend": (MaturityLevel.L3, _("Decision makers attend and decide")),
    "reliable_data": (MaturityLevel.L3, _("Demand and supply data are reliable and on time")),
    "consensus_demand": (MaturityLevel.L3, _("One consensus demand plan across departments")),
    "strategy_linked": (MaturityLevel.L4, _("The plan is linked to the strategic plan")),
    "scenarios": (MaturityLevel.L4, _("Several scenarios are simulated before deciding")),
    "realtime_sensing": (MaturityLevel.L5, _("Demand and supply are sensed in near real time")),
    "ai_assisted": (MaturityLevel.L5, _("Decisions are assisted by statistical or AI models")),
}
