"""Every access rule, with its negative cases. The rules that read the database run on SQLite
and on PostgreSQL (``session`` here is on ``any_db_env``)."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from core import access
from core.access import Viewer, viewer_for
from core.models import (
    Attempt,
    CheckIn,
    Consent,
    ConsentKind,
    Flag,
    FlagLevel,
    Incident,
    Role,
    User,
    utcnow,
)


@pytest.fixture
def session(any_db_env):
    """Overrides the SQLite-only ``session`` (and so ``make_user``): SQLite and PostgreSQL."""
    from core.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def people(session, make_user):
    u = {
        "sato": make_user("sato", team="東京"),
        "suzuki": make_user("suzuki", team="東京"),
        "yamamoto": make_user("yamamoto", team="大阪"),
        "trainer": make_user("trainer", role="trainer", team="東京"),
        "trainer_osaka": make_user("trainer_osaka", role="trainer", team="大阪"),
        "trainer_none": make_user("trainer_none", role="trainer"),
        "hr": make_user("hr", role="hr"),
        "admin": make_user("admin", role="admin"),
    }
    return u


def v(session, user):
    return viewer_for(session, user)


def _attempt(session, user):
    a = Attempt(user_id=user.id, audio_path=f"{user.id}/a.wav", scenario_id="s", turn_id="t1")
    session.add(a)
    session.commit()
    return a


def _visible_attempt_owners(session, viewer):
    stmt = (select(User.username).join(Attempt, Attempt.user_id == User.id)
            .where(access.attempts_filter(viewer)))
    return sorted(session.exec(stmt).all())


EXPECTED_PAGES = {
    Role.staff: {"practice", "calibrate", "progress", "checkin", "incidents", "my_data"},
    Role.trainer: {"review", "team", "agreement", "my_data"},
    Role.hr: {"trends", "one_on_one", "incidents", "my_data"},
    Role.admin: {"admin", "agreement", "data_rights", "my_data"},
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_exactly_its_pages(role):
    viewer = access.Viewer(id=1, role=role)
    allowed = {p.key for p in access.PAGES if access.may_open(viewer, p.key)}
    assert allowed == EXPECTED_PAGES[role]
    assert {p.key for p in access.pages_for(role)} == EXPECTED_PAGES[role]


def test_nobody_opens_unknown_pages_and_anonymous_opens_nothing():
    assert not access.may_open(access.Viewer(id=1, role=Role.admin), "nonexistent")
    assert not any(access.may_open(None, p.key) for p in access.PAGES)


@pytest.mark.parametrize("spec", access.PAGES, ids=lambda spec: spec.key)
def test_every_page_guards_itself_when_opened_directly(app_env, spec):
    """A page's script run on its own, by nobody signed in, shows the login form and nothing
    of the page (the guard is the page's first call, not the router's menu)."""
    from core.i18n import t
    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / spec.path), default_timeout=60).run()
    assert not at.exception, spec.key
    assert not at.title  # nothing of the page
    assert [w.label for w in at.text_input] == [t("login.username"), t("login.password")]


def test_the_system_viewer_manages_users_and_reads_no_audit_log():
    assert access.can_manage_users(access.SYSTEM)
    assert not access.can_read_audit_log(access.SYSTEM)
    assert not access.can_submit_checkin(access.SYSTEM)
    assert not access.can_see_wellbeing_aggregates(access.SYSTEM)
    assert not access.can_manage_users(Viewer(id=0, role=Role.hr, username="system"))


def test_own_checkins_attempts_and_one_on_one_requests(session, people):
    sato, suzuki = people["sato"], people["suzuki"]
    mine = CheckIn(user_id=sato.id, week_start=date(2026, 11, 23), who5=[3] * 5, who5_raw=15,
                   who5_pct=60)
    session.add(mine)
    session.commit()
    assert access.can_see_checkin(v(session, sato), mine)
    for name in ("suzuki", "trainer", "hr", "admin"):
        assert not access.can_see_checkin(v(session, people[name]), mine), name
    assert not access.can_see_checkin(Viewer(id=sato.id, role=Role.hr), mine)  # no longer staff
    a = _attempt(session, sato)
    assert access.can_attach_attempt(v(session, sato), a)
    assert not access.can_attach_attempt(v(session, suzuki), a)
    assert not access.can_attach_attempt(v(session, people["hr"]), a)
    flag = _flag(session, sato)
    assert access.can_request_one_on_one(v(session, sato))
    assert access.can_request_one_on_one(v(session, sato), flag)
    assert not access.can_request_one_on_one(v(session, suzuki), flag)  # not her flag
    for name in ("trainer", "hr", "admin"):
        assert not access.can_request_one_on_one(v(session, people[name])), name
        assert not access.can_give_consent(v(session, people[name])), name
    assert access.can_give_consent(v(session, sato))


def test_incident_views_are_audited_for_all_but_the_reporter(session, people):
    inc = Incident(reporter_id=people["sato"].id, occurred_on=date(2026, 11, 20), kind="threats",
                   description="…")
    session.add(inc)
    session.commit()
    assert not access.is_audited_incident_view(v(session, people["sato"]), inc)
    assert access.is_audited_incident_view(v(session, people["hr"]), inc)


def test_staff_see_only_their_own_attempts(session, people):
    for name in ("sato", "suzuki", "yamamoto"):
        _attempt(session, people[name])
    assert _visible_attempt_owners(session, v(session, people["sato"])) == ["sato"]


def test_trainers_see_attempts_of_their_teams_staff_only(session, people):
    for name in ("sato", "suzuki", "yamamoto"):
        _attempt(session, people[name])
    _attempt(session, people["trainer"])  # a trainer's own practice is not in the queue
    assert _visible_attempt_owners(session, v(session, people["trainer"])) == ["sato", "suzuki"]
    assert _visible_attempt_owners(session, v(session, people["trainer_osaka"])) == ["yamamoto"]
    assert _visible_attempt_owners(session, v(session, people["trainer_none"])) == []


def test_hr_and_admin_never_see_attempts(session, people):
    a = _attempt(session, people["sato"])
    for name in ("hr", "admin"):
        viewer = v(session, people[name])
        assert _visible_attempt_owners(session, viewer) == []
        assert not access.can_view_attempt(viewer, a, people["sato"])


def test_can_view_and_review_attempt(session, people):
    a = _attempt(session, people["sato"])
    owner = people["sato"]
    assert access.can_view_attempt(v(session, owner), a, owner)
    assert not access.can_review_attempt(v(session, owner), a, owner)
    assert not access.can_view_attempt(v(session, people["suzuki"]), a, owner)
    assert access.can_review_attempt(v(session, people["trainer"]), a, owner)
    assert not access.can_view_attempt(v(session, people["trainer_osaka"]), a, owner)
    with pytest.raises(ValueError):
        access.can_view_attempt(v(session, owner), a, people["suzuki"])


def test_team_progress_only_for_coached_teams(session, people):
    tokyo = people["sato"].team_id
    assert access.can_see_team_progress(v(session, people["trainer"]), tokyo)
    assert not access.can_see_team_progress(v(session, people["trainer_osaka"]), tokyo)
    assert not access.can_see_team_progress(v(session, people["hr"]), tokyo)


def test_team_progress_export_for_trainers_with_teams(session, people):
    assert access.can_export_team_progress(v(session, people["trainer"]))
    assert access.can_export_team_progress(v(session, people["trainer_osaka"]))
    for name in ("trainer_none", "sato", "hr", "admin"):
        assert not access.can_export_team_progress(v(session, people[name])), name


def test_checkins_are_seen_by_their_owner_only(session, people):
    for name in ("sato", "suzuki"):
        session.add(CheckIn(user_id=people[name].id, week_start=date(2026, 11, 23),
                            who5=[3] * 5, who5_raw=15, who5_pct=60))
    session.commit()
    for name, expected in [("sato", 1), ("trainer", 0), ("hr", 0), ("admin", 0)]:
        rows = session.exec(select(CheckIn).where(access.checkins_filter(v(session, people[name])))).all()
        assert len(rows) == expected, name
    assert access.can_submit_checkin(v(session, people["sato"]))
    assert not access.can_submit_checkin(v(session, people["hr"]))


def test_only_hr_sees_wellbeing_aggregates(session, people):
    assert [n for n in people if access.can_see_wellbeing_aggregates(v(session, people[n]))] == ["hr"]


def _flag(session, user, *, at=None, shared=False):
    f = Flag(user_id=user.id, level=FlagLevel.urgent, reasons=[{"code": "k6_13"}],
             created_at=at or utcnow(), shared_at=utcnow() if shared else None)
    session.add(f)
    session.commit()
    return f


def test_hr_sees_a_flag_only_with_consent(session, people):
    hr = v(session, people["hr"])
    sato = people["sato"]
    unshared = _flag(session, sato)
    assert not access.can_see_flag(session, hr, unshared)
    shared_once = _flag(session, sato, shared=True)
    assert access.can_see_flag(session, hr, shared_once)
    assert [f.id for f in access.visible_flags(session, hr)] == [shared_once.id]
    # nobody but HR and the person sees flags
    for name in ("trainer", "admin", "suzuki"):
        assert not access.can_see_flag(session, v(session, people[name]), shared_once)
    assert access.can_see_flag(session, v(session, sato), unshared)


def test_only_the_owner_a_staff_member_shares_a_flag(session, people):
    sato = people["sato"]
    flag = _flag(session, sato)
    assert access.can_share_flag(v(session, sato), flag)
    for name in ("suzuki", "yamamoto", "trainer", "hr", "admin"):
        assert not access.can_share_flag(v(session, people[name]), flag), name
    # the owner's id alone is not enough: the person must (still) be staff
    for role in (Role.trainer, Role.hr, Role.admin):
        assert not access.can_share_flag(Viewer(id=sato.id, role=role), flag), role


def test_standing_consent_covers_later_flags_and_withdrawal_hides_them(session, people):
    hr = v(session, people["hr"])
    sato = people["sato"]
    before = _flag(session, sato, at=utcnow() - timedelta(days=30))
    consent = Consent(user_id=sato.id, kind=ConsentKind.share_flags,
                      granted_at=utcnow() - timedelta(days=7))
    session.add(consent)
    session.commit()
    after = _flag(session, sato)
    assert access.can_see_flag(session, hr, after)
    assert not access.can_see_flag(session, hr, before)  # raised before the consent
    consent.withdrawn_at = utcnow()
    session.add(consent)
    session.commit()
    later = _flag(session, sato, at=utcnow() + timedelta(seconds=1))
    assert not access.can_see_flag(session, hr, after)
    assert not access.can_see_flag(session, hr, later)


def test_incidents_staff_own_hr_all_others_none(session, people):
    for name in ("sato", "suzuki"):
        session.add(Incident(reporter_id=people[name].id, occurred_on=date(2026, 11, 20),
                             kind="abuse", description="…"))
    session.commit()
    for name, expected in [("sato", 1), ("hr", 2), ("trainer", 0), ("admin", 0)]:
        rows = session.exec(select(Incident).where(access.incidents_filter(v(session, people[name])))).all()
        assert len(rows) == expected, name
    assert access.can_work_incidents(v(session, people["hr"]))
    assert not access.can_work_incidents(v(session, people["sato"]))


def test_only_staff_report_incidents(session, people):
    for name, user in people.items():
        assert access.can_report_incident(v(session, user)) == (user.role == Role.staff), name
    assert not access.can_report_incident(Viewer(id=0, role=Role.hr))


def test_admin_rules(session, people):
    for name, user in people.items():
        viewer = v(session, user)
        assert access.can_manage_users(viewer) == (name == "admin")
        assert access.can_read_audit_log(viewer) == (name == "admin")
        assert access.can_see_agreement(viewer) == (user.role in (Role.trainer, Role.admin))
        assert access.can_work_one_on_ones(viewer) == (name == "hr")


def test_only_staff_practise_and_only_hr_hold_one_on_ones(session, people):
    for name, user in people.items():
        viewer = v(session, user)
        assert access.can_practise(viewer) == (user.role == Role.staff), name
        assert access.may_hold_one_on_ones(user.role) == (name == "hr"), name
