"""Every role x every write action x every stage, table-driven, through the HTTP API.

The expected table below is written from the workflow issue's text, independently of
``planning.permissions``: allowed -> 2xx, a role that may never -> 403, a role that may but not
in this stage -> 409.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AbstractUser
from django.db.models import Model
from rest_framework.test import APIClient

from planning.models import Cycle, PlanLine
from planning.roles import Role, Stage
from reviews.models import (
    DemandAssumption,
    GapOption,
    MaterialRisk,
    ProductionConstraint,
    Submission,
    SubmissionKind,
)

D, SA, PR, PC, FI, EX, AD = (
    Role.DIRECTOR,
    Role.SALES,
    Role.PRODUCTION,
    Role.PROCUREMENT,
    Role.FINANCE,
    Role.EXECUTIVE,
    Role.ADMIN,
)
DC, DR, SR, ER, AP = (
    Stage.DATA_COLLECTION,
    Stage.DEMAND_REVIEW,
    Stage.SUPPLY_REVIEW,
    Stage.EXECUTIVE_REVIEW,
    Stage.APPROVED,
)

# field -> {stage: roles allowed to edit it}
FIELD_RULES = {
    "demand_forecast": {DC: {SA}, DR: {SA}},
    "confirmed_orders": {DC: {D, SA}, DR: {SA}},
    "opening_stock": {DC: {D}},
    "production_plan": {DC: {PR}, SR: {PR}},
    "capacity_max": {DC: {PR}, SR: {PR}},
    "safety_stock_target": {DC: {D}, DR: {D}, SR: {D}},
}
# action -> (roles, stages)
ACTION_RULES = {
    "advance": ({D}, {DC, DR, SR}),
    "send_back": ({EX}, {ER}),
    "approve": ({EX}, {ER}),
    "submit sales_forecast": ({SA}, {DC, DR}),
    "submit production_capacity": ({PR}, {DC, SR}),
    "submit procurement_risk": ({PC}, {DC, SR}),
    "submit finance_review": ({FI}, {SR}),
    "accept sales_forecast": ({D}, {DR}),
    "return sales_forecast": ({D}, {DR}),
    "accept production_capacity": ({D}, {SR}),
    "return production_capacity": ({D}, {SR}),
    "accept procurement_risk": ({D}, {SR}),
    "return procurement_risk": ({D}, {SR}),
    "accept finance_review": ({D}, {SR}),
    "return finance_review": ({D}, {SR}),
    "demand assumption": ({SA}, {DC, DR}),
    "demand assumption edit": ({SA}, {DC, DR}),
    "production constraint": ({PR}, {DC, SR}),
    "production constraint edit": ({PR}, {DC, SR}),
    "production constraint delete": ({PR}, {DC, SR}),
    "gap alternative": ({PR}, {DC, SR}),
    "gap alternative edit": ({PR}, {DC, SR}),
    "gap alternative delete": ({PR}, {DC, SR}),
    "material risk": ({PC}, {DC, SR}),
    "material risk edit": ({PC}, {DC, SR}),
    "finance comment": ({FI}, {SR}),
    "invite guest": ({D, AD}, set(Stage)),
}


def expected_field_status(field: str, role: Role, stage: Stage) -> int:
    rules = FIELD_RULES[field]
    if role in rules.get(stage, set()):
        return 200
    if any(role in roles for roles in rules.values()):
        return 409
    return 403


def expected_action_status(action: str, role: Role, stage: Stage) -> int:
    roles, stages = ACTION_RULES[action]
    if role not in roles:
        return 403
    return 200 if stage in stages else 409


def request_action(client: APIClient, cycle: Cycle, action: str) -> int:
    base = f"/api/cycles/{cycle.pk}"
    if action == "advance":
        return client.post(f"{base}/advance/", {"override_reason": "matrix"}).status_code
    if action == "send_back":
        body = {"to_stage": "supply_review", "reason": "matrix"}
        return client.post(f"{base}/send-back/", body).status_code
    if action == "approve":
        return client.post(f"{base}/approve/", {"comment": "matrix"}).status_code
    verb, _space, rest = action.partition(" ")
    if verb in {"submit", "accept", "return"}:
        ready = "draft" if verb == "submit" else "submitted"
        Submission.objects.filter(cycle=cycle, kind=rest).update(state=ready)
        url = f"{base}/submissions/{rest}/{verb}/"
        return client.post(url, {"reason": "matrix", "comment": "matrix"}).status_code
    if action.removesuffix(" edit").removesuffix(" delete") in REGISTERS:
        return request_register(client, cycle, action)
    if action == "finance comment":
        return client.patch(f"{base}/finance-review/", {"comment": "matrix"}).status_code
    if action == "invite guest":
        guest: dict[str, object] = {"username": "user-finance", "roles": ["finance"]}
        return client.post(f"{base}/guests/", guest, format="json").status_code
    raise AssertionError(action)


# register -> (its address under the cycle, its model, a valid entry)
REGISTERS: dict[str, tuple[str, type[Model], dict[str, object]]] = {
    "demand assumption": (
        "demand-assumptions",
        DemandAssumption,
        {
            "kind": "risk",
            "months": ["2024-04"],
            "quantity": 5,
            "probability": 10,
            "description": "x",
        },
    ),
    "production constraint": ("production-constraints", ProductionConstraint, {"note": "matrix"}),
    "gap alternative": (
        "gap-options",
        GapOption,
        {"name": "matrix", "additional_capacity": 100, "months": ["2024-04"]},
    ),
    "material risk": (
        "material-risks",
        MaterialRisk,
        {"material": "chip", "risk_level": "low", "months": [], "families": []},
    ),
}


def request_register(client: APIClient, cycle: Cycle, action: str) -> int:
    """POST a new entry, PUT over an existing one, or DELETE one, through the register's API."""
    register, _space, verb = action.rpartition(" ")
    if verb not in {"edit", "delete"}:
        register, verb = action, "create"
    address, model, body = REGISTERS[register]
    url = f"/api/cycles/{cycle.pk}/{address}/"
    if verb == "create":
        return client.post(url, body, format="json").status_code
    fields = {key: value for key, value in body.items() if key != "families"}
    entry = model._default_manager.create(cycle=cycle, **fields)
    if verb == "edit":
        return client.put(f"{url}{entry.pk}/", body, format="json").status_code
    return client.delete(f"{url}{entry.pk}/").status_code


def set_stage(cycle: Cycle, stage: Stage) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(stage=stage)
    cycle.refresh_from_db()


def field_mismatches(client: APIClient, cycle: Cycle, role: Role, stage: Stage) -> list:
    set_stage(cycle, stage)
    line = PlanLine.objects.filter(cycle=cycle).order_by("pk")[0]
    mismatches = []
    for field in FIELD_RULES:
        line.refresh_from_db()
        response = client.patch(
            f"/api/plan-lines/{line.pk}/",
            {field: getattr(line, field) + 1, "version": line.version},
            format="json",
        )
        expected = expected_field_status(field, role, stage)
        if response.status_code != expected:
            mismatches.append((field, expected, response.status_code, response.content[:200]))
    return mismatches


def action_mismatches(client: APIClient, cycle: Cycle, role: Role, stage: Stage) -> list:
    mismatches = []
    for action in ACTION_RULES:
        set_stage(cycle, stage)
        status = request_action(client, cycle, action)
        expected = expected_action_status(action, role, stage)
        # A success is any 2xx (201 for created register entries).
        if (status // 100 == 2) != (expected == 200) or (expected != 200 and status != expected):
            mismatches.append((action, expected, status))
    return mismatches


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("role", list(Role))
def test_plan_line_field_edits_follow_the_matrix(
    role: Role,
    stage: Stage,
    cycle: Cycle,
    role_users: dict[Role, AbstractUser],
    client_for: Callable[[AbstractUser], APIClient],
) -> None:
    assert field_mismatches(client_for(role_users[role]), cycle, role, stage) == []


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("role", list(Role))
def test_workflow_actions_follow_the_matrix(
    role: Role,
    stage: Stage,
    cycle: Cycle,
    role_users: dict[Role, AbstractUser],
    client_for: Callable[[AbstractUser], APIClient],
) -> None:
    assert action_mismatches(client_for(role_users[role]), cycle, role, stage) == []


@pytest.fixture
def superuser_admin(role_users: dict[Role, AbstractUser]) -> AbstractUser:
    """The unit's administrator is also a superuser: that gives no role in its cycles."""
    admin = role_users[AD]
    admin.is_superuser = admin.is_staff = True
    admin.save(update_fields=["is_superuser", "is_staff"])
    return admin


@pytest.mark.parametrize("stage", list(Stage))
def test_a_superuser_edits_fields_only_as_their_granted_roles(
    stage: Stage,
    cycle: Cycle,
    superuser_admin: AbstractUser,
    client_for: Callable[[AbstractUser], APIClient],
) -> None:
    assert field_mismatches(client_for(superuser_admin), cycle, AD, stage) == []


@pytest.mark.parametrize("stage", list(Stage))
def test_a_superuser_takes_workflow_actions_only_as_their_granted_roles(
    stage: Stage,
    cycle: Cycle,
    superuser_admin: AbstractUser,
    client_for: Callable[[AbstractUser], APIClient],
) -> None:
    assert action_mismatches(client_for(superuser_admin), cycle, AD, stage) == []


def test_every_submission_kind_is_covered() -> None:
    kinds = {action.split(" ")[1] for action in ACTION_RULES if action.startswith("submit ")}
    assert kinds == set(SubmissionKind.values)


@pytest.mark.parametrize(
    "url",
    [
        "/api/cycles/{id}/",
        "/api/cycles/{id}/plan-lines/",
        "/api/cycles/{id}/analysis/",
        "/api/cycles/{id}/history/",
        "/api/cycles/{id}/submissions/",
        "/api/cycles/{id}/workflow/",
        "/api/cycles/{id}/finance-review/",
        "/api/cycles/{id}/material-risks/",
        "/api/cycles/{id}/demand-assumptions/",
        "/api/cycles/{id}/production-constraints/",
        "/api/cycles/{id}/gap-options/",
    ],
)
def test_another_units_cycle_does_not_exist_for_the_user(
    url: str, cycle: Cycle, make_user, client_for
) -> None:
    from planning.models import BusinessUnit

    other_unit = BusinessUnit.objects.create(code="other", name="Other")
    outsider = make_user("outsider", (Role.SALES, Role.DIRECTOR, Role.EXECUTIVE), other_unit)
    response = client_for(outsider).get(url.format(id=cycle.pk))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/cycles/{id}/advance/", {"override_reason": "x"}),
        ("post", "/api/cycles/{id}/approve/", {"comment": "x"}),
        ("post", "/api/cycles/{id}/send-back/", {"to_stage": "demand_review", "reason": "x"}),
        ("post", "/api/cycles/{id}/submissions/sales_forecast/submit/", {}),
        ("patch", "/api/plan-lines/{line}/", {"demand_forecast": 1, "version": 1}),
    ],
)
def test_another_units_cycle_cannot_be_changed(
    method: str, url: str, body: dict, cycle: Cycle, make_user, client_for
) -> None:
    from planning.models import BusinessUnit

    other_unit = BusinessUnit.objects.create(code="other", name="Other")
    outsider = make_user("outsider", tuple(Role), other_unit)
    line = PlanLine.objects.filter(cycle=cycle)[0]
    response = getattr(client_for(outsider), method)(
        url.format(id=cycle.pk, line=line.pk), body, format="json"
    )
    assert response.status_code == 404
    cycle.refresh_from_db()
    assert cycle.stage == Stage.DATA_COLLECTION
