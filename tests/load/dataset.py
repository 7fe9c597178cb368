"""The meeting week the drills play: business units, their people, cycles and plan lines.

Built through the services, as the seed_demo command builds the demo, in the drill's scratch
database. The manifest it returns is everything the simulated users need (tokens, session
cookies, which lines each salesperson edits, which cycles the director advances) as plain JSON.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from approvals.services import cycle_open
from planning.demo import DemoFamily, family_month_values
from planning.models import BusinessUnit, PlanLine, ProductFamily
from planning.months import add_months, month_range
from planning.roles import Role
from planning.services.memberships import cycle_guest_grant, membership_grant
from planning.services.plan_lines import plan_lines_bulk_set
from tests.load.credentials import api_token, session_cookie

# The month whose cycle the salespeople edit; the director's earlier cycles move through review.
MAIN_PLAN_MONTH = datetime.date(2026, 12, 1)
READER_ROLES = (Role.PRODUCTION, Role.PROCUREMENT, Role.FINANCE, Role.EXECUTIVE)


@dataclass(frozen=True)
class Shape:
    units: int = 4
    families: int = 40  # per business unit
    months: int = 12
    salespeople: int = 4  # per business unit
    step_cycles: int = 1  # per unit: earlier cycles the director advances through review


def build(shape: Shape) -> dict[str, Any]:
    """Create everything; return the manifest (JSON-ready)."""
    units = [_unit(index, shape) for index in range(shape.units)]
    guest = _person("controller", None, ())
    director = _director_of(units[0]["code"])
    cycle_guest_grant(
        actor=director, cycle_id=units[0]["main_cycle"], username="controller", roles=["finance"]
    )
    units[0]["readers"].append(_identity(guest, "finance", [units[0]["main_cycle"]]))
    return {"units": units, "quiet": _quiet_cycle(director)}


def _quiet_cycle(director: AbstractUser) -> dict[str, Any]:
    """A cycle nobody edits during the load: the fault drill edits it once per fault, so only the
    recovery machinery (the sweep, a redelivered message), not later edits, can make it fresh."""
    unit = BusinessUnit.objects.get(code="load-0")
    families = list(ProductFamily.objects.filter(business_unit=unit).order_by("code")[:5])
    months = 3
    cycle = cycle_open(actor=director, business_unit_id=unit.pk,
                       plan_month=add_months(MAIN_PLAN_MONTH, 6), horizon_months=months)  # fmt: skip
    line = PlanLine.objects.filter(cycle=cycle, family__in=families).order_by("pk").first()
    assert line is not None
    return {"cycle": cycle.pk, "line": line.pk, "version": line.version,
            "token": api_token(director)}  # fmt: skip


def _unit(index: int, shape: Shape) -> dict[str, Any]:
    code = f"load-{index}"
    unit = BusinessUnit.objects.create(code=code, name=f"Load unit {index}")
    rng = random.Random(index)
    families = [
        DemoFamily(
            f"F{index}-{n:03d}",
            f"Family {index}-{n}",
            "pcs",
            Decimal("50.00"),
            Decimal("90.00"),
            rng.randrange(2000, 40000, 100),
        )
        for n in range(shape.families)
    ]
    ProductFamily.objects.bulk_create(
        ProductFamily(
            business_unit=unit,
            code=family.code,
            name=family.name,
            unit_cost=family.unit_cost,
            unit_price=family.unit_price,
        )
        for family in families
    )
    director = _person(f"{code}-director", unit, (Role.DIRECTOR,))
    main = _cycle(unit, MAIN_PLAN_MONTH, families, director, shape.months, rng)
    steps = [
        _cycle(unit, add_months(MAIN_PLAN_MONTH, -1 - n), families[:10], director, 6, rng)
        for n in range(shape.step_cycles)
    ]
    salespeople = [_person(f"{code}-sales{n}", unit, (Role.SALES,)) for n in range(shape.salespeople)]  # fmt: skip
    readers = [_person(f"{code}-{role.value}", unit, (role,)) for role in READER_ROLES]
    return {
        "code": code,
        "main_cycle": main,
        "step_cycles": steps,
        "director": _identity(director, "director", [main, *steps]),
        "sales": [
            {**_identity(person, "sales", [main]), "lines": _lines_of(main, n, shape.salespeople)}
            for n, person in enumerate(salespeople)
        ],
        "readers": [
            _identity(person, role.value, [main, *steps])
            for person, role in zip(readers, READER_ROLES, strict=True)
        ],
    }


def _person(username: str, unit: BusinessUnit | None, roles: tuple[Role, ...]) -> AbstractUser:
    user = get_user_model().objects.create(username=username)
    user.set_unusable_password()  # signed in by token and session, never by password
    user.save(update_fields=["password"])
    if unit is not None:
        membership_grant(business_unit=unit, user=user, roles=roles)
    return user


def _director_of(unit_code: str) -> AbstractUser:
    return get_user_model().objects.get(username=f"{unit_code}-director")


def _identity(user: AbstractUser, role: str, cycles: list[int]) -> dict[str, Any]:
    return {
        "username": user.get_username(),
        "role": role,
        "token": api_token(user),
        "cookies": session_cookie(user),
        "cycles": cycles,
    }


def _cycle(
    unit: BusinessUnit,
    plan_month: datetime.date,
    families: list[DemoFamily],
    director: AbstractUser,
    months: int,
    rng: random.Random,
) -> int:
    cycle = cycle_open(
        actor=director, business_unit_id=unit.pk, plan_month=plan_month, horizon_months=months
    )
    ids = dict(ProductFamily.objects.filter(business_unit=unit).values_list("code", "id"))
    horizon = month_range(cycle.horizon_start, months)
    values = {
        (ids[family.code], month): row
        for family in families
        for month, row in zip(horizon, family_month_values(family, range(months), rng), strict=True)
    }
    plan_lines_bulk_set(cycle=cycle, values=values, actor=None, reason="data collection")
    return cycle.pk


def _lines_of(cycle_id: int, salesperson: int, salespeople: int) -> list[list[int]]:
    """[line id, version] of the families this salesperson owns, plus the first family, which
    every salesperson of the unit edits (so some edits meet somebody else's: 409, then retry)."""
    lines = PlanLine.objects.filter(cycle_id=cycle_id).order_by("family__code", "month")
    families = sorted({line.family_id for line in lines})
    mine = {family for n, family in enumerate(families) if n % salespeople == salesperson}
    mine.add(families[0])
    return [[line.pk, line.version] for line in lines if line.family_id in mine]
