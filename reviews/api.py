"""Submissions and registers API. Thin: authorize, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from planning.access import cycle_for_user
from planning.api.fields import TEXT_LIMIT, MonthField, month_list_field
from planning.engine.balance import MAX_QUANTITY
from planning.engine.gap import MAX_COST, MAX_LEAD_TIME_DAYS
from reviews.models import (
    DemandAssumption,
    GapOption,
    MaterialRisk,
    ProductionConstraint,
    Submission,
)
from reviews.registers import (
    DemandAssumptionInput,
    GapOptionInput,
    MaterialRiskInput,
    ProductionConstraintInput,
    demand_assumption_delete,
    demand_assumption_save,
    gap_option_delete,
    gap_option_save,
    material_risk_delete,
    material_risk_save,
    production_constraint_delete,
    production_constraint_save,
)
from reviews.selectors import finance_by_month, submissions_for_cycle
from reviews.services import finance_comment_set, submission_transition


class SubmissionSerializer(serializers.ModelSerializer[Submission]):
    submitted_by = serializers.CharField(
        source="submitted_by.username", default=None, allow_null=True
    )
    reviewed_by = serializers.CharField(
        source="reviewed_by.username", default=None, allow_null=True
    )

    class Meta:
        model = Submission
        fields = ["kind", "state", "version", "comment", "return_reason", "submitted_by",
                  "submitted_at", "reviewed_by", "reviewed_at"]  # fmt: skip
        read_only_fields = fields


class TextSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_LIMIT
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_LIMIT
    )


class DemandAssumptionSerializer(serializers.ModelSerializer[DemandAssumption]):
    months = month_list_field(required=False)

    class Meta:
        model = DemandAssumption
        fields = ["id", "kind", "family", "months", "quantity", "probability", "description",
                  "owner", "created_at"]  # fmt: skip
        read_only_fields = ["id", "created_at"]


class ProductionConstraintSerializer(serializers.ModelSerializer[ProductionConstraint]):
    month = MonthField(required=False, allow_null=True)

    class Meta:
        model = ProductionConstraint
        fields = ["id", "family", "month", "note", "created_at"]
        read_only_fields = ["id", "created_at"]


class GapOptionSerializer(serializers.ModelSerializer[GapOption]):
    """A costed way to close capacity gaps; ``months`` empty: every month of the horizon."""

    # The engine's limits: capacity in units, cost in money, lead time under a century.
    additional_capacity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY)
    cost = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=MAX_COST,
        required=False,
        allow_null=True,
    )
    lead_time_days = serializers.IntegerField(
        min_value=0, max_value=MAX_LEAD_TIME_DAYS, required=False, allow_null=True
    )
    months = month_list_field(required=False)

    class Meta:
        model = GapOption
        fields = ["id", "name", "additional_capacity", "cost", "lead_time_days", "months",
                  "created_at"]  # fmt: skip
        read_only_fields = ["id", "created_at"]


class MaterialRiskSerializer(serializers.ModelSerializer[MaterialRisk]):
    months = month_list_field(required=False)

    class Meta:
        model = MaterialRisk
        fields = ["id", "material", "supplier", "risk_level", "families", "months",
                  "quantity_at_risk", "mitigation", "owner", "due_date", "created_at"]  # fmt: skip
        read_only_fields = ["id", "created_at"]


class FinanceMonthSerializer(serializers.Serializer):
    month = MonthField()
    inventory_investment = serializers.DecimalField(max_digits=24, decimal_places=2)
    revenue = serializers.DecimalField(max_digits=24, decimal_places=2)
    revenue_at_risk = serializers.DecimalField(max_digits=24, decimal_places=2)


class FinanceReviewSerializer(serializers.Serializer):
    submission = SubmissionSerializer()
    months = FinanceMonthSerializer(many=True)


class CycleSubmissions(APIView):
    @extend_schema(responses=SubmissionSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        cycle = cycle_for_user(request.user, pk)
        return Response(SubmissionSerializer(submissions_for_cycle(cycle), many=True).data)


class SubmissionAction(APIView):
    action_name = ""

    @extend_schema(request=TextSerializer, responses=SubmissionSerializer)
    def post(self, request: Request, pk: int, kind: str) -> Response:
        payload = TextSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        text = payload.validated_data["reason" if self.action_name == "return" else "comment"]
        submission = submission_transition(
            actor=request.user, cycle_id=pk, kind=kind, action=self.action_name, text=text
        )
        return Response(SubmissionSerializer(submission).data)


@dataclass(frozen=True)
class RegisterApi:
    """One register as the API serves it: ``cycles/<pk>/<segment>/`` lists and adds,
    ``cycles/<pk>/<segment>/<entry_id>/`` replaces and deletes, through its services."""

    segment: str  # the URL's, plural: ``api-<segment>`` names the list, ``api-<entry>`` one entry
    serializer: type[serializers.ModelSerializer]
    input_class: type
    save: Callable[..., Any]
    remove: Callable[..., Any]

    @property
    def entry(self) -> str:
        return self.segment.removesuffix("s")

    @property
    def related_name(self) -> str:
        """The cycle's entries of this register."""
        return self.segment.replace("-", "_")

    @property
    def view_name(self) -> str:
        """The views are ``<view_name>s`` and ``<view_name>Detail``."""
        return self.serializer.__name__.removesuffix("Serializer")


# The registers, in the order of their URLs.
REGISTERS = (
    RegisterApi("demand-assumptions", DemandAssumptionSerializer, DemandAssumptionInput,
                demand_assumption_save, demand_assumption_delete),
    RegisterApi("production-constraints", ProductionConstraintSerializer,
                ProductionConstraintInput, production_constraint_save,
                production_constraint_delete),
    RegisterApi("gap-options", GapOptionSerializer, GapOptionInput, gap_option_save,
                gap_option_delete),
    RegisterApi("material-risks", MaterialRiskSerializer, MaterialRiskInput, material_risk_save,
                material_risk_delete),
)  # fmt: skip


class RegisterView(APIView):
    register: RegisterApi  # set by ``register_views``

    def _input(self, request: Request) -> Any:
        """The entry's typed input, parsed by the register's serializer (400 naming the field)."""
        payload = self.register.serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self.register.input_class(**payload.validated_data)


class RegisterList(RegisterView):
    """GET the cycle's register, POST a new entry (through its service)."""

    def get(self, request: Request, pk: int) -> Response:
        cycle = cycle_for_user(request.user, pk)
        entries = getattr(cycle, self.register.related_name).all()
        return Response(self.register.serializer(entries, many=True).data)

    def post(self, request: Request, pk: int) -> Response:
        entry = self.register.save(actor=request.user, cycle_id=pk, entry=self._input(request))
        return Response(self.register.serializer(entry).data, status=status.HTTP_201_CREATED)


class RegisterDetail(RegisterView):
    """PUT replaces one entry of the cycle's register (through its service), DELETE removes it."""

    def put(self, request: Request, pk: int, entry_id: int) -> Response:
        entry = self.register.save(
            actor=request.user, cycle_id=pk, entry=self._input(request), entry_id=entry_id
        )
        return Response(self.register.serializer(entry).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int, entry_id: int) -> Response:
        self.register.remove(actor=request.user, cycle_id=pk, entry_id=entry_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register_views(register: RegisterApi) -> tuple[type[APIView], type[APIView]]:
    """The register's list and detail views, each with its serializer in the schema (a list is
    an array of entries, a new entry answers 201 with itself)."""
    serializer = register.serializer
    listing = extend_schema_view(
        get=extend_schema(responses=serializer(many=True)),
        post=extend_schema(request=serializer, responses={201: serializer}),
    )(type(f"{register.view_name}s", (RegisterList,), {"register": register}))
    detail = extend_schema_view(put=extend_schema(request=serializer, responses=serializer))(
        type(f"{register.view_name}Detail", (RegisterDetail,), {"register": register})
    )
    return listing, detail


class FinanceReview(APIView):
    @extend_schema(responses=FinanceReviewSerializer)
    def get(self, request: Request, pk: int) -> Response:
        cycle = cycle_for_user(request.user, pk)
        [submission] = [s for s in submissions_for_cycle(cycle) if s.kind == "finance_review"]
        data = {"submission": submission, "months": finance_by_month(cycle)}
        return Response(FinanceReviewSerializer(data).data)

    @extend_schema(request=TextSerializer, responses=SubmissionSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        payload = TextSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        submission = finance_comment_set(
            actor=request.user, cycle_id=pk, comment=payload.validated_data["comment"]
        )
        return Response(SubmissionSerializer(submission).data)
