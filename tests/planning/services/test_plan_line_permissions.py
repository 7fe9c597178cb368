"""The plan-line services check who may edit which field themselves, from the workflow's one
table, under the cycle's lock: no caller chooses (or forgets) the check."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import translation

from planning.errors import StageConflict, SubmissionAccepted
from planning.models import AuditEvent, Cycle, PlanLine
from planning.roles import Stage
from planning.services.plan_lines import CellChange, plan_cells_save, plan_line_update
from reviews.models import Submission, SubmissionKind, SubmissionState


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def current(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


@pytest.fixture
def line(current: Cycle) -> PlanLine:
    return PlanLine.objects.filter(cycle=current).order_by("pk")[0]


def user(username: str) -> AbstractUser:
    return get_user_model().objects.get(username=username)


def update(line: PlanLine, field: str, actor) -> PlanLine:
    return plan_line_update(
        plan_line=line,
        changes={field: getattr(line, field) + 1},
        expected_version=line.version,
        actor=actor,
    )


def assert_unchanged(line: PlanLine) -> None:
    assert PlanLine.objects.get(pk=line.pk).version == line.version
    assert not AuditEvent.objects.filter(action__in=["plan_line_changed", "plan_cells_saved"],
                                         cycle_id=line.cycle_id).exists()  # fmt: skip


def test_the_owner_of_a_field_edits_it_in_its_stage(line: PlanLine) -> None:
    updated = update(line, "demand_forecast", user("sales"))
    assert (updated.version, updated.updated_by) == (line.version + 1, user("sales"))


def test_a_role_that_may_never_edit_the_field_is_refused(line: PlanLine) -> None:
    with pytest.raises(PermissionDenied) as refused:
        update(line, "production_plan", user("sales"))
    assert str(refused.value) == "Your role may not edit production_plan."
    assert_unchanged(line)


def test_a_field_outside_its_stage_is_a_stage_conflict(line: PlanLine) -> None:
    with pytest.raises(StageConflict) as refused:
        update(line, "production_plan", user("production"))
    assert refused.value.message == (
        "production_plan cannot be edited in the Demand review stage; it can be edited in: "
        "Data collection, Supply review."
    )
    assert refused.value.status_code == 409
    assert_unchanged(line)


def test_nobody_signed_in_edits_nothing(line: PlanLine) -> None:
    with pytest.raises(PermissionDenied):
        update(line, "demand_forecast", AnonymousUser())
    assert_unchanged(line)


def test_an_accepted_submissions_fields_are_frozen(current: Cycle, line: PlanLine) -> None:
    # given
    Submission.objects.filter(cycle=current, kind=SubmissionKind.SALES_FORECAST).update(
        state=SubmissionState.ACCEPTED
    )
    # when
    with pytest.raises(SubmissionAccepted) as refused:
        update(line, "demand_forecast", user("sales"))
    # then
    assert (refused.value.code, refused.value.status_code) == ("submission_accepted", 409)
    assert refused.value.extra == {"field": "demand_forecast", "submission": "sales_forecast"}
    assert_unchanged(line)


def test_a_block_of_cells_is_checked_by_the_service_too(current: Cycle, line: PlanLine) -> None:
    cells = [
        CellChange(line.pk, "demand_forecast", line.demand_forecast + 1, line.version),
        CellChange(line.pk, "capacity_max", line.capacity_max + 1, line.version),
    ]
    with pytest.raises(PermissionDenied) as refused:
        plan_cells_save(cycle=current, cells=cells, actor=user("sales"))
    assert str(refused.value) == "Your role may not edit capacity_max."
    assert_unchanged(line)


def test_a_block_of_a_frozen_submissions_cells_is_refused_with_its_code(
    current: Cycle, line: PlanLine
) -> None:
    Submission.objects.filter(cycle=current, kind=SubmissionKind.SALES_FORECAST).update(
        state=SubmissionState.ACCEPTED
    )
    with pytest.raises(SubmissionAccepted):
        plan_cells_save(
            cycle=current,
            cells=[CellChange(line.pk, "demand_forecast", 5, line.version)],
            actor=user("sales"),
        )
    assert_unchanged(line)
