"""services.practice: store first, analyse (real pipeline, real Whisper), retry, access, baseline,
branching, progress and demo seeding."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from sqlmodel import select

from core import storage
from core.access import viewer_for
from core.config import get_settings
from core.models import Attempt, AttemptKind, AttemptStatus, Comment, Review
from services import practice
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"


def wav_bytes(name: str) -> bytes:
    """A fixture clip as 16-bit PCM WAV bytes (what st.audio_input delivers)."""
    samples, sr = sf.read(DATA / name, dtype="int16")
    buf = io.BytesIO()
    sf.write(buf, samples, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def silence_wav(seconds: float = 2.0) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, np.zeros(int(16000 * seconds), dtype=np.int16), 16000, format="WAV",
             subtype="PCM_16")
    return buf.getvalue()


@pytest.fixture
def scenario():
    return practice.load_scenarios()["late_delivery"]


@pytest.fixture
def staff(session, make_user):
    return viewer_for(session, make_user("sato", team="東京"))


def submit(session, staff, scenario, data: bytes, filename="a.wav", turn_id=None) -> Attempt:
    return practice.submit_answer(session, viewer=staff, scenario=scenario,
                                  turn_id=turn_id or scenario.start, run_id="run1", data=data,
                                  filename=filename)


# --------------------------------------------------------------------------- store first


def test_submit_stores_file_and_row_before_any_analysis(session, staff, scenario):
    data = wav_bytes("answer_rude.flac")
    attempt = submit(session, staff, scenario, data)
    assert attempt.id is not None
    assert attempt.status == AttemptStatus.stored
    assert (attempt.scenario_id, attempt.scenario_version, attempt.turn_id) == (
        "late_delivery", scenario.version, "t1")
    assert storage.read_recording(attempt.audio_path) == data
    assert len(attempt.audio_sha256) == 64


@pytest.mark.parametrize("filename", ["notes.txt", "answer", "movie.mp4"])
def test_non_audio_upload_is_refused_and_nothing_is_stored(session, staff, scenario, filename):
    with pytest.raises(practice.PracticeError) as e:
        submit(session, staff, scenario, b"RIFF....", filename=filename)
    assert e.value.key == "practice.err_suffix"
    assert session.exec(select(Attempt)).all() == []
    assert not any(p.is_file() for p in storage.recordings_root().rglob("*"))


def test_empty_recording_is_refused(session, staff, scenario):
    with pytest.raises(practice.PracticeError) as e:
        submit(session, staff, scenario, b"")
    assert e.value.key == "practice.err_empty"


def test_unreadable_recording_fails_with_japanese_message_and_is_kept(session, staff, scenario):
    attempt = submit(session, staff, scenario, b"this is not audio at all", filename="a.wav")
    done = practice.analyse_attempt(attempt.id)
    assert done.status == AttemptStatus.failed
    assert "音声" in done.error  # AudioError.message_ja, shown to the trainee as is
    assert storage.recording_path(done.audio_path).is_file()
    session.expire_all()
    assert session.get(Attempt, attempt.id).status == AttemptStatus.failed


def test_silence_is_no_speech_not_a_score(session, staff, scenario):
    attempt = submit(session, staff, scenario, silence_wav())
    done = practice.analyse_attempt(attempt.id)
    assert done.status == AttemptStatus.no_speech
    assert done.score is None and done.transcript is None
    assert done.result["no_speech"] is True


@pytest.mark.slow
@pytest.mark.usefixtures("practice_env")
def test_broken_model_setting_fails_then_retry_succeeds(session, staff, scenario,
                                                        monkeypatch, tmp_path):
    """A real failure (the configured model does not exist), then a retry once it is fixed."""
    attempt = submit(session, staff, scenario, wav_bytes("answer_rude.flac"))
    monkeypatch.setenv("DOJO_WHISPER_MODEL_DIR", str(tmp_path / "no-such-model"))
    get_settings.cache_clear()
    failed = practice.analyse_attempt(attempt.id)
    assert failed.status == AttemptStatus.failed
    assert failed.error and "no-such-model" in failed.error
    assert storage.recording_path(failed.audio_path).is_file()

    monkeypatch.delenv("DOJO_WHISPER_MODEL_DIR")
    get_settings.cache_clear()
    stages: list[str] = []
    done = practice.analyse_attempt(attempt.id, progress=stages.append)
    assert done.id == attempt.id
    assert done.status == AttemptStatus.done, done.error
    assert done.error is None
    assert stages == ["load", "vad", "transcribe", "text", "prosody", "score"]
    assert "規則" in done.transcript
    assert 0 <= done.score <= 100 and done.passed is False
    assert done.engine == "faster-whisper" and len(done.model_sha256) == 64
    assert done.analysis_version
    # The rude answer has no apology: the scenario's first rule sends the call to t2_angry.
    assert done.next_turn_id == "t2_angry"


# --------------------------------------------------------------------------- access


def test_staff_cannot_open_another_persons_attempt(session, make_user, scenario):
    sato = viewer_for(session, make_user("sato", team="東京"))
    suzuki = viewer_for(session, make_user("suzuki", team="東京"))
    trainer = viewer_for(session, make_user("coach", role="trainer", team="東京"))
    other_trainer = viewer_for(session, make_user("coach2", role="trainer", team="大阪"))
    hr = viewer_for(session, make_user("hr", role="hr"))
    attempt = submit(session, sato, scenario, wav_bytes("answer_rude.flac"))

    assert practice.get_attempt_for(session, sato, attempt.id).id == attempt.id
    assert practice.get_attempt_for(session, trainer, attempt.id).id == attempt.id
    for viewer in (suzuki, other_trainer, hr, None):
        with pytest.raises(PermissionError):
            practice.get_attempt_for(session, viewer, attempt.id)
    with pytest.raises(LookupError):
        practice.get_attempt_for(session, sato, 9999)
    # Lists only ever hold the viewer's own attempts.
    assert practice.run_attempts(session, suzuki, "run1") == []
    assert practice.progress_for(session, suzuki).rows == []


def test_only_staff_submit(session, make_user, scenario):
    trainer = viewer_for(session, make_user("coach", role="trainer", team="東京"))
    with pytest.raises(PermissionError):
        submit(session, trainer, scenario, wav_bytes("answer_rude.flac"))


# --------------------------------------------------------------------------- baseline + branch


@pytest.mark.slow
@pytest.mark.usefixtures("practice_env")
def test_baseline_from_calibration_is_used_by_the_next_practice(session, staff,
                                                                 scenario):
    assert practice.current_baseline(session, staff.id) is None
    cal = practice.submit_calibration(session, viewer=staff,
                                      data=(DATA / "calibration_neutral.flac").read_bytes(),
                                      filename="cal.flac")
    assert cal.kind == AttemptKind.calibration
    cal = practice.analyse_attempt(cal.id)
    assert cal.status == AttemptStatus.done, cal.error
    assert practice.usable_calibration(cal)
    baseline = practice.current_baseline(session, staff.id)
    assert baseline is not None
    assert 150 < baseline.f0_median_hz < 400  # a female TTS voice
    assert 4 < baseline.morae_per_s_span < 9

    answer = practice.analyse_attempt(submit(session, staff, scenario,
                                             wav_bytes("answer_rude.flac")).id)
    assert answer.result["baseline"] == pytest.approx(
        {"f0_median_hz": baseline.f0_median_hz, "morae_per_s_span": baseline.morae_per_s_span})
    keys = {item["key"] for item in answer.result["breakdown"]}
    assert {"pitch_vs_usual", "pace_vs_usual"} <= keys
    # A failed later calibration does not replace the baseline.
    bad = practice.submit_calibration(session, viewer=staff, data=b"garbage", filename="c.wav")
    assert practice.analyse_attempt(bad.id).status == AttemptStatus.failed
    assert practice.current_baseline(session, staff.id) == baseline


def _groups(found: dict[str, bool]) -> list[dict]:
    return [{"id": k, "found": v} for k, v in found.items()]


def test_branch_is_chosen_from_the_result(scenario):
    t1 = scenario.turn("t1")
    no_apology = {"rubric": _groups({"apology": False, "empathy": True, "confirm_question": True})}
    apology = {"rubric": _groups({"apology": True, "empathy": False, "confirm_question": False})}
    assert practice.choose_next_turn(t1, no_apology) == "t2_angry"
    assert practice.choose_next_turn(t1, apology) == "t2_order"
    t2 = scenario.turn("t2_order")
    both = {"rubric": _groups({"repeat_back": False, "proposal": True, "next_step": True})}
    one = {"rubric": _groups({"repeat_back": True, "proposal": True, "next_step": False})}
    assert practice.choose_next_turn(t2, both) == "t3_calm"
    assert practice.choose_next_turn(t2, one) == "t3_doubt"
    assert practice.choose_next_turn(scenario.turn("t3_calm"), both) is None  # the call ends


# --------------------------------------------------------------------------- lists and progress


def _done(session, viewer, scenario_id, score, days_ago=0, **metrics) -> Attempt:
    from datetime import timedelta

    from core.models import utcnow

    relative, sha = storage.save_recording(viewer.id, b"x", suffix=".wav")
    a = Attempt(user_id=viewer.id, kind=AttemptKind.practice, run_id="r", scenario_id=scenario_id,
                scenario_version=1, turn_id="t1", audio_path=relative, audio_sha256=sha,
                status=AttemptStatus.done, score=score, passed=score >= 80,
                result={"score": score, **metrics}, created_at=utcnow() - timedelta(days=days_ago))
    session.add(a)
    session.commit()
    return a


def test_catalogue_marks_done_and_best_per_viewer(session, staff, make_user):
    other = viewer_for(session, make_user("suzuki", team="東京"))
    _done(session, staff, "late_delivery", 62)
    _done(session, staff, "late_delivery", 85)
    _done(session, other, "billing_error", 90)
    view = practice.list_catalogue(session, staff)
    late = view.get("late_delivery")
    assert (late.attempts, late.best_score, late.done) == (2, 85, True)
    billing = view.get("billing_error")
    assert billing is not None and (billing.attempts, billing.best_score, billing.done) == (0, None, False)
    assert all(e.scenario.difficulty <= f.scenario.difficulty
               for e, f in zip(view.entries, view.entries[1:]))
    assert view.filter(tag="配送") and all("配送" in e.scenario.tags for e in view.filter(tag="配送"))
    assert all(e.scenario.difficulty == 2 for e in view.filter(difficulty=2))


def test_broken_scenario_file_is_reported_and_the_rest_still_listed(session, staff, tmp_path,
                                                                   monkeypatch):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "late_delivery.toml").write_bytes(
        (ROOT / "scenarios" / "data" / "late_delivery.toml").read_bytes())
    (folder / "broken.toml").write_text('id = "broken"\nversion = "x"\n[[turns\n', encoding="utf-8")
    monkeypatch.setattr(practice, "SCENARIOS_DIR", folder)
    view = practice.list_catalogue(session, staff)
    assert [e.scenario.id for e in view.entries] == ["late_delivery"]
    assert len(view.errors) == 1 and "broken.toml" in str(view.errors[0])


def test_progress_rows_trends_best_and_feedback(session, staff, make_user):
    first = _done(session, staff, "late_delivery", 55, days_ago=5, morae_per_s_span=8.1,
                  f0_sd_st=2.0, filler_ratio=0.1, long_pause_count=1)
    _done(session, staff, "late_delivery", 82, days_ago=1, morae_per_s_span=6.4, f0_sd_st=3.0,
          filler_ratio=0.0, long_pause_count=0)
    trainer = make_user("coach", role="trainer", team="東京")
    session.add(Review(attempt_id=first.id, trainer_id=trainer.id, score_override=60,
                       reason="お詫びは良いです。"))
    session.add(Comment(attempt_id=first.id, author_id=trainer.id, at_seconds=1.5,
                        text="ここで一拍おきましょう。"))
    session.commit()

    data = practice.progress_for(session, staff)
    assert [r["score"] for r in data.rows] == [55, 82]  # oldest first
    assert [r["morae_per_s_span"] for r in data.rows] == [8.1, 6.4]
    assert len(data.best) == 1 and data.best[0]["best_score"] == 82
    assert data.best[0]["passed"] is True and data.best[0]["attempts"] == 2
    assert {f.kind for f in data.feedback} == {"review", "comment"}
    assert all(f.new for f in data.feedback)

    practice.mark_feedback_seen(session, staff, first.id)
    assert not any(f.new for f in practice.progress_for(session, staff).feedback)
    other = viewer_for(session, make_user("suzuki", team="東京"))
    assert practice.progress_for(session, other).feedback == []
    with pytest.raises(PermissionError):
        practice.mark_feedback_seen(session, other, first.id)

    from ui import charts

    assert charts.scores_chart(data.rows).to_dict()
    for metric in practice.TREND_METRICS:
        if metric != "score":
            assert charts.metric_chart(data.rows, metric, title=metric).to_dict()


# --------------------------------------------------------------------------- feedback text


def test_transcript_pieces_highlight_hits_ng_and_fillers():
    result = {
        "transcript": "えーと、でも規則ですので、申し訳ございません。",
        "rubric": [{"id": "apology", "label": "お詫び", "found": True, "span": [13, 22]},
                   {"id": "empathy", "label": "共感", "found": False, "span": None}],
        "ng_phrases": [{"id": "rules", "label": "規則", "found": True, "span": [6, 12]}],
        "filler_spans": [[0, 3]],
    }
    pieces = practice.transcript_pieces(result)
    assert "".join(p.text for p in pieces) == result["transcript"]
    kinds = {(p.text, p.kind) for p in pieces if p.kind}
    assert kinds == {("えーと", "filler"), ("規則ですので", "ng"), ("申し訳ございません", "hit")}
    assert practice.transcript_pieces({"transcript": None}) == []


def test_stage_labels_and_trend_labels_exist():
    from core.i18n import catalogue

    keys = [*practice.STAGE_KEYS.values(), *practice.TREND_METRICS.values()]
    assert [k for k in keys if k not in catalogue()] == []
    from analysis.pipeline import STAGES

    assert set(STAGES) == set(practice.STAGE_KEYS)


def test_charts_of_a_result_with_and_without_baseline():
    from ui import charts

    result = {
        "duration_s": 4.0, "speech_regions": [[0.3, 1.5], [1.9, 3.6]],
        "pauses": [{"start": 1.5, "end": 1.9, "duration_s": 0.4}],
        "f0_contour": {"times_s": [0.3, 0.35, 0.4, 2.0, 2.05], "hz": [210, 215, None, 190, 200]},
        "morae_per_s_span": 6.2,
    }
    assert charts.good_range("pace") == (5.0, 7.0)
    for baseline in (None, {"f0_median_hz": 200.0, "morae_per_s_span": 6.0}):
        assert charts.pitch_chart(result, baseline).to_dict()
        assert charts.pace_chart(result, baseline).to_dict()
    assert charts.pauses_chart(result).to_dict()
    low, high = charts.pitch_band({"f0_median_hz": 200.0, "morae_per_s_span": 6.0})
    assert low < 200 < high
    assert charts.pitch_chart({"f0_contour": {"times_s": [], "hz": []}}) is None


# --------------------------------------------------------------------------- demo


@pytest.mark.slow
@pytest.mark.usefixtures("practice_env")
def test_demo_seed_creates_really_analysed_attempts(session, monkeypatch):
    from core.models import User
    from demo.seed import seed_demo

    # The same code path with the shortest clip for the answers, to keep the test quick.
    monkeypatch.setitem(practice.DEMO_CLIPS, "apology", "answer_rude.flac")
    monkeypatch.setitem(practice.DEMO_CLIPS, "calibration", "answer_rude.flac")

    assert seed_demo(session) is True
    attempts = session.exec(select(Attempt)).all()
    practice_rows = [a for a in attempts if a.kind == AttemptKind.practice]
    assert len(practice_rows) == len(practice.DEMO_ATTEMPTS)
    assert all(a.status == AttemptStatus.done for a in attempts), [a.error for a in attempts]
    assert all(Path(storage.recording_path(a.audio_path)).is_file() for a in attempts)
    sato = session.exec(select(User).where(User.username == "sato")).one()
    viewer = viewer_for(session, sato)
    assert practice.current_baseline(session, sato.id) is not None
    assert len(practice.progress_for(session, viewer).rows) == 3
    # Calibrated demo staff are scored against their baseline; the others without one.
    with_baseline = {a.user_id for a in practice_rows if a.result.get("baseline")}
    assert sato.id in with_baseline
    yamamoto = session.exec(select(User).where(User.username == "yamamoto")).one()
    assert yamamoto.id not in with_baseline
