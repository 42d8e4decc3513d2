"""Issue 11, items 3 and 4: validation at every entrance (core.validation) — lengths that match
the columns, NUL and control characters, CSV field and file size — on SQLite and PostgreSQL.

Before: a display name over 100 characters was stored by SQLite and took the admin page down
for every admin (PostgreSQL: StringDataRightTruncation); one long CSV row aborted the whole
import; a field over 131,072 characters raised an uncaught _csv.Error; a NUL byte in an
incident, a comment or a review reason crashed."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from core.access import SYSTEM, viewer_for
from core.errors import Refusal
from core.i18n import t
from core.models import Attempt, AttemptStatus, Comment, Incident, Review, Role, Team, User
from services.users import UserError, create_user, import_users_csv, update_user

GOOD_PW = "correct horse battery"


@pytest.fixture
def db(any_db_env):
    from core.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


def _admin(s: Session):
    user = create_user(s, username="root", display_name="管理", role="admin", password=GOOD_PW,
                       viewer=SYSTEM)
    s.commit()
    return viewer_for(s, user)


def test_long_display_name_is_refused_with_a_japanese_message(db):
    admin = _admin(db)
    with pytest.raises(UserError) as e:
        create_user(db, username="kato", display_name="長" * 101, role="staff", password=GOOD_PW,
                    viewer=admin)
    assert e.value.key == "valid.too_long" and e.value.values["n"] == 100
    assert "100" in t(e.value.key, "ja", **{**e.value.values,
                                           "field": t(e.value.values["field"], "ja")})
    user = create_user(db, username="kato", display_name="長" * 100, role="staff",
                       password=GOOD_PW, viewer=admin)
    with pytest.raises(UserError):
        update_user(db, user.id, viewer=admin, display_name="長" * 101)
    with pytest.raises(UserError):
        create_user(db, username="mori", display_name="森", role="staff", password=GOOD_PW,
                    team_name="チ" * 101, viewer=admin)
    db.commit()  # nothing half-written is left to fail at commit


def test_csv_import_keeps_good_rows_around_bad_ones(db):
    admin = _admin(db)
    header = "username,display_name,role,team,password\n"
    rows = [
        f"kato,加藤,staff,東京,{GOOD_PW}",                       # 2 good
        f"long,{'長' * 150},staff,東京,{GOOD_PW}",               # 3 display name too long
        f"huge,\"{'x' * 140_000}\",staff,東京,{GOOD_PW}",        # 4 field over csv's limit
        f"mori,森,staff,東京,{GOOD_PW}",                          # 5 good
        f"nul\x00,ヌル,staff,東京,{GOOD_PW}",                    # 6 NUL
        f"{'u' * 101},長い名前,staff,東京,{GOOD_PW}",            # 7 username too long
        f"ueda,上田,staff,{'チ' * 101},{GOOD_PW}",               # 8 team too long
        f"hirano,平野,hr,,{GOOD_PW}",                            # 9 good
    ]
    report = import_users_csv(db, (header + "\n".join(rows) + "\n").encode(), viewer=admin)
    db.commit()
    assert report.created == ["kato", "mori", "hirano"]
    assert [line for line, _, _ in report.errors] == [3, 4, 6, 7, 8]
    for _, key, values in report.errors:
        assert t(key, "ja", **{k: (t(v, "ja") if isinstance(v, str) and v.startswith("valid.")
                                   else v) for k, v in values.items()})
    names = set(db.exec(select(User.username)).all())
    assert names == {"root", "kato", "mori", "hirano"}


def test_csv_file_size_is_limited(db):
    admin = _admin(db)
    big = b"username,display_name,role,team,password\n" + b"a,b,staff,,pw\n" * 200_000
    report = import_users_csv(db, big, viewer=admin)
    assert report.created == [] and report.errors[0][1] == "valid.csv_too_big"


def test_admin_page_still_loads_with_an_overlong_name_stored_before(app_env, session, make_user):
    """Rows written before validation existed (SQLite stores > 100 characters) no longer take
    the admin page down."""
    from streamlit.testing.v1 import AppTest

    from services.users import list_users
    from tests.conftest import ROOT

    admin = make_user("root", role="admin")
    session.add(User(username="old", display_name="長" * 150, role=Role.staff))
    session.commit()
    assert any(u.username == "old" for u in list_users(session))
    at = AppTest.from_file(str(ROOT / "app_pages" / "admin.py"), default_timeout=60)
    at.session_state["user_id"] = admin.id
    at.run()
    assert not at.exception


def _review_world(s: Session):
    team = Team(name="東京")
    s.add(team)
    s.flush()
    staff = User(username="sato", display_name="佐藤", role=Role.staff, team_id=team.id)
    trainer = User(username="trainer", display_name="指導", role=Role.trainer, team_id=team.id)
    s.add_all([staff, trainer])
    s.flush()
    attempt = Attempt(user_id=staff.id, audio_path="x.wav", status=AttemptStatus.done, score=60)
    s.add(attempt)
    s.commit()
    return staff, trainer, attempt


def test_nul_in_comments_reasons_and_incidents_is_removed_not_fatal(db):
    from core.clock import local_today
    from services.incidents import INCIDENT_KINDS, report_incident, update_incident
    from services.review import add_comment, save_review

    staff, trainer, attempt = _review_world(db)
    tv, sv = viewer_for(db, trainer), viewer_for(db, staff)
    add_comment(db, tv, attempt.id, at_seconds=None, text="良い\x00です\x07")
    save_review(db, tv, attempt.id, score_override=70, reason="理由\x00あり")
    inc = report_incident(db, sv, occurred_on=local_today(), kind=INCIDENT_KINDS[0],
                          description="怒鳴られた\x00")
    db.commit()
    hr = User(username="hr", display_name="人事", role=Role.hr)
    db.add(hr)
    db.commit()
    update_incident(db, viewer_for(db, hr), inc.id, actions="対応\x00済み")
    db.commit()
    assert db.exec(select(Comment.text)).one() == "良いです"
    assert db.exec(select(Review.reason)).one() == "理由あり"
    row = db.get(Incident, inc.id)
    assert row.description == "怒鳴られた" and row.actions == "対応済み"


def test_overlong_free_texts_are_refused_with_a_message(db):
    from core.clock import local_today
    from services.incidents import INCIDENT_KINDS, report_incident
    from services.review import save_review

    staff, trainer, attempt = _review_world(db)
    with pytest.raises(Refusal) as e:
        save_review(db, viewer_for(db, trainer), attempt.id, score_override=70, reason="長" * 2001)
    assert e.value.key == "valid.too_long"
    with pytest.raises(Refusal):
        report_incident(db, viewer_for(db, staff), occurred_on=local_today(),
                        kind=INCIDENT_KINDS[0], description="長" * 5001)


def test_checkin_free_text_with_nul_is_stored_clean(db):
    from core.clock import local_today
    from core.models import CheckIn, ConsentKind
    from services import checkin as wd
    from services import consent as cs

    staff, _, _ = _review_world(db)
    v = viewer_for(db, staff)
    cs.give_consent(db, v, ConsentKind.wellbeing)
    k6 = [1] * 6 if wd.checkin_state(db, v, local_today()).k6_due else None
    wd.save_checkin(db, v, {"who5": [3] * 5, "k6": k6, "job": {"free_text": "つらい\x00週"}},
                    local_today(), scenario_ids=frozenset())
    db.commit()
    assert db.exec(select(CheckIn.free_text)).one() == "つらい週"
