"""The one entry point: recording in, measures and score out.

    from analysis.pipeline import analyse
    result = analyse("answer.wav", rubric=turn.rubric(), cache_dir=Path("data/models"))
    result.to_dict()  # JSON-able; AnalysisResult.from_dict() reads it back

The result is :class:`analysis.result.AnalysisResult` (the typed contract of a result).

Stages (each reported to ``progress`` before it starts, timed in ``timings_s``):
load → vad → (no speech: stop, no transcript, no score) → transcribe → text → prosody → score.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from analysis import prosody, vad
from analysis.audio import SAMPLE_RATE, load_audio
from analysis.measures import measure_text
from analysis.repeats import collapse_repeats
from analysis.result import (
    ANALYSIS_VERSION,
    AnalysisResult,
    EngineIdentity,
    Pause,
    PitchContour,
    Segment,
    Transcript,
)
from analysis.rubric import Rubric
from analysis.rubric_match import match_rubric
from analysis.score import Baseline, score

NO_SPEECH_MESSAGE_JA = "音声が検出できませんでした"
NO_SPEECH_MESSAGE_EN = "No speech was detected"
STAGES = ("load", "vad", "transcribe", "text", "prosody", "score")


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
) -> AnalysisResult:
    """Analyse one recorded answer.

    Parameters
    ----------
    source : path, bytes or binary file object
        The recording (WAV/FLAC/OGG/MP3), at most ``max_seconds`` seconds long.
    rubric : Rubric or None
        The turn's content criteria; None scores delivery only (scaled to 100).
    baseline : Baseline or None
        The person's usual pitch (Hz) and pace (morae/s), from a calibration recording; adds
        the "higher/faster than usual" items.
    engine, model_path, cache_dir, beam_size, threads
        Passed to ``analysis.asr.transcribe``.
    progress : callable or None
        Called with each stage name (see ``STAGES``) before it starts.

    Returns
    -------
    AnalysisResult
        A clip without speech gives ``no_speech=True`` with no transcript and no score
        (Whisper is not run: it invents text in silence).

    Raises ``analysis.audio.AudioError`` for unusable input and
    ``analysis.modelpack.ModelPackError`` for model problems.
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
    result = AnalysisResult(
        duration_s=round(audio.duration_s, 3),
        speech_s=round(vad.total_duration(regions), 3) if check.has_speech else 0.0,
        no_speech=not check.has_speech,
        baseline=baseline,
    )
    m = result.metrics
    m.clipping_ratio = round(float(audio.clipping_ratio), 6)
    if not check.has_speech:
        level = prosody.loudness(x, [], SAMPLE_RATE)
        result.message_ja = NO_SPEECH_MESSAGE_JA
        m.noise_floor_dbfs = level.noise_floor_dbfs
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
    result.identity = EngineIdentity(tr.engine, tr.model_sha256, tr.language)
    segments = [
        Segment(round(s.start, 3), round(s.end, 3), s.text, round(s.avg_logprob, 4),
                round(s.no_speech_prob, 4))
        for s in tr.segments
    ]

    clock.stage("text")
    tm = measure_text(text)
    result.transcript = Transcript(text=text, segments=segments, kana=tm.kana, morae=tm.morae,
                                   chars=tm.chars, words=tm.words, fillers=tm.fillers,
                                   filler_spans=tm.filler_spans)
    m.filler_count = tm.filler_count
    m.filler_ratio = tm.filler_ratio if tm.words else None
    result.rubric = match_rubric(text, rubric) if rubric is not None else None

    clock.stage("prosody")
    if tm.morae:
        p = prosody.pace(tm.morae, tm.chars, regions)
        m.morae_per_s_span = p.morae_per_s_span
        m.morae_per_s_speaking = p.morae_per_s_speaking
        m.chars_per_min = p.chars_per_min
    track = prosody.remove_outliers(prosody.pitch_track(x, SAMPLE_RATE, regions))
    ps = prosody.pitch_stats(track)
    m.f0_median_hz, m.f0_sd_st, m.f0_range_st = ps.median_hz, ps.sd_st, ps.range_st
    m.f0_voiced_s = ps.voiced_s
    result.f0_contour = PitchContour(ps.contour_times, ps.contour_hz)
    pst = prosody.pause_stats(regions)
    m.pause_count, m.long_pause_count = pst.count, pst.long_count
    m.longest_pause_s, m.pause_ratio = pst.longest_s, pst.ratio
    result.pauses = [Pause(p.start, p.end, round(p.duration, 3)) for p in pst.pauses]
    level = prosody.loudness(x, regions, SAMPLE_RATE)
    m.loudness_dbfs, m.noise_floor_dbfs = level.speech_dbfs, level.noise_floor_dbfs
    m.snr_db = level.snr_db

    clock.stage("score")
    result.score = score(m.as_mapping(), result.rubric, baseline)
    clock.stop()
    result.timings_s = clock.timings | {"total": round(time.perf_counter() - t_start, 4)}
    return result


def result_summary_ja(result: AnalysisResult) -> str:
    """A few lines of Japanese for a terminal."""
    if result.no_speech:
        return result.message_ja or NO_SPEECH_MESSAGE_JA
    m = result.metrics
    lines = [f"文字起こし: {result.text}"]
    if m.morae_per_s_span is not None:
        lines.append(f"話速: {m.morae_per_s_span:.1f} モーラ/秒（{m.chars_per_min:.0f} 字/分）")
    if m.f0_median_hz is not None:
        lines.append(f"声の高さ: {m.f0_median_hz:.0f} Hz・抑揚 {m.f0_sd_st:.1f} 半音")
    lines.append(
        f"間: {m.pause_count} 回（3 秒以上 {m.long_pause_count} 回）・"
        f"つなぎ言葉: {m.filler_count} 回"
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
    "AnalysisResult",
    "analyse",
    "result_summary_ja",
]
