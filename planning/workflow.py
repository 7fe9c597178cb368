"""The cycle's workflow in one table: its stages (owner, due day, where each leads, the gate to
leave it, who edits which plan-line field in it), the submissions (whose they are, when they are
handed in, which registers go with them), how a submission moves, and the other actions.

Everything else is derived from these tables, never written again by hand:

* ``ACTION_RULES`` and ``FIELD_EDITORS`` (``planning.permissions``): every permission check, so
  the API's 403 (a role that may never) and 409 (not in this stage) and the pages' refusals;
* ``TRANSITIONS``, ``GATES``, ``STAGE_OWNERS`` (the services of ``approvals``), the stages a
  send-back reopens (``reopened_submissions``);
* the overview's buttons (``approvals.services.actions_for``) and the home page's tasks;
* the README's tables (``matrix_rows``, ``stage_rows``; ``tests/test_readme.py`` compares).

Roles, stages and submission kinds are plain enumerations of ``planning.roles``, so the higher
apps (reviews, approvals) read this table without planning importing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from planning.roles import Role, Stage, SubmissionKind, SubmissionState

ALL_STAGES = frozenset(Stage)
DONE = frozenset({SubmissionState.SUBMITTED, SubmissionState.ACCEPTED})
ACCEPTED = frozenset({SubmissionState.ACCEPTED})

# Who chairs a cycle (opens it, moves it on, reviews the submissions) and who decides on it.
CHAIR = Role.DIRECTOR
DECIDER = Role.EXECUTIVE


@dataclass(frozen=True)
class StageRule:
    owner: Role | None = None
    due_day: int | None = None  # the stage's default due date: this day of the planning month
    advance_to: Stage | None = None  # where the chair moves it on to
    send_back_to: frozenset[Stage] = frozenset()  # where the decider may send the plan back
    approve_to: Stage | None = None  # where the decider's approval leads
    # Leaving the stage needs these submissions in one of these states (or an override reason).
    gate: tuple[tuple[SubmissionKind, frozenset[SubmissionState]], ...] = ()
    # role -> the plan-line fields it may edit in this stage
    editors: dict[Role, frozenset[str]] = field(default_factory=dict)


STAGES: dict[Stage, StageRule] = {
    Stage.DATA_COLLECTION: StageRule(
        owner=Role.DIRECTOR,
        due_day=7,
        advance_to=Stage.DEMAND_REVIEW,
        editors={
            Role.DIRECTOR: frozenset({"opening_stock", "confirmed_orders", "safety_stock_target"}),
            Role.SALES: frozenset({"demand_forecast", "confirmed_orders"}),
            Role.PRODUCTION: frozenset({"production_plan", "capacity_max"}),
        },
    ),
    Stage.DEMAND_REVIEW: StageRule(
        owner=Role.SALES,
        due_day=14,
        advance_to=Stage.SUPPLY_REVIEW,
        gate=((SubmissionKind.SALES_FORECAST, ACCEPTED),),
        editors={
            Role.SALES: frozenset({"demand_forecast", "confirmed_orders"}),
            Role.DIRECTOR: frozenset({"safety_stock_target"}),
        },
    ),
    Stage.SUPPLY_REVIEW: StageRule(
        owner=Role.PRODUCTION,
        due_day=21,
        advance_to=Stage.EXECUTIVE_REVIEW,
        gate=(
            (SubmissionKind.PRODUCTION_CAPACITY, DONE),
            (SubmissionKind.PROCUREMENT_RISK, DONE),
            (SubmissionKind.FINANCE_REVIEW, DONE),
        ),
        editors={
            Role.PRODUCTION: frozenset({"production_plan", "capacity_max"}),
            Role.DIRECTOR: frozenset({"safety_stock_target"}),
        },
    ),
    Stage.EXECUTIVE_REVIEW: StageRule(
        owner=Role.EXECUTIVE,
        due_day=28,
        send_back_to=frozenset({Stage.DEMAND_REVIEW, Stage.SUPPLY_REVIEW}),
        approve_to=Stage.APPROVED,
    ),
    Stage.APPROVED: StageRule(),
}


@dataclass(frozen=True)
class SubmissionRule:
    owner: Role  # the role that hands it in and edits its inputs
    submit_in: frozenset[Stage]  # the stages it may be handed in
    registers: tuple[str, ...] = ()  # the register actions that go with it (its owner's)


SUBMISSIONS: dict[SubmissionKind, SubmissionRule] = {
    SubmissionKind.SALES_FORECAST: SubmissionRule(
        Role.SALES,
        frozenset({Stage.DATA_COLLECTION, Stage.DEMAND_REVIEW}),
        ("demand_assumption.edit",),
    ),
    SubmissionKind.PRODUCTION_CAPACITY: SubmissionRule(
        Role.PRODUCTION,
        frozenset({Stage.DATA_COLLECTION, Stage.SUPPLY_REVIEW}),
        ("production_constraint.edit",),  # constraints and gap alternatives
    ),
    SubmissionKind.PROCUREMENT_RISK: SubmissionRule(
        Role.PROCUREMENT,
        frozenset({Stage.DATA_COLLECTION, Stage.SUPPLY_REVIEW}),
        ("material_risk.edit",),
    ),
    SubmissionKind.FINANCE_REVIEW: SubmissionRule(
        Role.FINANCE, frozenset({Stage.SUPPLY_REVIEW}), ("finance_review.edit",)
    ),
}

# How a submission moves: action -> (states it may start from, state it leads to, the
# permission it needs: "submit" its owner's, the others the chair's review).
SUBMISSION_TRANSITIONS: dict[str, tuple[frozenset[SubmissionState], SubmissionState, str]] = {
    "submit": (
        frozenset({SubmissionState.DRAFT, SubmissionState.RETURNED}),
        SubmissionState.SUBMITTED,
        "submission.submit",
    ),
    "accept": (
        frozenset({SubmissionState.SUBMITTED}),
        SubmissionState.ACCEPTED,
        "submission.review",
    ),
    "return": (
        frozenset({SubmissionState.SUBMITTED, SubmissionState.ACCEPTED}),
        SubmissionState.RETURNED,
        "submission.review",
    ),
}


def submission_status(kind: SubmissionKind, state: SubmissionState) -> str:
    """Where a submission stands, as a clause to end a sentence with ("the sales forecast has
    been submitted but not yet accepted"): the gates' "still missing", a refused move."""
    clauses = {
        SubmissionState.DRAFT: _("the %(kind)s has not been submitted yet"),
        SubmissionState.RETURNED: _("the %(kind)s was returned and not yet submitted again"),
        SubmissionState.SUBMITTED: _("the %(kind)s has been submitted but not yet accepted"),
        SubmissionState.ACCEPTED: _("the %(kind)s has been accepted"),
    }
    return clauses[SubmissionState(state)] % {"kind": SubmissionKind(kind).label.lower()}


# The actions that belong to no stage or submission: role -> any stage.
OTHER_ACTIONS: dict[str, tuple[frozenset[Role], frozenset[Stage]]] = {
    "cycle.create": (frozenset({CHAIR}), ALL_STAGES),
    "cycle.guests": (frozenset({CHAIR, Role.ADMIN}), ALL_STAGES),
    # Administration, on a business unit rather than in a cycle: not a business role.
    "business_unit.roles": (frozenset({Role.ADMIN}), ALL_STAGES),
    "business_unit.maturity": (frozenset({Role.ADMIN}), ALL_STAGES),
}
# Taken on a business unit (``require_unit_action``), not on a cycle.
UNIT_ACTIONS = frozenset({"business_unit.roles", "business_unit.maturity"})


# --- derived ------------------------------------------------------------------------------------


def _stages_where(has: Callable[[StageRule], bool]) -> frozenset[Stage]:
    return frozenset(stage for stage, rule in STAGES.items() if has(rule))


def review_stages(kind: SubmissionKind) -> frozenset[Stage]:
    """The chair reviews a submission in the stage whose gate it is."""
    return _stages_where(lambda rule: any(gated == kind for gated, _states in rule.gate))


OPEN_STAGES = _stages_where(lambda rule: rule.advance_to is not None)

FIELD_EDITORS: dict[Stage, dict[Role, frozenset[str]]] = {
    stage: dict(rule.editors) for stage, rule in STAGES.items()
}
STAGE_OWNERS: dict[Stage, Role] = {
    stage: rule.owner for stage, rule in STAGES.items() if rule.owner is not None
}
STAGE_DUE_DAY: dict[Stage, int] = {
    stage: rule.due_day for stage, rule in STAGES.items() if rule.due_day is not None
}
GATES: dict[Stage, tuple[tuple[SubmissionKind, frozenset[SubmissionState]], ...]] = {
    stage: rule.gate for stage, rule in STAGES.items() if rule.advance_to is not None
}
# action -> {from stage: stages it may lead to}
TRANSITIONS: dict[str, dict[Stage, frozenset[Stage]]] = {
    "advance": {
        stage: frozenset({rule.advance_to})
        for stage, rule in STAGES.items()
        if rule.advance_to is not None
    },
    "send_back": {stage: rule.send_back_to for stage, rule in STAGES.items() if rule.send_back_to},
    "approve": {
        stage: frozenset({rule.approve_to})
        for stage, rule in STAGES.items()
        if rule.approve_to is not None
    },
}
SUBMISSION_OWNER: dict[SubmissionKind, Role] = {
    kind: rule.owner for kind, rule in SUBMISSIONS.items()
}
# The plan-line fields whose numbers a submission hands in: its owner's, in any stage.
SUBMISSION_FIELDS: dict[SubmissionKind, frozenset[str]] = {
    kind: frozenset().union(
        *(stage_rule.editors.get(rule.owner, ()) for stage_rule in STAGES.values())
    )
    for kind, rule in SUBMISSIONS.items()
}


def _action_rules() -> dict[str, tuple[frozenset[Role], frozenset[Stage]]]:
    rules: dict[str, tuple[frozenset[Role], frozenset[Stage]]] = {
        "cycle.create": OTHER_ACTIONS["cycle.create"],
        "cycle.guests": OTHER_ACTIONS["cycle.guests"],
    }
    for action, role in (("advance", CHAIR), ("send_back", DECIDER), ("approve", DECIDER)):
        rules[f"cycle.{action}"] = (frozenset({role}), frozenset(TRANSITIONS[action]))
    for kind, rule in SUBMISSIONS.items():
        rules[f"submission.submit.{kind}"] = (frozenset({rule.owner}), rule.submit_in)
    for kind in SUBMISSIONS:
        rules[f"submission.review.{kind}"] = (frozenset({CHAIR}), review_stages(kind))
    for rule in SUBMISSIONS.values():
        for register in rule.registers:
            rules[register] = (frozenset({rule.owner}), rule.submit_in)
    rules.update((action, rule) for action, rule in OTHER_ACTIONS.items() if action in UNIT_ACTIONS)
    return rules


# action -> (roles that may take it, stages in which it may be taken)
ACTION_RULES: dict[str, tuple[frozenset[Role], frozenset[Stage]]] = _action_rules()
# The submission whose register each register action edits.
REGISTER_SUBMISSION: dict[str, SubmissionKind] = {
    register: kind for kind, rule in SUBMISSIONS.items() for register in rule.registers
}


def reopened_submissions(to_stage: Stage) -> list[SubmissionKind]:
    """The submissions a send-back to ``to_stage`` returns: those of the stages the plan passes
    through again (that stage and every later one), in the order they are reviewed."""
    order = list(Stage)
    again = order[order.index(to_stage) :]
    return [kind for stage in again for kind, _states in STAGES[stage].gate]


# --- the README's tables ------------------------------------------------------------------------


def _stages_text(stages: frozenset[Stage]) -> str:
    if stages == ALL_STAGES:
        return "(any)"
    return ", ".join(stage.value for stage in Stage if stage in stages)


def matrix_rows() -> list[tuple[str, str, str]]:
    """(action, roles, stages): who may do what in which stage."""
    rows = []
    for stage in Stage:
        for role, fields in FIELD_EDITORS[stage].items():
            rows.append((f"edit {', '.join(sorted(fields))}", role.value, stage.value))
    for action, (roles, stages) in ACTION_RULES.items():
        rows.append((action, ", ".join(sorted(role.value for role in roles)), _stages_text(stages)))
    return rows


def stage_rows() -> list[tuple[str, str, str, str, str]]:
    """(stage, owner, due day, leads to, gate to leave it): the stages at a glance."""
    rows = []
    for stage, rule in STAGES.items():
        leads = [target.value for target in (rule.advance_to, rule.approve_to) if target]
        leads += [f"{target.value} (sent back)" for target in Stage if target in rule.send_back_to]
        gate = [
            f"{kind.value} " + " or ".join(state for state in SubmissionState if state in states)
            for kind, states in rule.gate
        ]
        rows.append(
            (
                stage.value,
                rule.owner.value if rule.owner else "—",
                str(rule.due_day) if rule.due_day else "—",
                ", ".join(leads) or "—",
                "; ".join(gate) or "—",
            )
        )
    return rows


def submission_rows() -> list[tuple[str, str, str, str, str]]:
    """(submission, owner, handed in, reviewed, its inputs): who owns which submission."""
    return [
        (
            kind.value,
            rule.owner.value,
            _stages_text(rule.submit_in),
            _stages_text(review_stages(kind)),
            ", ".join([*sorted(SUBMISSION_FIELDS[kind]), *rule.registers]),
        )
        for kind, rule in SUBMISSIONS.items()
    ]
