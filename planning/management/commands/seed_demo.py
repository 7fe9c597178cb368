"""Load the demo business units, families, users and cycle (idempotent)."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from planning.demo import (
    DEMO_FAMILIES,
    SECOND_UNIT_FAMILIES,
    SEED_HORIZON_START,
    DemoFamily,
    family_month_values,
)
from planning.models import BusinessUnit, Cycle, ProductFamily
from planning.months import add_months, month_range
from planning.roles import Role
from planning.services.cycles import cycle_create
from planning.services.memberships import membership_grant
from planning.services.plan_lines import plan_lines_bulk_set

DEMO_PASSWORD = "demo"
HORIZON_MONTHS = 6

# username -> (roles in the demo unit, roles in the second unit, is_superuser)
DEMO_USERS: dict[str, tuple[tuple[Role, ...], tuple[Role, ...], bool]] = {
    "director": ((Role.DIRECTOR,), (), False),
    "sales": ((Role.SALES,), (), False),
    "production": ((Role.PRODUCTION,), (), False),
    "procurement": ((Role.PROCUREMENT,), (), False),
    "finance": ((Role.FINANCE,), (), False),
    "ceo": ((Role.EXECUTIVE,), (), False),
    "admin": ((Role.ADMIN,), (Role.ADMIN,), True),
    "sales2": ((), (Role.SALES,), False),
}


class Command(BaseCommand):
    help = "Create the demo business units, product families, cycle and one user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create the demo users (password 'demo') even when DEBUG is off.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: refusing to create demo users with a known password. "
                "Use --force if this really is a demo installation."
            )
        with transaction.atomic():
            demo = _unit("demo", "华东消费电子事业部 East China Consumer Electronics")
            second = _unit("appliances", "家电事业部 Home Appliances")
            _families(demo, DEMO_FAMILIES)
            _families(second, SECOND_UNIT_FAMILIES)
            _users(demo, second)
            _cycle(demo, SEED_HORIZON_START, DEMO_FAMILIES, seed=1)
            _cycle(second, SEED_HORIZON_START, SECOND_UNIT_FAMILIES, seed=2)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with any of:"))
        for username in DEMO_USERS:
            self.stdout.write(f"  {username:<12} / {DEMO_PASSWORD}")


def _unit(code: str, name: str) -> BusinessUnit:
    unit, _created = BusinessUnit.objects.get_or_create(code=code, defaults={"name": name})
    return unit


def _families(unit: BusinessUnit, families: tuple[DemoFamily, ...]) -> None:
    for family in families:
        ProductFamily.objects.get_or_create(
            business_unit=unit,
            code=family.code,
            defaults={
                "name": family.name,
                "unit_of_measure": family.unit_of_measure,
                "unit_cost": family.unit_cost,
                "unit_price": family.unit_price,
            },
        )


def _users(demo: BusinessUnit, second: BusinessUnit) -> None:
    user_model = get_user_model()
    for username, (demo_roles, second_roles, superuser) in DEMO_USERS.items():
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"is_staff": superuser, "is_superuser": superuser}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if demo_roles:
            membership_grant(business_unit=demo, user=user, roles=demo_roles)
        if second_roles:
            membership_grant(business_unit=second, user=user, roles=second_roles)


def _cycle(
    unit: BusinessUnit, horizon_start: datetime.date, families: tuple[DemoFamily, ...], seed: int
) -> Cycle:
    plan_month = add_months(horizon_start, -1)
    existing = Cycle.objects.filter(business_unit=unit, plan_month=plan_month).first()
    if existing is not None:
        return existing
    cycle = cycle_create(
        business_unit_id=unit.pk,
        plan_month=plan_month,
        horizon_start=horizon_start,
        horizon_months=HORIZON_MONTHS,
    )
    rng = random.Random(seed)
    months = month_range(horizon_start, HORIZON_MONTHS)
    family_ids = dict(ProductFamily.objects.filter(business_unit=unit).values_list("code", "id"))
    values = {}
    for family in families:
        rows = family_month_values(family, range(HORIZON_MONTHS), rng)
        for month, row in zip(months, rows, strict=True):
            values[(family_ids[family.code], month)] = row
    plan_lines_bulk_set(cycle=cycle, values=values, actor=None, reason="demo data")
    return cycle
