"""analysis.audio: every odd input gives an AudioError or loads correctly, never another
exception; resampling keeps time; clipping is measured on the original samples."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
import soundfile as sf

from analysis.audio import (
    MIN_SECONDS,
    SAMPLE_RATE,
    Audio,
    AudioError,
    clipping_ratio,
    load_audio,
)


def tone(seconds: float, sr: int, freq: float = 220.0, amp: float = 0.5) -> np.ndarray:
    """A sine, float32, shape (n,)."""
    t = np.arange(round(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write(path, data, sr, subtype="PCM_16", fmt=None):
    sf.write(path, data, sr, subtype=subtype, format=fmt)
    return path


def load_or_refuse(source, **kw) -> Audio | AudioError:
    """The contract: an Audio or an AudioError, nothing else."""
    try:
        return load_audio(source, **kw)
    except AudioError as e:
        assert e.code in {"unreadable", "unsupported", "empty", "too_short", "too_long"}
        assert e.message_ja and e.message_en and str(e) == e.message_ja
        return e


def check_audio(a: Audio) -> None:
    assert a.samples.dtype == np.float32 and a.samples.ndim == 1
    assert a.duration_s == pytest.approx(len(a.samples) / SAMPLE_RATE)
    assert np.isfinite(a.samples).all()


# ----------------------------------------------------------------------------- good inputs


def test_fixture_clips_load(fixture_clip, fixtures_meta):
    for name, meta in fixtures_meta.items():
        a = load_audio(fixture_clip(name))
        check_audio(a)
        assert a.original_sr == SAMPLE_RATE and a.channels == 1
        assert a.duration_s == pytest.approx(meta["duration"], abs=0.01)
        assert a.clipping_ratio == 0.0


def test_path_bytes_and_file_object_agree(fixture_clip):
    path = fixture_clip("answer_rude.flac")
    data = path.read_bytes()
    a, b, c = load_audio(path), load_audio(data), load_audio(io.BytesIO(data))
    assert np.array_equal(a.samples, b.samples) and np.array_equal(a.samples, c.samples)
    assert load_audio(str(path)).duration_s == a.duration_s
    f = io.BytesIO(data)
    f.read()  # already consumed once (e.g. played back): still the whole clip
    assert np.array_equal(load_audio(f).samples, a.samples)


def test_24bit_wav_loads(tmp_path):
    x = tone(1.0, 16000)
    a16 = load_audio(write(tmp_path / "a16.wav", x, 16000, "PCM_16"))
    a24 = load_audio(write(tmp_path / "a24.wav", x, 16000, "PCM_24"))
    check_audio(a24)
    assert np.max(np.abs(a24.samples - a16.samples)) < 1e-3


def test_stereo_is_mixed_to_mono(tmp_path):
    left, right = tone(1.0, 44100, 220, 0.4), tone(1.0, 44100, 330, 0.2)
    a = load_audio(write(tmp_path / "st.wav", np.stack([left, right], axis=1), 44100))
    check_audio(a)
    assert a.channels == 2 and a.original_sr == 44100
    assert a.duration_s == pytest.approx(1.0, abs=1e-3)
    spectrum = np.abs(np.fft.rfft(a.samples))
    freqs = np.fft.rfftfreq(len(a.samples), 1 / SAMPLE_RATE)
    peaks = sorted(freqs[np.argsort(spectrum)[-2:]])
    assert peaks == pytest.approx([220, 330], abs=2)


@pytest.mark.parametrize("sr", [8000, 11025, 22050, 44100, 48000])
def test_resampling_keeps_duration_and_pitch(tmp_path, sr):
    seconds = 3.3
    a = load_audio(write(tmp_path / f"t{sr}.wav", tone(seconds, sr, 440.0), sr))
    check_audio(a)
    assert a.original_sr == sr
    assert abs(a.duration_s - seconds) <= 1.5 / sr + 1 / SAMPLE_RATE
    spectrum = np.abs(np.fft.rfft(a.samples))
    peak = np.fft.rfftfreq(len(a.samples), 1 / SAMPLE_RATE)[np.argmax(spectrum)]
    assert peak == pytest.approx(440.0, abs=1.0)
    # level kept (no resampling gain)
    mid = a.samples[SAMPLE_RATE : 2 * SAMPLE_RATE]
    assert np.sqrt(np.mean(mid**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)


@pytest.mark.parametrize("fmt,ext", [("OGG", "ogg"), ("MP3", "mp3"), ("FLAC", "flac")])
def test_compressed_formats_load(tmp_path, fmt, ext):
    subtype = {"OGG": "VORBIS", "MP3": "MPEG_LAYER_III", "FLAC": "PCM_16"}[fmt]
    path = write(tmp_path / f"t.{ext}", tone(2.0, 48000), 48000, subtype, fmt)
    a = load_audio(path)
    check_audio(a)
    assert a.duration_s == pytest.approx(2.0, abs=0.1)


# ----------------------------------------------------------------------------- bad inputs


def test_empty_file(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError) as e:
        load_audio(tmp_path / "empty.wav")
    assert e.value.code == "empty"
    with pytest.raises(AudioError):
        load_audio(b"")


def test_header_only_wav_is_empty(tmp_path):
    path = write(tmp_path / "x.wav", np.zeros(0, np.float32), 16000)
    with pytest.raises(AudioError) as e:
        load_audio(path)
    assert e.value.code == "empty"


@pytest.mark.parametrize("name", ["answer_apology.wav", "answer_apology.flac"])
@pytest.mark.parametrize("keep", [0.02, 0.5, 0.97])
def test_truncated_files(fixture_clip, tmp_path, name, keep):
    data = fixture_clip(name).read_bytes()
    cut = tmp_path / name
    cut.write_bytes(data[: int(len(data) * keep)])
    result = load_or_refuse(cut)
    if isinstance(result, Audio):
        check_audio(result)
        full = load_audio(fixture_clip(name)).duration_s
        assert MIN_SECONDS <= result.duration_s <= full + 1e-3


def test_text_file_named_wav(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("これは音声ではありません。\nThis is not audio.\n", encoding="utf-8")
    with pytest.raises(AudioError) as e:
        load_audio(path)
    assert e.value.code == "unsupported"
    assert "WAV" in e.value.message_ja and "WAV" in e.value.message_en


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes(tmp_path, seed):
    rng = np.random.default_rng(seed)
    blob = rng.integers(0, 256, size=int(rng.integers(1, 5000)), dtype=np.uint8).tobytes()
    result = load_or_refuse(blob)
    assert isinstance(result, (Audio, AudioError))


def test_wav_header_with_garbage_body(fixture_clip, tmp_path):
    data = bytearray(fixture_clip("answer_rude.flac").read_bytes())
    data[200:4000] = bytes(3800)  # wipe frames after the header
    path = tmp_path / "damaged.flac"
    path.write_bytes(bytes(data))
    result = load_or_refuse(path)
    if isinstance(result, Audio):
        check_audio(result)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError) as e:
        load_audio(tmp_path / "nope.wav")
    assert e.value.code == "unreadable"


def test_under_half_a_second(tmp_path):
    path = write(tmp_path / "short.wav", tone(0.4, 16000), 16000)
    with pytest.raises(AudioError) as e:
        load_audio(path)
    assert e.value.code == "too_short"
    assert "0.5" in e.value.message_ja
    assert load_audio(write(tmp_path / "ok.wav", tone(0.6, 16000), 16000)).duration_s > 0.5


def test_ten_minutes_refused_with_five_minute_limit(tmp_path):
    path = tmp_path / "long.wav"
    with sf.SoundFile(path, "w", 16000, 1, "PCM_16") as f:
        block = tone(10.0, 16000, amp=0.1)
        for _ in range(60):
            f.write(block)
    start = time.perf_counter()
    with pytest.raises(AudioError) as e:
        load_audio(path, max_seconds=300.0)
    assert e.value.code == "too_long"
    assert time.perf_counter() - start < 2.0  # refused from the header, not decoded
    assert "300" in e.value.message_ja
    assert load_audio(path, max_seconds=601.0).duration_s == pytest.approx(600.0)


def test_sample_rate_below_8k_refused(tmp_path):
    path = write(tmp_path / "4k.wav", tone(1.0, 4000, 200), 4000)
    with pytest.raises(AudioError) as e:
        load_audio(path)
    assert e.value.code == "unsupported"


def test_float_wav_with_nan_is_cleaned(tmp_path):
    x = tone(1.0, 16000)
    x[100:200] = np.nan
    a = load_audio(write(tmp_path / "f.wav", x, 16000, "FLOAT"))
    check_audio(a)


# ----------------------------------------------------------------------------- clipping


def test_clipping_ratio_of_clipped_sine():
    x = np.clip(tone(1.0, 16000, 220, 1.5), -1.0, 1.0)
    expected = 1 - (2 / np.pi) * np.arcsin(1 / 1.5)  # share of time |1.5 sin| >= 1
    assert clipping_ratio(x) == pytest.approx(expected, abs=0.03)
    assert clipping_ratio(x * 0.5) == pytest.approx(expected, abs=0.03)  # flat tops remain
    assert clipping_ratio(tone(1.0, 16000, 220, 0.9)) < 0.001


def test_clipping_measured_before_resampling(tmp_path):
    x = np.clip(tone(2.0, 48000, 220, 2.0), -1.0, 1.0)
    a = load_audio(write(tmp_path / "clip48.wav", x, 48000))
    expected = 1 - (2 / np.pi) * np.arcsin(1 / 2.0)
    assert a.clipping_ratio == pytest.approx(expected, abs=0.03)
    clean = load_audio(write(tmp_path / "clean48.wav", tone(2.0, 48000, 220, 0.7), 48000))
    assert clean.clipping_ratio < 0.001


def test_clipping_worst_channel(tmp_path):
    left = np.clip(tone(1.0, 16000, 220, 3.0), -1, 1)
    right = tone(1.0, 16000, 220, 0.3)
    a = load_audio(write(tmp_path / "st.wav", np.stack([left, right], 1), 16000))
    assert a.clipping_ratio > 0.7


def test_refusals_speak_both_languages():
    e = AudioError.make("unsupported")
    assert str(e) == e.message() == e.message("ja") and "WAV・FLAC・OGG・MP3" in str(e)
    assert e.message("en") == "Unsupported audio format. Please use WAV, FLAC, OGG or MP3."
    assert e.message("fr") == e.message_ja  # unknown language: Japanese first
