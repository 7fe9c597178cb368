"""Section 4 of issue 9: a send-back reopens work, an accepted submission's inputs are frozen,
and the submissions' comments are shown where the director accepts and where the CEO decides."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from approvals.web.pages import open_tasks
from planning.models import AuditEvent, Cycle, PlanLine
from planning.roles import Stage
from reviews.models import Submission
from tests.clients import client_as


@pytest.fixture
def previous(demo: None) -> Cycle:
    """The demo's cycle waiting for the CEO: every submission accepted."""
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)


@pytest.fixture
def current(demo: None) -> Cycle:
    """The demo's cycle in demand review: the sales forecast still a draft."""
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


def api_as(username: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=username, password="demo")
    return client


def states(cycle: Cycle) -> dict[str, str]:
    return dict(Submission.objects.filter(cycle=cycle).values_list("kind", "state"))


def send_back(cycle: Cycle, to_stage: str, reason: str) -> None:
    response = client_as("ceo").post(
        f"/cycles/{cycle.pk}/send-back/", {"to_stage": to_stage, "reason": reason}
    )
    assert response.status_code == 302, response.content.decode()[:500]


# --- send-back reopens work ---------------------------------------------------------------------


def test_a_send_back_to_supply_review_returns_that_stages_submissions_with_the_reason(
    previous: Cycle,
) -> None:
    # when
    send_back(previous, "supply_review", "June capacity is not credible")
    # then
    assert states(previous) == {
        "sales_forecast": "accepted",
        "production_capacity": "returned",
        "procurement_risk": "returned",
        "finance_review": "returned",
    }
    returned = Submission.objects.filter(cycle=previous, state="returned")
    assert {row.return_reason for row in returned} == {"June capacity is not credible"}
    audited = AuditEvent.objects.filter(cycle=previous, action="submission_return")
    assert sorted(audited.values_list("target", flat=True)) == [
        "submission:finance_review",
        "submission:procurement_risk",
        "submission:production_capacity",
    ]


def test_a_send_back_to_demand_review_returns_every_submission(previous: Cycle) -> None:
    send_back(previous, "demand_review", "Re-forecast June")
    assert set(states(previous).values()) == {"returned"}


def test_after_a_send_back_the_gate_applies_again(previous: Cycle) -> None:
    # given
    send_back(previous, "supply_review", "June capacity is not credible")
    # when the director moves on at once, without an override reason
    response = api_as("director").post(f"/api/cycles/{previous.pk}/advance/", {}, format="json")
    # then
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "The Supply review stage cannot end yet: "
        "the production capacity was returned and not yet submitted again; "
        "the procurement risk was returned and not yet submitted again; "
        "the finance review was returned and not yet submitted again. "
        "Give an override reason to move on without them."
    )
    previous.refresh_from_db()
    assert previous.stage == Stage.SUPPLY_REVIEW


def test_after_a_send_back_the_owners_have_their_tasks_again(previous: Cycle) -> None:
    # given
    from django.contrib.auth import get_user_model

    production = get_user_model().objects.get(username="production")
    assert not [task for task in open_tasks(production) if task.cycle == previous]
    # when
    send_back(previous, "supply_review", "June capacity is not credible")
    # then
    texts = [task.text for task in open_tasks(production) if task.cycle == previous]
    assert texts == ["Submit the production capacity"]
    home = client_as("production").get("/").content.decode()
    assert "Submit the production capacity" in home


def test_the_overview_shows_the_send_back_reason_to_the_owners(previous: Cycle) -> None:
    # given
    send_back(previous, "supply_review", "June capacity is not credible")
    # when
    body = client_as("production").get(f"/cycles/{previous.pk}/").content.decode()
    # then
    assert "Sent back to Supply review by ceo:</p>" not in body  # the reason follows the name
    assert "June capacity is not credible" in body
    assert 'data-testid="sent-back"' in body
    assert 'data-testid="return-reason-production_capacity"' in body


# --- acceptance means something ------------------------------------------------------------------


def accept_sales_forecast(cycle: Cycle, comment: str = "") -> None:
    response = client_as("sales").post(
        f"/cycles/{cycle.pk}/submissions/sales_forecast/submit/", {"comment": comment}
    )
    assert response.status_code == 302
    response = client_as("director").post(f"/cycles/{cycle.pk}/submissions/sales_forecast/accept/")
    assert response.status_code == 302


FROZEN = (
    "The sales forecast was accepted, so its inputs are frozen; "
    "the director can return it to reopen them."
)


def test_an_accepted_forecast_cannot_be_changed(current: Cycle) -> None:
    # given
    accept_sales_forecast(current)
    line = PlanLine.objects.filter(cycle=current).order_by("pk")[0]
    # when
    response = api_as("sales").patch(
        f"/api/plan-lines/{line.pk}/",
        {"demand_forecast": line.demand_forecast + 1, "version": line.version},
        format="json",
    )
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "submission_accepted"
    assert response.json()["detail"] == FROZEN
    line.refresh_from_db()
    assert line.version == PlanLine.objects.get(pk=line.pk).version


def test_an_accepted_forecasts_cells_are_read_only_and_say_why(current: Cycle) -> None:
    # given
    accept_sales_forecast(current)
    # when
    body = client_as("sales").get(f"/cycles/{current.pk}/demand/").content.decode()
    # then
    assert "Accepted: its inputs are frozen until the director returns it." in body
    assert body.count('name="value"') == body.count(" readonly>")


def test_an_accepted_forecasts_register_is_frozen_too(current: Cycle) -> None:
    # given
    accept_sales_forecast(current)
    # when
    response = client_as("sales").post(
        f"/cycles/{current.pk}/assumptions/",
        {"kind": "risk", "quantity": "5", "probability": "10", "description": "late"},
    )
    # then
    assert response.status_code == 409
    assert FROZEN in response.content.decode()


def test_returning_an_accepted_forecast_reopens_it(current: Cycle) -> None:
    # given
    accept_sales_forecast(current)
    client_as("director").post(
        f"/cycles/{current.pk}/submissions/sales_forecast/return/", {"reason": "Check June"}
    )
    line = PlanLine.objects.filter(cycle=current).order_by("pk")[0]
    # when
    response = api_as("sales").patch(
        f"/api/plan-lines/{line.pk}/",
        {"demand_forecast": line.demand_forecast + 1, "version": line.version},
        format="json",
    )
    # then
    assert response.status_code == 200


# --- comments where the decisions are taken ------------------------------------------------------


def test_the_submissions_comment_is_shown_where_the_director_accepts(current: Cycle) -> None:
    # given
    client_as("sales").post(
        f"/cycles/{current.pk}/submissions/sales_forecast/submit/",
        {"comment": "Aligned with the key accounts"},
    )
    # when
    body = client_as("director").get(f"/cycles/{current.pk}/").content.decode()
    # then
    row = body.split('data-testid="submission-comment-sales_forecast">')[1].split("</div>")[0]
    assert "Aligned with the key accounts" in row
    assert f"/cycles/{current.pk}/submissions/sales_forecast/accept/" in body


def test_the_submissions_comments_are_shown_on_the_decision_page(previous: Cycle) -> None:
    body = client_as("ceo").get(f"/cycles/{previous.pk}/decision/").content.decode()
    section = body.split('data-testid="decision-submissions"')[1].split("</section>")[0]
    assert "共识需求已与大客户团队对齐。" in section  # the sales forecast's comment in the demo
