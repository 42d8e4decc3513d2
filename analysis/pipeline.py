"""The one entry point: recording in, measures and score out.

    from analysis.pipeline import analyse
    result = analyse("answer.wav", rubric=turn.rubric(), cache_dir=Path("data/models"))
    result.to_dict()  # JSON-able; Result.from_dict() reads it back

Stages (each reported to ``progress`` before it starts, timed in ``timings_s``):
load → vad → (no speech: stop, no transcript, no score) → transcribe → text → prosody → score.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from analysis import prosody, vad
from analysis.audio import SAMPLE_RATE, load_audio
from analysis.measures import measure_text
from analysis.repeats import collapse_repeats
from analysis.rubric import Rubric
from analysis.rubric_match import RubricResult, match_rubric
from analysis.score import Baseline, Score, score

ANALYSIS_VERSION = "1.0.0"  # bump when a measure or the score changes meaning
NO_SPEECH_MESSAGE_JA = "音声が検出できませんでした"
NO_SPEECH_MESSAGE_EN = "No speech was detected"
STAGES = ("load", "vad", "transcribe", "text", "prosody", "score")


@dataclass
class Result:
    """Everything measured about one recording.

    Times in seconds, pitch in Hz / semitones (st), levels in dBFS, pace in morae per second.
    ``rubric`` and ``score`` are objects here; :meth:`to_dict` flattens them (``score`` becomes
    the total, the items go to ``breakdown``, the groups to ``rubric`` / ``ng_phrases``).
    """

    duration_s: float
    speech_s: float
    no_speech: bool
    analysis_version: str = ANALYSIS_VERSION
    message_ja: str = ""
    warnings: list[str] = field(default_factory=list)  # e.g. "repetition_removed"
    speech_regions: list[tuple[float, float]] = field(default_factory=list)
    # transcript
    transcript: str | None = None
    segments: list[dict] = field(default_factory=list)
    engine: str | None = None
    model_sha256: str | None = None
    language: str | None = None
    # text measures
    kana: str | None = None
    morae: int | None = None
    chars: int | None = None
    words: int | None = None
    filler_count: int | None = None
    filler_ratio: float | None = None
    fillers: dict[str, int] = field(default_factory=dict)
    filler_spans: list[tuple[int, int]] = field(default_factory=list)
    # pace
    morae_per_s_span: float | None = None
    morae_per_s_speaking: float | None = None
    chars_per_min: float | None = None
    # pitch
    f0_median_hz: float | None = None
    f0_sd_st: float | None = None
    f0_range_st: float | None = None
    f0_voiced_s: float | None = None
    f0_contour: dict[str, list] = field(default_factory=lambda: {"times_s": [], "hz": []})
    # pauses
    pause_count: int | None = None
    long_pause_count: int | None = None
    longest_pause_s: float | None = None
    pause_ratio: float | None = None
    pauses: list[dict] = field(default_factory=list)  # {"start", "end", "duration_s"}
    # level and recording quality
    loudness_dbfs: float | None = None
    noise_floor_dbfs: float | None = None
    snr_db: float | None = None
    clipping_ratio: float = 0.0
    # content and score
    rubric: RubricResult | None = None
    score: Score | None = None
    baseline: Baseline | None = None
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, Any]:
        """The scalar measures the scorer reads."""
        return {
            k: getattr(self, k)
            for k in (
                "morae_per_s_span",
                "morae_per_s_speaking",
                "chars_per_min",
                "filler_ratio",
                "filler_count",
                "long_pause_count",
                "pause_count",
                "longest_pause_s",
                "pause_ratio",
                "f0_median_hz",
                "f0_sd_st",
                "f0_range_st",
                "loudness_dbfs",
                "noise_floor_dbfs",
                "snr_db",
                "clipping_ratio",
            )
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (plain lists, numbers, strings, None)."""
        d: dict[str, Any] = {}
        for f in fields(self):
            if f.name in ("rubric", "score", "baseline"):
                continue
            d[f.name] = getattr(self, f.name)
        d["speech_regions"] = [list(r) for r in self.speech_regions]
        d["filler_spans"] = [list(s) for s in self.filler_spans]
        rr = self.rubric.to_dict() if self.rubric else None
        d["rubric"] = rr["required"] if rr else None
        d["ng_phrases"] = rr["ng"] if rr else None
        d["refund_amounts"] = rr["amounts"] if rr else []
        d["max_refund_yen"] = rr["max_refund_yen"] if rr else None
        d["escalation"] = rr["escalation"] if rr else None
        s = self.score.to_dict() if self.score else None
        d["score"] = s["total"] if s else None
        d["passed"] = s["passed"] if s else None
        d["content_score"] = s["content"] if s else None
        d["delivery_score"] = s["delivery"] if s else None
        d["content_max"] = s["content_max"] if s else None
        d["delivery_max"] = s["delivery_max"] if s else None
        d["pass_mark"] = s["pass_mark"] if s else None
        d["breakdown"] = s["items"] if s else []
        d["baseline"] = self.baseline.to_dict() if self.baseline else None
        return _jsonable(d)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Result:
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""
        names = {f.name for f in fields(cls)} - {"rubric", "score", "baseline"}
        kw = {k: v for k, v in d.items() if k in names}
        kw["speech_regions"] = [tuple(r) for r in d.get("speech_regions", [])]
        kw["filler_spans"] = [tuple(s) for s in d.get("filler_spans", [])]
        r = cls(**kw)
        if d.get("rubric") is not None:
            r.rubric = RubricResult.from_dict(
                {
                    "required": d["rubric"],
                    "ng": d.get("ng_phrases") or [],
                    "amounts": d.get("refund_amounts") or [],
                    "max_refund_yen": d.get("max_refund_yen"),
                    "escalation": d.get("escalation"),
                }
            )
        if d.get("score") is not None:
            r.score = Score.from_dict(
                {
                    "total": d["score"],
                    "passed": d["passed"],
                    "content": d.get("content_score"),
                    "delivery": d["delivery_score"],
                    "content_max": d["content_max"],
                    "delivery_max": d["delivery_max"],
                    "pass_mark": d["pass_mark"],
                    "items": d.get("breakdown") or [],
                }
            )
        if d.get("baseline"):
            r.baseline = Baseline.from_dict(d["baseline"])
        return r


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


class _Clock:
    def __init__(self, progress: Callable[[str], None] | None):
        self.progress = progress
        self.timings: dict[str, float] = {}
        self._stage: str | None = None
        self._t0 = 0.0

    def stage(self, name: str) -> None:
        self.stop()
        if self.progress is not None:
            self.progress(name)
        self._stage, self._t0 = name, time.perf_counter()

    def stop(self) -> None:
        if self._stage is not None:
            self.timings[self._stage] = round(time.perf_counter() - self._t0, 4)
            self._stage = None


def analyse(
    source: str | Path | bytes | BinaryIO,
    *,
    rubric: Rubric | None = None,
    baseline: Baseline | None = None,
    engine: str = "faster-whisper",
    model_path: Path | None = None,
    cache_dir: Path,
    beam_size: int = 1,
    threads: int = 0,
    max_seconds: float = 300.0,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Analyse one recorded answer.

    source: a path, bytes or binary file object (WAV/FLAC/OGG/MP3).
    rubric: the turn's content criteria; None scores delivery only (scaled to 100).
    baseline: the person's usual pitch and pace (from a calibration recording); adds the
        "lower/slower than usual" items.
    engine, model_path, cache_dir, beam_size, threads: passed to ``analysis.asr.transcribe``.
    progress: called with each stage name (see STAGES) before it starts.
    Raises ``analysis.audio.AudioError`` for unusable input and
    ``analysis.modelpack.ModelPackError`` for model problems.
    A clip without speech gives ``no_speech=True`` with no transcript and no score (Whisper
    is not run: it invents text in silence).
    """
    from analysis.asr import transcribe  # heavy imports only when analysing

    clock = _Clock(progress)
    t_start = time.perf_counter()

    clock.stage("load")
    audio = load_audio(source, max_seconds=max_seconds)
    x = audio.samples

    clock.stage("vad")
    regions = vad.speech_regions(x, SAMPLE_RATE)
    check = vad.speech_check(x, SAMPLE_RATE, regions)
    result = Result(
        duration_s=round(audio.duration_s, 3),
        speech_s=round(vad.total_duration(regions), 3) if check.has_speech else 0.0,
        no_speech=not check.has_speech,
        clipping_ratio=round(float(audio.clipping_ratio), 6),
        baseline=baseline,
    )
    if not check.has_speech:
        level = prosody.loudness(x, [], SAMPLE_RATE)
        result.message_ja = NO_SPEECH_MESSAGE_JA
        result.noise_floor_dbfs = level.noise_floor_dbfs
        clock.stop()
        result.timings_s = clock.timings | {"total": round(time.perf_counter() - t_start, 4)}
        return result
    result.speech_regions = [(float(a), float(b)) for a, b in regions]

    clock.stage("transcribe")
    tr = transcribe(
        x,
        engine=engine,
        model_path=model_path,
        cache_dir=cache_dir,
        beam_size=beam_size,
        threads=threads,
        speech_regions=regions,
    )
    text, loops = collapse_repeats(tr.text)
    if loops:
        result.warnings.append("repetition_removed")  # Whisper looped; the loop is not speech
    result.transcript = text
    result.engine, result.model_sha256, result.language = tr.engine, tr.model_sha256, tr.language
    result.segments = [
        {
            "start": round(s.start, 3),
            "end": round(s.end, 3),
            "text": s.text,
            "avg_logprob": round(s.avg_logprob, 4),
            "no_speech_prob": round(s.no_speech_prob, 4),
        }
        for s in tr.segments
    ]

    clock.stage("text")
    tm = measure_text(text)
    result.kana, result.morae, result.chars, result.words = tm.kana, tm.morae, tm.chars, tm.words
    result.fillers, result.filler_count = tm.fillers, tm.filler_count
    result.filler_ratio = tm.filler_ratio if tm.words else None
    result.filler_spans = tm.filler_spans
    rubric_result = match_rubric(text, rubric) if rubric is not None else None
    result.rubric = rubric_result

    clock.stage("prosody")
    if tm.morae:
        p = prosody.pace(tm.morae, tm.chars, regions)
        result.morae_per_s_span = p.morae_per_s_span
        result.morae_per_s_speaking = p.morae_per_s_speaking
        result.chars_per_min = p.chars_per_min
    track = prosody.remove_outliers(prosody.pitch_track(x, SAMPLE_RATE, regions))
    ps = prosody.pitch_stats(track)
    result.f0_median_hz, result.f0_sd_st, result.f0_range_st = ps.median_hz, ps.sd_st, ps.range_st
    result.f0_voiced_s = ps.voiced_s
    result.f0_contour = {"times_s": ps.contour_times, "hz": ps.contour_hz}
    pst = prosody.pause_stats(regions)
    result.pause_count, result.long_pause_count = pst.count, pst.long_count
    result.longest_pause_s, result.pause_ratio = pst.longest_s, pst.ratio
    result.pauses = [
        {"start": p.start, "end": p.end, "duration_s": round(p.duration, 3)} for p in pst.pauses
    ]
    level = prosody.loudness(x, regions, SAMPLE_RATE)
    result.loudness_dbfs, result.noise_floor_dbfs = level.speech_dbfs, level.noise_floor_dbfs
    result.snr_db = level.snr_db

    clock.stage("score")
    result.score = score(result.metrics, rubric_result, baseline)
    clock.stop()
    result.timings_s = clock.timings | {"total": round(time.perf_counter() - t_start, 4)}
    return result


def result_summary_ja(result: Result) -> str:
    """A few lines of Japanese for a terminal."""
    if result.no_speech:
        return result.message_ja or NO_SPEECH_MESSAGE_JA
    lines = [f"文字起こし: {result.transcript}"]
    if result.morae_per_s_span is not None:
        lines.append(
            f"話速: {result.morae_per_s_span:.1f} モーラ/秒（{result.chars_per_min:.0f} 字/分）"
        )
    if result.f0_median_hz is not None:
        lines.append(f"声の高さ: {result.f0_median_hz:.0f} Hz・抑揚 {result.f0_sd_st:.1f} 半音")
    lines.append(
        f"間: {result.pause_count} 回（3 秒以上 {result.long_pause_count} 回）・"
        f"つなぎ言葉: {result.filler_count} 回"
    )
    if result.score is not None:
        s = result.score
        lines.append(
            f"得点: {s.total:.0f} / 100（{'合格' if s.passed else '不合格'}・合格点 {s.pass_mark:.0f}）"
        )
        for d in s.deductions:
            lines.append(f"  −{d.points:.1f} {d.explanation_ja} → {d.tip_ja}")
    return "\n".join(lines)


__all__ = [
    "ANALYSIS_VERSION",
    "NO_SPEECH_MESSAGE_JA",
    "STAGES",
    "Result",
    "analyse",
    "result_summary_ja",
]
