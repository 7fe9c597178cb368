"""Planning API: cycles (read), plan lines, analysis, history. Thin: authorize, call, render."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from planning.access import cycle_for_user, cycles_for, plan_line_for_user
from planning.api.pagination import MAX_OFFSET, query_int, query_int_schema
from planning.api.serializers import (
    MAX_GRID_FAMILIES,
    AnalysisSerializer,
    AuditEventSerializer,
    CycleSerializer,
    GridRowsQuerySerializer,
    GridRowsSerializer,
    GuestSerializer,
    PlanCellsSerializer,
    PlanLinePatchSerializer,
    PlanLineSerializer,
)
from planning.models import AuditEvent, Cycle, PlanLine
from planning.permissions import editable_fields
from planning.plan_grid import (
    family_block_json,
    family_blocks,
    month_totals_cached,
    month_totals_json,
)
from planning.roles import Role
from planning.selectors import cycle_analysis_read, cycle_guests
from planning.services.memberships import cycle_guest_grant, cycle_guest_revoke
from planning.services.plan_lines import CellChange, plan_cells_save, plan_line_update

MAX_ANALYSIS_FAMILIES = 2000


class CycleDetail(generics.RetrieveAPIView):
    serializer_class = CycleSerializer

    def get_queryset(self) -> QuerySet:
        return cycles_for(self.request.user)


class CyclePlanLines(generics.ListAPIView):
    serializer_class = PlanLineSerializer

    def get_queryset(self) -> QuerySet[PlanLine]:
        cycle = cycle_for_user(self.request.user, self.kwargs["pk"])
        return (
            PlanLine.objects.filter(cycle=cycle)
            .select_related("family")
            .order_by("family__code", "month")
        )

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        # Every grid load reads this list: plain values shaped as PlanLineSerializer shapes them
        # cost a third of the CPU of model instances through the serializer.
        values = self.get_queryset().values(*_PLAN_LINE_VALUES)
        page = self.paginate_queryset(values)
        if page is None:
            return Response([_plan_line_json(row) for row in values])
        return self.get_paginated_response([_plan_line_json(row) for row in page])


_PLAN_LINE_NAMES = {"family__code": "family_code", "family__name": "family_name"}
_PLAN_LINE_VALUES = tuple(
    {name: lookup for lookup, name in _PLAN_LINE_NAMES.items()}.get(field, field)
    for field in PlanLineSerializer.Meta.fields
)


def _plan_line_json(row: dict[str, Any]) -> dict[str, Any]:
    """One row as PlanLineSerializer renders it (times in the current time zone)."""
    shaped = {_PLAN_LINE_NAMES.get(name, name): value for name, value in row.items()}
    shaped["updated_at"] = timezone.localtime(shaped["updated_at"])
    return shaped


class PlanLineDetail(APIView):
    @extend_schema(responses=PlanLineSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(PlanLineSerializer(self._line(request, pk)).data)

    @extend_schema(request=PlanLinePatchSerializer, responses=PlanLineSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        line = self._line(request, pk)
        payload = PlanLinePatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        changes = {key: value for key, value in payload.validated_data.items() if key != "version"}
        updated = plan_line_update(
            plan_line=line,
            changes=changes,
            expected_version=payload.validated_data["version"],
            actor=request.user,
        )
        return Response(PlanLineSerializer(updated).data)

    def _line(self, request: Request, pk: int) -> PlanLine:
        # The same 404 for a missing line and another business unit's line.
        return plan_line_for_user(request.user, pk)


class CycleAnalysis(APIView):
    @extend_schema(
        responses=AnalysisSerializer,
        parameters=[
            OpenApiParameter(
                "limit",
                query_int_schema(1, MAX_ANALYSIS_FAMILIES),
                description="Families per page (default 100).",
            ),
            OpenApiParameter(
                "offset", query_int_schema(0, MAX_OFFSET), description="Families to skip."
            ),
            OpenApiParameter(
                "family", str, many=True, description="Only these family codes (repeatable)."
            ),
        ],
    )
    def get(self, request: Request, pk: int) -> Response:
        cycle = cycle_for_user(request.user, pk)
        limit = query_int(request, "limit", default=100, low=1, high=MAX_ANALYSIS_FAMILIES)
        offset = query_int(request, "offset", default=0, low=0, high=MAX_OFFSET)
        analysis = cycle_analysis_read(
            cycle,
            family_offset=offset,
            family_limit=limit,
            family_codes=request.query_params.getlist("family") or None,
        )
        data = {
            "inputs_version": analysis.inputs_version,
            "computed_version": analysis.computed_version,
            "computed_at": analysis.computed_at,
            "status": analysis.status,
            "family_count": analysis.family_count,
            "rows": analysis.rows,
            "summary": analysis.summary,
        }
        return Response(AnalysisSerializer(data).data)


class CycleHistory(generics.ListAPIView):
    serializer_class = AuditEventSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("user", str, description="Only changes by this username."),
            OpenApiParameter("field", str, description="Only changes of this field."),
        ]
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[AuditEvent]:
        cycle = cycle_for_user(self.request.user, self.kwargs["pk"])
        events = AuditEvent.objects.filter(cycle=cycle).select_related("actor")
        if user := self.request.query_params.get("user"):
            events = events.filter(actor__username=user)
        if field := self.request.query_params.get("field"):
            events = events.filter(field=field)
        return events.order_by("-at", "-id")


class CycleGuests(APIView):
    """People invited into this cycle only (the director or administrator invites them)."""

    @extend_schema(responses=GuestSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        return Response(_guest_rows(cycle_for_user(request.user, pk)))

    @extend_schema(request=GuestSerializer, responses=GuestSerializer(many=True))
    def post(self, request: Request, pk: int) -> Response:
        payload = GuestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cycle = cycle_guest_grant(actor=request.user, cycle_id=pk, **payload.validated_data)
        return Response(_guest_rows(cycle))


class CycleGuest(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int, username: str) -> Response:
        cycle_guest_revoke(actor=request.user, cycle_id=pk, username=username)
        return Response(status=204)


def _guest_rows(cycle: Cycle) -> list[dict[str, object]]:
    return [
        {"username": user.get_username(), "roles": [role.value for role in Role if role in roles]}
        for user, roles in cycle_guests(cycle).values()
    ]


GRID_TOTALS = [
    OpenApiParameter(
        "totals", OpenApiTypes.BOOL, description="Also the month totals of every family."
    ),
    OpenApiParameter(
        "q", str, description="The grid's family filter (code or name): the totals follow it."
    ),
]


class CyclePlanCells(APIView):
    """Save a block of grid cells (typed or pasted) in one request: all of them, or none."""

    @extend_schema(request=PlanCellsSerializer, responses=GridRowsSerializer)
    def post(self, request: Request, pk: int) -> Response:
        cycle = cycle_for_user(request.user, pk)
        payload = PlanCellsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        saved = plan_cells_save(
            cycle=cycle,
            cells=[
                CellChange(cell["line"], cell["field"], cell["value"], cell["version"])
                for cell in payload.validated_data["cells"]
            ],
            actor=request.user,
        )
        families = list(cycle.business_unit.families.filter(pk__in=saved.family_ids))
        return Response(_grid_rows(request, cycle, families, saved.inputs_version))


class CycleGridRows(APIView):
    """Families' rows of the grid as they are now: inputs, computed stock, approved plan; the
    fields the user may edit now; with ``totals``, the month totals over every family (or the
    filter's ``q``)."""

    @extend_schema(
        responses=GridRowsSerializer,
        parameters=[
            OpenApiParameter(
                "family",
                OpenApiTypes.INT64,
                many=True,
                description=f"Family ids (repeatable, at most {MAX_GRID_FAMILIES}).",
            ),
            *GRID_TOTALS,
        ],
    )
    def get(self, request: Request, pk: int) -> Response:
        cycle = cycle_for_user(request.user, pk)
        query = GridRowsQuerySerializer(
            data={
                "family": request.query_params.getlist("family"),
                "q": request.query_params.get("q", ""),
                "totals": request.query_params.get("totals", False),
            }
        )
        query.is_valid(raise_exception=True)
        ids = query.validated_data["family"]
        families = list(cycle.business_unit.families.filter(pk__in=ids))
        answer = _grid_rows(request, cycle, families, cycle.inputs_version)
        if query.validated_data["totals"]:
            totals, answer["totals_version"] = month_totals_cached(cycle, query.validated_data["q"])
            answer["totals"] = month_totals_json(totals)
        return Response(answer)


def _grid_rows(
    request: Request, cycle: Cycle, families: list[Any], inputs_version: int
) -> dict[str, Any]:
    """The families' rows, and the fields the user may edit now (an accepted submission's
    are frozen, the stage may have moved)."""
    blocks = family_blocks(cycle, sorted(families, key=lambda family: family.code))
    return {
        "inputs_version": inputs_version,
        "families": [family_block_json(block) for block in blocks],
        "editable": sorted(editable_fields(request.user, cycle)),
    }
