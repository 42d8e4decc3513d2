"""AppTest of the practice, calibration and progress pages, through the router, signed in as
staff. The slow tests run the REAL analysis (real Whisper, no mocks)."""

from __future__ import annotations

import io

import pytest
import soundfile as sf
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core import storage
from core.config import get_settings
from core.models import Attempt, AttemptKind, AttemptStatus, Comment, Review
from services import practice
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
TIMEOUT = 300  # first use renders the customer's voice and loads Whisper on a busy machine
SUBMIT = "この応答を提出して採点する"
RETRY = "もう一度採点する"
REFUSED_ATTEMPT = "この練習記録を表示する権限がありません。"


def wav_bytes(name: str) -> bytes:
    """A fixture clip as 16-bit PCM WAV bytes (what st.audio_input delivers)."""
    samples, sr = sf.read(DATA / name, dtype="int16")
    buf = io.BytesIO()
    sf.write(buf, samples, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def open_app(user, *, page: str | None = None, query: dict | None = None,
             scenario: str | None = "late_delivery") -> AppTest:
    """The router signed in as ``user``; the practice page starts on ``scenario``."""
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=TIMEOUT)
    at.session_state["user_id"] = user.id
    if scenario:
        at.session_state["pr_scenario"] = scenario
    if query:
        at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r} in {[b.label for b in at.button]}"
    return matches[0]


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "success", "warning", "error")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def attempts(session) -> list[Attempt]:
    session.expire_all()
    return list(session.exec(select(Attempt).order_by(Attempt.id)).all())


@pytest.fixture
def staff(make_user):
    return make_user("sato", team="東京")


# --------------------------------------------------------------------------- the practice flow


@pytest.mark.slow
def test_staff_answers_a_scenario_and_sees_score_transcript_and_next_turn(practice_env, staff,
                                                                           session):
    at = open_app(staff)
    assert not at.exception, at.exception
    assert at.title[0].value == "ロールプレイ練習"
    shown = texts(at)
    assert "土鍋セット" in shown  # the situation
    assert "5,000 円までの返金" in shown  # the authority limit
    assert "昨日届くはずだったのに" in shown  # the customer's line as text …
    if "お客様の声を聞く" in [b.label for b in at.button]:  # not synthesised yet: first use
        button(at, "お客様の声を聞く").click().run()
        assert not at.exception, at.exception
    assert at.get("audio")  # … and as audio (offline TTS, cached)

    at.audio_input[0].set_value(("a.wav", wav_bytes("answer_rude.flac"), "audio/wav")).run()
    button(at, SUBMIT).click().run()
    assert not at.exception, at.exception

    [attempt] = attempts(session)
    assert attempt.status == AttemptStatus.done, attempt.error
    assert storage.recording_path(attempt.audio_path).is_file()
    assert at.metric[0].label == "得点"
    assert at.metric[0].value == f"{attempt.score} 点"
    assert "もう一歩（合格点 80 点）" in [w.value for w in at.warning]
    shown = texts(at)
    assert "**文字起こし**" in shown
    assert "規則ですので" in attempt.transcript and "規則ですので" in shown
    assert "「お詫び」に当たる言葉が見つかりませんでした。" in shown  # the breakdown …
    assert "ヒント:" in shown  # … with its tips
    assert len(at.get("vega_lite_chart")) >= 3  # pitch, pace, pauses
    # No apology: the branch goes to the angrier customer, whose line is shown next.
    assert attempt.next_turn_id == "t2_angry"
    assert "まず謝るのが筋じゃないですか" in shown
    button(at, "次の場面へ進む").click().run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "2 回目のお客様の発言"
    assert at.audio_input and SUBMIT in [b.label for b in at.button]


@pytest.mark.slow
def test_failed_analysis_keeps_the_attempt_and_retry_works(practice_env, staff, session,
                                                           monkeypatch, tmp_path):
    """A real failure: the model setting points at a broken model folder."""
    broken = tmp_path / "broken-model"
    broken.mkdir()
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (broken / name).write_bytes(b"not a model")
    monkeypatch.setenv("DOJO_WHISPER_MODEL_DIR", str(broken))
    get_settings.cache_clear()

    at = open_app(staff)
    at.audio_input[0].set_value(("a.wav", wav_bytes("answer_rude.flac"), "audio/wav")).run()
    button(at, SUBMIT).click().run()
    assert not at.exception, at.exception
    [attempt] = attempts(session)
    assert attempt.status == AttemptStatus.failed and attempt.error
    assert storage.recording_path(attempt.audio_path).is_file()
    assert "採点できませんでした。録音は保存されているので、もう一度採点できます。" in [
        e.value for e in at.error]

    monkeypatch.delenv("DOJO_WHISPER_MODEL_DIR")
    get_settings.cache_clear()
    button(at, RETRY).click().run()
    assert not at.exception, at.exception
    [again] = attempts(session)
    assert again.id == attempt.id and again.status == AttemptStatus.done, again.error
    assert at.metric[0].value == f"{again.score} 点"
    assert not [e for e in at.error if "採点できませんでした" in e.value]


def test_submitting_without_a_recording_asks_for_one(practice_env, staff, session):
    at = open_app(staff)
    button(at, SUBMIT).click().run()
    assert not at.exception, at.exception
    assert attempts(session) == []
    assert "録音するか、音声ファイルを選んでから提出してください。" in [w.value for w in at.warning]


def test_broken_scenario_file_does_not_break_the_catalogue(practice_env, staff, tmp_path,
                                                          monkeypatch):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "late_delivery.toml").write_bytes(
        (ROOT / "scenarios" / "data" / "late_delivery.toml").read_bytes())
    (folder / "broken.toml").write_text('id = "broken"\n[[turns\n', encoding="utf-8")
    monkeypatch.setattr(practice, "SCENARIOS_DIR", folder)
    at = open_app(staff)
    assert not at.exception, at.exception
    assert "読み込めなかったシナリオファイルがあります（1 件）" in at.warning[0].value
    assert at.selectbox(key="pr_scenario").options == ["お届けの遅れ — 今夜使いたかった土鍋（★1）"]
    assert at.audio_input  # the valid scenario is ready to practise


def _stored_attempt(session, user, *, status=AttemptStatus.stored, **fields) -> Attempt:
    relative, sha = storage.save_recording(user.id, wav_bytes("answer_rude.flac"))
    attempt = Attempt(user_id=user.id, kind=AttemptKind.practice, run_id="r",
                      scenario_id="late_delivery", scenario_version=1, turn_id="t1",
                      audio_path=relative, audio_sha256=sha, status=status, **fields)
    session.add(attempt)
    session.commit()
    return attempt


def test_staff_cannot_open_another_persons_attempt_by_query_param(practice_env, make_user,
                                                                  session):
    sato = make_user("sato", team="東京")
    suzuki = make_user("suzuki", team="東京")
    theirs = _stored_attempt(session, suzuki, status=AttemptStatus.no_speech)
    at = open_app(sato, query={"attempt": str(theirs.id)}, scenario=None)
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [REFUSED_ATTEMPT]
    assert not at.get("audio") and not at.metric and not at.warning
    # The owner opens the same link and sees it (a recording without speech).
    at = open_app(suzuki, query={"attempt": str(theirs.id)}, scenario=None)
    assert not at.error
    assert "音声が検出できませんでした" in [w.value for w in at.warning]
    assert at.get("audio")
    # Nonsense ids are "not found", not a crash.
    at = open_app(sato, query={"attempt": "abc"}, scenario=None)
    assert [e.value for e in at.error] == ["練習記録が見つかりません。"]


# --------------------------------------------------------------------------- calibration


@pytest.mark.slow
def test_calibration_records_a_baseline(practice_env, staff, session):
    at = open_app(staff, page="app_pages/calibrate.py", scenario=None)
    assert at.title[0].value == "声の基準づくり"
    assert "過ごしやすい一日" in at.subheader[0].value
    assert "まだ基準がありません" in at.info[0].value
    at.audio_input[0].set_value(("c.wav", wav_bytes("calibration_neutral.flac"), "audio/wav")).run()
    button(at, "この録音で基準をつくる").click().run()
    assert not at.exception, at.exception
    [cal] = attempts(session)
    assert cal.kind == AttemptKind.calibration and cal.status == AttemptStatus.done, cal.error
    labels = {m.label: m.value for m in at.metric}
    assert labels["いつもの声の高さ"].endswith("Hz")
    assert labels["いつもの速さ"].endswith("モーラ/秒")


# --------------------------------------------------------------------------- progress


def test_progress_shows_trends_best_and_new_feedback_that_opening_marks_seen(
        practice_env, staff, make_user, session):
    trainer = make_user("coach", role="trainer", team="東京")
    first = _stored_attempt(session, staff, status=AttemptStatus.done, score=58, passed=False,
                            result={"score": 58, "morae_per_s_span": 8.0, "no_speech": False,
                                    "transcript": "でも規則ですので"},
                            transcript="でも規則ですので")
    _stored_attempt(session, staff, status=AttemptStatus.done, score=84, passed=True,
                    result={"score": 84, "morae_per_s_span": 6.3})
    session.add(Review(attempt_id=first.id, trainer_id=trainer.id, score_override=65,
                       reason="最初のお詫びは良かったです。"))
    session.add(Comment(attempt_id=first.id, author_id=trainer.id, at_seconds=1.0,
                        text="「規則ですので」は避けましょう。"))
    session.commit()

    at = open_app(staff, page="app_pages/progress.py", scenario=None)
    assert not at.exception, at.exception
    assert at.title[0].value == "わたしの成長"
    assert "新着 2 件" in at.subheader[0].value
    shown = texts(at)
    assert "最初のお詫びは良かったです。" in shown and "トレーナーの採点: 65 点" in shown
    assert len(at.get("vega_lite_chart")) >= 2  # scores and a delivery measure
    best = at.dataframe[0].value
    assert list(best.iloc[0]) == ["お届けの遅れ — 今夜使いたかった土鍋", 84, 2, "✅"]

    open_buttons = [b for b in at.button if b.label == "開いて既読にする"]
    assert len(open_buttons) == 2
    open_buttons[0].click().run()
    assert not at.exception, at.exception
    session.expire_all()
    assert all(r.seen_by_trainee_at is not None for r in session.exec(select(Review)).all())
    assert all(c.seen_by_trainee_at is not None for c in session.exec(select(Comment)).all())
    assert at.title[0].value == "ロールプレイ練習"  # opened on the practice page
    assert at.metric[0].value == "58 点"


def test_other_roles_cannot_open_the_practice_pages(app_env, make_user):
    trainer = make_user("coach", role="trainer", team="東京")
    for page in ("practice", "calibrate", "progress"):
        at = AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=30)
        at.session_state["user_id"] = trainer.id
        at.run()
        assert at.error[0].value == "このページを表示する権限がありません。"
        assert not at.audio_input


def test_pages_render_in_english(practice_env, staff, make_user, session):
    done = _stored_attempt(session, staff, status=AttemptStatus.done, score=84, passed=True,
                           result=json_result(), transcript="申し訳ございません")
    failed = _stored_attempt(session, staff, status=AttemptStatus.failed, error="壊れています")
    for page, query in (("app_pages/progress.py", None), ("app_pages/calibrate.py", None),
                        (None, {"attempt": str(done.id)}), (None, {"attempt": str(failed.id)})):
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=TIMEOUT)
        at.session_state["user_id"] = staff.id
        at.session_state["lang"] = "en"
        at.session_state["pr_scenario"] = "late_delivery"
        if query:
            at.query_params.update(query)
        at.run()
        if page:
            at.switch_page(page).run()
        assert not at.exception, (page, query, at.exception)
    assert at.error[0].value.startswith("The answer could not be scored.")
    assert [b.label for b in at.button][:1] == ["Score again"]


def json_result() -> dict:
    """A small but complete analysis result (as Result.to_dict() writes it)."""
    return {
        "no_speech": False, "duration_s": 3.0, "transcript": "申し訳ございません",
        "speech_regions": [[0.2, 2.8]], "pauses": [], "filler_spans": [],
        "f0_contour": {"times_s": [0.3, 0.35], "hz": [220.0, 225.0]},
        "morae_per_s_span": 6.0, "score": 84, "passed": True, "pass_mark": 80,
        "content_score": 60, "content_max": 70, "delivery_score": 24, "delivery_max": 30,
        "rubric": [{"id": "apology", "label": "お詫び", "found": True, "span": [0, 9]}],
        "ng_phrases": [], "baseline": {"f0_median_hz": 210.0, "morae_per_s_span": 6.2},
        "breakdown": [{"key": "required:empathy", "category": "content", "points": 10,
                       "max_points": 10, "explanation_ja": "「共感」がありません。",
                       "tip_ja": "お気持ちを受け止めましょう。"}],
        "engine": "faster-whisper", "analysis_version": "1.0.0",
    }
