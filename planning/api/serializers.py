"""Serializers for the planning API: shapes only, the services decide."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from planning.models import PLAN_INPUT_FIELDS, AuditEvent, Cycle, PlanLine
from planning.roles import GUEST_ROLES


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
    business_unit = serializers.IntegerField()
    plan_month = serializers.DateField(input_formats=["%Y-%m", "%Y-%m-%d"])
    horizon_months = serializers.IntegerField(min_value=1, max_value=36)
    horizon_start = serializers.DateField(input_formats=["%Y-%m", "%Y-%m-%d"], required=False)


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

    version = serializers.IntegerField(min_value=1)
    demand_forecast = serializers.JSONField(required=False)
    confirmed_orders = serializers.JSONField(required=False)
    opening_stock = serializers.JSONField(required=False)
    production_plan = serializers.JSONField(required=False)
    capacity_max = serializers.JSONField(required=False)
    safety_stock_target = serializers.JSONField(required=False)

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
    month = serializers.DateField(format="%Y-%m")
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
    month = serializers.DateField(format="%Y-%m")
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
    who = serializers.CharField(source="actor.username", default=None, read_only=True)

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
    )
