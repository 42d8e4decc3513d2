"""The catalogue is complete: every key used in code exists in Japanese and English."""

import re

import pytest

from core.i18n import CatalogueError, _flatten, catalogue, t
from tests.conftest import ROOT

KEY_USE = re.compile(r"""\b(?:tr|t)\(\s*f?["']([a-z_0-9]+\.[a-z_0-9.]+)["']""")


def _used_keys():
    for folder in ("app_pages", "core", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            for key in KEY_USE.findall(path.read_text(encoding="utf-8")):
                yield path.relative_to(ROOT), key
    yield ROOT / "streamlit_app.py", "app.title"
    for match in KEY_USE.findall((ROOT / "streamlit_app.py").read_text(encoding="utf-8")):
        yield "streamlit_app.py", match


def test_every_key_used_in_code_exists():
    known = catalogue()
    missing = sorted({f"{where}: {key}" for where, key in _used_keys() if key not in known})
    assert missing == []


def test_every_page_and_role_has_a_title():
    from core.access import PAGES
    from core.models import Role

    for spec in PAGES:
        assert t(f"page.{spec.key}", "ja") and t(f"page.{spec.key}", "en")
    for role in Role:
        assert t(f"role.{role.value}", "en")


def test_japanese_first_and_formatting():
    assert t("login.locked", "ja", minutes=15).startswith("ログインに続けて失敗")
    assert "15" in t("login.locked", "en", minutes=15)
    assert t("login.heading", "fr") == t("login.heading", "ja")
    with pytest.raises(KeyError):
        t("no.such.key")


def test_catalogue_rejects_duplicates_and_missing_languages(tmp_path):
    out = {}
    _flatten("", {"a": {"b": {"ja": "x", "en": "y"}}}, out, tmp_path / "one.toml")
    with pytest.raises(CatalogueError):
        _flatten("", {"a": {"b": {"ja": "x", "en": "y"}}}, out, tmp_path / "two.toml")
    with pytest.raises(CatalogueError):
        _flatten("", {"c": {"ja": "only japanese"}}, {}, tmp_path / "three.toml")
