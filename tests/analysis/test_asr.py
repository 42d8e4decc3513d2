"""analysis.asr with the real bundled Whisper base (no mocks): Japanese transcripts of the
fixture speech, both engines agreeing, and the guards against text invented in silence."""

from __future__ import annotations

import time

import numpy as np
import pytest

from analysis import asr
from analysis.asr import (
    FILLER_PROMPT,
    Segment,
    Transcript,
    compression_ratio,
    in_speech,
    transcribe,
)
from analysis.audio import SAMPLE_RATE, load_audio
from analysis.cer import cer, kana_plain, plain
from analysis.modelpack import BASE_MODEL_SHA256, ModelPackError
from analysis.resolve import ENGINES

kana = kana_plain  # homophones compare equal; long vowels are ー (申し訳 -> モーシワケ)


def speech_span(meta: dict) -> list[tuple[float, float]]:
    """The fixture's speech as one region (its padding is known)."""
    return [(meta["lead_silence_s"], meta["duration"] - meta["trail_silence_s"])]


# ----------------------------------------------------------------------------- pure helpers


def test_constants():
    assert ENGINES == ("faster-whisper", "openai-whisper")
    assert len(FILLER_PROMPT) <= 32


def test_in_speech_rule():
    regions = [(0.3, 6.0), (7.0, 10.3)]
    assert in_speech(Segment(0.0, 6.08, "a"), regions)
    assert in_speech(Segment(6.6, 10.14, "b"), regions)
    assert not in_speech(Segment(10.16, 10.8, "loop"), regions)  # touches speech by 0.14 s
    assert not in_speech(Segment(12.0, 14.0, "silence"), regions)
    assert not in_speech(Segment(10.78, 10.78, ""), regions)
    assert in_speech(Segment(8.0, 8.0, "x"), regions)
    assert not in_speech(Segment(0.0, 5.0, "x"), [])


def test_compression_ratio_flags_loops():
    assert compression_ratio("お前は、" * 50) > 2.4
    assert compression_ratio("お届けが遅れてしまい、大変申し訳ございません。") < 2.4
    assert compression_ratio("") == 0.0


def test_unknown_engine():
    with pytest.raises(ValueError):
        transcribe(np.zeros(16000, np.float32), engine="whisper.cpp", cache_dir=".")


def test_no_speech_does_not_run_whisper(tmp_path):
    """An empty region list returns at once without loading (or assembling) any model."""
    before = asr.load_model.cache_info()
    start = time.perf_counter()
    t = transcribe(
        np.zeros(5 * SAMPLE_RATE, np.float32), cache_dir=tmp_path, threads=3, speech_regions=[]
    )
    assert time.perf_counter() - start < 0.5
    assert t == Transcript("", [], "faster-whisper", BASE_MODEL_SHA256, "ja")
    after = asr.load_model.cache_info()
    assert (after.misses, after.currsize) == (before.misses, before.currsize)
    assert not any(tmp_path.iterdir())  # not even the model pack was touched


def test_missing_user_model_is_a_model_pack_error(tmp_path):
    x = np.zeros(SAMPLE_RATE, np.float32)
    for regions in ([], None):
        with pytest.raises(ModelPackError) as e:
            transcribe(x, model_path=tmp_path / "nope", cache_dir=tmp_path, speech_regions=regions)
        assert e.value.code == "not_found"


# ----------------------------------------------------------------------------- real Whisper


@pytest.fixture(scope="module")
def apology(fixture_clip, fixtures_meta):
    meta = fixtures_meta["answer_apology.flac"]
    return load_audio(fixture_clip("answer_apology.flac")).samples, meta


@pytest.fixture(scope="module")
def fw_apology(apology, model_cache_dir):
    samples, meta = apology
    return transcribe(samples, cache_dir=model_cache_dir, speech_regions=speech_span(meta))


@pytest.mark.slow
def test_faster_whisper_hears_the_apology(fw_apology, apology):
    samples, meta = apology
    t = fw_apology
    assert t.engine == "faster-whisper" and t.language == "ja"
    assert t.model_sha256 == BASE_MODEL_SHA256
    reading = kana(t.text)
    for phrase in ("モーシワケゴザイマセン", "ゴフベン", "ホンジツ", "レンラク"):
        assert phrase in reading, (phrase, t.text)
    assert cer(kana(meta["text"]), reading) < 0.15
    assert t.text == "".join(s.text for s in t.segments)
    words = [w for s in t.segments for w in s.words]
    assert len(words) >= 10
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    assert all(0 <= w.start <= w.end <= len(samples) / SAMPLE_RATE + 0.1 for w in words)
    assert all(0 < w.probability <= 1 for w in words)
    for s in t.segments:
        assert s.avg_logprob < 0 and 0 <= s.no_speech_prob <= 1


@pytest.mark.slow
def test_model_loaded_once(apology, model_cache_dir, fw_apology):
    samples, meta = apology
    before = asr.load_model.cache_info()
    again = transcribe(samples, cache_dir=model_cache_dir, speech_regions=speech_span(meta))
    after = asr.load_model.cache_info()
    assert after.misses == before.misses and after.hits == before.hits + 1
    assert again.text == fw_apology.text  # deterministic


@pytest.mark.slow
def test_segments_outside_speech_are_dropped(apology, model_cache_dir, fw_apology):
    """Claim speech only in the second sentence: the first sentence's segment goes."""
    samples, _ = apology
    assert len(fw_apology.segments) >= 2
    first, last = fw_apology.segments[0], fw_apology.segments[-1]
    t = transcribe(samples, cache_dir=model_cache_dir, speech_regions=[(last.start, last.end)])
    assert "シワケ" not in kana(t.text) and "レンラク" in kana(t.text)
    assert all(s.start >= first.end for s in t.segments)


@pytest.mark.slow
def test_no_text_invented_in_trailing_noise(apology, model_cache_dir, fw_apology):
    """Five seconds of faint noise after the answer add no words when the VAD says so."""
    samples, meta = apology
    noise = np.random.default_rng(1).normal(0, 10 ** (-50 / 20), 5 * SAMPLE_RATE)
    padded = np.concatenate([samples, noise.astype(np.float32)])
    t = transcribe(padded, cache_dir=model_cache_dir, speech_regions=speech_span(meta))
    assert plain(t.text) == plain(fw_apology.text)
    assert all(s.end <= meta["duration"] for s in t.segments)


@pytest.mark.slow
def test_both_engines_agree(fixture_clip, fixtures_meta, model_cache_dir):
    """Same weights, greedy: openai-whisper fp32 and faster-whisper int8 transcribe alike."""
    name = "answer_rude.flac"
    meta = fixtures_meta[name]
    samples = load_audio(fixture_clip(name)).samples
    fw = transcribe(samples, cache_dir=model_cache_dir, speech_regions=speech_span(meta))
    ow = transcribe(
        samples.astype(np.float64),  # converted to float32 inside
        engine="openai-whisper",
        cache_dir=model_cache_dir,
        speech_regions=speech_span(meta),
    )
    assert ow.engine == "openai-whisper" and ow.model_sha256 == fw.model_sha256
    assert cer(plain(fw.text), plain(ow.text)) <= 0.05, (fw.text, ow.text)
    assert cer(kana(meta["text"]), kana(ow.text)) <= 0.05, ow.text
    assert "キソク" in kana(ow.text)
    ow_words = [w for s in ow.segments for w in s.words]
    fw_words = [w for s in fw.segments for w in s.words]
    assert ow_words and abs(ow_words[0].start - fw_words[0].start) < 0.3
