"""Approved snapshots store their plan lines as columns (one list per field), not a dict per row."""

from typing import Any

from django.db import migrations

RENAMED = {"family__code": "family", "family__name": "family_name"}
STATUS_NAMES = ("short", "balanced", "excess")


def rows_to_columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {}
    for row in rows:
        for key, value in row.items():
            name = RENAMED.get(key, key)
            if name == "status" and isinstance(value, int):
                value = STATUS_NAMES[value]
            columns.setdefault(name, []).append(value)
    return columns


def forwards(apps: Any, schema_editor: Any) -> None:
    PlanSnapshot = apps.get_model("approvals", "PlanSnapshot")
    for snapshot in PlanSnapshot.objects.all().iterator(chunk_size=1):
        if isinstance(snapshot.lines, list):
            snapshot.lines = rows_to_columns(snapshot.lines)
            snapshot.save(update_fields=["lines"])


class Migration(migrations.Migration):
    dependencies = [("approvals", "0002_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
