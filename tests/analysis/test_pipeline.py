"""analyse() end to end: real Whisper (slow) on the TTS clips, and the no-speech path."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from analysis.audio import AudioError, load_audio
from analysis.pipeline import NO_SPEECH_MESSAGE_JA, STAGES, analyse
from analysis.result import ANALYSIS_VERSION, SCHEMA_VERSION, AnalysisResult
from analysis.rubric import PhraseGroup, Rubric
from analysis.score import make_baseline

DATA = Path(__file__).resolve().parents[1] / "data"
SR = 16000

REQUIRED_KEYS = {
    "duration_s",
    "speech_s",
    "no_speech",
    "transcript",
    "segments",
    "morae",
    "morae_per_s_span",
    "morae_per_s_speaking",
    "chars_per_min",
    "f0_median_hz",
    "f0_sd_st",
    "f0_range_st",
    "pause_count",
    "long_pause_count",
    "longest_pause_s",
    "pause_ratio",
    "loudness_dbfs",
    "clipping_ratio",
    "noise_floor_dbfs",
    "snr_db",
    "filler_count",
    "fillers",
    "rubric",
    "ng_phrases",
    "score",
    "breakdown",
    "engine",
    "model_sha256",
    "timings_s",
    "analysis_version",
    "schema_version",
    "f0_contour",
    "pauses",
    "refund_amounts",
}

RUBRIC = Rubric(
    required=(
        PhraseGroup("apology", "謝罪", ("申し訳ございません", "大変失礼いたしました")),
        PhraseGroup(
            "urgent", "迅速な対応", ("至急確認いたします", "至急確認して", "すぐに確認いたします")
        ),
        PhraseGroup("name", "名乗り", ("担当の鈴木と申します",)),
    ),
    ng=(PhraseGroup("rule", "規則を盾にする", ("規則ですので", "決まりですので")),),
    max_refund_yen=5000,
)


def wav_bytes(x: np.ndarray) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, SR, format="WAV", subtype="PCM_16")
    return buf.getvalue()


# --- no speech: Whisper is never run --------------------------------------------------------------
@pytest.mark.parametrize("kind", ["digital_silence", "faint_noise", "white_noise"])
def test_no_speech_gives_no_transcript_and_no_score(tmp_path, kind):
    rng = np.random.default_rng(0)
    x = {
        "digital_silence": np.zeros(5 * SR, np.float32),
        "faint_noise": (rng.standard_normal(5 * SR) * 10 ** (-60 / 20)).astype(np.float32),
        "white_noise": (rng.standard_normal(5 * SR) * 10 ** (-15 / 20)).astype(np.float32),
    }[kind]
    stages = []
    r = analyse(wav_bytes(x), cache_dir=tmp_path / "models", progress=stages.append)
    assert r.no_speech and r.message_ja == NO_SPEECH_MESSAGE_JA
    assert r.transcript is None and r.score is None and r.identity.engine is None
    assert stages == ["load", "vad"]
    assert "transcribe" not in r.timings_s
    assert not (tmp_path / "models").exists()  # the model was not even assembled
    d = r.to_dict()
    assert d["no_speech"] is True and d["score"] is None and d["breakdown"] == []
    assert REQUIRED_KEYS <= set(d)
    assert d["schema_version"] == SCHEMA_VERSION
    assert AnalysisResult.from_dict(json.loads(json.dumps(d))).to_dict() == d


def test_bad_input_raises_audio_error(tmp_path):
    with pytest.raises(AudioError):
        analyse(b"not audio at all", cache_dir=tmp_path)


# --- real Whisper ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def apology(model_cache_dir):
    stages: list[str] = []
    r = analyse(
        DATA / "answer_apology.flac",
        rubric=RUBRIC,
        cache_dir=model_cache_dir,
        progress=stages.append,
    )
    return r, stages


@pytest.mark.slow
def test_apology_end_to_end(apology):
    r, stages = apology
    assert stages == list(STAGES)
    assert not r.no_speech and r.text
    groups = {g.id: g for g in r.rubric.required}
    assert groups["apology"].found
    s, e = groups["apology"].span
    assert r.text[s:e] == groups["apology"].matched_text
    assert not groups["name"].found
    assert r.rubric.ng_found == []
    assert r.score is not None
    name_item = next(d for d in r.score.items if d.key == "required:name")
    assert name_item.points > 0 and name_item.tip_ja
    assert r.score.content_max == 70 and r.score.delivery_max == 30
    assert 0 <= r.score.total <= 100
    assert r.identity.engine == "faster-whisper" and len(r.identity.model_sha256) == 64
    assert set(STAGES) | {"total"} <= set(r.timings_s)


@pytest.mark.slow
def test_apology_measures_are_plausible(apology):
    r, _ = apology
    meta = json.loads((DATA / "fixtures.json").read_text(encoding="utf-8"))["answer_apology.flac"]
    assert r.duration_s == pytest.approx(meta["duration"], abs=0.05)
    r = r.metrics
    assert 5.5 <= r.morae_per_s_span <= 7.5  # TTS at normal speed
    assert r.morae_per_s_speaking > r.morae_per_s_span
    assert 150 <= r.f0_median_hz <= 400  # a female TTS voice
    assert 1.0 <= r.f0_sd_st <= 6.0
    assert r.long_pause_count == 0 and r.pause_count >= 1
    assert -30 <= r.loudness_dbfs <= -6
    assert r.snr_db > 30
    assert r.filler_count == 0


@pytest.mark.slow
def test_apology_dict_has_every_key_and_round_trips(apology):
    r, _ = apology
    d = r.to_dict()
    assert REQUIRED_KEYS <= set(d), REQUIRED_KEYS - set(d)
    assert d["analysis_version"] == ANALYSIS_VERSION
    text = json.dumps(d, ensure_ascii=False, allow_nan=False)
    again = AnalysisResult.from_dict(json.loads(text))
    assert again.to_dict() == d
    assert again.score == r.score and again.rubric == r.rubric
    assert len(d["f0_contour"]["times_s"]) == len(d["f0_contour"]["hz"]) > 10
    assert {g["id"] for g in d["rubric"]} == {"apology", "urgent", "name"}


@pytest.mark.slow
def test_delivery_only_without_rubric_and_with_baseline(model_cache_dir):
    calib = analyse(DATA / "calibration_neutral.flac", cache_dir=model_cache_dir)
    base = make_baseline(calib.metrics)
    assert 150 <= base.f0_median_hz <= 400 and 4 <= base.morae_per_s_span <= 9
    r = analyse(DATA / "answer_apology_fast.flac", baseline=base, cache_dir=model_cache_dir)
    assert r.score.content is None and r.score.delivery_max == 100
    keys = {d.key for d in r.score.items}
    assert {"pitch_vs_usual", "pace_vs_usual"} <= keys
    pace_item = next(d for d in r.score.items if d.key == "pace_vs_usual")
    assert pace_item.value > 1.0  # the fast clip is faster than the calibration reading
    assert r.metrics.morae_per_s_span > calib.metrics.morae_per_s_span


@pytest.mark.slow
def test_fillers_and_ng_are_found(model_cache_dir):
    r = analyse(DATA / "answer_fillers.flac", cache_dir=model_cache_dir)
    assert r.metrics.filler_count >= 2
    assert set(r.transcript.fillers) & {"えーと", "えっと", "えーっと"}
    assert any(d.key == "fillers" and d.points > 0 for d in r.score.items)
    rude = analyse(DATA / "answer_rude.flac", rubric=RUBRIC, cache_dir=model_cache_dir)
    assert [g.id for g in rude.rubric.ng_found] == ["rule"]
    assert any(d.key == "ng:rule" and d.points > 0 for d in rude.score.items)


@pytest.mark.slow
def test_inserted_long_silence_is_a_deduction(model_cache_dir):
    y = load_audio(DATA / "answer_apology.flac").samples
    cut = int(4.4 * SR)
    x = np.concatenate([y[:cut], np.zeros(4 * SR, np.float32), y[cut:]])
    r = analyse(wav_bytes(x), cache_dir=model_cache_dir)
    assert r.metrics.long_pause_count == 1 and r.metrics.longest_pause_s == pytest.approx(4.3, abs=0.5)
    assert any(d.key == "silence" and d.points > 0 for d in r.score.items)
