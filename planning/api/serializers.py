"""Serializers for the planning API: shapes only, the services decide."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from planning.api.fields import MonthField, QuantityField, id_field
from planning.models import MAX_HORIZON_MONTHS, PLAN_INPUT_FIELDS, AuditEvent, Cycle, PlanLine
from planning.months import add_months
from planning.roles import GUEST_ROLES

# How far after its plan month a cycle's horizon may start.
MAX_HORIZON_LEAD_MONTHS = 12


class CycleSerializer(serializers.ModelSerializer[Cycle]):
    business_unit_code = serializers.CharField(source="business_unit.code", read_only=True)
    business_unit_name = serializers.CharField(source="business_unit.name", read_only=True)
    analysis_status = serializers.SerializerMethodField()

    class Meta:
        model = Cycle
        fields = [
            "id",
            "business_unit",
            "business_unit_code",
            "business_unit_name",
            "plan_month",
            "horizon_start",
            "horizon_months",
            "stage",
            "inputs_version",
            "computed_version",
            "computed_at",
            "analysis_status",
        ]
        read_only_fields = fields

    def get_analysis_status(self, cycle: Cycle) -> str:
        return "fresh" if cycle.is_fresh else "stale"


class CycleCreateSerializer(serializers.Serializer):
    business_unit = id_field()
    plan_month = MonthField()
    horizon_months = serializers.IntegerField(min_value=1, max_value=MAX_HORIZON_MONTHS)
    horizon_start = MonthField(
        required=False, help_text="Default: the month after the plan month; at most 12 later."
    )

    def validate(self, attrs: dict) -> dict:
        start, plan_month = attrs.get("horizon_start"), attrs["plan_month"]
        if start is not None and start < plan_month:
            raise serializers.ValidationError(
                {"horizon_start": [_("The horizon cannot start before the plan month.")]}
            )
        if start is not None and start > add_months(plan_month, MAX_HORIZON_LEAD_MONTHS):
            raise serializers.ValidationError(
                {
                    "horizon_start": [
                        _("The horizon must start at most %(count)d months after the plan month.")
                        % {"count": MAX_HORIZON_LEAD_MONTHS}
                    ]
                }
            )
        return attrs


class PlanLineSerializer(serializers.ModelSerializer[PlanLine]):
    family_code = serializers.CharField(source="family.code", read_only=True)
    family_name = serializers.CharField(source="family.name", read_only=True)

    class Meta:
        model = PlanLine
        fields = ["id", "cycle", "family", "family_code", "family_name", "month",
                  *PLAN_INPUT_FIELDS, "version", "updated_at"]  # fmt: skip
        read_only_fields = fields


class PlanLinePatchSerializer(serializers.Serializer):
    """``version`` is the version the client last saw; the other fields are the changes."""

    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    demand_forecast = QuantityField(required=False)
    confirmed_orders = QuantityField(required=False)
    opening_stock = QuantityField(required=False)
    production_plan = QuantityField(required=False)
    capacity_max = QuantityField(required=False)
    safety_stock_target = QuantityField(required=False)

    def validate(self, attrs: dict) -> dict:
        unknown = set(self.initial_data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {
                    name: [_("This field cannot be edited on a plan line.")]
                    for name in sorted(unknown)
                }
            )
        return attrs


class AnalysisRowSerializer(serializers.Serializer):
    plan_line_id = serializers.IntegerField()
    family_id = serializers.IntegerField()
    family = serializers.CharField(source="family__code")
    family_name = serializers.CharField(source="family__name")
    month = MonthField()
    effective_demand = serializers.IntegerField()
    production_plan = serializers.IntegerField()
    capacity_max = serializers.IntegerField()
    opening_stock = serializers.IntegerField()
    closing_stock = serializers.IntegerField()
    stock_days = serializers.FloatField()
    safety_stock_target = serializers.IntegerField()
    utilization = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(choices=["short", "balanced", "excess"])
    over_capacity = serializers.BooleanField()
    infeasible = serializers.BooleanField()


class MonthSummarySerializer(serializers.Serializer):
    month = MonthField()
    effective_demand = serializers.IntegerField()
    production_plan = serializers.IntegerField()
    capacity_max = serializers.IntegerField()
    closing_stock = serializers.IntegerField()
    safety_stock_target = serializers.IntegerField()
    backlog = serializers.IntegerField()
    families_short = serializers.IntegerField()
    families_balanced = serializers.IntegerField()
    families_excess = serializers.IntegerField()
    families_over_capacity = serializers.IntegerField()
    utilization = serializers.FloatField(allow_null=True)


class AnalysisSerializer(serializers.Serializer):
    inputs_version = serializers.IntegerField()
    computed_version = serializers.IntegerField()
    computed_at = serializers.DateTimeField(allow_null=True)
    status = serializers.ChoiceField(choices=["fresh", "stale"])
    family_count = serializers.IntegerField()
    rows = AnalysisRowSerializer(many=True)
    summary = MonthSummarySerializer(many=True)


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    who = serializers.CharField(
        source="actor.username", default=None, allow_null=True, read_only=True
    )

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "who", "action", "target", "field", "before", "after", "reason"]
        read_only_fields = fields


class GuestSerializer(serializers.Serializer):
    """Someone invited into one cycle, and the roles they play there."""

    username = serializers.CharField(max_length=150)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=[role.value for role in sorted(GUEST_ROLES)]),
        allow_empty=False,
        max_length=len(GUEST_ROLES),
    )


# --- the planning grid: a block of cells saved at once, and families' rows ----------------------

MAX_CELLS = 5000  # a pasted block: 24 months x 200 rows
MAX_GRID_FAMILIES = 200


class PlanCellSerializer(serializers.Serializer):
    """One grid cell: ``value`` as typed, checked by the plan-line rule in the service."""

    line = id_field()
    field = serializers.ChoiceField(choices=list(PLAN_INPUT_FIELDS))
    value = QuantityField()
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class PlanCellsSerializer(serializers.Serializer):
    """A block of cells saved all together or not at all (a paste from a spreadsheet)."""

    cells = serializers.ListField(
        child=PlanCellSerializer(), allow_empty=False, max_length=MAX_CELLS
    )


class GridLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    month = serializers.CharField()
    version = serializers.IntegerField()
    demand_forecast = serializers.IntegerField()
    confirmed_orders = serializers.IntegerField()
    opening_stock = serializers.IntegerField()
    production_plan = serializers.IntegerField()
    capacity_max = serializers.IntegerField()
    safety_stock_target = serializers.IntegerField()
    computed_opening_stock = serializers.IntegerField()
    closing_stock = serializers.IntegerField()
    over_capacity = serializers.BooleanField()
    approved = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="The last approved plan's inputs for this family and month, if any.",
    )


class FamilyRowsSerializer(serializers.Serializer):
    family = serializers.IntegerField()
    code = serializers.CharField()
    lines = GridLineSerializer(many=True)


class MonthTotalsRowSerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.IntegerField())
    total = serializers.IntegerField()


class MonthTotalsSerializer(serializers.Serializer):
    """Per input, each month summed over every family of the cycle (or the filter's)."""

    months = serializers.ListField(child=serializers.CharField())
    rows = serializers.DictField(child=MonthTotalsRowSerializer())


class GridRowsSerializer(serializers.Serializer):
    inputs_version = serializers.IntegerField()
    families = FamilyRowsSerializer(many=True)
    totals = MonthTotalsSerializer(required=False, help_text="Only when asked (?totals=1).")
    totals_version = serializers.IntegerField(
        required=False, help_text="The cycle's inputs version the totals were summed at."
    )
    editable = serializers.ListField(
        child=serializers.CharField(),
        help_text="The plan-line fields the user may edit now (none of an accepted submission's).",
    )


class GridRowsQuerySerializer(serializers.Serializer):
    """The families asked for (none asked, none answered); with ``totals``, the month totals of
    every family, or of those the grid's filter ``q`` matches."""

    q = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    totals = serializers.BooleanField(required=False, default=False)
    family = serializers.ListField(child=id_field(), allow_empty=True, max_length=MAX_GRID_FAMILIES)
