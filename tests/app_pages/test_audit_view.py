"""AppTest of the admin's audit log (issue 13 item 7): action codes and target types by their
catalogue names in each language, times in the company's time zone, never UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from core import audit
from core.clock import format_local
from core.i18n import catalogue, t
from core.models import AuditLog
from tests.conftest import ROOT
from ui.shell import SESSION_LANG


def test_every_action_has_a_name_in_both_languages():
    strings = catalogue()
    missing = [a for a in audit.actions() if f"audit.action.{a}" not in strings]
    assert not missing, missing
    names = [t(f"audit.action.{a}") for a in audit.actions()]
    assert len(set(names)) == len(names)  # two actions never read the same


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_audit_table_names_actions_and_shows_company_time(session, make_user, lang):
    admin = make_user("boss", role="admin")
    at_utc = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 2026-12-02 01:30 in Tokyo
    session.add(AuditLog(action=audit.Action.password_reset, actor_id=admin.id,
                         actor_name="boss", target_type="user", target_id=admin.id, at=at_utc))
    session.add(AuditLog(action="some_retired_code", actor_name="boss", at=at_utc))
    session.commit()
    at = AppTest.from_file(str(ROOT / "app_pages" / "admin.py"), default_timeout=30)
    at.session_state["user_id"] = admin.id
    at.session_state[SESSION_LANG] = lang
    at.run()
    assert not at.exception, at.exception
    frame = at.dataframe[-1].value
    col = lambda k: [str(v) for v in frame[t(k, lang)]]
    actions = col("admin.col_action")
    assert t("audit.action.password_reset", lang) in actions
    assert "password_reset" not in actions
    assert "some_retired_code" in actions  # an unknown code shows as stored, not as an error
    assert f"{t('audit.target.user', lang)} {admin.id}" in col("admin.col_target")
    when = col("admin.col_at")
    assert format_local(at_utc) in when and "2026-12-02 01:30" in when  # DOJO_TIMEZONE: Tokyo
    assert not any("+00:00" in w or "UTC" in w or w.endswith("Z") for w in when)
    box = next(s for s in at.selectbox if s.label == t("audit.filter_action", lang))
    assert t("audit.action.login", lang) in box.options and "login" not in box.options
