"""Wellbeing: consent (services.consent), check-ins and flags (services.checkin), the one-on-one
queue (services.one_on_one), incidents (services.incidents) and HR trends (services.trends).

The tests whose SQL matters run on SQLite and on PostgreSQL (``db``, through ``any_db_env``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from core.access import checkins_filter, viewer_for
from core.config import get_settings
from core.errors import NotAllowed, NotFound, WellbeingError
from core.i18n import t
from core.models import (
    Attempt,
    AuditLog,
    CheckIn,
    ConsentKind,
    Flag,
    Incident,
    OneOnOne,
    Role,
    User,
)
from demo import checkin as demo_checkin
from demo import incidents as demo_incidents
from services import checkin as wd
from services import consent as cs
from services import incidents
from services import one_on_one as oo
from services import trends as wt
from services.users import get_or_create_team
from ui import charts as ui_charts
from wellbeing.instruments import MAX_FREE_TEXT_CHARS

TODAY = date(2026, 11, 25)  # a Wednesday
THIS_WEEK = date(2026, 11, 23)
LAST_WEEK = THIS_WEEK - timedelta(weeks=1)
HIDDEN = "個人が特定されないよう非表示"

GOOD = {"who5": [4, 4, 4, 4, 4], "job": {}}  # raw 20, 80 %
SEVERE = {"who5": [0, 0, 0, 0, 0],
          "job": {"harassment": "four_plus", "workload": "too_heavy", "consult": "disagree",
                  "sleep": "very_poorly", "harassment_kinds": ["threats"],
                  "free_text": "とてもつらい"}}


@pytest.fixture
def db(any_db_env):
    from core.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def sq(session):
    """SQLite only (for tests where the SQL does not matter)."""
    return session


def person(s: Session, name: str, team: str | None = "東京", role: Role = Role.staff,
           consent: bool = True, share: bool = False, at: datetime | None = None):
    """A user (no password hashing: fast) and their viewer, with consent as asked."""
    team_id = get_or_create_team(s, team).id if team else None
    user = User(username=name, display_name=name, role=role, team_id=team_id)
    s.add(user)
    s.flush()
    v = viewer_for(s, user)
    if consent and role == Role.staff:
        cs.give_consent(s, v, ConsentKind.wellbeing, now=at)
        if share:
            cs.give_consent(s, v, ConsentKind.share_flags, now=at)
    s.commit()
    return v


def answers(base, k6=None, **job):
    out = {"who5": list(base["who5"]), "k6": k6, "job": {**base["job"], **job}}
    return out


def checkin(s, v, data, day=LAST_WEEK, k6=(1, 1, 1, 1, 1, 1), **kw):
    """Save with the K6 given only when it is due (as the page does)."""
    data = dict(data)
    if data.get("k6") is None and wd.checkin_state(s, v, day).k6_due:
        data["k6"] = list(k6)
    r = wd.save_checkin(s, v, data, day, scenario_ids=frozenset(), **kw)
    s.commit()
    return r


# --- consent ---------------------------------------------------------------------------------


def test_no_checkin_without_consent_and_rows_are_kept_on_withdrawal(sq):
    v = person(sq, "sato", consent=False)
    with pytest.raises(WellbeingError) as e:
        wd.save_checkin(sq, v, GOOD, TODAY, scenario_ids=frozenset())
    assert e.value.key == "checkin.err_no_consent"
    with pytest.raises(WellbeingError):
        cs.give_consent(sq, v, ConsentKind.share_flags)  # collection first
    cs.give_consent(sq, v, ConsentKind.wellbeing)
    cs.give_consent(sq, v, ConsentKind.share_flags)
    assert cs.consent_status(sq, v) == {ConsentKind.wellbeing: True, ConsentKind.share_flags: True}
    assert cs.withdraw_consent(sq, v, ConsentKind.wellbeing) == 2  # share_flags goes with it
    sq.commit()
    assert cs.consent_status(sq, v) == {ConsentKind.wellbeing: False, ConsentKind.share_flags: False}
    from core.models import Consent

    rows = sq.exec(select(Consent).where(Consent.user_id == v.id)).all()
    assert len(rows) == 2 and all(r.withdrawn_at is not None for r in rows)
    actions = sq.exec(select(AuditLog.detail).where(AuditLog.action == "consent_changed")).all()
    assert sorted(actions) == ["grant share_flags", "grant wellbeing", "withdraw share_flags",
                               "withdraw wellbeing"]
    with pytest.raises(WellbeingError):
        wd.save_checkin(sq, v, GOOD, TODAY, scenario_ids=frozenset())


def test_only_staff_give_consent_or_check_in(sq):
    for role in (Role.hr, Role.trainer, Role.admin):
        v = person(sq, f"u_{role.value}", role=role)
        with pytest.raises(NotAllowed):
            cs.give_consent(sq, v, ConsentKind.wellbeing)
        with pytest.raises(NotAllowed):
            cs.withdraw_consent(sq, v, ConsentKind.wellbeing)
        with pytest.raises(NotAllowed):
            wd.save_checkin(sq, v, GOOD, TODAY)


@pytest.mark.parametrize(("bad", "key"), [
    ({"who5": [4, 4, 4, 4, 9], "k6": [1] * 6, "job": {}}, "checkin.err_who5"),
    ({"who5": [4, 4, 4], "k6": [1] * 6, "job": {}}, "checkin.err_who5"),
    ({"who5": [4] * 5, "k6": [1, 1, 1, 1, 1, 7], "job": {}}, "checkin.err_k6"),
    ({"who5": [4] * 5, "job": {"workload": "endless"}}, "checkin.err_job"),
    ({"who5": [4] * 5, "job": {"free_text": "あ" * (MAX_FREE_TEXT_CHARS + 1)}},
     "checkin.err_free_text_long"),
])
def test_bad_answers_are_refused_with_a_catalogue_message(sq, bad, key):
    v = person(sq, "sato")
    with pytest.raises(WellbeingError) as e:
        wd.save_checkin(sq, v, bad, TODAY, scenario_ids=frozenset())
    assert e.value.key == key and e.value.kind == "invalid"
    assert t(key, "ja", **e.value.values) != t(key, "en", **e.value.values)  # both languages
    assert sq.exec(select(CheckIn)).all() == []


# --- the check-in ---------------------------------------------------------------------------


def test_one_checkin_per_week_editable_that_week(db):
    v = person(db, "sato")
    first = checkin(db, v, SEVERE, day=TODAY)
    assert first.assessment.level == "urgent"
    assert first.feedback.show_support_contacts
    assert first.flag is not None and first.flag.level == "urgent"
    flag_id = first.flag.id
    # edited the same week (Friday): the same row, no second flag
    second = checkin(db, v, GOOD, day=TODAY + timedelta(days=2))
    assert second.checkin.id == first.checkin.id
    rows = db.exec(select(CheckIn).where(CheckIn.user_id == v.id)).all()
    assert len(rows) == 1 and rows[0].who5_raw == 20 and rows[0].level == "none"
    assert rows[0].free_text is None and rows[0].k6 is not None  # K6 was due this week
    assert db.get(Flag, flag_id) is None  # nothing to flag any more
    # the next week is a new row
    third = checkin(db, v, GOOD, day=TODAY + timedelta(days=7))
    assert third.checkin.id != first.checkin.id
    assert third.checkin.week_start == THIS_WEEK + timedelta(weeks=1)


def test_stored_values_and_result(db):
    v = person(db, "sato")
    r = checkin(db, v, answers(SEVERE, one_on_one=True), day=TODAY, k6=(4,) * 6)
    c = r.checkin
    assert (c.who5_raw, c.who5_pct, c.k6_total, c.harassment_count) == (0, 0, 24, 3)
    assert c.wants_one_on_one and c.free_text == "とてもつらい"
    assert "free_text" not in c.job and c.job["sleep"] == "very_poorly"
    codes = {x["code"] for x in c.reasons}
    assert {"k6_serious", "who5_very_low", "harassment_threat", "one_on_one_requested"} <= codes
    again = wd.checkin_result(db, v, c, scenario_ids=frozenset())
    assert again.assessment.codes == r.assessment.codes
    assert again.feedback.message == r.feedback.message


def test_k6_is_asked_every_four_weeks(db):
    v = person(db, "sato")
    due = []
    for week in range(9):
        day = LAST_WEEK - timedelta(weeks=8 - week)
        state = wd.checkin_state(db, v, day)
        due.append(state.k6_due)
        if state.k6_due:
            with pytest.raises(WellbeingError) as e:
                wd.save_checkin(db, v, GOOD, day, scenario_ids=frozenset())
            assert e.value.key == "checkin.err_k6_due"
        else:
            with pytest.raises(WellbeingError) as e:
                wd.save_checkin(db, v, answers(GOOD, k6=[0] * 6), day, scenario_ids=frozenset())
            assert e.value.key == "checkin.err_k6_not_due"
        checkin(db, v, GOOD, day=day)
    assert due == [True, False, False, False, True, False, False, False, True]


def test_k6_after_a_missed_week_is_asked_at_the_next_checkin(sq):
    v = person(sq, "sato")
    start = LAST_WEEK - timedelta(weeks=6)
    checkin(sq, v, GOOD, day=start)
    for w in (1, 2, 3, 5):  # week 4 missed
        assert wd.checkin_state(sq, v, start + timedelta(weeks=w)).k6_due is (w == 5)
        checkin(sq, v, GOOD, day=start + timedelta(weeks=w))


def test_own_baseline_drop_uses_previous_checkins(sq):
    v = person(sq, "sato")
    for w in range(4):
        checkin(sq, v, GOOD, day=LAST_WEEK - timedelta(weeks=4 - w))
    r = checkin(sq, v, {"who5": [3, 3, 3, 3, 3], "job": {}}, day=LAST_WEEK)  # 80 % → 60 %
    assert "who5_drop" in r.assessment.codes and r.assessment.level == "watch"
    assert r.assessment.who5_baseline_pct == 80


def test_harassment_roleplays_of_the_week_count(sq):
    v = person(sq, "sato")
    monday = datetime.combine(THIS_WEEK, time(9), tzinfo=UTC)
    for run, scenario, days in (("r1", "harassment_abuse", 0), ("r1", "harassment_abuse", 0),
                                ("r2", "harassment_threat", 1), ("r3", "late_delivery", 1),
                                ("r4", "harassment_abuse", -3)):  # last week: not counted
        sq.add(Attempt(user_id=v.id, run_id=run, scenario_id=scenario, audio_path="a.wav",
                       created_at=monday + timedelta(days=days)))
    sq.commit()
    ids = wd.harassment_scenario_ids()
    assert {"harassment_abuse", "harassment_threat"} <= ids and "late_delivery" not in ids
    assert wd.harassment_roleplays_in_week(sq, v.id, THIS_WEEK) == 2
    r = wd.save_checkin(sq, v, answers({"who5": [2] * 5, "job": {}}, k6=[0] * 6), TODAY)
    assert r.harassment_roleplays == 2 and "roleplay_load" in r.assessment.codes


def test_harassment_roleplays_follow_the_company_week(sq):
    """Monday 00:30 in Tokyo is still Sunday in UTC: it belongs to the Monday's week."""
    v = person(sq, "sato")
    monday_0030_tokyo = datetime.combine(THIS_WEEK, time(0, 30), tzinfo=UTC) - timedelta(hours=9)
    sq.add(Attempt(user_id=v.id, run_id="r1", scenario_id="harassment_abuse", audio_path="a.wav",
                   created_at=monday_0030_tokyo))
    sq.commit()
    assert wd.harassment_roleplays_in_week(sq, v.id, THIS_WEEK) == 1
    assert wd.harassment_roleplays_in_week(sq, v.id, THIS_WEEK - timedelta(weeks=1)) == 0


# --- flags, consent and the one-on-one queue -----------------------------------------------------


def _queue(s, hr):
    items = oo.one_on_one_queue(s, hr, include_closed=True)
    s.commit()
    return items


def test_hr_sees_a_flag_only_with_consent_and_never_answers(db):
    hr = person(db, "hr", team=None, role=Role.hr)
    quiet = person(db, "quiet")
    sharer = person(db, "sharer", share=True)
    checkin(db, quiet, SEVERE)
    checkin(db, sharer, SEVERE)
    items = _queue(db, hr)
    assert [i.person for i in items] == ["sharer"]
    item = items[0]
    assert item.level == "urgent" and not item.requested_by_person
    assert {r["code"] for r in item.reasons} >= {"who5_very_low", "harassment_threat"}
    fields = set(item.__dataclass_fields__)
    assert not fields & {"who5", "who5_raw", "who5_pct", "k6", "k6_total", "job", "free_text"}
    assert "とてもつらい" not in repr(item)
    # individual answers: nobody but the person
    assert db.exec(select(CheckIn).where(checkins_filter(hr))).all() == []
    own = db.exec(select(CheckIn).where(checkins_filter(quiet))).all()
    assert [c.user_id for c in own] == [quiet.id]
    with pytest.raises(PermissionError):
        wd.checkin_result(db, hr, own[0])
    # every entry shown is audited, and its flag
    logged = db.exec(select(AuditLog.action, AuditLog.target_id)).all()
    assert ("view_one_on_one", item.id) in logged
    assert ("view_flag", db.exec(select(Flag.id).where(Flag.user_id == sharer.id)).one()) in logged


def test_sharing_one_flag_with_chosen_reasons(db):
    hr = person(db, "hr", team=None, role=Role.hr)
    v = person(db, "sato")
    r = checkin(db, v, SEVERE)
    assert _queue(db, hr) == []
    other = person(db, "other")
    with pytest.raises(PermissionError):
        wd.share_flag(db, other, r.flag.id)  # only the owner shares
    with pytest.raises(PermissionError):
        wd.share_flag(db, hr, r.flag.id)
    wd.share_flag(db, v, r.flag.id, ["harassment_threat"])
    db.commit()
    [item] = _queue(db, hr)
    assert [x["code"] for x in item.reasons] == ["harassment_threat"]
    assert item.level == "urgent"


def test_a_request_reaches_hr_without_the_flags_content(db):
    hr = person(db, "hr", team=None, role=Role.hr)
    v = person(db, "sato")
    checkin(db, v, answers(SEVERE, one_on_one=True))
    [item] = _queue(db, hr)
    assert item.requested_by_person and item.level is None and item.reasons == ()
    assert [m.status for m in oo.my_one_on_ones(db, v)] == ["open"]
    # un-asking the same week withdraws the open request
    checkin(db, v, SEVERE, day=LAST_WEEK + timedelta(days=1))
    assert _queue(db, hr) == []


def test_withdrawn_standing_consent_hides_flags(db):
    hr = person(db, "hr", team=None, role=Role.hr)
    start = datetime.combine(LAST_WEEK - timedelta(weeks=3), time(9), tzinfo=UTC)
    v = person(db, "sato", share=True, at=start)
    checkin(db, v, SEVERE, day=LAST_WEEK - timedelta(weeks=2),
            now=start + timedelta(days=1))
    assert [i.person for i in _queue(db, hr)] == ["sato"]
    cs.withdraw_consent(db, v, ConsentKind.share_flags, now=start + timedelta(days=2))
    db.commit()
    checkin(db, v, SEVERE, day=LAST_WEEK, now=start + timedelta(days=10))
    assert _queue(db, hr) == []  # the earlier flag and the later one
    assert len(db.exec(select(Flag).where(Flag.user_id == v.id)).all()) == 2


def test_one_entry_per_person_and_status_flow(db):
    hr = person(db, "hr", team=None, role=Role.hr)
    hr2 = person(db, "hr2", team=None, role=Role.hr)
    v = person(db, "sato", share=True)
    checkin(db, v, SEVERE, day=LAST_WEEK - timedelta(weeks=1))
    checkin(db, v, SEVERE, day=LAST_WEEK)
    [item] = _queue(db, hr)  # the newest flag, one entry
    assert db.get(OneOnOne, item.id).flag_id == db.exec(
        select(Flag.id).where(Flag.user_id == v.id).order_by(Flag.id.desc())).first()
    with pytest.raises(WellbeingError):
        oo.update_one_on_one(db, hr, item.id, status="done")  # open → done skips scheduling
    with pytest.raises(WellbeingError):
        oo.update_one_on_one(db, hr, item.id, assignee_id=v.id)  # staff cannot be assignee
    when = datetime(2026, 12, 1, 10, tzinfo=UTC)
    oo.update_one_on_one(db, hr, item.id, status="scheduled", assignee_id=hr2.id,
                         scheduled_for=when, notes="本人の希望で夕方")
    oo.update_one_on_one(db, hr, item.id, status="done")
    db.commit()
    assert _queue(db, hr)[0].status == "done"
    assert oo.one_on_one_queue(db, hr) == []  # closed ones only on request
    with pytest.raises(WellbeingError):
        oo.update_one_on_one(db, hr, item.id, status="open")
    mine = oo.my_one_on_ones(db, v)
    assert mine == [] or not hasattr(mine[0], "notes")
    trainer = person(db, "trainer", role=Role.trainer)
    with pytest.raises(PermissionError):
        oo.one_on_one_queue(db, trainer)
    with pytest.raises(PermissionError):
        oo.update_one_on_one(db, trainer, item.id, status="declined")


def test_a_trainer_sees_nothing_of_wellbeing(db):
    trainer = person(db, "trainer", role=Role.trainer)
    v = person(db, "sato", share=True)
    checkin(db, v, SEVERE)
    incidents.report_incident(db, v, occurred_on=LAST_WEEK, kind="threats", description="脅された",
                       today=TODAY)
    db.commit()
    assert db.exec(select(CheckIn).where(checkins_filter(trainer))).all() == []
    assert incidents.list_incidents(db, trainer) == []
    for call in (lambda: wt.trends_report(db, trainer, TODAY),
                 lambda: oo.one_on_one_queue(db, trainer),
                 lambda: wd.checkin_state(db, trainer, TODAY),
                 lambda: incidents.update_incident(db, trainer, 1, status="closed")):
        with pytest.raises(PermissionError):
            call()


# --- incidents -------------------------------------------------------------------------------------


def test_incidents_staff_report_and_hr_works(db):
    hr = person(db, "hr", team=None, role=Role.hr)
    a, b = person(db, "a"), person(db, "b")
    with pytest.raises(WellbeingError):
        incidents.report_incident(db, a, occurred_on=LAST_WEEK, kind="nonsense", description="x")
    with pytest.raises(WellbeingError):
        incidents.report_incident(db, a, occurred_on=TODAY + timedelta(days=1), kind="threats",
                           description="x", today=TODAY)
    with pytest.raises(PermissionError):
        incidents.report_incident(db, hr, occurred_on=LAST_WEEK, kind="threats", description="x")
    inc = incidents.report_incident(db, a, occurred_on=LAST_WEEK, kind="threats", description="脅された")
    incidents.report_incident(db, b, occurred_on=LAST_WEEK, kind="long_calls", description="2時間")
    db.commit()
    assert [i.description for i in incidents.list_incidents(db, a)] == ["脅された"]
    assert len(incidents.list_incidents(db, hr)) == 2
    db.commit()
    assert len(db.exec(select(AuditLog).where(AuditLog.action == "view_incident")).all()) == 2
    with pytest.raises(PermissionError):
        incidents.update_incident(db, a, inc.id, status="closed")
    incidents.update_incident(db, hr, inc.id, status="in_progress", actions="上長が確認")
    db.commit()
    assert db.get(Incident, inc.id).status == "in_progress"


# --- HR trends --------------------------------------------------------------------------------------


def _team(s, name, n, data=GOOD, day=LAST_WEEK, **kw):
    people = [person(s, f"{name}_{i}", team=name, **kw) for i in range(n)]
    for v in people:
        checkin(s, v, data, day=day)
    return people


def _cells(report, week=LAST_WEEK):
    return {c.team: c for c in report.cells if c.week == week}


def test_aggregation_numbers(db):
    hr = person(db, "hr", team=None, role=Role.hr)
    a = [person(db, f"a{i}", team="A") for i in range(6)]
    who5 = [[4] * 5, [4] * 5, [3] * 5, [3] * 5, [2] * 5, [1] * 5]  # 80 80 60 60 40 20 %
    k6 = [[0] * 6, [1] * 6, [2] * 6, [2] * 6, [3] * 6, [4] * 6]  # 0 6 12 12 18 24
    jobs = [{}, {}, {"harassment": "once"}, {"workload": "heavy"},
            {"harassment": "two_three", "sleep": "poorly"}, {}]
    for v, w, k, j in zip(a, who5, k6, jobs, strict=True):
        checkin(db, v, {"who5": w, "k6": k, "job": j})
    lonely = person(db, "lonely", team=None)  # in no team: in the company total only
    checkin(db, lonely, {"who5": [5] * 5, "k6": [0] * 6, "job": {}})
    rows = {r.team: r for r in wt.aggregate_rows(db, LAST_WEEK, LAST_WEEK)}
    ra, total = rows["A"], rows[None]
    assert ra.n_respondents == 6 and total.n_respondents == 7
    assert ra.who5_mean == pytest.approx(340 / 6)
    assert total.who5_mean == pytest.approx(440 / 7)
    # levels: 40 % and 20 % are watch/urgent; 60 % with K6 12 is watch (K6 ≥ 10)
    levels = [c.level for c in db.exec(select(CheckIn).where(CheckIn.team_id.is_not(None))).all()]
    assert ra.share_watch == pytest.approx(levels.count("watch") / 6)
    assert ra.share_urgent == pytest.approx(levels.count("urgent") / 6)
    assert dict(ra.k6_histogram) == {"0-4": 1, "5-9": 1, "10-12": 2, "13-24": 2}
    assert total.k6_histogram["0-4"] == 2
    assert ra.harassment_reports == 2
    assert ra.job_item_means["harassment"] == pytest.approx((1 + 2) / 6)
    assert ra.job_item_means["workload"] == pytest.approx(2 / 6)
    assert ra.job_item_means["sleep"] == pytest.approx(2 / 6)
    assert ra.job_item_means["consult"] == 0
    # shown to HR after the rules: total 7 − A 6 = 1 person in no team → A is hidden
    report = wt.trends_report(db, hr, TODAY)
    cells = _cells(report)
    assert cells[None].n_respondents == 7 and not cells[None].suppressed
    assert cells["A"].suppressed and cells["A"].reason == "complementary"


def test_suppression_at_four_and_five(db):
    hr = person(db, "hr", team=None, role=Role.hr)
    _team(db, "five", 5)
    _team(db, "four", 4, data={"who5": [1] * 5, "job": {}})
    _team(db, "one", 1)
    report = wt.trends_report(db, hr, TODAY)
    cells = _cells(report)
    assert not cells["five"].suppressed and cells["five"].n_respondents == 5
    assert cells["five"].who5_mean == 80
    assert cells["four"].suppressed and cells["four"].reason == "small_group"
    assert cells["four"].who5_mean is None and cells["four"].notice.ja == HIDDEN
    assert cells["one"].suppressed
    assert cells[None].n_respondents == 10  # residual 4 + 1 = 5 ≥ 5: safe to show
    # participation on team sizes follows the same rules
    part = {p.team: p for p in report.participation if p.week == LAST_WEEK}
    assert part["five"].rate == 1 and part["four"].suppressed
    # the current week is open: hidden whatever its size
    for v in db.exec(select(User).where(User.username.like("five_%"))).all():
        checkin(db, viewer_for(db, v), GOOD, day=TODAY)
    assert _cells(wt.trends_report(db, hr, TODAY), THIS_WEEK)["five"].reason == "week_open"


def test_the_subtraction_attack_fails(db):
    hr = person(db, "hr", team=None, role=Role.hr)
    _team(db, "big", 6)
    small = _team(db, "small", 3, data={"who5": [0] * 5, "job": {}})
    incidents.report_incident(db, small[0], occurred_on=LAST_WEEK, kind="threats", description="x")
    db.commit()
    report = wt.trends_report(db, hr, TODAY)
    cells = _cells(report)
    # company 9 − big 6 would give the small team (3): so big is hidden as well
    assert cells["small"].suppressed and cells["big"].suppressed
    assert cells["big"].reason == "complementary"
    assert not cells[None].suppressed
    shown = [c for c in report.cells if not c.suppressed and c.week == LAST_WEEK]
    assert [c.team for c in shown] == [None]
    assert set(report.incidents) == {(None, LAST_WEEK)}  # incidents only beside shown cells
    part = {p.team: p for p in report.participation if p.week == LAST_WEEK}
    assert part["big"].suppressed and part["small"].suppressed
    # the CSV carries no value of a hidden cell
    text = wt.trends_csv(db, hr, report).decode("utf-8-sig")
    lines = [line.split(",") for line in text.splitlines()]
    header = lines[0]
    for line in lines[1:]:
        row = dict(zip(header, line, strict=True))
        if row["team"] in ("big", "small"):
            assert row["note"] == HIDDEN
            assert all(row[k] == "" for k in header if k not in ("week", "team", "note"))


def test_free_text_only_for_ten_or_more_and_never_per_person(db):
    hr = person(db, "hr", team=None, role=Role.hr)
    _team(db, "ten", 10, data=answers(GOOD, free_text="休憩が取りにくい"))
    _team(db, "five", 5, data=answers(GOOD, free_text="秘密の話"))
    _team(db, "six", 6)
    report = wt.trends_report(db, hr, TODAY)
    ft = {c.team: c for c in report.free_text if c.week == LAST_WEEK}
    assert not ft["ten"].suppressed and ft["ten"].texts == ("休憩が取りにくい",) * 10
    assert ft["five"].suppressed and ft["five"].texts is None  # under 10 (scores are shown)
    assert not _cells(report)["five"].suppressed
    assert not ft[None].suppressed  # company 21; residual 11 ≥ 10
    assert sorted(ft[None].texts) == list(ft[None].texts)  # sorted: no submission order


def test_csv_is_aggregates_only_and_audited(db):
    hr = person(db, "hr", team=None, role=Role.hr)
    _team(db, "A", 5, data=answers(GOOD, free_text="個人の記述"))
    _team(db, "B", 5)
    report = wt.trends_report(db, hr, TODAY)
    data = wt.trends_csv(db, hr, report).decode("utf-8-sig")
    db.commit()
    assert "個人の記述" not in data and "A_0" not in data
    assert data.splitlines()[0].startswith("week,team,note,n,participation,who5_mean")
    actions = db.exec(select(AuditLog.action)).all()
    assert "view_trends" in actions and "export_csv" in actions
    staff = person(db, "staff")
    with pytest.raises(PermissionError):
        wt.trends_csv(db, staff, report)


def test_trend_charts_draw_the_shown_cells(sq):
    hr = person(sq, "hr", team=None, role=Role.hr)
    _team(sq, "A", 5)
    _team(sq, "B", 5)
    records = wt.cell_records(wt.trends_report(sq, hr, TODAY))
    charts = ui_charts.trend_charts(records)
    assert {"who5", "share_watch", "k6", "job", "participation"} <= set(charts)
    who5 = charts["who5"].to_dict()
    assert who5["encoding"]["y"]["field"] == "who5_mean"
    assert who5["encoding"]["y"]["scale"]["domain"] == [0, 100]
    assert charts["share_watch"].to_dict()["encoding"]["y"]["axis"]["format"] == ".0%"
    assert charts["k6"].to_dict()["encoding"]["column"]["field"] == "team"
    assert charts["job"].to_dict()["encoding"]["y"]["scale"]["domain"] == [0, 3]
    drawn = {(r["team"], r["week"]) for r in records if r["note"] == ""}
    data = charts["who5"].to_dict()["datasets"]
    rows = [row for rows in data.values() for row in rows]
    assert {(r["team"], r["week"]) for r in rows} == {k for k in drawn}  # hidden cells never drawn


def test_own_checkin_charts(sq):
    v = person(sq, "sato")
    checkin(sq, v, GOOD, day=LAST_WEEK - timedelta(weeks=1))
    checkin(sq, v, GOOD, day=LAST_WEEK)
    points = wd.own_trend(sq, v)
    assert [p["who5"] for p in points] == [80, 80]
    who5, k6 = ui_charts.own_checkin_charts(points)  # the first check-in asked the K6
    assert who5.to_dict()["encoding"]["y"]["scale"]["domain"] == [0, 100]
    assert k6.to_dict()["encoding"]["y"]["field"] == "k6"


def test_demo_seed(sq):
    from demo.seed import DEMO_PEOPLE

    people = {}
    for username, name, role, team in DEMO_PEOPLE:
        team_id = get_or_create_team(sq, team).id if team else None
        people[username] = User(username=username, display_name=name, role=role, team_id=team_id)
        sq.add(people[username])
    sq.flush()
    demo_checkin.seed_demo(sq, people, today=TODAY)
    demo_incidents.seed_demo(sq, people, today=TODAY)
    sq.commit()
    hr = viewer_for(sq, people["hr"])
    queue = {i.person: i for i in oo.one_on_one_queue(sq, hr)}
    assert "鈴木 大輔" in queue and queue["鈴木 大輔"].level in ("watch", "urgent")
    assert "高橋 美穂" not in queue  # her flags are not shared
    assert sq.exec(select(Flag).where(Flag.user_id == people["takahashi"].id)).first()
    assert queue["田中 翔"].requested_by_person
    report = wt.trends_report(sq, hr, TODAY)
    fukuoka = [c for c in report.cells if c.team == "福岡サポート"]
    assert fukuoka and all(c.suppressed for c in fukuoka)  # 3 people: always hidden
    assert any(not c.suppressed for c in report.cells if c.team in ("東京サポート", "大阪サポート"))
    assert any(not c.suppressed for c in report.cells if c.team is None)
    assert len(sq.exec(select(Incident)).all()) == 2
    assert get_settings().min_group_size == 5


def test_unknown_rows_are_not_found_and_others_rows_not_allowed(db):
    hr = person(db, "hr", team=None, role=Role.hr)
    a, b = person(db, "a"), person(db, "b")
    with pytest.raises(NotFound) as e:
        incidents.update_incident(db, hr, 999_999, status="closed")
    assert e.value.key == "incidents.err_not_found" and e.value.kind == "not_found"
    with pytest.raises(NotFound):
        oo.update_one_on_one(db, hr, 999_999, status="scheduled")
    mine = checkin(db, a, GOOD)
    with pytest.raises(NotAllowed) as e:  # someone else's check-in
        wd.checkin_result(db, b, mine.checkin)
    assert e.value.key == "app.refused" and e.value.kind == "not_allowed"
    attempt = Attempt(user_id=a.id, audio_path="a/1.wav", scenario_id="s", turn_id="t1")
    db.add(attempt)
    db.flush()
    with pytest.raises(NotAllowed):  # b links a's practice attempt to b's report
        incidents.report_incident(db, b, occurred_on=LAST_WEEK, kind="threats",
                                  description="x", attempt_id=attempt.id, today=TODAY)
