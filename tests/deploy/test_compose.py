"""docker/compose.yaml: valid against the Compose specification, and safe when left as it is."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = PROJECT_ROOT / "docker" / "compose.yaml"
APPLICATION_SERVICES = ("web", "worker", "beat")
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


class MissingVariable(Exception):
    pass


def interpolate(value: Any, environment: dict[str, str]) -> Any:
    """Compose's interpolation of ${...} with the given environment (no `.env` file)."""
    if isinstance(value, dict):
        return {key: interpolate(item, environment) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, environment) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"] or "", match["arg"] or ""
        current = environment.get(name)
        unset = current is None or (op.startswith(":") and current == "")
        if op.endswith("?") and unset:
            raise MissingVariable(f"{name}: {arg}")
        if op.endswith("-") and unset:
            return arg
        return current or ""

    return VARIABLE.sub(replace, value)


def services(environment: dict[str, str]) -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return interpolate(document["services"], environment)


def test_the_compose_file_follows_the_compose_specification() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_compose_refuses_to_start_without_a_secret_key() -> None:
    with pytest.raises(MissingVariable, match="SECRET_KEY"):
        services({})


@pytest.mark.parametrize("service", APPLICATION_SERVICES)
def test_left_as_it_is_compose_runs_production_without_the_demo(service: str) -> None:
    environment = services({"SECRET_KEY": "s" * 64})[service]["environment"]
    assert {
        name: environment[name]
        for name in ("DEBUG", "LOAD_DEMO", "SECURE_COOKIES", "SECURE_SSL_REDIRECT")
    } == {
        "DEBUG": "false",
        "LOAD_DEMO": "false",
        "SECURE_COOKIES": "true",
        "SECURE_SSL_REDIRECT": "true",
    }
    assert int(environment["SECURE_HSTS_SECONDS"]) > 0


def test_the_plain_http_port_listens_on_loopback_only_by_default() -> None:
    assert services({"SECRET_KEY": "s" * 64})["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_the_web_container_reports_its_health_and_the_others_wait_for_it() -> None:
    defined = services({"SECRET_KEY": "s" * 64})
    assert defined["web"]["healthcheck"]["test"] == ["CMD", "python", "docker/healthcheck.py"]
    for service in ("worker", "beat"):
        assert defined[service]["depends_on"]["web"] == {"condition": "service_healthy"}
