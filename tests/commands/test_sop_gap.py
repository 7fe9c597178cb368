"""`manage.py sop_gap`: the seed's gap table, the capacity-sufficient answer, bad files."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

SEED_GAP = [
    ("外包给合作工厂 A", 2500, 2000, 0, 1.0),
    ("调用渠道安全库存", 2000, 2000, 0, 1.0),
    ("加班加班(双倍工资)", 1500, 1500, 500, 0.75),
    ("说服客户分批交付", 1000, 1000, 1000, 0.5),
]


def run(*args: str) -> str:
    out = StringIO()
    call_command("sop_gap", *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, document: object) -> str:
    path = tmp_path / "gap.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def rows(document: dict) -> list[tuple]:
    return [
        (o["name"], o["additional_capacity"], o["can_fill"], o["remaining_gap"], o["fill_rate"])
        for o in document["options"]
    ]


def test_demo_json_prints_the_seed_gap_table() -> None:
    document = json.loads(run("--demo", "--format", "json"))
    assert document["gap"] == 2000
    assert rows(document) == SEED_GAP


def test_file_gives_the_same_ranking_with_cost_and_lead_time(tmp_path: Path) -> None:
    options = [
        {"name": "加班加班(双倍工资)", "additional_capacity": 1500, "cost": 30000},
        {"name": "外包给合作工厂 A", "additional_capacity": 2500, "lead_time_days": 14},
        {"name": "调用渠道安全库存", "additional_capacity": 2000},
        {"name": "说服客户分批交付", "additional_capacity": 1000},
    ]
    gap = {"demand": 15000, "current_capacity": 13000, "options": options}
    document = json.loads(run(write(tmp_path, gap), "--format", "json"))
    assert rows(document) == SEED_GAP
    assert document["options"][0]["lead_time_days"] == 14
    assert document["options"][2]["cost"] == 30000.0


def test_capacity_sufficient_json(tmp_path: Path) -> None:
    gap = {
        "demand": 12000,
        "current_capacity": 13000,
        "options": [{"name": "A", "additional_capacity": 5}],
    }
    assert json.loads(run(write(tmp_path, gap), "--format", "json")) == {"gap": 0, "options": []}


def test_capacity_sufficient_table_in_both_languages(tmp_path: Path) -> None:
    plan = write(tmp_path, {"demand": 100, "current_capacity": 100, "options": []})
    with translation.override("en"):
        assert run(plan).strip() == "Capacity sufficient, no adjustment needed"
    with translation.override("zh-hans"):
        assert run(plan).strip() == "产能充足,无需调整"


def test_table_shows_whole_percentages() -> None:
    with translation.override("en"):
        out = run("--demo")
    lines = out.splitlines()
    assert lines[0] == "Gap 2,000 units (demand 15,000, capacity 13,000)"
    assert lines[3].split()[-1] == "100%"
    assert lines[5].split()[-1] == "75%"
    assert lines[6].split()[-1] == "50%"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"current_capacity": 1, "options": []}, "demand is empty"),
        ({"demand": 10, "current_capacity": 1, "options": {}}, "each row must be an object with named fields"),
        ({"demand": 10, "current_capacity": 1, "options": [{"name": "A", "additional_capacity": -3}]},
         "row 1: additional_capacity must not be negative, got -3"),
        ({"demand": 10, "current_capacity": 1, "options": [{"name": "A", "additional_capacity": "x"}]},
         "row 1: additional_capacity must be a whole number, got 'x'"),
        ({"demand": 10, "current_capacity": 1, "options": [{"additional_capacity": 3}]},
         "row 1: name must be a non-empty text"),
        ({"demand": 10, "current_capacity": 1, "options": [{"name": "A"}]},
         "row 1: additional_capacity is empty"),
        ({"demand": "lots", "current_capacity": 1, "options": []}, "demand must be a whole number, got 'lots'"),
    ],
)  # fmt: skip
def test_bad_gap_file_is_refused(tmp_path: Path, document: dict, message: str) -> None:
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("sop_gap", write(tmp_path, document), stdout=out)
    assert message in str(raised.value).splitlines()
    assert out.getvalue() == ""


def test_invalid_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gap.json"
    path.write_text("{", encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError, match="not valid JSON"):
        run(str(path))
