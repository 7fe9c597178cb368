"""Schemathesis over the OpenAPI schema, as every role and anonymous: no 5xx, answers as documented.

Bounded and repeatable: a fixed number of examples per operation, identity and generation mode,
derandomized (the same cases on every run), no deadline (a loaded machine is slow, not wrong).
Path parameters are drawn from the objects that exist (the cycle, its lines, register entries,
users) as well as generated, so the operations are exercised beyond their 404s.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import AbstractUser
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from planning.models import Cycle, PlanLine
from planning.roles import Role
from reviews.models import (
    DemandAssumption,
    GapOption,
    MaterialRisk,
    ProductionConstraint,
    SubmissionKind,
)

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation, identity and generation mode (36 operations x 8 identities x 2 modes);
# anonymous callers meet the same 401 whatever they send, so they get one example of each mode.
EXAMPLES = {GenerationMode.POSITIVE: 3, GenerationMode.NEGATIVE: 2}
ANONYMOUS = "anonymous"


@dataclass
class World:
    """What exists for the run: who can sign in, and the ids worth aiming at."""

    headers: dict[str, dict[str, str]]
    path_values: dict[str, list[Any]]
    line_ids: list[int]


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """The project's WSGI application, called in-process inside the test's transaction.

    Django closes the database connection when a request finishes; its own test client stops
    that, and so must we, or the first request would close the test's connection.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def auth_header(user: AbstractUser) -> dict[str, str]:
    _instance, token = AuthToken.objects.create(user=user)
    return {"Authorization": f"Token {token}"}


@pytest.fixture
def world(cycle: Cycle, role_users: dict[Role, AbstractUser]) -> World:
    assumption = DemandAssumption.objects.create(
        cycle=cycle, kind="risk", months=["2024-04"], quantity=5, probability=10, description="x"
    )
    risk = MaterialRisk.objects.create(cycle=cycle, material="chip", risk_level="high")
    constraint = ProductionConstraint.objects.create(cycle=cycle, note="line 3 down")
    alternative = GapOption.objects.create(cycle=cycle, name="overtime", additional_capacity=500)
    headers = {role.value: auth_header(user) for role, user in role_users.items()}
    headers[ANONYMOUS] = {}
    return World(
        headers=headers,
        path_values={
            "id": [cycle.pk],
            "entry_id": [assumption.pk, risk.pk, constraint.pk, alternative.pk],
            "kind": list(SubmissionKind.values),
            "username": [user.get_username() for user in role_users.values()],
        },
        line_ids=list(PlanLine.objects.filter(cycle=cycle).values_list("pk", flat=True)[:3]),
    )


def _path_parameters(operation: Any, world: World) -> st.SearchStrategy[dict[str, Any]]:
    """Existing objects' ids most of the time; sometimes whatever the schema allows."""
    values = dict(world.path_values)
    if operation.path.startswith("/api/plan-lines/"):
        values["id"] = world.line_ids
    names = [parameter.name for parameter in operation.path_parameters]
    existing = st.fixed_dictionaries({name: st.sampled_from(values[name]) for name in names})
    return st.one_of(existing, existing, st.just({}))


def _run(operation: Any, headers: dict[str, str], world: World, mode: GenerationMode) -> set[int]:
    statuses: set[int] = set()

    def record_status(ctx: Any, response: Any, case: Any) -> None:
        statuses.add(response.status_code)

    strategy = _path_parameters(operation, world).flatmap(
        lambda path: operation.as_strategy(generation_mode=mode, path_parameters=path)
    )

    @settings(
        max_examples=EXAMPLES[mode] if headers else 1,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def call(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=[*CHECKS, record_status])

    call()
    return statuses


def _modes(operation: Any) -> list[GenerationMode]:
    """The generation modes an operation has inputs for: a read that takes no parameters at
    all (a user's own settings) has nothing to make invalid, so only positive cases."""
    # (The security schemes' Authorization header and session cookie count as parameters.)
    inputs = [p for p in operation.iter_parameters() if p.location.value in ("path", "query")]
    if operation.method.upper() == "GET" and not inputs:
        return [GenerationMode.POSITIVE]
    return list(EXAMPLES)


def _operations(schema: Any) -> list[Any]:
    """Every operation of the schema; one the loader cannot read fails the test."""
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    # Signing out revokes the caller's token: those run last, after every other operation.
    return sorted(operations, key=lambda operation: operation.path.startswith("/api/auth/logout"))


def test_every_operation_as_every_identity_answers_as_documented_without_server_errors(
    world: World, wsgi_app: Any
) -> None:
    # given a cycle with register entries, one user per role, and nobody signed in
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    failures: list[str] = []
    succeeded: set[str] = set()
    # when schemathesis calls every operation of the schema as each of them
    operations = _operations(schema)
    for operation in operations:
        for identity, headers in world.headers.items():
            for mode in _modes(operation):
                try:
                    statuses = _run(operation, headers, world, mode)
                except (Exception, BaseExceptionGroup) as error:  # a failed check, reproducible
                    failures.append(f"{operation.label} as {identity} ({mode.value}): {error}")
                    continue
                if any(200 <= status < 300 for status in statuses):
                    succeeded.add(operation.label)
    # then no answer is a 5xx, and every status, content type and body is the documented one
    assert not failures, "\n\n".join(failures)
    # and the run got past authentication and 404s: every read answered 2xx at least once
    reads = {operation.label for operation in operations if operation.method.upper() == "GET"}
    assert reads - {"GET /api/cycles/{id}/snapshot/"} <= succeeded
