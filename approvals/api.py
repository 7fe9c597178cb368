"""Cycle workflow API: list/open cycles, advance, send back, approve, the workflow state."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals.models import CapacityDecision, KpiTarget, PlanSnapshot, StageDeadline
from approvals.services import (
    actions_for,
    cycle_advance,
    cycle_approve,
    cycle_open,
    cycle_send_back,
    unmet_gates,
)
from approvals.workflow import MAX_APPROVAL_ROWS
from planning.access import cycle_for_user, cycles_for
from planning.api.fields import TEXT_LIMIT, MonthField, id_field
from planning.api.serializers import CycleCreateSerializer, CycleSerializer
from planning.engine.balance import MAX_QUANTITY
from planning.models import Cycle
from planning.roles import Stage

# Decisions and targets one approval may record (a meeting decides a handful).


class AdvanceSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_LIMIT
    )
    from_stage = serializers.ChoiceField(choices=Stage.choices, required=False)


class SendBackSerializer(serializers.Serializer):
    to_stage = serializers.ChoiceField(choices=[Stage.DEMAND_REVIEW, Stage.SUPPLY_REVIEW])
    reason = serializers.CharField(max_length=TEXT_LIMIT)


class CapacityDecisionInput(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    family = id_field(required=False, allow_null=True)
    additional_capacity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, default=0)
    investment = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, default=Decimal(0)
    )
    effective_from = MonthField(required=False, allow_null=True)


class KpiTargetInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    target = serializers.DecimalField(max_digits=16, decimal_places=4)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class ApproveSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_LIMIT
    )
    capacity_decisions = serializers.ListField(
        child=CapacityDecisionInput(), required=False, default=list, max_length=MAX_APPROVAL_ROWS
    )
    kpi_targets = serializers.ListField(
        child=KpiTargetInput(), required=False, default=list, max_length=MAX_APPROVAL_ROWS
    )


class DeadlineSerializer(serializers.ModelSerializer[StageDeadline]):
    class Meta:
        model = StageDeadline
        fields = ["stage", "owner_role", "due_date", "completed_at"]
        read_only_fields = fields


class CapacityDecisionOutput(serializers.ModelSerializer[CapacityDecision]):
    class Meta:
        model = CapacityDecision
        fields = ["description", "family", "additional_capacity", "investment", "effective_from"]
        read_only_fields = fields


class KpiTargetOutput(serializers.ModelSerializer[KpiTarget]):
    class Meta:
        model = KpiTarget
        fields = ["name", "target", "unit"]
        read_only_fields = fields


class SnapshotSerializer(serializers.ModelSerializer[PlanSnapshot]):
    approved_by = serializers.CharField(source="approved_by.username", read_only=True)
    capacity_decisions = CapacityDecisionOutput(
        source="cycle.capacity_decisions", many=True, read_only=True
    )
    kpi_targets = KpiTargetOutput(source="cycle.kpi_targets", many=True, read_only=True)
    lines = serializers.DictField(
        child=serializers.ListField(),
        read_only=True,
        help_text="The plan as columns (one list per field), ordered by family then month.",
    )

    class Meta:
        model = PlanSnapshot
        fields = [
            "cycle",
            "approved_by",
            "approved_at",
            "comment",
            "inputs_version",
            "excess_multiplier",
            "capacity_decisions",
            "kpi_targets",
            "summary",
            "lines",
        ]
        read_only_fields = fields


class WorkflowSerializer(serializers.Serializer):
    stage = serializers.CharField()
    deadlines = DeadlineSerializer(many=True)
    unmet_gates = serializers.ListField(child=serializers.DictField())
    available_actions = serializers.ListField(child=serializers.CharField())


class CycleList(generics.ListAPIView):
    serializer_class = CycleSerializer

    def get_queryset(self) -> QuerySet[Cycle]:
        return cycles_for(self.request.user).order_by("business_unit__code", "-plan_month")

    @extend_schema(request=CycleCreateSerializer, responses={201: CycleSerializer})
    def post(self, request: Request) -> Response:
        payload = CycleCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cycle = cycle_open(
            actor=request.user,
            business_unit_id=payload.validated_data["business_unit"],
            plan_month=payload.validated_data["plan_month"],
            horizon_months=payload.validated_data["horizon_months"],
            horizon_start=payload.validated_data.get("horizon_start"),
        )
        return Response(CycleSerializer(cycle).data, status=status.HTTP_201_CREATED)


class CycleWorkflow(APIView):
    @extend_schema(responses=WorkflowSerializer)
    def get(self, request: Request, pk: int) -> Response:
        cycle = cycle_for_user(request.user, pk)
        data = {
            "stage": cycle.stage,
            "deadlines": StageDeadline.objects.filter(cycle=cycle),
            "unmet_gates": [gate.__dict__ for gate in unmet_gates(cycle)],
            "available_actions": actions_for(request.user, cycle),
        }
        return Response(WorkflowSerializer(data).data)


class CycleAdvance(APIView):
    @extend_schema(request=AdvanceSerializer, responses=CycleSerializer)
    def post(self, request: Request, pk: int) -> Response:
        payload = AdvanceSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cycle = cycle_advance(actor=request.user, cycle_id=pk, **payload.validated_data)
        return Response(CycleSerializer(cycle).data)


class CycleSendBack(APIView):
    @extend_schema(request=SendBackSerializer, responses=CycleSerializer)
    def post(self, request: Request, pk: int) -> Response:
        payload = SendBackSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cycle = cycle_send_back(actor=request.user, cycle_id=pk, **payload.validated_data)
        return Response(CycleSerializer(cycle).data)


class CycleApprove(APIView):
    @extend_schema(request=ApproveSerializer, responses=CycleSerializer)
    def post(self, request: Request, pk: int) -> Response:
        payload = ApproveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        cycle = cycle_approve(
            actor=request.user,
            cycle_id=pk,
            comment=data["comment"],
            capacity_decisions=[dict(row) for row in data["capacity_decisions"]],
            kpi_targets=[dict(row) for row in data["kpi_targets"]],
        )
        return Response(CycleSerializer(cycle).data)


class CycleSnapshot(APIView):
    """The approved plan, frozen at approval: 404 until the cycle is approved."""

    @extend_schema(responses=SnapshotSerializer)
    def get(self, request: Request, pk: int) -> Response:
        cycle = cycle_for_user(request.user, pk)
        snapshot = (
            PlanSnapshot.objects.select_related("approved_by", "cycle").filter(cycle=cycle).first()
        )
        if snapshot is None:
            raise Http404("The cycle is not approved yet.")
        return Response(SnapshotSerializer(snapshot).data)
