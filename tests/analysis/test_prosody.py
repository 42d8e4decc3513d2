"""Pitch, pace, pauses and loudness on signals with a known truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import parselmouth
import pytest

from analysis import prosody as P
from analysis import vad
from analysis.audio import load_audio
from analysis.reading import count_chars, count_morae

SR = 16000
DATA = Path(__file__).resolve().parents[1] / "data"


def synth_voice(
    seconds: float = 4.0,
    f0_hz: float = 180.0,
    depth_st: float = 2.0,
    rate_hz: float = 0.5,
    level: float = 0.3,
) -> tuple[np.ndarray, np.ndarray]:
    """A voice-like harmonic signal with syllable-rate loudness changes and a known F0
    contour: f0_hz · 2^(depth_st · sin(2π rate t) / 12). Returns (samples, f0 per sample)."""
    t = np.arange(int(seconds * SR)) / SR
    f0 = f0_hz * 2 ** (depth_st * np.sin(2 * np.pi * rate_hz * t) / 12)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    x = np.zeros_like(t)
    for k in range(1, 30):
        x += np.where(k * f0 < 7000, np.sin(k * phase) / k, 0.0)
    x *= np.maximum(0.5 - 0.5 * np.cos(2 * np.pi * 5 * t), 0.15)
    return (x / np.max(np.abs(x)) * level).astype(np.float32), f0


def cents(a: float, b: float) -> float:
    return 1200 * np.log2(a / b)


@pytest.fixture(scope="module")
def base_stats():
    x, _ = synth_voice()
    return P.pitch_stats(P.remove_outliers(P.pitch_track(x)))


@pytest.mark.parametrize("shift_cents", [-300, -100, 50, 100, 400])
def test_pitch_shift_moves_the_median_by_the_same_amount(base_stats, shift_cents):
    x, _ = synth_voice(f0_hz=180 * 2 ** (shift_cents / 1200))
    s = P.pitch_stats(P.remove_outliers(P.pitch_track(x)))
    assert cents(s.median_hz, base_stats.median_hz) == pytest.approx(shift_cents, abs=8)


def test_median_f0_is_right(base_stats):
    # whole periods of the contour: its median is f0_hz
    assert cents(base_stats.median_hz, 180.0) == pytest.approx(0, abs=10)


@pytest.mark.parametrize("depth", [0.0, 1.0, 2.0, 3.0])
def test_spread_follows_the_intonation_depth(depth):
    x, _ = synth_voice(depth_st=depth)
    s = P.pitch_stats(P.remove_outliers(P.pitch_track(x)))
    # RMS of a sine of amplitude d is d/√2; 5–95th pct range of a sine is 2·d·sin(0.45π)
    assert s.sd_st == pytest.approx(depth / np.sqrt(2), abs=0.1)
    assert s.range_st == pytest.approx(2 * depth * np.sin(0.45 * np.pi), abs=0.3)


def test_unvoiced_input_gives_no_pitch():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(SR * 2) * 0.05).astype(np.float32)
    s = P.pitch_stats(P.remove_outliers(P.pitch_track(x)))
    assert s.median_hz is None or s.voiced_s < 0.1


def test_remove_outliers_drops_an_octave_jump_but_keeps_a_gradual_fall():
    t = np.arange(100) * 0.02
    f0 = np.full(100, 200.0)
    f0[40] = 400.0  # isolated octave error
    f0[70:100] = 200.0 * 2 ** (-np.arange(30) * 0.4 / 12)  # a real 11.6 st sentence-final fall
    f0[20] = np.nan
    f0[55] = 210.0
    f0[54] = f0[56] = f0[53] = f0[57] = np.nan  # a voiced frame without voiced neighbours
    cleaned = P.remove_outliers(P.PitchTrack(t, f0))
    assert np.isnan(cleaned.f0[40])
    assert np.isnan(cleaned.f0[55])
    assert np.allclose(cleaned.f0[70:100], f0[70:100])
    assert np.isfinite(cleaned.f0[39]) and np.isfinite(cleaned.f0[41])


def test_pitch_matches_praat_on_tts():
    y = load_audio(DATA / "answer_apology.flac").samples
    regions = vad.speech_regions(y)
    track = P.remove_outliers(P.pitch_track(y, regions=regions))
    pitch = parselmouth.Sound(y.astype(np.float64), SR).to_pitch_ac(
        time_step=0.01, pitch_floor=65, pitch_ceiling=600
    )
    ref = pitch.selected_array["frequency"]
    ref_at = np.interp(track.times, pitch.xs(), ref)
    near = np.interp(track.times, pitch.xs(), (ref > 0).astype(float)) == 1.0
    both = np.isfinite(track.f0) & near
    assert both.sum() > 100
    diff = np.abs(1200 * np.log2(track.f0[both] / ref_at[both]))
    assert np.median(diff) <= 10
    med_ref = np.median(ref[ref > 0])
    assert abs(cents(P.pitch_stats(track).median_hz, med_ref)) <= 15


def test_contour_is_downsampled_with_gaps():
    t = np.arange(0, 2, 0.02)
    f0 = np.where((t > 0.8) & (t < 1.2), np.nan, 150.0)
    times, hz = P.contour(P.PitchTrack(t, f0))
    assert len(times) == len(hz) <= 2 / P.CONTOUR_STEP_S + 1
    assert None in hz
    assert all(h == 150.0 for h in hz if h is not None)
    assert times == sorted(times)


# --- pace ---------------------------------------------------------------------------------------
def test_pace_over_span_and_speaking_time():
    regions = [(1.0, 3.0), (3.1, 5.0), (6.0, 8.0)]  # 0.1 s gap stays, 1.0 s gap is removed
    p = P.pace(42, 35, regions)
    assert p.span_s == pytest.approx(7.0)
    assert p.speaking_s == pytest.approx(6.0)
    assert p.morae_per_s_span == pytest.approx(6.0)
    assert p.morae_per_s_speaking == pytest.approx(7.0)
    assert p.chars_per_min == pytest.approx(300.0)
    assert P.pace(10, 10, []).morae_per_s_span is None


def test_faster_speech_gives_higher_pace():
    meta = json.loads((DATA / "fixtures.json").read_text(encoding="utf-8"))
    rates = {}
    for name in ("answer_apology.flac", "answer_apology_fast.flac"):
        y = load_audio(DATA / name).samples
        text = meta[name]["text"]
        p = P.pace(count_morae(text), count_chars(text), vad.speech_regions(y))
        rates[name] = p
    normal, fast = rates["answer_apology.flac"], rates["answer_apology_fast.flac"]
    ratio = meta["answer_apology_fast.flac"]["speed"] / meta["answer_apology.flac"]["speed"]
    assert fast.morae_per_s_span > normal.morae_per_s_span * (1 + (ratio - 1) / 2)
    assert fast.morae_per_s_speaking > normal.morae_per_s_speaking
    assert 5.5 <= normal.morae_per_s_span <= 7.5  # TTS at normal speed: 6.6–6.9 (notes)


# --- pauses -------------------------------------------------------------------------------------
def test_pause_stats_with_a_known_long_pause():
    regions = [(0.0, 1.0), (1.5, 2.0), (6.0, 7.0), (7.1, 8.0)]
    s = P.pause_stats(regions)
    assert s.count == 2
    assert s.long_count == 1
    assert s.longest_s == pytest.approx(4.0)
    assert s.ratio == pytest.approx(4.5 / 8.0, abs=1e-3)
    assert [(p.start, p.end) for p in s.pauses] == [(1.0, 1.5), (2.0, 6.0)]


def test_inserted_silence_on_tts_is_one_long_pause():
    y = load_audio(DATA / "answer_apology.flac").samples
    regions = vad.speech_regions(y)
    s, e = max(regions, key=lambda r: r[1] - r[0])
    cut = int((s + e) / 2 * SR)
    x = np.concatenate([y[:cut], np.zeros(4 * SR, np.float32), y[cut:]])
    st = P.pause_stats(vad.speech_regions(x))
    assert st.long_count == 1
    assert st.longest_s == pytest.approx(4.0, abs=0.15)


# --- loudness -----------------------------------------------------------------------------------
@pytest.mark.parametrize("gain_db", [-20, -10, -6, 0, 6])
def test_loudness_tracks_gain(gain_db):
    x, _ = synth_voice(level=0.2)
    x = np.concatenate([np.zeros(SR, np.float32), x, np.zeros(SR, np.float32)])
    regions = [(1.0, 5.0)]
    ref = P.loudness(x, regions).speech_dbfs
    got = P.loudness(np.clip(x * 10 ** (gain_db / 20), -1, 1), regions).speech_dbfs
    assert got - ref == pytest.approx(gain_db, abs=0.05)


@pytest.mark.parametrize("noise_db", [-60, -45, -30])
def test_noise_floor_and_snr(noise_db):
    x, _ = synth_voice(level=0.3)
    rng = np.random.default_rng(3)
    full = np.concatenate([np.zeros(2 * SR, np.float32), x, np.zeros(2 * SR, np.float32)])
    full = full + (rng.standard_normal(len(full)) * 10 ** (noise_db / 20)).astype(np.float32)
    level = P.loudness(full, [(2.0, 6.0)])
    assert level.noise_floor_dbfs == pytest.approx(noise_db, abs=2.0)
    assert level.snr_db == pytest.approx(level.speech_dbfs - level.noise_floor_dbfs, abs=0.02)


def test_digital_silence_floor():
    level = P.loudness(np.zeros(SR * 2, np.float32), [])
    assert level.speech_dbfs is None and level.snr_db is None
    assert level.noise_floor_dbfs == -100.0


@pytest.mark.parametrize(
    "clip, lo, hi",
    [("answer_apology_male.flac", 70, 150), ("answer_apology.flac", 180, 400)],
)
def test_low_and_high_voices_are_tracked(clip, lo, hi):
    y = load_audio(DATA / clip).samples
    regions = vad.speech_regions(y)
    s = P.pitch_stats(P.remove_outliers(P.pitch_track(y, regions=regions)))
    assert lo <= s.median_hz <= hi
    assert s.voiced_s >= 0.3 * vad.total_duration(regions)  # most of the speech is voiced
