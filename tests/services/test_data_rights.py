"""Data rights under APPI (services.data_rights): export, erasure, retention, correction, and the
consent-withdrawal rule for HR aggregates. Every test that touches SQL runs on SQLite and on
PostgreSQL (``db``)."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from core import access, audit, models, storage
from core.access import viewer_for
from core.config import get_settings
from core.errors import NotAllowed, NotFound
from core.models import (
    Attempt,
    AttemptKind,
    AttemptStatus,
    AuditLog,
    CheckIn,
    Comment,
    ConsentKind,
    ErasureRecord,
    Flag,
    Incident,
    OneOnOne,
    OneOnOneStatus,
    Review,
    Role,
    TrendRollup,
    User,
)
from services import checkin as wd
from services import consent as cs
from services import data_rights as dr
from services import one_on_one as oo
from services import trends as wt
from services.users import get_or_create_team

TODAY = date(2026, 11, 25)  # a Wednesday
THIS_WEEK = date(2026, 11, 23)
LAST_WEEK = THIS_WEEK - timedelta(weeks=1)
NOW = datetime.combine(TODAY, time(3), tzinfo=UTC)  # 12:00 in Tokyo
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(200))  # bytes stored as a recording

NAME = "erasee_q7x"
DISPLAY = "消去 花子"
FREE_TEXT = "上司に相談しにくい（消去テスト）"
NOTES = "人事メモ：来週電話する"
TRANSCRIPT = "申し訳ございません、すぐにお調べします"
GOOD = {"who5": [4, 4, 4, 4, 4], "job": {}}
SEVERE = {"who5": [0, 0, 0, 0, 0],
          "job": {"harassment": "four_plus", "workload": "too_heavy", "consult": "disagree",
                  "sleep": "very_poorly", "harassment_kinds": ["threats"]}}


@pytest.fixture
def db(any_db_env):
    from core.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


def person(s: Session, username: str, *, role: Role = Role.staff, team: str | None = "東京",
           display_name: str | None = None, consent: bool = True, share: bool = False):
    team_id = get_or_create_team(s, team).id if team else None
    user = User(username=username, display_name=display_name or username, role=role,
                team_id=team_id)
    s.add(user)
    s.flush()
    v = viewer_for(s, user)
    if consent and role == Role.staff:
        cs.give_consent(s, v, ConsentKind.wellbeing, now=NOW - timedelta(weeks=8))
        if share:
            cs.give_consent(s, v, ConsentKind.share_flags, now=NOW - timedelta(weeks=8))
    s.commit()
    return v


def checkin(s, v, data, day=LAST_WEEK, free_text: str = ""):
    data = {"who5": list(data["who5"]), "job": {**data["job"], "free_text": free_text}}
    if wd.checkin_state(s, v, day).k6_due:
        data["k6"] = [1] * 6
    r = wd.save_checkin(s, v, data, day, scenario_ids=frozenset(),
                        now=datetime.combine(day, time(1), tzinfo=UTC))
    s.commit()
    return r


def attempt(s, v, *, kind=AttemptKind.practice, created_at=None, data=WAV,
            transcript=TRANSCRIPT, result: dict | None = None) -> Attempt:
    rel, sha = storage.save_recording(v.id, data)
    a = Attempt(user_id=v.id, kind=kind, run_id=f"run-{v.id}", scenario_id="late_delivery",
                scenario_version=1, turn_id="t1", audio_path=rel, audio_sha256=sha,
                status=AttemptStatus.done, transcript=transcript,
                result=result, score=81, passed=True,
                created_at=created_at or NOW)
    s.add(a)
    s.commit()
    return a


def everything(s: Session) -> dict:
    """One record of every kind for the person P (and a trainer, HR, an admin and a
    bystander with data of their own)."""
    admin = person(s, "admin_dr", role=Role.admin, team=None)
    trainer = person(s, "trainer_dr", role=Role.trainer)
    hr = person(s, "hr_dr", role=Role.hr, team=None)
    p = person(s, NAME, display_name=DISPLAY, share=True)
    bystander = person(s, "bystander_dr")
    s.add(models.TrainerTeam(trainer_id=trainer.id, team_id=p.team_id))
    practice = attempt(s, p, result={"transcript": TRANSCRIPT, "score": 81})
    calibration = attempt(s, p, kind=AttemptKind.calibration)
    other = attempt(s, bystander, data=WAV + b"other", transcript="他の人の文字起こし")
    s.add(Review(attempt_id=practice.id, trainer_id=trainer.id, score_override=85,
                 reason="落ち着いた声でよい"))
    s.add(Comment(attempt_id=practice.id, author_id=trainer.id, at_seconds=1.5,
                  text="ここで一呼吸"))
    s.add(Review(attempt_id=other.id, trainer_id=trainer.id, reason="他の人のレビュー"))
    s.commit()
    severe = checkin(s, p, SEVERE, free_text=FREE_TEXT)  # flag shared by standing consent
    checkin(s, bystander, GOOD, free_text="ふつう")
    one = oo.request_for(s, severe.flag)
    oo.update_one_on_one(s, viewer_for(s, s.get(User, hr.id)), one.id, status="scheduled",
                         assignee_id=hr.id, notes=NOTES, now=NOW)
    incident = Incident(reporter_id=p.id, team_id=p.team_id, occurred_on=LAST_WEEK,
                        kind="abusive_language", description="大声で繰り返し言われた",
                        attempt_id=practice.id)
    s.add(incident)
    audit.record(s, action=audit.Action.user_created, actor_id=admin.id,
                 actor_name=admin.username, target_type="user", target_id=p.id,
                 detail=f"{NAME} (staff)")
    audit.record(s, action=audit.Action.login, actor_id=p.id, actor_name=NAME)
    extra = {}
    if hasattr(models, "UserSession"):  # login sessions (another helper's table)
        extra["session"] = models.UserSession(user_id=p.id, token_hash="tok-secret-123",
                                              fingerprint="fp-secret",
                                              expires_at=NOW + timedelta(hours=12))
        s.add(extra["session"])
    if hasattr(models, "Job"):  # a background job about P's attempt (no foreign key)
        s.add(models.Job(kind="analyse", target_id=practice.id,
                         error=f"failed on {practice.audio_path}"))
    s.commit()
    return {"admin": admin, "trainer": trainer, "hr": hr, "p": p, "bystander": bystander,
            "practice": practice, "calibration": calibration, "other": other,
            "incident": incident, "one": one, **extra}


def archive(data: bytes) -> tuple[zipfile.ZipFile, dict]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return z, json.loads(z.read("data.json"))


# --- every user-linked table is classified -------------------------------------------------------


def test_every_foreign_key_to_a_person_is_classified():
    """A new table with a foreign key to user.id (or to a person's row) fails here until
    USER_LINKS / CHILD_LINKS say what export and erasure do with it."""
    assert dr.unclassified_links() == [], (
        "classify these in services/data_rights.py USER_LINKS/CHILD_LINKS: "
        f"{dr.unclassified_links()}")
    tables = SQLModel.metadata.tables
    for link in (*dr.USER_LINKS, *dr.CHILD_LINKS):
        assert link.table in tables, f"{link.table} is listed but no longer exists"
        assert link.column in tables[link.table].c, f"{link.table}.{link.column} is gone"
        assert link.erase in ("delete", "null", "scrub")
    found = {(lk.table, lk.column) for lk in dr.user_links()}
    fks = {(t.name, fk.parent.name) for t in tables.values() for fk in t.foreign_keys
           if fk.column.table.name == "user"}
    assert found == fks


# --- export --------------------------------------------------------------------------------------


def test_export_contains_every_kind_of_record(db):
    w = everything(db)
    p = w["p"]
    data = dr.export_user(db, p, p.id)
    db.commit()
    z, doc = archive(data)
    names = set(z.namelist())
    assert {"README.txt", "data.json", "csv/profile.csv"} <= names
    assert doc["format"] == dr.FORMAT and doc["profile"]["username"] == NAME
    assert doc["profile"]["display_name"] == DISPLAY and doc["profile"]["team"] == "東京"

    # every exported kind the schema leads to holds at least one record of P
    kinds = {lk.kind for lk in dr.user_links() if lk.kind}
    kinds |= {lk.kind for lk, _ in dr.child_links() if lk.kind}
    kinds = (kinds - {"attempts"}) | {"attempts", "calibration", "recordings"}
    kinds -= {"coached_teams", "reviews_written", "comments_written"}  # a trainer's (below)
    for kind in sorted(kinds):
        assert doc["records"].get(kind), f"no {kind} in the export"
        assert f"csv/{kind}.csv" in names
    rec = doc["records"]
    assert [a["id"] for a in rec["attempts"]] == [w["practice"].id]
    assert [a["id"] for a in rec["calibration"]] == [w["calibration"].id]
    assert rec["attempts"][0]["transcript"] == TRANSCRIPT
    assert rec["attempts"][0]["result"]["score"] == 81
    assert [r["reason"] for r in rec["reviews"]] == ["落ち着いた声でよい"]  # not the bystander's
    assert [c["text"] for c in rec["comments"]] == ["ここで一呼吸"]
    assert rec["checkins"][0]["free_text"] == FREE_TEXT
    assert rec["flags"][0]["level"] in ("watch", "urgent")
    assert {c["kind"] for c in rec["consents"]} == {"wellbeing", "share_flags"}
    assert rec["incidents"][0]["description"] == "大声で繰り返し言われた"
    assert rec["one_on_ones"][0]["status"] == "scheduled"
    assert {a["action"] for a in rec["audit_own_actions"]} >= {"login", "consent_changed"}

    # the audio files, byte for byte
    files = {r["attempt_id"]: r["file"] for r in rec["recordings"]}
    assert set(files) == {w["practice"].id, w["calibration"].id}
    for f in files.values():
        assert z.read(f) == WAV

    # what never leaves: HR's notes, password hashes, login secrets, other people's data
    text = json.dumps(doc, ensure_ascii=False) + "".join(
        z.read(n).decode("utf-8-sig") for n in names if n.endswith(".csv"))
    for secret in (NOTES, "password_hash", "tok-secret-123", "fp-secret", "他の人のレビュー",
                   "ふつう", "bystander_dr"):
        assert secret not in text, secret

    # README in Japanese, English below
    readme = z.read("README.txt").decode("utf-8")
    assert readme.index("あなたのデータ") < readme.index("your data")
    assert NAME in readme and "保存期間" in readme and "Retention" in readme

    # CSV opens in Excel (BOM) and holds the row
    checkins_csv = z.read("csv/checkins.csv")
    assert checkins_csv.startswith(b"\xef\xbb\xbf") and FREE_TEXT.encode() in checkins_csv

    rows = db.exec(select(AuditLog).where(AuditLog.action == audit.Action.data_exported)).all()
    assert [(r.actor_id, r.target_id) for r in rows] == [(p.id, p.id)]


def test_a_trainers_and_hrs_export_hold_their_own_work_not_others_wellbeing(db):
    w = everything(db)
    _, doc = archive(dr.export_user(db, w["trainer"], w["trainer"].id))
    rec = doc["records"]
    assert len(rec["reviews_written"]) == 2 and rec["comments_written"]
    assert rec["coached_teams"]
    assert not rec["checkins"] and not rec["attempts"]
    _, doc = archive(dr.export_user(db, w["hr"], w["hr"].id))
    text = json.dumps(doc, ensure_ascii=False)
    assert NOTES not in text and FREE_TEXT not in text  # assigned one-on-ones are P's data
    assert not doc["records"]["one_on_ones"]


def test_only_the_person_exports_their_data(db):
    w = everything(db)
    for other in ("admin", "hr", "trainer", "bystander"):
        with pytest.raises(NotAllowed):
            dr.export_user(db, w[other], w["p"].id)
    system = getattr(access, "SYSTEM", None)
    if system is not None:  # operators' command for a request on paper
        _, doc = archive(dr.export_user(db, system, w["p"].id))
        assert doc["profile"]["username"] == NAME
    assert dr.data_summary(db, w["p"], w["p"].id)["recordings"] == 2


# --- erasure -------------------------------------------------------------------------------------


def _text_columns(table: sa.Table) -> list[sa.Column]:
    return [c for c in table.columns
            if isinstance(c.type, sa.String | sa.Text | sa.JSON) or c.type.python_type is str]


def _leftovers(s: Session, user_id: int, needles: list[str]) -> list[str]:
    """Every place in the database that still holds the person: a text (or JSON) value that
    contains one of ``needles``, or a foreign key to their account."""
    found = []
    conn = s.connection()
    for table in SQLModel.metadata.sorted_tables:
        for col in _text_columns(table):
            for (value,) in conn.execute(sa.select(col).where(col.is_not(None))):
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                for needle in needles:
                    if needle in text:
                        found.append(f"{table.name}.{col.name}: {text[:80]!r}")
        for fk in table.foreign_keys:
            if fk.column.table.name == "user":
                n = conn.execute(sa.select(sa.func.count()).select_from(table)
                                 .where(fk.parent == user_id)).scalar()
                if n:
                    found.append(f"{table.name}.{fk.parent.name} = {user_id} ({n} rows)")
    return found


def test_erase_leaves_nothing_behind_in_any_table_or_storage(db):
    w = everything(db)
    p, admin = w["p"], w["admin"]
    root = storage.recordings_root()
    assert (root / str(p.id)).is_dir()
    hr = w["hr"]
    before = {c.team: (c.n_respondents, c.who5_mean)
              for c in wt.trends_report(db, hr, TODAY).cells if c.week == LAST_WEEK}
    audit_before = db.exec(select(sa.func.count()).select_from(AuditLog)).one()
    needles = [NAME, DISPLAY, FREE_TEXT, NOTES, TRANSCRIPT, "大声で繰り返し言われた",
               f"{p.id}/", "tok-secret-123"]
    assert _leftovers(db, p.id, needles)  # the search finds the person before erasure

    plan = dr.erasure_plan(db, admin, p.id)
    assert plan.goes["attempts"] == 2 and plan.goes["recording_files"] == 2
    assert plan.goes["checkins"] == 1 and plan.goes["flags"] == 1
    assert plan.goes["one_on_ones"] == 1 and plan.goes["incidents"] == 1
    assert plan.goes["reviews"] == 1 and plan.goes["comments"] == 1
    assert plan.stays["audit_rows"] >= 3 and plan.stays["closed_weeks"] == 1

    tomb = dr.erase_user(db, admin, p.id, reason=f"{DISPLAY}さん本人の依頼（12/1 受付）",
                         now=NOW)
    db.commit()

    assert _leftovers(db, p.id, needles) == []
    assert db.get(User, p.id) is None
    # storage: their folder is gone, nobody else's file was touched
    assert not (root / str(p.id)).exists()
    assert all(f.read_bytes() != WAV for f in root.rglob("*") if f.is_file())
    assert storage.read_recording(w["other"].audio_path) == WAV + b"other"
    # what stays: the tombstone (no name), the audit rows (de-identified), closed-week totals
    rec = db.get(ErasureRecord, tomb.id)
    assert rec.former_user_id == p.id and rec.erased_by_id == admin.id
    assert rec.erased_by_name == "admin_dr" and "（本人）さん本人の依頼" in rec.reason
    assert rec.counts["attempts"] == 2
    audit_after = db.exec(select(sa.func.count()).select_from(AuditLog)).one()
    assert audit_after == audit_before + 1  # nothing deleted, one row for the erasure
    assert db.exec(select(AuditLog).where(AuditLog.actor_name == f"erased#{tomb.id}")).all()
    erased = db.exec(select(AuditLog).where(AuditLog.action == audit.Action.data_erased)).one()
    assert erased.target_id == p.id and erased.actor_id == admin.id
    after = {c.team: (c.n_respondents, c.who5_mean)
             for c in wt.trends_report(db, hr, TODAY).cells if c.week == LAST_WEEK}
    assert after == before  # a closed week's totals never change (no subtraction)
    assert db.exec(select(TrendRollup)).all()
    # the bystander's data is intact
    b = w["bystander"]
    assert db.exec(select(CheckIn).where(CheckIn.user_id == b.id)).one().free_text == "ふつう"
    assert db.exec(select(Review).where(Review.attempt_id == w["other"].id)).one()
    # the erased person appears nowhere: no export, no queue, no incident list
    with pytest.raises(NotFound):
        dr.export_user(db, getattr(access, "SYSTEM", admin), p.id)
    hr_v = viewer_for(db, db.get(User, hr.id))
    assert all(i.user_id != p.id for i in oo.one_on_one_queue(db, hr_v, include_closed=True))
    assert not db.exec(select(Incident)).all()
    for who in ("admin", "trainer", "hr", "bystander"):  # nor in anybody's archive
        z, _ = archive(dr.export_user(db, w[who], w[who].id))
        text = "".join(z.read(n).decode("utf-8-sig") for n in z.namelist()
                       if n.endswith((".json", ".csv", ".txt")))
        assert not [n for n in needles if n in text], who
    csv_text = wt.trends_csv(db, hr_v, wt.trends_report(db, hr_v, TODAY)).decode("utf-8-sig")
    assert not [n for n in needles if n in csv_text]


def test_only_admins_erase_and_never_themselves(db):
    w = everything(db)
    for who in ("p", "hr", "trainer", "bystander"):
        with pytest.raises(NotAllowed):
            dr.erase_user(db, w[who], w["bystander"].id, reason="x")
    with pytest.raises(NotAllowed):
        dr.erase_user(db, w["admin"], w["admin"].id, reason="x")
    with pytest.raises(dr.DataRightsError) as e:
        dr.erase_user(db, w["admin"], w["p"].id, reason="  ")
    assert e.value.key == "data_rights.err_reason"
    assert db.get(User, w["p"].id) is not None


def test_erasing_a_trainer_and_an_hr_member(db):
    w = everything(db)
    dr.erase_user(db, w["admin"], w["trainer"].id, reason="退職者の依頼", now=NOW)
    dr.erase_user(db, w["admin"], w["hr"].id, reason="退職者の依頼", now=NOW)
    db.commit()
    assert not db.exec(select(Review)).all() and not db.exec(select(Comment)).all()
    one = db.get(OneOnOne, w["one"].id)
    assert one is not None and one.assignee_id is None and one.notes == NOTES  # P's entry stays
    assert _leftovers(db, w["trainer"].id, ["trainer_dr"]) == []
    assert _leftovers(db, w["hr"].id, ["hr_dr"]) == []


# --- consent withdrawal --------------------------------------------------------------------------


def test_hr_aggregates_before_and_after_a_withdrawal_follow_the_written_rule(db):
    """The rule (consent.withdraw_note): past answers stay for the person; HR totals of weeks
    already closed stay as they were; weeks not closed count the person no longer; their flags
    leave HR's queue, a one-on-one they asked for stays."""
    hr = person(db, "hr_w", role=Role.hr, team=None)
    team = [person(db, f"w{i}", team="A", share=(i == 0)) for i in range(6)]
    for i, v in enumerate(team):
        checkin(db, v, SEVERE if i == 0 else {"who5": [3] * 5, "job": {}}, day=LAST_WEEK,
                free_text=f"ひとこと{i}")
        checkin(db, v, SEVERE if i == 0 else GOOD, day=THIS_WEEK)
    leaver = team[0]
    request = oo.request_one_on_one(db, leaver, now=NOW)  # asked for by the person
    db.commit()

    def cells(today):
        return {(c.team, c.week): c for c in wt.trends_report(db, hr, today).cells}

    def raw(week):
        return {r.team: r for r in wt.aggregate_rows(db, week, week)}

    before = cells(TODAY)
    assert before[("A", LAST_WEEK)].n_respondents == 6
    mean_before = before[("A", LAST_WEEK)].who5_mean
    assert raw(THIS_WEEK)["A"].n_respondents == 6
    hr_v = viewer_for(db, db.get(User, hr.id))
    queue = oo.one_on_one_queue(db, hr_v)
    assert {i.level for i in queue if i.user_id == leaver.id} == {"urgent", None}

    cs.withdraw_consent(db, leaver, ConsentKind.wellbeing, now=NOW)
    db.commit()

    after = cells(TODAY)
    # the closed week: unchanged, for the team and the company
    for key in (("A", LAST_WEEK), (None, LAST_WEEK)):
        assert after[key].n_respondents == before[key].n_respondents
        assert after[key].who5_mean == before[key].who5_mean
    assert after[("A", LAST_WEEK)].who5_mean == mean_before
    # the open week (and, once it closes, its totals) no longer count the person
    assert raw(THIS_WEEK)["A"].n_respondents == 5
    next_week = cells(TODAY + timedelta(weeks=1))
    assert next_week[("A", THIS_WEEK)].n_respondents == 5
    assert next_week[("A", THIS_WEEK)].who5_mean == 80
    # free texts of the person leave HR's view (texts come from rows, not from the roll-up)
    texts = wt._aggregate(db, LAST_WEEK, LAST_WEEK, None, texts_before=THIS_WEEK)[1]
    assert "ひとこと0" not in texts[("A", LAST_WEEK)] and "ひとこと1" in texts[("A", LAST_WEEK)]
    # past answers stay, for the person only
    assert len(wd.my_checkins(db, leaver)) == 2
    # flags leave HR's queue; the one-on-one the person asked for stays, without a level
    queue = [i for i in oo.one_on_one_queue(db, hr_v) if i.user_id == leaver.id]
    assert [(i.id, i.level) for i in queue] == [(request.id, None)]
    assert not [f for f in access.visible_flags(db, hr_v) if f.user_id == leaver.id]
    assert db.exec(select(Flag).where(Flag.user_id == leaver.id)).all()  # kept for the person


def test_withdrawing_only_standing_sharing_keeps_hr_totals_and_answers(db):
    v = person(db, "share_only", share=True)
    checkin(db, v, GOOD, day=LAST_WEEK)
    cs.withdraw_consent(db, v, ConsentKind.share_flags, now=NOW)
    db.commit()
    assert not db.exec(select(TrendRollup)).all()  # nothing frozen: answers still counted
    assert wt.aggregate_rows(db, LAST_WEEK, LAST_WEEK)[0].n_respondents == 1


# --- retention -----------------------------------------------------------------------------------


def test_retention_removes_exactly_what_is_due(db):
    s = get_settings()
    assert (s.retention_recording_days, s.retention_checkin_days, s.retention_free_text_days,
            s.retention_audit_days) == (180, 730, 365, 1095)
    v = person(db, "keeper")
    old_rec = attempt(db, v, created_at=NOW - timedelta(days=181))
    new_rec = attempt(db, v, created_at=NOW - timedelta(days=179), data=WAV + b"new")
    old_path = storage.recording_path(old_rec.audio_path)

    def row(week, free_text=None, level="none"):
        c = CheckIn(user_id=v.id, team_id=v.team_id, week_start=week, who5=[3] * 5,
                    who5_raw=15, who5_pct=60, job={}, free_text=free_text, level=level)
        db.add(c)
        db.flush()
        return c

    from wellbeing.instruments import week_start

    two_years = week_start(TODAY - timedelta(days=730))
    one_year = week_start(TODAY - timedelta(days=365))
    expired = row(two_years - timedelta(weeks=1), free_text="古い", level="watch")
    db.add(Flag(user_id=v.id, checkin_id=expired.id, level="watch"))
    kept = row(two_years, free_text="二年以内")
    text_due = row(one_year - timedelta(weeks=1), free_text="一年より前")
    text_kept = row(one_year, free_text="一年以内")
    done = OneOnOne(user_id=v.id, status=OneOnOneStatus.done, notes="古いメモ",
                    updated_at=NOW - timedelta(days=366))
    open_ = OneOnOne(user_id=v.id, status=OneOnOneStatus.open, notes="進行中のメモ",
                     updated_at=NOW - timedelta(days=400))
    db.add_all([done, open_])
    for days, action in ((1096, "old_row"), (1094, "recent_row")):
        r = audit.record(db, action=action, actor_name="x")
        r.at = NOW - timedelta(days=days)
    db.commit()
    root = storage.recordings_root()
    orphan_old, orphan_new = root / "999" / "old.wav", root / "999" / "new.wav"
    orphan_old.parent.mkdir(parents=True)
    orphan_old.write_bytes(b"x")
    orphan_new.write_bytes(b"y")
    stamp = (NOW - timedelta(days=2)).timestamp()
    os.utime(orphan_old, (stamp, stamp))
    os.utime(orphan_new, (NOW.timestamp(), NOW.timestamp()))

    report = dr.retention_sweep(db, now=NOW)
    db.commit()

    assert (report.recordings_deleted, report.checkins_deleted, report.flags_deleted,
            report.free_texts_blanked, report.notes_blanked, report.audit_rows_deleted,
            report.orphan_files_deleted) == (1, 1, 1, 2, 1, 1, 1)
    db.expire_all()
    assert not old_path.exists() and db.get(Attempt, old_rec.id).audio_path == ""
    assert db.get(Attempt, old_rec.id).transcript == TRANSCRIPT  # analysed results are kept
    assert db.get(Attempt, old_rec.id).score == 81
    assert storage.read_recording(new_rec.audio_path) == WAV + b"new"
    assert db.get(CheckIn, expired.id) is None
    assert db.get(CheckIn, kept.id).free_text is None  # its answers stay, its text was due
    assert db.get(CheckIn, text_due.id).free_text is None
    assert db.get(CheckIn, text_kept.id).free_text == "一年以内"
    assert db.get(OneOnOne, done.id).notes is None and db.get(OneOnOne, open_.id).notes
    actions = set(db.exec(select(AuditLog.action)).all())
    assert "old_row" not in actions and "recent_row" in actions
    assert not orphan_old.exists() and orphan_new.exists()
    sweep = db.exec(select(AuditLog).where(AuditLog.action == audit.Action.retention_sweep)).one()
    assert json.loads(sweep.detail)["checkins_deleted"] == 1

    again = dr.retention_sweep(db, now=NOW)  # idempotent
    db.commit()
    assert again.removed == 0
    assert len(db.exec(select(AuditLog).where(
        AuditLog.action == audit.Action.retention_sweep)).all()) == 1


def test_retention_zero_keeps_without_limit(db, monkeypatch):
    monkeypatch.setenv("DOJO_RETENTION_RECORDING_DAYS", "0")
    get_settings.cache_clear()
    v = person(db, "keeper0")
    old = attempt(db, v, created_at=NOW - timedelta(days=3650))
    report = dr.retention_sweep(db, now=NOW)
    db.commit()
    assert report.recordings_deleted == 0 and "recordings_before" not in report.cutoffs
    assert storage.read_recording(old.audio_path) == WAV


# --- correction ----------------------------------------------------------------------------------


def test_correction_of_profile_and_this_weeks_checkin_is_audited(db):
    admin = person(db, "admin_c", role=Role.admin, team=None)
    v = person(db, "corrector", display_name="旧姓 花子")
    other = person(db, "other_c")
    dr.correct_profile(db, v, v.id, display_name=" 新姓 花子 ", language="en")
    db.commit()
    user = db.get(User, v.id)
    assert (user.display_name, user.language) == ("新姓 花子", "en")
    with pytest.raises(NotAllowed):
        dr.correct_profile(db, other, v.id, display_name="いたずら")
    with pytest.raises(NotAllowed):
        dr.correct_profile(db, admin, v.id, language="ja")  # the language is the person's
    with pytest.raises(dr.DataRightsError) as e:
        dr.correct_profile(db, v, v.id, display_name="   ")
    assert e.value.key == "data_rights.err_display_name"
    with pytest.raises(dr.DataRightsError):
        dr.correct_profile(db, v, v.id, language="fr")
    dr.correct_profile(db, admin, v.id, display_name="正しい 花子")
    checkin(db, v, GOOD, day=TODAY)
    checkin(db, v, SEVERE, day=TODAY)  # this week's answers corrected
    db.commit()
    rows = db.exec(select(AuditLog).where(AuditLog.action == audit.Action.data_corrected)
                   .order_by(AuditLog.id)).all()
    assert [(r.actor_id, r.target_type, r.detail) for r in rows] == [
        (v.id, "user", "display_name, language"),
        (admin.id, "user", "display_name (by admin)"),
        (v.id, "checkin", "own check-in of this week"),
    ]
    assert "花子" not in " ".join(r.detail for r in rows)  # values are not copied into the log


# --- operators' commands -------------------------------------------------------------------------


def test_cli_export_and_erase_user(db, tmp_path, capsys):
    from core.cli import main

    w = everything(db)
    out = tmp_path / "p.zip"
    assert main(["export-user", NAME, "--out", str(out)]) == 0
    _, doc = archive(out.read_bytes())
    assert doc["profile"]["username"] == NAME and doc["records"]["checkins"]
    assert main(["export-user", "nobody_here"]) == 2
    assert "見つかりません" in capsys.readouterr().err

    assert main(["erase-user", NAME]) == 2  # without --yes: the plan only
    printed = capsys.readouterr().out
    assert "attempts" in printed and "--yes" in printed
    db.expire_all()
    assert db.get(User, w["p"].id) is not None
    assert main(["erase-user", NAME, "--yes", "--reason", "書面で受付 12/1"]) == 0
    db.expire_all()
    assert db.get(User, w["p"].id) is None
    rec = db.exec(select(ErasureRecord)).one()
    assert rec.former_user_id == w["p"].id and "書面" in rec.reason
    assert rec.erased_by_id is None and rec.erased_by_name == "system"
    assert main(["retention"]) == 0
    assert "recordings_deleted: 0" in capsys.readouterr().out


def test_only_a_withdrawal_leaves_hr_totals_and_consenting_again_counts_again(db):
    v = person(db, "again")
    checkin(db, v, GOOD, day=TODAY)
    loose = person(db, "no_rows", consent=False)  # rows written directly (benchmarks, imports)
    db.add(CheckIn(user_id=loose.id, team_id=loose.team_id, week_start=THIS_WEEK, who5=[3] * 5,
                   who5_raw=15, who5_pct=60, job={}))
    db.commit()
    assert wt.aggregate_rows(db, THIS_WEEK, THIS_WEEK)[0].n_respondents == 2
    cs.withdraw_consent(db, v, ConsentKind.wellbeing, now=NOW)
    db.commit()
    assert wt.aggregate_rows(db, THIS_WEEK, THIS_WEEK)[0].n_respondents == 1
    cs.give_consent(db, v, ConsentKind.wellbeing, now=NOW + timedelta(hours=1))
    db.commit()
    assert wt.aggregate_rows(db, THIS_WEEK, THIS_WEEK)[0].n_respondents == 2
