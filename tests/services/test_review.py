"""services.review (the queue, one attempt, overrides beside the machine, comments, the trainee's
feedback), services.agreement (per scenario) and services.team_progress (with its CSV)."""

from __future__ import annotations

import csv
import io
import math
import struct
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from core import access, clock, storage
from core.access import viewer_for
from core.audit import Action
from core.models import Attempt, AttemptStatus, AuditLog, Comment, Review, utcnow
from services import agreement, review
from services import team_progress as tp
from services.analysis_result import format_seconds

# --- realistic data ----------------------------------------------------------------------------


def wav_bytes(seconds: float = 1.0, rate: int = 16000) -> bytes:
    """A small 16-bit mono WAV (a 220 Hz tone)."""
    n = int(seconds * rate)
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 220 * i / rate)))
                      for i in range(n))
    header = b"RIFF" + struct.pack("<I", 36 + len(frames)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(frames))
    return header + frames


def analysis_result(score: int, *, apology: bool = True, empathy: bool = False,
                    blame: bool = False) -> dict:
    """A result shaped like ``analysis.pipeline.Result.to_dict()`` for one answer."""
    transcript = "お届けが遅れてしまい、大変申し訳ございません。至急確認して、本日中にご連絡いたします。"
    return {
        "duration_s": 10.8, "speech_s": 9.6, "no_speech": False, "analysis_version": "1.0.0",
        "transcript": transcript,
        "segments": [
            {"start": 0.3, "end": 4.1, "text": "お届けが遅れてしまい、大変申し訳ございません。",
             "words": []},
            {"start": 4.6, "end": 10.3, "text": "至急確認して、本日中にご連絡いたします。",
             "words": []},
        ],
        "morae_per_s_span": 6.4, "f0_median_hz": 212.0, "f0_sd_st": 2.3, "pause_count": 2,
        "long_pause_count": 0, "longest_pause_s": 0.5, "filler_count": 0, "filler_ratio": 0.0,
        "loudness_dbfs": -21.5, "snr_db": 31.0, "clipping_ratio": 0.0,
        "f0_contour": {"times_s": [0.5, 1.0, 1.5], "hz": [210.0, 220.0, 205.0]},
        "rubric": [
            {"id": "apology", "label": "お詫び", "found": apology,
             "phrase": "申し訳ございません" if apology else None,
             "matched_text": "大変申し訳ございません" if apology else None,
             "span": [12, 23] if apology else None, "distance": 0.0, "weight": 1.0, "tip": ""},
            {"id": "empathy", "label": "共感", "found": empathy, "phrase": None,
             "matched_text": None, "span": None, "distance": None, "weight": 1.0,
             "tip": "お気持ちを受け止める一言を。"},
        ],
        "ng_phrases": [
            {"id": "blame", "label": "お客様を責める", "found": blame, "phrase": None,
             "matched_text": None, "span": None, "distance": None, "weight": 1.0, "tip": ""},
        ],
        "refund_amounts": [], "max_refund_yen": 5000, "escalation": None,
        "score": float(score), "passed": score >= 80, "content_score": 35.0,
        "delivery_score": 30.0, "content_max": 70.0, "delivery_max": 30.0, "pass_mark": 80.0,
        "breakdown": [
            {"key": "required:empathy", "category": "content", "points": 35.0,
             "max_points": 35.0, "explanation_ja": "「共感」に当たる言葉が見つかりませんでした。",
             "tip_ja": "お気持ちを受け止める一言を。", "value": None},
            {"key": "pace", "category": "delivery", "points": 0.0, "max_points": 9.0,
             "explanation_ja": "話す速さは聞き取りやすい範囲です（6.4 モーラ/秒）。", "tip_ja": "",
             "value": 6.4},
        ],
    }


def make_attempt(session: Session, user, *, score: int | None = 65, scenario: str = "late_delivery",
                 turn: str = "t1", days_ago: float = 0, status: AttemptStatus = AttemptStatus.done,
                 next_turn: str | None = None, **result_kw) -> Attempt:
    path, sha = storage.save_recording(user.id, wav_bytes(0.2))
    a = Attempt(
        user_id=user.id, scenario_id=scenario, scenario_version=1, turn_id=turn,
        audio_path=path, audio_sha256=sha, status=status, run_id=f"run{user.id}",
        result=analysis_result(score or 0, **result_kw) if status == AttemptStatus.done else None,
        transcript="お届けが遅れてしまい…" if status == AttemptStatus.done else None,
        score=score if status == AttemptStatus.done else None,
        passed=(score >= 80) if status == AttemptStatus.done and score is not None else None,
        error="RuntimeError: decoder" if status == AttemptStatus.failed else None,
        next_turn_id=next_turn, created_at=utcnow() - timedelta(days=days_ago),
    )
    session.add(a)
    session.commit()
    return a


@pytest.fixture
def people(session, make_user):
    return {
        "sato": make_user("sato", team="東京", display_name="佐藤"),
        "suzuki": make_user("suzuki", team="東京", display_name="鈴木"),
        "yamamoto": make_user("yamamoto", team="大阪", display_name="山本"),
        "trainer": make_user("trainer", role="trainer", team="東京", display_name="指導"),
        "trainer_osaka": make_user("trainer_osaka", role="trainer", team="大阪"),
        "hr": make_user("hr", role="hr"),
        "admin": make_user("admin", role="admin"),
    }


@pytest.fixture
def make_user_any(any_db_env):
    """``make_user`` on the ``any_db_env`` database (SQLite and PostgreSQL); ``.session()``
    opens a session on it."""
    from core.db import get_engine
    from services.users import create_user

    def make(username, *, role="staff", team=None, display_name=None):
        with Session(get_engine(), expire_on_commit=False) as s:
            user = create_user(s, username=username, display_name=display_name or username,
                               role=role, password="password123", team_name=team,
                               viewer=access.SYSTEM)
            s.commit()
            return user

    make.session = lambda: Session(get_engine(), expire_on_commit=False)
    return make


def V(session, user):
    return viewer_for(session, user)


def views(session, attempt_id=None):
    stmt = select(AuditLog).where(AuditLog.action == Action.view_attempt)
    if attempt_id is not None:
        stmt = stmt.where(AuditLog.target_id == attempt_id)
    return session.exec(stmt).all()


# --- the queue ---------------------------------------------------------------------------------


def test_queue_shows_only_the_trainers_teams_unreviewed_first(session, people):
    old = make_attempt(session, people["sato"], score=50, days_ago=3)
    mid = make_attempt(session, people["suzuki"], score=70, days_ago=2)
    new = make_attempt(session, people["sato"], score=90, days_ago=1)
    make_attempt(session, people["yamamoto"], score=40)  # another team
    trainer = V(session, people["trainer"])
    review.mark_reviewed(session, trainer, new.id)
    session.commit()

    q = review.review_queue(session, trainer)
    assert [i.attempt_id for i in q.items] == [mid.id, old.id, new.id]
    assert [i.reviewed for i in q.items] == [False, False, True]
    assert q.counts == review.QueueCounts(total=3, unreviewed=2, reviewed=1, overridden=0, failed=0)
    osaka = review.review_queue(session, V(session, people["trainer_osaka"]))
    assert [i.user_name for i in osaka.items] == ["山本"]
    for role in ("hr", "admin"):
        assert review.review_queue(session, V(session, people[role])).items == []


def test_queue_filters(any_db_env, make_user_any):
    sato = make_user_any("sato", team="東京", display_name="佐藤")
    suzuki = make_user_any("suzuki", team="東京", display_name="鈴木")
    trainer_user = make_user_any("trainer", role="trainer", team="東京")
    with make_user_any.session() as session:
        _queue_filters(session, sato, suzuki, V(session, trainer_user))


def _queue_filters(session, sato, suzuki, trainer):
    a = make_attempt(session, sato, score=50, days_ago=10)
    b = make_attempt(session, sato, score=85, scenario="billing_error", days_ago=1)
    c = make_attempt(session, suzuki, score=70, days_ago=0)
    f = make_attempt(session, suzuki, status=AttemptStatus.failed, days_ago=0)

    def ids(**kw):
        return {i.attempt_id for i in review.review_queue(session, trainer,
                                                          review.QueueFilters(**kw)).items}

    assert ids() == {a.id, b.id, c.id, f.id}
    assert ids(user_id=sato.id) == {a.id, b.id}
    assert ids(scenario_id="billing_error") == {b.id}
    assert ids(min_score=60, max_score=80) == {c.id}
    assert ids(min_score=80) == {b.id}
    today = clock.local_today()
    assert ids(date_from=today - timedelta(days=2)) == {b.id, c.id, f.id}
    assert ids(date_to=today - timedelta(days=5)) == {a.id}
    assert ids(failed_only=True) == {f.id}
    review.mark_reviewed(session, trainer, a.id)
    session.commit()
    assert ids(status="reviewed") == {a.id}
    assert ids(status="unreviewed") == {b.id, c.id, f.id}
    counts = review.review_queue(session, trainer).counts
    assert (counts.total, counts.failed, counts.reviewed) == (4, 1, 1)
    opts = review.queue_options(session, trainer)
    assert opts.people == [(sato.id, "佐藤"), (suzuki.id, "鈴木")]
    assert opts.scenario_ids == ["billing_error", "late_delivery"]


# --- one attempt: access and audit -----------------------------------------------------------


def test_every_view_is_audited_and_other_teams_are_refused(session, people):
    a = make_attempt(session, people["sato"])
    trainer = V(session, people["trainer"])
    view = review.get_attempt_for_review(session, trainer, a.id)
    review.get_attempt_for_review(session, trainer, a.id)
    session.commit()
    assert view.owner_name == "佐藤" and view.can_review
    rows = views(session, a.id)
    assert len(rows) == 2 and {r.actor_id for r in rows} == {people["trainer"].id}

    review.get_attempt_for_review(session, trainer, a.id, record_view=False)
    session.commit()
    assert len(views(session, a.id)) == 2

    for who in ("trainer_osaka", "hr", "admin", "suzuki"):
        with pytest.raises(PermissionError):
            review.get_attempt_for_review(session, V(session, people[who]), a.id)
    with pytest.raises(review.AttemptNotFound):
        review.get_attempt_for_review(session, trainer, 99999)
    session.commit()
    assert len(views(session, a.id)) == 2  # refusals show nothing and record no view


def test_other_team_cannot_write(session, people):
    a = make_attempt(session, people["sato"])
    osaka = V(session, people["trainer_osaka"])
    with pytest.raises(PermissionError):
        review.save_review(session, osaka, a.id, score_override=90, reason="x")
    with pytest.raises(PermissionError):
        review.add_comment(session, osaka, a.id, at_seconds=1.0, text="x")
    with pytest.raises(PermissionError):
        review.mark_reviewed(session, osaka, a.id)
    with pytest.raises(PermissionError):  # the trainee views but does not review
        review.save_review(session, V(session, people["sato"]), a.id, score_override=None,
                           reason="")
    assert session.exec(select(Review)).all() == []


# --- overrides -----------------------------------------------------------------------------


def test_override_without_reason_is_refused(session, people):
    a = make_attempt(session, people["sato"], score=65)
    trainer = V(session, people["trainer"])
    for reason in ("", "   \n"):
        with pytest.raises(review.ReviewError) as e:
            review.save_review(session, trainer, a.id, score_override=85, reason=reason)
        assert e.value.key == "review.err_reason_required"
    for bad in (-1, 101, 85.5):
        with pytest.raises(review.ReviewError) as e:
            review.save_review(session, trainer, a.id, score_override=bad, reason="ok")
        assert e.value.key == "review.err_score_range"
    session.commit()
    assert session.exec(select(Review)).all() == []


def test_automatic_result_is_kept_beside_the_human_one(any_db_env, make_user_any):
    sato, trainer_user = make_user_any("sato", team="東京"), make_user_any(
        "trainer", role="trainer", team="東京")
    with make_user_any.session() as s:
        a = make_attempt(s, sato, score=65, apology=True, empathy=False)
        before = dict(a.result)
        trainer = V(s, trainer_user)
        r = review.save_review(
            s, trainer, a.id, score_override=85, reason="共感は「ご不便を」で伝わっている",
            rubric_corrections={"empathy": True, "apology": True, "blame": False})
        s.commit()
        assert r.rubric_corrections == {"empathy": True}  # agreeing entries are not corrections
    with make_user_any.session() as s:
        a2 = s.get(Attempt, a.id)
        assert (a2.score, a2.passed, a2.result) == (65, False, before)
        view = review.get_attempt_for_review(s, V(s, trainer_user), a.id)
        assert view.review.score_override == 85 and view.effective_score == 85
        assert view.attempt.score == 65
        overrides = s.exec(select(AuditLog).where(AuditLog.action == Action.override)).all()
        assert len(overrides) == 1 and "auto=65" in overrides[0].detail
        with pytest.raises(review.ReviewError) as e:
            review.save_review(s, V(s, trainer_user), a.id, score_override=None, reason="",
                               rubric_corrections={"no_such_group": True})
        assert e.value.key == "review.err_unknown_group"
        # saving again updates the one review (no second judgement)
        review.save_review(s, V(s, trainer_user), a.id, score_override=None, reason="")
        s.commit()
        assert len(s.exec(select(Review)).all()) == 1
        assert review.get_attempt_for_review(s, V(s, trainer_user), a.id).effective_score == 65


# --- comments and the trainee's feedback ---------------------------------------------------


def test_comments_at_a_time(session, people):
    a = make_attempt(session, people["sato"])
    trainer = V(session, people["trainer"])
    review.add_comment(session, trainer, a.id, at_seconds=4.6, text="ここで一拍おきましょう")
    review.add_comment(session, trainer, a.id, at_seconds=0.3, text="  出だしが丁寧  ")
    review.add_comment(session, trainer, a.id, at_seconds=None, text="全体にとても良い")
    with pytest.raises(review.ReviewError) as e:
        review.add_comment(session, trainer, a.id, at_seconds=1.0, text="  ")
    assert e.value.key == "review.err_comment_empty"
    for bad in (-1.0, 60.0):  # the recording is 10.8 s long
        with pytest.raises(review.ReviewError) as e:
            review.add_comment(session, trainer, a.id, at_seconds=bad, text="x")
        assert e.value.key == "review.err_time"
    session.commit()
    view = review.get_attempt_for_review(session, trainer, a.id)
    assert [(c.at_seconds, c.text) for c in view.comments] == [
        (0.3, "出だしが丁寧"), (4.6, "ここで一拍おきましょう"), (None, "全体にとても良い")]
    assert view.comment_authors[people["trainer"].id] == "指導"
    assert format_seconds(75.4) == "1:15"


def test_feedback_goes_from_new_to_seen(session, people):
    mine = make_attempt(session, people["sato"], score=60)
    other = make_attempt(session, people["suzuki"], score=60)
    trainer = V(session, people["trainer"])
    review.save_review(session, trainer, mine.id, score_override=80, reason="十分に伝わっています",
                       rubric_corrections={"empathy": True})
    review.add_comment(session, trainer, mine.id, at_seconds=4.6, text="ここで一拍")
    review.add_comment(session, trainer, other.id, at_seconds=1.0, text="鈴木さんへ")
    session.commit()

    sato = V(session, people["sato"])
    fb = review.feedback_for_trainee(session, sato)
    assert {(f.kind, f.attempt_id, f.new) for f in fb} == {("review", mine.id, True),
                                                        ("comment", mine.id, True)}
    rev = next(f for f in fb if f.kind == "review")
    assert (rev.score_override, rev.auto_score, rev.reason, rev.author) == (
        80, 60, "十分に伝わっています", "指導")
    assert rev.corrections == [{"id": "empathy", "label": "共感", "kind": "required",
                                "machine_found": False, "human_found": True}]
    com = next(f for f in fb if f.kind == "comment")
    assert (com.at_seconds, com.text) == (4.6, "ここで一拍")

    with pytest.raises(PermissionError):
        review.mark_feedback_seen(session, sato, other.id)
    assert review.mark_feedback_seen(session, sato, mine.id) == 2
    assert [f.new for f in review.feedback_for_trainee(session, sato)] == [False, False]
    assert review.mark_feedback_seen(session, sato, mine.id) == 0
    # the other trainee's feedback is untouched and only theirs
    suzuki_fb = review.feedback_for_trainee(session, V(session, people["suzuki"]))
    assert [(f.text, f.new) for f in suzuki_fb] == [("鈴木さんへ", True)]
    # a changed review is new again
    review.save_review(session, trainer, mine.id, score_override=85, reason="再評価")
    session.commit()
    assert [f.new for f in review.feedback_for_trainee(session, sato) if f.kind == "review"] == [True]


def test_progress_module_uses_these_feedback_functions(session, people):
    from services import progress

    a = make_attempt(session, people["sato"])
    review.add_comment(session, V(session, people["trainer"]), a.id, at_seconds=1.0, text="良い")
    session.commit()
    sato = V(session, people["sato"])
    assert [f.text for f in progress.feedback_for(session, sato)] == ["良い"]
    progress.mark_feedback_seen(session, sato, a.id)
    session.expire_all()
    assert session.exec(select(Comment)).one().seen_by_trainee_at is not None


# --- agreement -----------------------------------------------------------------------------


def test_agreement_numbers(any_db_env, make_user_any):
    sato = make_user_any("sato", team="東京")
    trainer_user = make_user_any("trainer", role="trainer", team="東京")
    admin = make_user_any("admin", role="admin")
    hr = make_user_any("hr", role="hr")
    with make_user_any.session() as s:
        t = V(s, trainer_user)
        a1 = make_attempt(s, sato, score=60)
        a2 = make_attempt(s, sato, score=70)
        a3 = make_attempt(s, sato, score=90)
        a4 = make_attempt(s, sato, score=50)  # not reviewed: not counted
        b1 = make_attempt(s, sato, score=80, scenario="billing_error")
        make_attempt(s, sato, status=AttemptStatus.failed)
        review.save_review(s, t, a1.id, score_override=80, reason="r",
                           rubric_corrections={"empathy": True})       # +20
        review.save_review(s, t, a2.id, score_override=60, reason="r",
                           rubric_corrections={"empathy": True, "blame": True})  # -10
        review.mark_reviewed(s, t, a3.id)                                   # agrees
        review.save_review(s, t, b1.id, score_override=None, reason="",
                           rubric_corrections={"apology": False})
        s.commit()
        rows = {r.scenario_id: r for r in agreement.agreement_by_scenario(s, V(s, admin))}
        assert set(rows) == {"late_delivery", "billing_error"}
        late = rows["late_delivery"]
        assert (late.reviewed, late.overridden) == (3, 2)
        assert late.override_rate == pytest.approx(2 / 3)
        assert late.mean_abs_diff == pytest.approx(15.0)
        assert late.mean_signed_diff == pytest.approx(5.0)
        assert late.corrected_groups == [("empathy", "共感", 2), ("blame", "お客様を責める", 1)]
        assert late.corrections == 2
        bill = rows["billing_error"]
        assert (bill.reviewed, bill.overridden, bill.override_rate) == (1, 0, 0.0)
        assert bill.mean_abs_diff is None and bill.corrected_groups == [("apology", "お詫び", 1)]
        assert a4.id not in (a1.id, a2.id)
        assert agreement.agreement_by_scenario(s, V(s, trainer_user))  # trainers may see it
        with pytest.raises(PermissionError):
            agreement.agreement_by_scenario(s, V(s, hr))
        with pytest.raises(PermissionError):
            agreement.agreement_by_scenario(s, V(s, sato))


# --- team progress -------------------------------------------------------------------------


@dataclass
class FakeScenario:
    id: str
    title: str
    harassment: bool


class FakeCatalogue(list):
    def filter(self, *, harassment=None):
        return [s for s in self if harassment is None or s.harassment == harassment]


CATALOGUE = FakeCatalogue([
    FakeScenario("late_delivery", "お届けの遅れ", False),
    FakeScenario("abusive_caller", "暴言を繰り返すお客様", True),
    FakeScenario("threat_sns", "SNSにさらすと脅すお客様", True),
])


def test_team_progress_per_person_and_harassment_completion(any_db_env, make_user_any):
    sato = make_user_any("sato", team="東京", display_name="佐藤")
    make_user_any("suzuki", team="東京", display_name="鈴木")
    make_user_any("yamamoto", team="大阪", display_name="山本")
    trainer_user = make_user_any("trainer", role="trainer", team="東京", display_name="指導")
    with make_user_any.session() as s:
        t = V(s, trainer_user)
        make_attempt(s, sato, score=60, days_ago=5, turn="t1", next_turn="t2_order")
        last = make_attempt(s, sato, score=75, days_ago=5, turn="t2_order")  # ends the call
        make_attempt(s, sato, score=90, scenario="abusive_caller", days_ago=2)
        make_attempt(s, sato, status=AttemptStatus.failed, scenario="threat_sns", days_ago=1)
        review.save_review(s, t, last.id, score_override=85, reason="十分")
        s.commit()
        p = tp.team_progress(s, t, catalogue=CATALOGUE)
        assert [x.display_name for x in p.people] == ["佐藤", "鈴木"]
        me = p.people[0]
        assert [pt.score for pt in me.trend] == [60, 85, 90]  # the human score counts
        assert [pt.auto_score for pt in me.trend] == [60, 75, 90]
        assert me.scenarios_completed == ["abusive_caller", "late_delivery"]
        assert me.pass_rate == pytest.approx(2 / 3)
        assert me.attempts == 3
        assert me.latest_review.score_override == 85 and me.latest_review.trainer_name == "指導"
        assert p.people[1].trend == [] and p.people[1].pass_rate is None
        h = {(x.display_name, x.scenario_id): x for x in p.harassment}
        assert len(h) == 4
        assert h[("佐藤", "abusive_caller")].completed_at is not None
        assert h[("佐藤", "threat_sns")].completed_at is None  # a failed analysis is not done
        assert h[("鈴木", "abusive_caller")].completed_at is None
        # another team's trainer sees none of it, and may not ask for this team
        osaka = make_user_any("trainer_osaka", role="trainer", team="大阪")
        po = tp.team_progress(s, V(s, osaka), catalogue=CATALOGUE)
        assert [x.display_name for x in po.people] == ["山本"]
        with pytest.raises(PermissionError):
            tp.team_progress(s, V(s, osaka), team_id=sato.team_id, catalogue=CATALOGUE)
        # a date range narrows the attempts
        today = clock.local_today()
        recent = tp.team_progress(s, t, date_from=today - timedelta(days=3), catalogue=CATALOGUE)
        assert [pt.score for pt in recent.people[0].trend] == [90]


def test_csv_is_exactly_the_visible_rows(session, people):
    make_attempt(session, people["sato"], score=60)
    make_attempt(session, people["suzuki"], score=90, scenario="abusive_caller")
    trainer = V(session, people["trainer"])
    p = tp.team_progress(session, trainer, user_ids=[people["suzuki"].id], catalogue=CATALOGUE)
    rows = tp.progress_rows(p, "ja")
    assert [r["氏名"] for r in rows] == ["鈴木"]
    data = tp.team_progress_csv(rows)
    assert data.startswith("\ufeff".encode())
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed == [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows]
    hrows = tp.harassment_rows(p, "en")
    parsed = list(csv.DictReader(io.StringIO(tp.team_progress_csv(hrows).decode("utf-8-sig"))))
    assert [(r["Name"], r["Scenario"], r["Completed"]) for r in parsed] == [
        ("鈴木", "暴言を繰り返すお客様", "Yes"), ("鈴木", "SNSにさらすと脅すお客様", "No")]
    assert tp.team_progress_csv([]) == "\ufeff\r\n".encode()
    tp.record_export(session, trainer, what="team_progress", n_rows=1)
    session.commit()
    assert session.exec(select(AuditLog).where(AuditLog.action == Action.export_csv)).one()
    with pytest.raises(PermissionError):
        tp.record_export(session, V(session, people["hr"]), what="team_progress", n_rows=1)


def test_no_wellbeing_data_in_progress(session, people):
    p = tp.team_progress(session, V(session, people["trainer"]), catalogue=CATALOGUE)
    words = " ".join(tp.progress_rows(p, "en")[0]) + " ".join(vars(p.people[0]))
    for bad in ("who5", "k6", "checkin", "flag", "wellbeing", "consent"):
        assert bad not in words.lower()


def test_seed_demo_reviews_demo_attempts(session, people):
    from demo import review as demo_review

    demo_review.seed_demo(session, {"trainer": people["trainer"]})  # no attempts: nothing happens
    assert session.exec(select(Review)).all() == []
    a = make_attempt(session, people["sato"], score=60)
    b = make_attempt(session, people["suzuki"], score=70)
    demo_review.seed_demo(session, {"trainer": people["trainer"]})
    session.commit()
    reviews = session.exec(select(Review)).all()
    assert {r.attempt_id for r in reviews} == {a.id, b.id}
    assert any(r.score_override is not None and r.reason for r in reviews)
    assert len(session.exec(select(Comment)).all()) == 2


# --- the typed result and the verdict of record ------------------------------------------


def test_attempt_view_reads_the_result_once_as_typed_attributes(session, people):
    a = make_attempt(session, people["sato"], score=65, empathy=False)
    view = review.get_attempt_for_review(session, V(session, people["trainer"]), a.id)
    assert [s.start_s for s in view.result.segments] == [0.3, 4.6]
    assert view.result.metrics.f0_median_hz == 212.0
    assert (view.verdict.passed, view.verdict.pass_mark) == (False, 80.0)
    rows = {r.id: r for r in view.rubric_rows()}  # the turn's groups as the scenario has them
    assert rows["apology"].good is True and rows["empathy"].good is False
    assert all(r.kind in ("required", "ng") for r in rows.values())


def test_team_pass_rate_judges_overrides_against_the_stored_pass_mark(session, people, monkeypatch):
    from analysis import score

    a = make_attempt(session, people["sato"], score=65)
    trainer = V(session, people["trainer"])
    review.save_review(session, trainer, a.id, score_override=82, reason="十分です")
    session.commit()
    bands = dict(score.load_bands()) | {"pass_mark": 90}  # today's bands are stricter
    monkeypatch.setattr(score, "load_bands", lambda *a, **k: bands)
    person = next(p for p in tp.team_progress(session, trainer, catalogue=CATALOGUE).people
                  if p.user_id == people["sato"].id)
    assert person.pass_rate == 1.0  # 82 against the 80 it was scored with
    assert [(pt.score, pt.passed, pt.pass_mark) for pt in person.trend] == [(82, True, 80.0)]


def test_queue_filters_from_the_widgets():
    from datetime import date

    d1, d2 = date(2026, 11, 1), date(2026, 11, 9)
    f = review.QueueFilters.from_widgets(user_id=None, scenario_id=None, scores=(0, 100), dates=(),
                                         failed_only=False, status="all")
    assert (f.min_score, f.max_score, f.date_from, f.date_to) == (None, None, None, None)
    f = review.QueueFilters.from_widgets(user_id=3, scenario_id="x", scores=(40, 100), dates=(d1,),
                                         failed_only=True, status="reviewed")
    assert (f.min_score, f.max_score, f.date_from, f.date_to) == (40, 100, d1, None)
    f = review.QueueFilters.from_widgets(user_id=None, scenario_id=None, scores=(0, 100),
                                         dates=(d1, d2), failed_only=False, status="all")
    assert (f.date_from, f.date_to) == (d1, d2)
