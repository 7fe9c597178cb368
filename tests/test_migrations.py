"""The models and the migrations agree, whatever the active language."""

import pytest
from django.core.management import call_command
from django.utils import translation


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.django_db
def test_no_missing_migrations(language: str) -> None:
    with translation.override(language):
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
