"""``plan_lines_bulk_set`` checks who may set which field itself, as the other plan-line services
do: under the cycle's lock, from the workflow's one table. Only a load run on the server
(``actor=None``: the demo, the load tests' data) sets every input at once."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import translation

from planning.errors import StageConflict, SubmissionAccepted
from planning.models import AuditEvent, Cycle, PlanLine
from planning.roles import Stage
from planning.services.plan_lines import plan_lines_bulk_set
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


def bulk_set(line: PlanLine, field: str, actor) -> int:
    return plan_lines_bulk_set(
        cycle=line.cycle,
        values={(line.family_id, line.month): {field: getattr(line, field) + 1}},
        actor=actor,
    )


def loads(line: PlanLine) -> int:
    return AuditEvent.objects.filter(action="plan_lines_loaded", cycle_id=line.cycle_id).count()


def assert_unchanged(line: PlanLine, loads_before: int) -> None:
    assert PlanLine.objects.get(pk=line.pk).version == line.version
    assert loads(line) == loads_before


def test_the_owner_of_a_field_sets_it_in_its_stage(line: PlanLine) -> None:
    assert bulk_set(line, "demand_forecast", user("sales")) == 1
    changed = PlanLine.objects.get(pk=line.pk)
    assert (changed.demand_forecast, changed.version) == (
        line.demand_forecast + 1,
        line.version + 1,
    )


def test_a_role_that_may_never_set_the_field_is_refused(line: PlanLine) -> None:
    before = loads(line)
    with pytest.raises(PermissionDenied) as refused:
        bulk_set(line, "production_plan", user("sales"))
    assert str(refused.value) == "Your role may not edit production_plan."
    assert_unchanged(line, before)


def test_a_user_without_a_role_in_the_unit_is_refused(line: PlanLine) -> None:
    stranger = get_user_model().objects.create_user("stranger", password="x")
    before = loads(line)
    with pytest.raises(PermissionDenied):
        bulk_set(line, "demand_forecast", stranger)
    assert_unchanged(line, before)


def test_nobody_signed_in_sets_nothing(line: PlanLine) -> None:
    before = loads(line)
    with pytest.raises(PermissionDenied):
        bulk_set(line, "demand_forecast", AnonymousUser())
    assert_unchanged(line, before)


def test_a_field_outside_its_stage_is_a_stage_conflict(line: PlanLine) -> None:
    before = loads(line)
    with pytest.raises(StageConflict):
        bulk_set(line, "production_plan", user("production"))
    assert_unchanged(line, before)


def test_an_accepted_submissions_fields_are_frozen(current: Cycle, line: PlanLine) -> None:
    Submission.objects.filter(cycle=current, kind=SubmissionKind.SALES_FORECAST).update(
        state=SubmissionState.ACCEPTED
    )
    before = loads(line)
    with pytest.raises(SubmissionAccepted):
        bulk_set(line, "demand_forecast", user("sales"))
    assert_unchanged(line, before)


def test_a_load_run_on_the_server_sets_any_field(line: PlanLine) -> None:
    assert bulk_set(line, "production_plan", None) == 1
    event = AuditEvent.objects.filter(action="plan_lines_loaded").latest("id")
    assert event.actor is None
