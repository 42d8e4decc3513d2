"""AppTest: after a severe check-in at night the list shows a contact that is open now, first,
and marks which are open (company time); the share reasons offer one reason per kind."""

from __future__ import annotations

from datetime import UTC, datetime

from core.i18n import t
from tests.app_pages.test_wellbeing_pages import _answer_severe, _consent, _open, _texts

WED_0430_JST = datetime(2026, 12, 1, 19, 30, tzinfo=UTC)  # Wednesday 04:30 in Tokyo


def test_night_check_in_shows_the_24_hour_line_first(app_env, make_user, monkeypatch):
    import ui.checkin_screen as screen

    monkeypatch.setattr(screen, "utcnow", lambda: WED_0430_JST)
    staff = make_user("sato", team="東京")
    at = _answer_severe(_consent(_open(staff, "checkin")))
    assert not at.exception, at.exception
    contacts = [m.value for m in at.markdown if "受付時間" in m.value]
    assert "よりそいホットライン" in contacts[0] and t("checkin.support_open_now") in contacts[0]
    assert "0120-279-338" in contacts[0]
    assert all(t("checkin.support_closed_now") in c for c in contacts[1:])
    assert t("checkin.support_none_open") not in _texts(at)


def test_share_reasons_one_per_kind(app_env, make_user):
    staff = make_user("sato", team="東京")
    at = _answer_severe(_consent(_open(staff, "checkin")))
    labels = [c.label for c in at.checkbox if c.key and c.key.startswith("share_code_")]
    assert labels, [c.key for c in at.checkbox]
    keys = [c.key for c in at.checkbox if c.key and c.key.startswith("share_code_")]
    assert "share_code_k6_serious" in keys and "share_code_k6_elevated" not in keys
    assert "share_code_who5_very_low" in keys and "share_code_who5_low" not in keys
    assert len(labels) == len(set(labels))
