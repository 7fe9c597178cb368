"""The demo business: the seed document's example family plus a dozen realistic ones."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from planning.months import add_months, first_of_month

# The seed's six-month demonstration (MISSION.md): opening stock 3,000, April to September 2024
# in the seed document. The demo keeps its numbers month for month but dates them from today:
# the current cycle is planned in today's month and its horizon (the seed's six months) starts
# the month after, so the demo's due dates sit around today as a real team would see them.
SEED_MONTHS = (
    # demand_forecast, confirmed_orders, production_plan, capacity_max, safety_stock_target
    (12000, 10500, 11000, 15000, 2000),
    (13500, 12000, 12000, 15000, 2200),
    (15000, 14200, 13000, 15000, 2500),
    (11000, 9000, 12000, 15000, 2000),
    (10000, 8500, 10500, 15000, 1800),
    (14000, 13000, 13500, 15000, 2300),
)
SEED_OPENING_STOCK = 3000
SEED_FAMILY_CODE = "SEED-01"

# The seed's June gap example (the horizon's third month): demand 15,000 against capacity 13,000.
SEED_GAP_OPTIONS = (
    ("加班加班(双倍工资)", 1500),
    ("外包给合作工厂 A", 2500),
    ("调用渠道安全库存", 2000),
    ("说服客户分批交付", 1000),
)


def demo_plan_month(today: datetime.date) -> datetime.date:
    """The month the demo's current cycle is planned in: today's."""
    return first_of_month(today)


def seed_horizon_start(today: datetime.date) -> datetime.date:
    """The first of the seed's six months in the demo: the month after today's."""
    return add_months(demo_plan_month(today), 1)


@dataclass(frozen=True)
class DemoFamily:
    code: str
    name: str
    unit_of_measure: str
    unit_cost: Decimal
    unit_price: Decimal
    base_demand: int


DEMO_FAMILIES = (
    DemoFamily(SEED_FAMILY_CODE, "旗舰产品族(示例)", "pcs", Decimal("85.00"), Decimal("149.00"), 0),
    DemoFamily("PHN-A", "智能手机 A 系列", "pcs", Decimal("1150.00"), Decimal("1999.00"), 8000),
    DemoFamily("PHN-B", "智能手机 B 系列", "pcs", Decimal("720.00"), Decimal("1299.00"), 12000),
    DemoFamily("TAB-10", "10 英寸平板", "pcs", Decimal("980.00"), Decimal("1699.00"), 4000),
    DemoFamily("WCH-S", "智能手表", "pcs", Decimal("420.00"), Decimal("799.00"), 6500),
    DemoFamily("BND-2", "运动手环", "pcs", Decimal("95.00"), Decimal("199.00"), 15000),
    DemoFamily("EAR-P", "降噪耳机", "pcs", Decimal("260.00"), Decimal("599.00"), 9000),
    DemoFamily("EAR-L", "入门耳机", "pcs", Decimal("48.00"), Decimal("99.00"), 20000),
    DemoFamily("SPK-H", "智能音箱", "pcs", Decimal("180.00"), Decimal("349.00"), 5000),
    DemoFamily("CHG-65", "65W 快充充电器", "pcs", Decimal("35.00"), Decimal("129.00"), 25000),
    DemoFamily("CBL-C", "USB-C 数据线", "pcs", Decimal("6.00"), Decimal("39.00"), 40000),
    DemoFamily("PWR-20", "20000mAh 移动电源", "pcs", Decimal("75.00"), Decimal("169.00"), 11000),
    DemoFamily("CAM-H", "家用摄像头", "pcs", Decimal("130.00"), Decimal("259.00"), 3500),
)

SECOND_UNIT_FAMILIES = (
    DemoFamily("AC-1P", "1 匹空调", "pcs", Decimal("1300.00"), Decimal("2299.00"), 3000),
    DemoFamily("FR-300", "300 升冰箱", "pcs", Decimal("1600.00"), Decimal("2799.00"), 2200),
    DemoFamily("WM-8", "8 公斤洗衣机", "pcs", Decimal("900.00"), Decimal("1599.00"), 2600),
)

# Seasonality by month of the horizon, from the seed's April: a promotion peak in its third month
# (the seed's June) and a season in its eighth and ninth.
SEASONALITY = (1.00, 1.08, 1.25, 0.92, 0.88, 1.10, 1.05, 1.30, 1.20, 0.95, 0.90, 0.97)


def family_month_values(
    family: DemoFamily, month_offsets: range, rng: random.Random
) -> list[dict[str, int]]:
    """Plausible inputs for a family: seasonal demand, production near it, capacity headroom."""
    if family.code == SEED_FAMILY_CODE:
        return [
            {
                "demand_forecast": demand,
                "confirmed_orders": orders,
                "opening_stock": SEED_OPENING_STOCK if offset == 0 else 0,
                "production_plan": production,
                "capacity_max": capacity,
                "safety_stock_target": safety,
            }
            for offset, (demand, orders, production, capacity, safety) in zip(
                month_offsets, SEED_MONTHS, strict=False
            )
        ]
    capacity = int(family.base_demand * rng.uniform(1.05, 1.3) / 100) * 100
    rows = []
    for offset in month_offsets:
        demand = (
            int(family.base_demand * SEASONALITY[offset % 12] * rng.uniform(0.9, 1.1) / 10) * 10
        )
        orders = int(demand * rng.uniform(0.7, 1.05) / 10) * 10
        production = min(int(demand * rng.uniform(0.9, 1.08) / 10) * 10, int(capacity * 1.05))
        rows.append(
            {
                "demand_forecast": demand,
                "confirmed_orders": orders,
                "opening_stock": int(family.base_demand * 0.4 / 10) * 10 if offset == 0 else 0,
                "production_plan": production,
                "capacity_max": capacity,
                "safety_stock_target": int(family.base_demand * 0.2 / 10) * 10,
            }
        )
    return rows


# The cycle approved two months before today's: the executive's decision on record, so the
# decision, history and KPI pages show a finished month. A capacity decision in the horizon's
# third month (offset 2) for the family that ran short, and the month's KPI targets.
APPROVED_COMMENT = "批准:PHN-A 旺季增开夜班,其余按计划执行。"
APPROVED_CAPACITY_DECISION: dict[str, Any] = {
    "description": "SMT 1 号线旺季增开夜班",
    "family_code": "PHN-A",
    "month_offset": 2,
    "additional_capacity": 800,
    "investment": Decimal("120000.00"),
}
APPROVED_KPI_TARGETS = (
    {"name": "预测准确率 Forecast accuracy", "target": Decimal("85"), "unit": "%"},
    {"name": "订单满足率 Fill rate", "target": Decimal("95"), "unit": "%"},
    {"name": "库存周转天数 Days of inventory", "target": Decimal("35"), "unit": "days"},
)
