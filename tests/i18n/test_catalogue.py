"""The Spanish catalogue is complete and its compiled form is the one committed: every
message translated, none fuzzy, and the .mo exactly what msgfmt makes of the .po (so a
server needs no gettext at run time; docs/translating.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0])
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def test_there_is_a_spanish_catalogue() -> None:
    assert LOCALE / "es" / "LC_MESSAGES" / "django.po" in CATALOGUES


def _entries(po: Path) -> list[str]:
    return po.read_text(encoding="utf-8").strip().split("\n\n")[1:]  # [0] is the header


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_message_is_translated_and_none_is_fuzzy(po: Path) -> None:
    for entry in _entries(po):
        if entry.lstrip().startswith("#~"):
            continue  # obsolete: not compiled
        assert "#, fuzzy" not in entry and not re.search(r"^#,.*\bfuzzy\b", entry, re.M), entry
        translations = re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', entry, re.M)
        assert translations and all(translations), f"untranslated:\n{entry}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_the_committed_mo_is_the_compiled_po(po: Path, tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (apt-get install gettext) compiles the catalogue"
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check", "-o", str(fresh), str(po)], check=True)
    committed = po.with_suffix(".mo")
    assert committed.is_file(), f"{committed} is missing: run `make messages`"
    assert committed.read_bytes() == fresh.read_bytes(), f"{committed} is stale: `make messages`"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-3])
def test_placeholders_survive_translation(po: Path) -> None:
    placeholder = re.compile(r"%\(\w+\)s|\{\w+\}")
    for entry in _entries(po):
        ids = re.findall(r'^msgid(?:_plural)? "(.*)"$', entry, re.M)
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', entry, re.M)
        wanted = set(placeholder.findall(ids[0])) if ids else set()
        for text in strs:
            assert set(placeholder.findall(text)) >= wanted - {"%(count)s", "%(minutes)s"}, entry
