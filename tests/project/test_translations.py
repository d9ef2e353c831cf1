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
    import re

    catalogue = polib.pofile(str(CATALOGUE))

    placeholder = re.compile(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}|%[sd]")

    def same(source, translated):
        return sorted(placeholder.findall(source)) == sorted(placeholder.findall(translated))

    broken = [
        e.msgid
        for e in catalogue.translated_entries()
        if not (
            all(same(e.msgid_plural, text) for text in e.msgstr_plural.values())
            if e.msgid_plural
            else same(e.msgid, e.msgstr)
        )
    ]
    assert not broken, broken


@pytest.mark.parametrize(("language", "expected"), [("vi", "Đăng nhập"), ("en", "Log in")])
def test_compiled_catalogue_is_used(language, expected):
    template = engines["django"].from_string('{% load i18n %}{% translate "Log in" %}')
    with translation.override(language):
        assert template.render({}) == expected
