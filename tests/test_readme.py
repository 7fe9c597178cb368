"""The README tells the truth: its workflow tables are the code's, its curl walk-through runs."""

import subprocess
from pathlib import Path

import pytest

from planning.workflow import matrix_rows, stage_rows, submission_rows

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_table(name: str) -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    block = text.split(f"<!-- {name}:start -->")[1].split(f"<!-- {name}:end -->")[0]
    return [line.strip("| ").split(" | ") for line in block.strip().splitlines()[2:]]


def test_readme_permission_matrix_matches_the_code() -> None:
    assert readme_table("permission-matrix") == [list(row) for row in matrix_rows()]


def test_readme_stages_match_the_workflow_table() -> None:
    assert readme_table("workflow-stages") == [list(row) for row in stage_rows()]


def test_readme_submissions_match_the_workflow_table() -> None:
    assert readme_table("workflow-submissions") == [list(row) for row in submission_rows()]


def readme_walk_through() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("### A whole cycle with curl")[1]
    return section.split("```sh\n")[1].split("```")[0]


@pytest.mark.django_db(transaction=True)
def test_the_curl_walk_through_runs_a_whole_cycle(live_server, demo: None) -> None:
    """The README's curl commands, run as written against the demo data, approve a cycle."""
    from planning.models import Cycle
    from planning.roles import Stage

    existing = set(Cycle.objects.values_list("pk", flat=True))
    script = readme_walk_through().replace(
        "API=http://127.0.0.1:8000/api", f"API={live_server.url}/api", 1
    )
    assert f"API={live_server.url}/api" in script

    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    responses = run.stdout.splitlines()
    refused = [line for line in responses if '"detail"' in line or "<!DOCTYPE" in line]
    assert refused == []
    [new_cycle] = Cycle.objects.exclude(pk__in=existing)
    assert new_cycle.stage == Stage.APPROVED
    assert new_cycle.snapshot.comment == "approved"
    assert '[{"username":"sales2","roles":["finance"]}]' in responses
