"""Refuse a production SECRET_KEY an attacker could guess (read once, by the settings)."""

from __future__ import annotations

import zlib

from django.core.exceptions import ImproperlyConfigured

MINIMUM_LENGTH = 50
MINIMUM_DISTINCT_CHARACTERS = 10
# A generated key hardly compresses; a typed pattern ("abcabc...") shrinks to a fraction.
MINIMUM_COMPRESSED_RATIO = 0.75
# Words that only a sample or a placeholder contains (compose defaults, docs, tutorials).
PLACEHOLDER_WORDS = (
    "change-me",
    "change_me",
    "changeme",
    "insecure",
    "placeholder",
    "replace-me",
    "your-secret",
    "build-only",
)
GENERATE_HINT = "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is unfit for production, or None when it looks generated."""
    lowered = key.lower()
    placeholder = next((word for word in PLACEHOLDER_WORDS if word in lowered), None)
    if placeholder is not None:
        return f"SECRET_KEY is a placeholder (it contains {placeholder!r})."
    if len(key) < MINIMUM_LENGTH:
        return f"SECRET_KEY is too short: {len(key)} characters, at least {MINIMUM_LENGTH} needed."
    if len(set(key)) < MINIMUM_DISTINCT_CHARACTERS:
        return (
            f"SECRET_KEY has too little entropy: {len(set(key))} different characters, "
            f"at least {MINIMUM_DISTINCT_CHARACTERS} needed."
        )
    if len(zlib.compress(key.encode())) < MINIMUM_COMPRESSED_RATIO * len(key.encode()):
        return "SECRET_KEY has too little entropy: it repeats a pattern."
    return None


def require_production_secret_key(key: str) -> None:
    """Stop the process with a clear message when DEBUG is off and the key is weak."""
    problem = secret_key_problem(key)
    if problem is not None:
        raise ImproperlyConfigured(f"{problem} DEBUG is off, so this is refused. {GENERATE_HINT}")
