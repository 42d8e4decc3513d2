"""WebRTC VAD regions, pauses and the "no speech" decision, on synthetic signals and TTS."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from analysis import vad
from analysis.audio import load_audio

SR = 16000
DATA = Path(__file__).resolve().parents[1] / "data"


def noise(seconds: float, dbfs: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * SR)) * 10 ** (dbfs / 20)).astype(np.float32)


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return load_audio(DATA / "answer_apology.flac").samples


def test_digital_silence_is_not_speech():
    x = np.zeros(5 * SR, dtype=np.float32)
    assert vad.speech_regions(x) == []
    check = vad.speech_check(x)
    assert not check.has_speech
    assert check.reason == "no_vad_speech"


def test_faint_noise_is_not_speech():
    assert not vad.has_speech(noise(5, -60))


@pytest.mark.parametrize("dbfs", [-50, -40, -30, -20, -10, -3])
def test_white_noise_is_not_speech_at_any_level(dbfs):
    check = vad.speech_check(noise(5, dbfs))
    assert not check.has_speech, check
    assert check.voiced_s < vad.MIN_VOICED_S


def test_hum_is_not_speech():
    t = np.arange(5 * SR) / SR
    hum = sum(0.1 / k * np.sin(2 * np.pi * 100 * k * t) for k in range(1, 6)).astype(np.float32)
    assert not vad.has_speech(hum)


def test_speech_is_speech(speech):
    check = vad.speech_check(speech)
    assert check.has_speech, check
    assert check.reason == "ok"
    regions = vad.speech_regions(speech)
    # the clip has 0.3 s of lead silence and 0.5 s of trailing silence
    assert regions[0][0] == pytest.approx(0.3, abs=0.1)
    assert regions[-1][1] == pytest.approx(len(speech) / SR - 0.5, abs=0.15)


@pytest.mark.parametrize("dbfs", [-50, -40, -30, -20])
def test_speech_in_noise_is_still_speech(speech, dbfs):
    x = speech + noise(len(speech) / SR, dbfs)[: len(speech)]
    assert vad.has_speech(x)


def test_regions_are_sorted_and_separated(speech):
    regions = vad.speech_regions(speech)
    assert all(e > s for s, e in regions)
    assert all(s1 - e0 >= vad.MERGE_GAP_S - 1e-9 for (_, e0), (s1, _) in pairwise(regions))
    assert all(isinstance(v, float) for r in regions for v in r)


def test_inserted_four_seconds_of_silence_is_one_long_pause(speech):
    regions = vad.speech_regions(speech)
    s, e = max(regions, key=lambda r: r[1] - r[0])
    cut = int((s + e) / 2 * SR)  # in the middle of the longest stretch of speech
    x = np.concatenate([speech[:cut], np.zeros(4 * SR, np.float32), speech[cut:]])
    long = [p for p in vad.pauses(vad.speech_regions(x)) if p.duration >= vad.LONG_PAUSE_S]
    assert len(long) == 1
    assert long[0].duration == pytest.approx(4.0, abs=0.15)
    assert long[0].start == pytest.approx(cut / SR, abs=0.15)


def test_pauses_threshold_and_edges():
    regions = [(0.5, 1.0), (1.29, 2.0), (2.3, 3.0), (7.0, 8.0)]
    ps = vad.pauses(regions)
    assert [(p.start, p.end) for p in ps] == [(2.0, 2.3), (3.0, 7.0)]
    assert vad.pauses(regions, min_pause_s=0.2)[0].start == 1.0
    assert vad.pauses([(0.0, 1.0)]) == []  # silence before/after is not a pause


def test_decisions_to_regions_merges_flicker_and_drops_clicks():
    f = vad.VAD_FRAME_S
    d = np.zeros(100, dtype=bool)
    d[10:30] = True
    d[32:50] = True  # 2-frame gap (60 ms) → merged
    d[60:61] = True  # 1 frame (30 ms) blip → dropped
    d[70:90] = True  # 20-frame gap → separate
    regions = vad.decisions_to_regions(d)
    assert regions == [(round(10 * f, 3), round(50 * f, 3)), (round(70 * f, 3), round(90 * f, 3))]


def test_dither_is_deterministic_and_at_level():
    x = np.zeros(SR * 2, dtype=np.float32)
    a, b = vad.dither(x), vad.dither(x)
    assert np.array_equal(a, b)
    rms_db = 20 * np.log10(np.sqrt(np.mean(a.astype(np.float64) ** 2)))
    assert rms_db == pytest.approx(vad.DITHER_DBFS, abs=0.2)


def test_frame_rms_tracks_gain():
    t = np.arange(SR) / SR
    sine = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    for gain_db in (-30, -12, 0):
        db = vad.frame_rms_db(sine * 10 ** (gain_db / 20))
        assert np.median(db) == pytest.approx(gain_db - 3.01, abs=0.05)


def test_periodicity_separates_voice_from_noise():
    t = np.arange(SR) / SR
    voiced = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 10)).astype(np.float32)
    assert np.median(vad.frame_periodicity(voiced)) > 0.9
    assert np.median(vad.frame_periodicity(noise(1, -20))) < vad.VOICING_NACF
