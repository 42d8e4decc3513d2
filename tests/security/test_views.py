"""Issue 11, items 7 and 10: refused views leave a trace and say nothing about what exists; a
trainer cannot open a calibration recording; a non-audio upload is refused before anything is
stored; logouts are audited; the admin's audit page filters and pages through everything."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import soundfile as sf
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core import access, storage
from core.access import viewer_for
from core.errors import Refusal
from core.models import Attempt, AttemptKind, AttemptStatus, AuditLog, User
from tests.conftest import ROOT


def _wav() -> bytes:
    import numpy as np

    buf = io.BytesIO()
    sf.write(buf, np.zeros(1600, dtype="int16"), 16000, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def _attempt(session, user, kind=AttemptKind.practice) -> Attempt:
    path, sha = storage.save_recording(user.id, _wav())
    a = Attempt(user_id=user.id, kind=kind, audio_path=path, audio_sha256=sha,
                status=AttemptStatus.done, score=60, scenario_id="late_delivery", turn_id="t1")
    session.add(a)
    session.commit()
    return a


def _page(name: str, user: User, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / f"{name}.py"), default_timeout=60)
    at.session_state["user_id"] = user.id
    for k, v in (query or {}).items():
        at.query_params[k] = str(v)
    return at.run()


def _refused(session, viewer_id):
    session.expire_all()
    return session.exec(select(AuditLog).where(AuditLog.action == "view_refused",
                                               AuditLog.actor_id == viewer_id)).all()


def test_practice_attempt_of_another_and_a_missing_one_look_the_same_and_are_audited(
        session, make_user):
    """Before: 'not found' vs 'not allowed' told which attempt numbers exist, and a refused
    open left no audit row (probing other teams left no trace)."""
    sato = make_user("sato", team="東京")
    other = make_user("yamamoto", team="大阪")
    theirs = _attempt(session, other)
    seen = []
    for attempt_id in (theirs.id, theirs.id + 1000):
        at = _page("practice", sato, {"attempt": attempt_id})
        assert not at.exception
        seen.append([e.value for e in at.error])
    assert seen[0] == seen[1] and seen[0]
    rows = _refused(session, sato.id)
    assert sorted((r.target_id, r.detail) for r in rows) == [
        (theirs.id, "not allowed"), (theirs.id + 1000, "not found")]


def test_review_refusal_is_audited(session, make_user):
    trainer = make_user("trainer", role="trainer", team="東京")
    other = make_user("yamamoto", team="大阪")
    theirs = _attempt(session, other)
    at = _page("review", trainer, {"attempt": theirs.id})
    assert not at.exception and at.error
    assert [r.target_id for r in _refused(session, trainer.id)] == [theirs.id]


def test_trainer_cannot_open_a_team_members_calibration_recording(session, make_user):
    staff = make_user("sato", team="東京")
    trainer = viewer_for(session, make_user("trainer", role="trainer", team="東京"))
    calibration = _attempt(session, staff, kind=AttemptKind.calibration)
    practice = _attempt(session, staff)
    owner = session.get(User, staff.id)
    assert access.can_view_attempt(trainer, practice, owner)
    assert not access.can_view_attempt(trainer, calibration, owner)
    from services.review import get_attempt_for_review

    with pytest.raises(PermissionError):
        get_attempt_for_review(session, trainer, calibration.id)


@pytest.mark.parametrize("name,data", [("answer.wav", b"RIFF this is not audio at all"),
                                       ("answer.mp3", b"<html>not audio</html>" * 50),
                                       ("answer.flac", bytes(range(256)) * 20)])
def test_non_audio_upload_is_refused_before_anything_is_stored(session, make_user, app_env,
                                                               name, data):
    """Before: a non-audio file was stored as an attempt that failed, with a retry that could
    never succeed."""
    from core.i18n import t
    from services import practice

    staff = viewer_for(session, make_user("sato", team="東京"))
    with pytest.raises(Refusal) as e:
        practice.submit_calibration(session, viewer=staff, data=data, filename=name)
    assert "音声" in t(e.value.key, "ja", **e.value.values)
    assert session.exec(select(Attempt)).all() == []
    recordings = app_env / "recordings"
    assert not recordings.exists() or not any(p.is_file() for p in recordings.rglob("*"))
    practice.submit_calibration(session, viewer=staff, data=_wav(), filename="ok.wav")


def test_logout_is_audited(app_test, session, make_user):
    sato = make_user("sato", team="東京")
    at = app_test(sato)
    logout = next(b for b in at.sidebar.button if b.label == "ログアウト")
    logout.click().run()
    session.expire_all()
    assert session.exec(select(AuditLog).where(AuditLog.action == "logout",
                                               AuditLog.actor_id == sato.id)).all()


def test_admin_audit_search_filters_and_pages_through_everything(session, make_user):
    from core.audit import record, search
    from core.clock import local_today
    from core.models import utcnow

    admin = viewer_for(session, make_user("root", role="admin"))
    old = utcnow() - timedelta(days=40)
    for i in range(130):
        record(session, action="login_failed", actor_name=f"ghost{i}", detail="unknown user")
    record(session, action="password_reset", actor_name="root", target_type="user", target_id=1)
    session.add(AuditLog(at=old, action="login", actor_name="sato"))
    session.commit()
    rows, total = search(session, admin, action="login_failed", per_page=50, page=2)
    assert total == 130 and len(rows) == 30
    pages = [search(session, admin, per_page=50, page=p)[0] for p in range(4)]
    assert sum(len(p) for p in pages) == search(session, admin)[1]
    assert [r.action for r in search(session, admin, actor="ROOT")[0]].count("password_reset") == 1
    rows, total = search(session, admin, date_to=local_today() - timedelta(days=30))
    assert [r.actor_name for r in rows] == ["sato"]
    with pytest.raises(Refusal):
        search(session, viewer_for(session, make_user("hr", role="hr")))


def test_admin_audit_page_has_filters_and_paging(session, make_user):
    from core.audit import record

    admin = make_user("root", role="admin")
    for i in range(120):
        record(session, action="login_failed", actor_name=f"ghost{i}")
    session.commit()
    at = _page("admin", admin)
    assert not at.exception
    labels = [w.label for w in (*at.text_input, *at.selectbox, *at.date_input, *at.number_input)]
    for wanted in ("操作者（ユーザー名）", "操作", "開始日", "終了日", "ページ"):
        assert wanted in labels, labels
