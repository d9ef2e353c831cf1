"""Vietnamese is the default interface language: every message must be translated."""

from pathlib import Path

import polib
import pytest
from django.template import engines
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.po"


def test_vietnamese_catalogue_is_complete():
    catalogue = polib.pofile(str(CATALOGUE))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not missing, f"untranslated: {missing[:20]} (+{max(0, len(missing) - 20)} more)"
    assert not fuzzy, f"fuzzy (check and unmark): {fuzzy[:20]}"


def test_placeholders_survive_translation():
    catalogue = polib.pofile(str(CATALOGUE))
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}|%[sd]")
    broken = [
        e.msgid for e in catalogue.translated_entries()
        if sorted(placeholder.findall(e.msgid)) != sorted(placeholder.findall(e.msgstr))
    ]
    assert not broken, broken


@pytest.mark.parametrize(("language", "expected"), [("vi", "Đăng nhập"), ("en", "Log in")])
def test_compiled_catalogue_is_used(language, expected):
    template = engines["django"].from_string('{% load i18n %}{% translate "Log in" %}')
    with translation.override(language):
        assert template.render({}) == expected
