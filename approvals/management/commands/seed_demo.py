"""Load the demo: business units, families, one user per role, and a living S&OP cycle.

Idempotent.  Everything is built through the services, as the demo users, so the audit trail
reads like a real month: the cycle planned two months ago was approved by the CEO (with a
capacity decision and KPI targets); the previous cycle (planned last month) waits for the CEO's
decision in executive review; the current one, planned this month, holds the seed document's
six months (from next month on) and is in demand review. "Today" is ``--today`` (tests pin
it), by default the local date.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.services import cycle_advance, cycle_approve, cycle_open
from planning.demo import (
    APPROVED_CAPACITY_DECISION,
    APPROVED_COMMENT,
    APPROVED_KPI_TARGETS,
    DEMO_FAMILIES,
    SECOND_UNIT_FAMILIES,
    SEED_FAMILY_CODE,
    DemoFamily,
    demo_plan_month,
    family_month_values,
)
from planning.models import BusinessUnit, Cycle, ProductFamily
from planning.months import add_months, month_range
from planning.roles import Role
from planning.services.memberships import membership_grant
from planning.services.plan_lines import plan_lines_bulk_set
from planning.services.recompute import cycle_recompute
from reviews.registers import (
    DemandAssumptionInput,
    GapOptionInput,
    MaterialRiskInput,
    ProductionConstraintInput,
    demand_assumption_save,
    gap_option_save,
    material_risk_save,
    production_constraint_save,
)
from reviews.services import finance_comment_set, submission_transition

DEMO_PASSWORD = "demo"
# The seed's four June alternatives, in its order, with an illustrative cost and lead time.
SEED_GAP_ALTERNATIVES = (
    ("加班加班(双倍工资)", 1500, "45000", 3),
    ("外包给合作工厂 A", 2500, "90000", 14),
    ("调用渠道安全库存", 2000, "20000", 2),
    ("说服客户分批交付", 1000, "5000", 7),
)
HORIZON_MONTHS = 6

# username -> (roles in the demo unit, roles in the second unit, is_superuser).  The admin
# administers both units (roles, maturity, the Django admin) and plays no business role: each
# unit has its own chair, and the CEO, who approves, never edits the plan.
DEMO_USERS: dict[str, tuple[tuple[Role, ...], tuple[Role, ...], bool]] = {
    "director": ((Role.DIRECTOR,), (), False),
    "sales": ((Role.SALES,), (), False),
    "production": ((Role.PRODUCTION,), (), False),
    "procurement": ((Role.PROCUREMENT,), (), False),
    "finance": ((Role.FINANCE,), (), False),
    "ceo": ((Role.EXECUTIVE,), (), False),
    "admin": ((Role.ADMIN,), (Role.ADMIN,), True),
    "director2": ((), (Role.DIRECTOR,), False),
    "sales2": ((), (Role.SALES,), False),
}


class Command(BaseCommand):
    help = "Create the demo business units, product families, cycles and one user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create the demo users (password 'demo') even when DEBUG is off.",
        )
        parser.add_argument(
            "--today",
            type=_date_argument,
            default=None,
            help="Date the demo as if today were this day (YYYY-MM-DD); default: the local date.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "DEBUG is off: refusing to create demo users with a known password. "
                    "Use --force if this really is a demo installation."
                )
            )
        with transaction.atomic():
            demo = _unit("demo", "华东消费电子事业部 East China Consumer Electronics")
            second = _unit("appliances", "家电事业部 Home Appliances")
            _families(demo, DEMO_FAMILIES)
            _families(second, SECOND_UNIT_FAMILIES)
            users = _users(demo, second)
            today = options["today"] or timezone.localdate()
            if not Cycle.objects.filter(business_unit__in=[demo, second]).exists():
                # Once: run again in a later month, the demo keeps the cycles it was dated with.
                plan_month = demo_plan_month(today)
                _approved_cycle(demo, add_months(plan_month, -2), users)
                _previous_cycle(demo, add_months(plan_month, -1), users)
                _current_cycle(demo, plan_month, users)
                _second_unit_cycle(second, plan_month, users)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with any of:"))
        for username in DEMO_USERS:
            self.stdout.write(f"  {username:<12} / {DEMO_PASSWORD}")


def _date_argument(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("--today: '%(text)s' is not a date written YYYY-MM-DD.") % {"text": text}
        ) from None


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


def _users(demo: BusinessUnit, second: BusinessUnit) -> dict[str, AbstractUser]:
    user_model = get_user_model()
    users: dict[str, AbstractUser] = {}
    for username, (demo_roles, second_roles, superuser) in DEMO_USERS.items():
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={
                "is_staff": superuser,
                "is_superuser": superuser,
                "email": f"{username}@example.com",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if demo_roles:
            membership_grant(business_unit=demo, user=user, roles=demo_roles)
        if second_roles:
            membership_grant(business_unit=second, user=user, roles=second_roles)
        users[username] = user
    return users


def _open_with_values(
    unit: BusinessUnit,
    plan_month: datetime.date,
    families: tuple[DemoFamily, ...],
    actor: AbstractUser,
    seed: int,
    current_plan_month: datetime.date,
) -> Cycle | None:
    """Open the cycle (None if it exists already) and load plausible inputs for every family."""
    if Cycle.objects.filter(business_unit=unit, plan_month=plan_month).exists():
        return None
    horizon_start = add_months(plan_month, 1)
    cycle = cycle_open(
        actor=actor,
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
        if family.code == SEED_FAMILY_CODE and plan_month != current_plan_month:
            continue  # the seed's numbers belong to the current cycle's months only
        rows = family_month_values(family, range(HORIZON_MONTHS), rng)
        for month, row in zip(months, rows, strict=False):
            values[(family_ids[family.code], month)] = row
    # Loaded by the system (no one role may set every input), as an import from the ERP would be.
    plan_lines_bulk_set(cycle=cycle, values=values, actor=None, reason="data collection")
    return cycle


def _previous_cycle(unit: BusinessUnit, plan_month: datetime.date, users: dict) -> None:
    """Every submission in, waiting for the CEO in executive review."""
    cycle = _open_with_values(
        unit, plan_month, DEMO_FAMILIES, users["director"], seed=7,
        current_plan_month=add_months(plan_month, 1),
    )  # fmt: skip
    if cycle is not None:
        _to_executive_review(cycle, users)


def _approved_cycle(unit: BusinessUnit, plan_month: datetime.date, users: dict) -> None:
    """A month run to its end: every submission accepted, approved by the CEO with a capacity
    decision and KPI targets."""
    cycle = _open_with_values(
        unit, plan_month, DEMO_FAMILIES, users["director"], seed=5,
        current_plan_month=add_months(plan_month, 2),
    )  # fmt: skip
    if cycle is None:
        return
    _to_executive_review(cycle, users)
    # The approval needs an up-to-date analysis; a worker may not be running while seeding.
    cycle_recompute(cycle.pk)
    decision = APPROVED_CAPACITY_DECISION
    family = ProductFamily.objects.get(business_unit=unit, code=decision["family_code"])
    cycle_approve(
        actor=users["ceo"],
        cycle_id=cycle.pk,
        comment=APPROVED_COMMENT,
        capacity_decisions=[
            {
                "description": decision["description"],
                "family": family.pk,
                "additional_capacity": decision["additional_capacity"],
                "investment": decision["investment"],
                "effective_from": add_months(cycle.horizon_start, decision["month_offset"]),
            }
        ],
        kpi_targets=[dict(target) for target in APPROVED_KPI_TARGETS],
    )


def _to_executive_review(cycle: Cycle, users: dict) -> None:
    """Through demand and supply review: every submission handed in and accepted."""
    horizon = month_range(cycle.horizon_start, HORIZON_MONTHS)
    director = users["director"]
    cycle_advance(actor=director, cycle_id=cycle.pk)
    submission_transition(
        actor=users["sales"], cycle_id=cycle.pk, kind="sales_forecast", action="submit",
        text="共识需求已与大客户团队对齐。",
    )  # fmt: skip
    submission_transition(actor=director, cycle_id=cycle.pk, kind="sales_forecast", action="accept")
    cycle_advance(actor=director, cycle_id=cycle.pk)
    production_constraint_save(
        actor=users["production"], cycle_id=cycle.pk,
        entry=ProductionConstraintInput(note=f"SMT 2 号线 {horizon[2].month} 月计划停线检修 4 天。",
                                        month=horizon[2]),
    )  # fmt: skip
    submission_transition(
        actor=users["production"], cycle_id=cycle.pk, kind="production_capacity", action="submit"
    )
    _material_risks(cycle, users["procurement"], horizon)
    submission_transition(
        actor=users["procurement"], cycle_id=cycle.pk, kind="procurement_risk", action="submit"
    )
    finance_comment_set(
        actor=users["finance"], cycle_id=cycle.pk,
        comment=f"{horizon[3].month} 月库存投资峰值可控;缺货月份的收入风险需管理层关注。",
    )  # fmt: skip
    submission_transition(
        actor=users["finance"], cycle_id=cycle.pk, kind="finance_review", action="submit"
    )
    for kind in ("production_capacity", "procurement_risk", "finance_review"):
        submission_transition(actor=director, cycle_id=cycle.pk, kind=kind, action="accept")
    cycle_advance(actor=director, cycle_id=cycle.pk)


def _current_cycle(unit: BusinessUnit, plan_month: datetime.date, users: dict) -> None:
    """The seed's six months, in demand review, with opportunities and risks noted."""
    cycle = _open_with_values(
        unit, plan_month, DEMO_FAMILIES, users["director"], seed=1, current_plan_month=plan_month
    )
    if cycle is None:
        return
    # The seed's June (its promotion and capacity gap) and September, in today's calendar.
    seed_june, seed_september = (
        add_months(cycle.horizon_start, 2),
        add_months(cycle.horizon_start, 5),
    )
    seed_family = ProductFamily.objects.get(business_unit=unit, code=SEED_FAMILY_CODE)
    demand_assumption_save(
        actor=users["sales"], cycle_id=cycle.pk,
        entry=DemandAssumptionInput(kind="opportunity", family=seed_family,
              months=[seed_june], quantity=1500, probability=60,
              description=f"{seed_june.month} 月大促追加订单", owner="华东大区"),
    )  # fmt: skip
    demand_assumption_save(
        actor=users["sales"], cycle_id=cycle.pk,
        entry=DemandAssumptionInput(kind="risk", family=seed_family,
              months=[seed_september], quantity=2000, probability=30,
              description=f"竞品 {seed_september.month} 月降价,可能流失份额", owner="市场部"),
    )  # fmt: skip
    for name, extra, cost, lead_time in SEED_GAP_ALTERNATIVES:
        gap_option_save(
            actor=users["production"], cycle_id=cycle.pk,
            entry=GapOptionInput(name=name, additional_capacity=extra, cost=Decimal(cost),
                                 lead_time_days=lead_time),
        )  # fmt: skip
    cycle_advance(actor=users["director"], cycle_id=cycle.pk)


def _second_unit_cycle(unit: BusinessUnit, plan_month: datetime.date, users: dict) -> None:
    _open_with_values(
        unit, plan_month, SECOND_UNIT_FAMILIES, users["director2"], seed=2,
        current_plan_month=plan_month,
    )  # fmt: skip


def _material_risks(cycle: Cycle, procurement: AbstractUser, horizon: list[datetime.date]) -> None:
    """Due next month (the 20th) and the month after (the 10th): in the near future."""
    families = {
        family.code: family
        for family in ProductFamily.objects.filter(business_unit=cycle.business_unit)
    }
    material_risk_save(
        actor=procurement, cycle_id=cycle.pk,
        entry=MaterialRiskInput(material="OLED 显示屏 6.7 英寸", supplier="京东方",
              risk_level="high", families=[families["PHN-A"]],
              months=[horizon[2], horizon[3]], quantity_at_risk=3000,
              mitigation=f"启用第二供应商认证,提前锁定 {horizon[3].month} 月产能", owner="采购一部",
              due_date=horizon[1].replace(day=20)),
    )  # fmt: skip
    material_risk_save(
        actor=procurement, cycle_id=cycle.pk,
        entry=MaterialRiskInput(material="锂电芯 5000mAh", supplier="宁德新能源",
              risk_level="medium", families=[families["PWR-20"], families["WCH-S"]],
              months=[horizon[3]], quantity_at_risk=5000,
              mitigation="增加安全库存 2 周", owner="采购二部",
              due_date=horizon[2].replace(day=10)),
    )  # fmt: skip
