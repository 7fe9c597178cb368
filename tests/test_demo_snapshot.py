"""The suite's demo snapshot is the demo: restoring it gives what seed_demo builds."""

from __future__ import annotations

from django.db import connection, transaction

from planning.models import Cycle, LineAnalysis
from tests.demo_snapshot import DatabaseSnapshot, demo_build, snapshot_restore


def table_rows() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.django_table_names(only_existing=True)):
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def demo_state() -> tuple[dict[str, int], list[tuple[str, str, str, bool]]]:
    cycles = [
        (cycle.business_unit.code, f"{cycle.plan_month:%Y-%m}", cycle.stage, cycle.is_fresh)
        for cycle in Cycle.objects.select_related("business_unit").order_by("plan_month", "pk")
    ]
    return table_rows(), cycles


def test_the_restored_snapshot_holds_what_seed_demo_builds(
    db: None, demo_snapshot: DatabaseSnapshot | None
) -> None:
    with transaction.atomic():
        demo_build()
        seeded = demo_state()
        transaction.set_rollback(True)
    assert demo_snapshot is not None, "the suite runs on PostgreSQL"

    snapshot_restore(demo_snapshot)

    assert demo_state() == seeded
    assert seeded[0][LineAnalysis._meta.db_table] > 0
