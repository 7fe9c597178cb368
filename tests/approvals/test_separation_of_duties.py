"""Nobody approves alone: who chaired or edited the plan does not decide on it, nobody grants
themselves a role, and an administrator acts in a cycle only through roles granted to them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AbstractUser
from django.utils import translation

from approvals.services import cycle_advance
from planning.models import BusinessUnit, Cycle, CycleUserObjectPermission, PlanLine
from planning.roles import Role, Stage
from planning.services.memberships import cycle_guest_grant, membership_grant
from planning.services.recompute import cycle_recompute

from .conftest import api_as, browser_as, submissions_all_in


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def to_executive_review(cycle: Cycle, chair: AbstractUser) -> Cycle:
    """The chair moves the cycle through every stage (gates met)."""
    submissions_all_in(cycle)
    for _stage in range(3):
        cycle_advance(actor=chair, cycle_id=cycle.pk)
    cycle_recompute(cycle.pk)  # the test transaction never commits
    cycle.refresh_from_db()
    return cycle


def approve(user: AbstractUser, cycle: Cycle):
    return api_as(user).post(f"/api/cycles/{cycle.pk}/approve/", {"comment": "ok"}, format="json")


def send_back(user: AbstractUser, cycle: Cycle):
    body = {"to_stage": "supply_review", "reason": "capacity"}
    return api_as(user).post(f"/api/cycles/{cycle.pk}/send-back/", body, format="json")


CHAIRED = (
    "You chaired this cycle (opened it or moved it on), so you cannot also decide on it: "
    "another executive must approve it or send it back."
)
EDITED = (
    "You edited this plan, so you cannot also decide on it: "
    "another executive must approve it or send it back."
)


@pytest.fixture
def chair_and_executive(
    people: dict[str, AbstractUser], business_unit: BusinessUnit
) -> AbstractUser:
    """director-a, who opened the cycle, also holds the executive role in the unit."""
    membership_grant(business_unit=business_unit, user=people["director-a"], roles=[Role.EXECUTIVE])
    return people["director-a"]


def test_the_chair_cannot_approve_the_plan(
    open_cycle: Cycle, chair_and_executive: AbstractUser
) -> None:
    cycle = to_executive_review(open_cycle, chair_and_executive)

    response = approve(chair_and_executive, cycle)

    assert (response.status_code, response.json()["detail"]) == (403, CHAIRED)
    cycle.refresh_from_db()
    assert cycle.stage == Stage.EXECUTIVE_REVIEW


def test_the_chair_cannot_send_the_plan_back(
    open_cycle: Cycle, chair_and_executive: AbstractUser
) -> None:
    cycle = to_executive_review(open_cycle, chair_and_executive)

    response = send_back(chair_and_executive, cycle)

    assert (response.status_code, response.json()["detail"]) == (403, CHAIRED)


def test_whoever_moved_the_cycle_on_cannot_approve_it(
    open_cycle: Cycle, people: dict[str, AbstractUser], business_unit: BusinessUnit
) -> None:
    # director-b never opened the cycle, but advanced it once, and also holds the executive role
    chair = people["director-b"]
    membership_grant(business_unit=business_unit, user=chair, roles=[Role.EXECUTIVE])
    cycle = to_executive_review(open_cycle, chair)

    assert approve(chair, cycle).status_code == 403


def test_whoever_edited_a_plan_line_cannot_approve_it(
    open_cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    # given: the seller edits a line, and is then invited into the cycle as an executive
    seller = people["seller"]
    line = PlanLine.objects.filter(cycle=open_cycle).first()
    assert line is not None
    edit = api_as(seller).patch(
        f"/api/plan-lines/{line.pk}/",
        {"demand_forecast": 5, "version": line.version},
        format="json",
    )
    assert edit.status_code == 200
    cycle_guest_grant(
        actor=people["administrator"],
        cycle_id=open_cycle.pk,
        username="seller",
        roles=["executive"],
    )
    cycle = to_executive_review(open_cycle, people["director-a"])

    # when
    response = approve(seller, cycle)

    # then
    assert (response.status_code, response.json()["detail"]) == (403, EDITED)


def test_an_executive_who_neither_chaired_nor_edited_approves(
    open_cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    cycle = to_executive_review(open_cycle, people["director-a"])

    assert approve(people["ceo-a"], cycle).status_code == 200


def test_the_chair_is_not_offered_the_decision(
    open_cycle: Cycle, chair_and_executive: AbstractUser, people: dict[str, AbstractUser]
) -> None:
    cycle = to_executive_review(open_cycle, chair_and_executive)

    def offered(user: AbstractUser) -> list[str]:
        workflow = api_as(user).get(f"/api/cycles/{cycle.pk}/workflow/")
        return workflow.json()["available_actions"]

    assert offered(chair_and_executive) == []
    assert offered(people["ceo-a"]) == ["approve", "send_back"]
    page = browser_as(chair_and_executive).get(f"/cycles/{cycle.pk}/decision/").content.decode()
    assert f'action="/cycles/{cycle.pk}/approve/"' not in page


def test_the_decision_page_tells_the_chair_why_they_cannot_decide(
    open_cycle: Cycle, chair_and_executive: AbstractUser
) -> None:
    cycle = to_executive_review(open_cycle, chair_and_executive)

    page = browser_as(chair_and_executive).get(f"/cycles/{cycle.pk}/decision/").content.decode()

    assert "You chaired this cycle (opened it or moved it on)" in page


def guest_perms(cycle: Cycle, user: AbstractUser) -> int:
    return CycleUserObjectPermission.objects.filter(content_object=cycle, user_id=user.pk).count()


SELF_GRANT = "Nobody can grant a role to themselves: ask another director or administrator."


def test_a_director_cannot_invite_himself_as_an_executive_guest(
    open_cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    director = people["director-a"]
    response = api_as(director).post(
        f"/api/cycles/{open_cycle.pk}/guests/",
        {"username": director.username, "roles": ["executive"]},
        format="json",
    )

    assert (response.status_code, response.json()["detail"]) == (403, SELF_GRANT)
    assert guest_perms(open_cycle, director) == 0


CHAIR_CHOOSES = (
    "Only an administrator can invite a guest as executive: "
    "the chair does not choose who approves the plan."
)


def test_the_chair_cannot_choose_who_approves_by_inviting_an_executive_guest(
    open_cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    response = api_as(people["director-a"]).post(
        f"/api/cycles/{open_cycle.pk}/guests/",
        {"username": "seller", "roles": ["executive"]},
        format="json",
    )

    assert (response.status_code, response.json()["detail"]) == (403, CHAIR_CHOOSES)
    assert guest_perms(open_cycle, people["seller"]) == 0


def test_the_administrator_may_invite_an_executive_guest(
    open_cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    response = api_as(people["administrator"]).post(
        f"/api/cycles/{open_cycle.pk}/guests/",
        {"username": "seller", "roles": ["executive"]},
        format="json",
    )

    assert response.status_code == 200
    assert guest_perms(open_cycle, people["seller"]) > 0


def test_nobody_grants_themselves_a_role_from_the_overview_card(
    open_cycle: Cycle, people: dict[str, AbstractUser]
) -> None:
    director = people["director-a"]
    response = browser_as(director).post(
        f"/cycles/{open_cycle.pk}/guests/", {"username": director.username, "roles": ["executive"]}
    )

    assert response.status_code == 403
    assert guest_perms(open_cycle, director) == 0


@pytest.fixture
def superuser_admin(make_user, business_unit: BusinessUnit) -> AbstractUser:
    """A superuser who is the business unit's administrator and nothing else."""
    admin = make_user("root", (Role.ADMIN,), business_unit)
    admin.is_superuser = admin.is_staff = True
    admin.save(update_fields=["is_superuser", "is_staff"])
    return admin


def test_the_administrator_cannot_invite_himself(
    open_cycle: Cycle, superuser_admin: AbstractUser
) -> None:
    response = api_as(superuser_admin).post(
        f"/api/cycles/{open_cycle.pk}/guests/",
        {"username": "root", "roles": ["executive"]},
        format="json",
    )

    assert response.status_code == 403
    assert guest_perms(open_cycle, superuser_admin) == 0


def test_the_administrator_invites_guests_for_others(
    open_cycle: Cycle, superuser_admin: AbstractUser, make_user
) -> None:
    make_user("controller")
    response = api_as(superuser_admin).post(
        f"/api/cycles/{open_cycle.pk}/guests/",
        {"username": "controller", "roles": ["finance"]},
        format="json",
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("stage", "method", "path", "body"),
    [
        (Stage.DATA_COLLECTION, "patch", "/api/plan-lines/{line}/", {"demand_forecast": 1}),
        (Stage.DATA_COLLECTION, "patch", "/api/plan-lines/{line}/", {"opening_stock": 1}),
        (Stage.DATA_COLLECTION, "post", "/api/cycles/{id}/submissions/sales_forecast/submit/", {}),
        (Stage.DEMAND_REVIEW, "post", "/api/cycles/{id}/submissions/sales_forecast/accept/", {}),
        (Stage.DATA_COLLECTION, "post", "/api/cycles/{id}/advance/", {"override_reason": "x"}),
        (Stage.EXECUTIVE_REVIEW, "post", "/api/cycles/{id}/approve/", {"comment": "x"}),
        (
            Stage.EXECUTIVE_REVIEW,
            "post",
            "/api/cycles/{id}/send-back/",
            {"to_stage": "demand_review", "reason": "x"},
        ),
    ],
)
def test_a_superuser_acts_in_a_cycle_only_through_roles_granted_to_them(
    stage: Stage,
    method: str,
    path: str,
    body: dict[str, object],
    at_stage: Callable[[Stage], Cycle],
    superuser_admin: AbstractUser,
) -> None:
    cycle = at_stage(stage)
    submissions_all_in(cycle)
    line = PlanLine.objects.filter(cycle=cycle).first()
    assert line is not None
    if "version" not in body and "plan-lines" in path:
        body = {**body, "version": line.version}

    response = getattr(api_as(superuser_admin), method)(
        path.format(id=cycle.pk, line=line.pk), body, format="json"
    )

    assert response.status_code == 403
    cycle.refresh_from_db()
    assert cycle.stage == stage


def test_a_superuser_outside_a_business_unit_holds_no_role_in_its_cycles(
    open_cycle: Cycle, make_user
) -> None:
    from planning.access import cycle_roles

    other = BusinessUnit.objects.create(code="other", name="Other")
    outsider = make_user("outside-root", (Role.ADMIN,), other)
    outsider.is_superuser = True
    outsider.save(update_fields=["is_superuser"])

    assert cycle_roles(outsider, open_cycle) == frozenset()


def test_the_chair_gets_no_task_to_decide(
    open_cycle: Cycle, chair_and_executive: AbstractUser, people: dict[str, AbstractUser]
) -> None:
    to_executive_review(open_cycle, chair_and_executive)
    decide = "Decide: approve the plan or send it back"

    assert decide not in browser_as(chair_and_executive).get("/").content.decode()
    assert decide in browser_as(people["ceo-a"]).get("/").content.decode()


def test_a_superuser_gets_the_tasks_of_the_roles_granted_to_them(
    open_cycle: Cycle, superuser_admin: AbstractUser, business_unit: BusinessUnit
) -> None:
    membership_grant(business_unit=business_unit, user=superuser_admin, roles=[Role.SALES])

    home = browser_as(superuser_admin).get("/").content.decode()

    assert "Submit the sales forecast" in home
    assert "Move the cycle on when the stage is done" not in home
