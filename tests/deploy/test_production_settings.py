"""Production refuses weak secrets and is secure by default; development stays as it was.

Settings are read once per process, so each case starts a fresh Python with its environment.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from sop_project.secret_key import secret_key_problem

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = PROJECT_ROOT / "docker" / "production.env.example"
SECURITY_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
)


def generated_key() -> str:
    return secrets.token_urlsafe(64)


def clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without any setting the tests choose themselves."""
    chosen = ("DEBUG", "SECRET_KEY", "SECURE_", "ALLOWED_HOSTS", "LOAD_DEMO", "DJANGO_ALLOW_ASYNC")
    env = {k: v for k, v in os.environ.items() if not k.startswith(chosen)}
    return {**env, "DJANGO_SETTINGS_MODULE": "sop_project.settings", **variables}


def start_django(**variables: str) -> subprocess.CompletedProcess[str]:
    """Set Django up as a server process would, and print the security settings."""
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SECURITY_SETTINGS!r}}}))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=clean_environment(**variables),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_environment() -> dict[str, str]:
    """docker/production.env.example as a process would get it, with a generated secret."""
    values = {}
    for line in PRODUCTION_ENV.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return {**values, "SECRET_KEY": generated_key()}


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("change-me-in-production", "SECRET_KEY is a placeholder (it contains 'change-me')."),
        ("django-insecure-" + "x" * 60, "SECRET_KEY is a placeholder (it contains 'insecure')."),
        ("Xk9#mQ2$vL7", "SECRET_KEY is too short: 11 characters, at least 50 needed."),
        (
            "ab" * 40,
            "SECRET_KEY has too little entropy: 2 different characters, at least 10 needed.",
        ),
        ("0123456789abcdef" * 4, "SECRET_KEY has too little entropy: it repeats a pattern."),
    ],
)
def test_weak_secret_keys_are_named_with_the_reason(key: str, problem: str) -> None:
    assert secret_key_problem(key) == problem


def test_generated_secret_keys_are_accepted() -> None:
    from django.core.management.utils import get_random_secret_key

    keys = [secrets.token_urlsafe(64), secrets.token_hex(32), get_random_secret_key()]
    assert [secret_key_problem(key) for key in keys] == [None, None, None]


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("change-me-in-production", "SECRET_KEY is a placeholder"),
        (secrets.token_urlsafe(24), "SECRET_KEY is too short"),
        ("abcdefghij" * 6, "SECRET_KEY has too little entropy"),
    ],
    ids=["placeholder", "random-but-short", "repetitive"],  # the same names in every process
)
def test_production_refuses_to_start_with_a_weak_secret(key: str, reason: str) -> None:
    run = start_django(DEBUG="false", SECRET_KEY=key)
    assert run.returncode != 0
    assert reason in run.stderr
    assert "DEBUG is off, so this is refused." in run.stderr
    assert "secrets.token_urlsafe" in run.stderr


def test_production_refuses_to_start_without_a_secret() -> None:
    run = start_django(DEBUG="false")
    assert run.returncode != 0
    assert "Set SECRET_KEY when DEBUG is off." in run.stderr


def test_production_is_secure_by_default() -> None:
    run = start_django(DEBUG="false", SECRET_KEY=generated_key())
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[-1]) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
    }


def test_hsts_and_the_redirect_can_be_turned_down_for_the_proxy() -> None:
    run = start_django(
        DEBUG="false",
        SECRET_KEY=generated_key(),
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
    )
    settings = json.loads(run.stdout.splitlines()[-1])
    assert (settings["SECURE_SSL_REDIRECT"], settings["SECURE_HSTS_SECONDS"]) == (False, 0)


def test_development_keeps_its_key_and_plain_http() -> None:
    """`make run`: DEBUG on by default, the development key, no HTTPS requirements."""
    run = start_django()
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[-1]) == {
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
    }


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_deploy_check_passes() -> None:
    run = subprocess.run(
        ["make", "--no-print-directory", "deploy-check"],
        cwd=PROJECT_ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "System check identified no issues" in run.stdout


@pytest.mark.parametrize(
    ("loosened", "warning"),
    [
        ({"SECURE_SSL_REDIRECT": "false"}, "security.W008"),
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_COOKIES": "false"}, "security.W012"),
    ],
)
def test_the_deploy_check_fails_when_production_is_loosened(
    loosened: dict[str, str], warning: str
) -> None:
    run = check_deploy({**production_environment(), **loosened})
    assert run.returncode != 0
    assert warning in run.stderr
