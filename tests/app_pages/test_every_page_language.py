"""AppTest sweep (issue 13): every page, opened by each role that may open it on the demo data,
in Japanese and in English, shows no raw scenario or turn id, no string of the other language's
catalogue (scenario content aside), and no UTC-looking time."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.access import PAGES
from core.i18n import catalogue as strings
from core.models import Role, User
from services.catalogue import catalogue
from tests.conftest import ROOT
from ui.shell import SESSION_LANG

# One demo person per role (demo/seed.py).
AS = {Role.staff: "sato", Role.trainer: "trainer", Role.hr: "hr", Role.admin: "admin"}
# practice opened alone (not through the router) cannot st.page_link to progress when the demo
# has new feedback to announce: TODO open it through streamlit_app.py.
ALONE = pytest.mark.xfail(strict=True, reason="page_link to a page not registered outside the router")
CASES = [pytest.param(spec.key, role, marks=ALONE) if spec.key == "practice" else (spec.key, role)
         for spec in PAGES for role in Role if role in spec.roles]
UTC_LOOK = re.compile(r"\+00:00|\bUTC\b|\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?Z\b")
JA_CHAR = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def demo(session):
    from demo.seed import seed_demo

    assert seed_demo(session)
    return {u.username: u for u in session.exec(select(User)).all()}


def _texts(node) -> list[str]:
    """Every text an element shows: values, labels, options, help, table cells."""
    out: list[str] = []
    for attr in ("value", "label", "body", "placeholder", "help", "options"):
        try:
            v = getattr(node, attr, None)
        except Exception:  # noqa: BLE001, S112 - a widget's value may need the script's state
            continue
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, (list, tuple)):
            out += [str(x) for x in v]
        elif hasattr(v, "columns") and hasattr(v, "astype"):  # a dataframe
            out += [str(c) for c in v.columns]
            out += [str(x) for x in v.astype(str).to_numpy().ravel()]
    for child in getattr(node, "children", {}).values():
        out += _texts(child)
    return out


def _scenario_content() -> list[str]:
    """The scenarios' own texts (Japanese in both UIs), longest first."""
    out: set[str] = set()
    for s in catalogue():
        for v in s.model_dump().values():
            out |= _strings(v)
    return sorted(out, key=len, reverse=True)


def _strings(v) -> set[str]:
    if isinstance(v, str):
        return {v} if len(v) >= 2 else set()
    if isinstance(v, dict):
        return set().union(*(_strings(x) for x in v.values())) if v else set()
    if isinstance(v, (list, tuple)):
        return set().union(*(_strings(x) for x in v)) if v else set()
    return set()


def _fragments(text: str) -> list[str]:
    """The fixed parts of a catalogue string (between its {placeholders})."""
    return [p.strip() for p in re.split(r"\{[^}]*\}", text)]


def _open(key: str, user, lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / f"{key}.py"), default_timeout=120)
    at.session_state["user_id"] = user.id
    at.session_state[SESSION_LANG] = lang
    at.run()
    assert not at.exception, (key, lang, at.exception)
    return at


@pytest.mark.parametrize("key,role", CASES)
def test_every_page_speaks_one_language(demo, key, role):
    cat = catalogue()
    ids = {s.id for s in cat} | {t.id for s in cat for t in s.turns}
    id_re = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, sorted(ids))) + r")(?![A-Za-z0-9_])")
    content = _scenario_content()
    catalogue_strings = strings()
    # a catalogue string shown in the other language: an element that is exactly its text, or
    # holds every fixed part of a templated one (people's own words may quote anything)
    def telling(lang: str, f: str) -> bool:  # a fixed part that says which language it is
        return (len(JA_CHAR.findall(f)) >= 2 if lang == "ja"
                else len(re.findall(r"[A-Za-z]", f)) >= 4 and not JA_CHAR.search(f))

    other = {lang: [tuple(f for f in _fragments(v[lang]) if telling(lang, f))
                    for v in catalogue_strings.values() if v["en"] != v["ja"]]
             for lang in ("ja", "en")}
    problems = []
    for lang in ("ja", "en"):
        at = _open(key, demo[AS[role]], lang)
        elements = _texts(at._tree)
        shown = "\n".join(elements)
        for found in sorted(set(id_re.findall(shown))):
            problems.append(f"{lang}: raw id {found!r}")
        for m in UTC_LOOK.finditer(shown):
            problems.append(f"{lang}: UTC-looking {shown[max(0, m.start() - 20):m.end()]!r}")
        wrong = other["en" if lang == "ja" else "ja"]
        for e in elements:
            if e.lstrip().startswith("<style>") or lang == "en" and any(e == c for c in content):
                continue  # scenario content stays Japanese in the English UI
            for parts in wrong:
                if parts and (e.strip() == "".join(parts) or (len(parts) > 1 and all(
                        p in e for p in parts))):
                    problems.append(f"{lang}: other language {e[:80]!r}")
                    break
    assert not problems, "\n".join(problems)
