"""The workflow's one table: what is derived from it says what the table says."""

from __future__ import annotations

from planning.roles import Role, Stage, SubmissionKind
from planning.workflow import (
    ACTION_RULES,
    GATES,
    OPEN_STAGES,
    REGISTER_SUBMISSION,
    STAGE_OWNERS,
    SUBMISSION_FIELDS,
    SUBMISSION_OWNER,
    TRANSITIONS,
    reopened_submissions,
    review_stages,
)


def test_the_chair_reviews_each_submission_in_the_stage_whose_gate_it_is() -> None:
    assert review_stages(SubmissionKind.SALES_FORECAST) == {Stage.DEMAND_REVIEW}
    for kind in (
        SubmissionKind.PRODUCTION_CAPACITY,
        SubmissionKind.PROCUREMENT_RISK,
        SubmissionKind.FINANCE_REVIEW,
    ):
        assert ACTION_RULES[f"submission.review.{kind}"] == (
            frozenset({Role.DIRECTOR}),
            frozenset({Stage.SUPPLY_REVIEW}),
        )


def test_a_register_is_edited_by_its_submissions_owner_while_it_may_be_handed_in() -> None:
    for action, kind in REGISTER_SUBMISSION.items():
        assert ACTION_RULES[action] == ACTION_RULES[f"submission.submit.{kind}"]


def test_the_stage_machine_moves_forward_and_back_as_the_table_says() -> None:
    assert TRANSITIONS["advance"][Stage.DATA_COLLECTION] == {Stage.DEMAND_REVIEW}
    assert TRANSITIONS["send_back"] == {
        Stage.EXECUTIVE_REVIEW: {Stage.DEMAND_REVIEW, Stage.SUPPLY_REVIEW}
    }
    assert TRANSITIONS["approve"] == {Stage.EXECUTIVE_REVIEW: {Stage.APPROVED}}
    assert ACTION_RULES["cycle.advance"][1] == OPEN_STAGES == set(GATES)
    assert STAGE_OWNERS[Stage.SUPPLY_REVIEW] == Role.PRODUCTION


def test_a_submissions_inputs_are_the_fields_its_owner_edits() -> None:
    assert SUBMISSION_FIELDS[SubmissionKind.SALES_FORECAST] == {
        "demand_forecast",
        "confirmed_orders",
    }
    assert SUBMISSION_FIELDS[SubmissionKind.PRODUCTION_CAPACITY] == {
        "production_plan",
        "capacity_max",
    }
    assert SUBMISSION_OWNER[SubmissionKind.FINANCE_REVIEW] == Role.FINANCE


def test_a_send_back_reopens_the_submissions_of_every_stage_passed_through_again() -> None:
    assert reopened_submissions(Stage.SUPPLY_REVIEW) == [
        SubmissionKind.PRODUCTION_CAPACITY,
        SubmissionKind.PROCUREMENT_RISK,
        SubmissionKind.FINANCE_REVIEW,
    ]
    assert reopened_submissions(Stage.DEMAND_REVIEW) == list(SubmissionKind)
