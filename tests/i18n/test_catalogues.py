"""Both languages ship complete: every message translated, nothing fuzzy, .mo files current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polib
import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOCALES = ("zh_Hans", "en")
SOURCE_DIRS = ("planning", "reviews", "approvals", "sop_project", "templates")


def catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(PROJECT_ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_has_no_untranslated_or_fuzzy_messages(locale: str) -> None:
    po = catalogue(locale)
    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert len(po) > 150


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_its_source(locale: str) -> None:
    po = catalogue(locale)
    mo = polib.mofile(str(PROJECT_ROOT / "locale" / locale / "LC_MESSAGES" / "django.mo"))
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural for entry in mo}
    source = {
        (entry.msgctxt, entry.msgid): entry.msgstr or entry.msgstr_plural
        for entry in po.translated_entries()
    }
    assert compiled == source


def test_every_message_in_the_code_is_in_the_catalogue(tmp_path: Path) -> None:
    """makemessages over the sources finds nothing the shipped catalogue lacks."""
    work = tmp_path / "project"
    work.mkdir()
    for name in (*SOURCE_DIRS, "manage.py"):
        (work / name).symlink_to(PROJECT_ROOT / name)
    (work / "locale" / "zh_Hans" / "LC_MESSAGES").mkdir(parents=True)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--symlinks",
        ],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    )
    found = polib.pofile(str(work / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    shipped = {entry.msgid for entry in catalogue("zh_Hans")}
    assert sorted(entry.msgid for entry in found if entry.msgid not in shipped) == []
