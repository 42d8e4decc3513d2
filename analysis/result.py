"""The typed contract of one analysis result: what ``analysis.pipeline.analyse`` returns, what
``Attempt.result`` stores (as :meth:`AnalysisResult.to_dict`) and what every reader gets back
(:func:`AnalysisResult.from_dict`).

A result crosses the database as a dict exactly twice: ``to_dict`` when it is stored and
``from_dict`` when it is read; everything in between uses attributes.

Units are in the names: seconds (``_s``), hertz (``_hz``), semitones (``_st``), dBFS / dB
(``_dbfs`` / ``_db``), morae per second (``morae_per_s_…``), characters per minute
(``chars_per_min``), shares 0–1 (``_ratio``), counts (``_count``).

Stored shapes (``schema_version``)
---------------------------------
1. Results written before the typed contract: no ``schema_version`` key. One flat dict: the
   top-level measures, the metrics, the transcript text and its measures, the identity,
   ``rubric`` (required groups as a list) / ``ng_phrases`` / ``refund_amounts`` /
   ``max_refund_yen`` / ``escalation``, ``score`` (the total) / ``passed`` / ``pass_mark`` /
   ``content_score`` / ``delivery_score`` / ``content_max`` / ``delivery_max`` / ``breakdown``
   and ``baseline``.
2. The same keys plus ``schema_version = 2`` and ``clauses`` (the transcript's clauses with
   the intents each expressed, from the rubric result). Every key of version 1 kept its
   meaning (the analysis CLI prints this dict, and every stored row of version 1 reads without
   a migration); fields added since read as their defaults (no clauses, empty English texts).

A new shape bumps :data:`SCHEMA_VERSION` and adds its reader to ``_READERS``; the older
readers stay, so that every stored result keeps loading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from analysis.rubric_match import GroupResult, RubricResult
from analysis.score import Baseline, Deduction, Score

SCHEMA_VERSION = 2
ANALYSIS_VERSION = "1.0.0"  # bump when a measure or the score changes meaning


@dataclass
class Metrics:
    """The scalar measures of one answer (None when not measurable, e.g. no speech)."""

    # pace
    morae_per_s_span: float | None = None  # morae / (first speech start → last speech end)
    morae_per_s_speaking: float | None = None  # morae / time actually speaking
    chars_per_min: float | None = None
    # fillers
    filler_ratio: float | None = None  # fillers / words, 0–1
    filler_count: int | None = None
    # pauses
    long_pause_count: int | None = None  # pauses of at least prosody.LONG_PAUSE_S
    pause_count: int | None = None
    longest_pause_s: float | None = None
    pause_ratio: float | None = None  # pause time / span, 0–1
    # pitch
    f0_median_hz: float | None = None
    f0_sd_st: float | None = None
    f0_range_st: float | None = None
    f0_voiced_s: float | None = None
    # level and recording quality
    loudness_dbfs: float | None = None
    noise_floor_dbfs: float | None = None
    snr_db: float | None = None
    clipping_ratio: float = 0.0

    def as_mapping(self) -> dict[str, Any]:
        """``{metric name: value}`` (what ``analysis.score.score`` reads)."""
        return asdict(self)

    def present(self) -> dict[str, Any]:
        """The measures that have a value."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Segment:
    """One Whisper segment of the transcript."""

    start_s: float
    end_s: float
    text: str
    avg_logprob: float | None = None
    no_speech_prob: float | None = None


@dataclass
class Transcript:
    """What was said, and its text measures."""

    text: str = ""
    segments: list[Segment] = field(default_factory=list)  # by start time
    kana: str | None = None
    morae: int | None = None
    chars: int | None = None
    words: int | None = None
    fillers: dict[str, int] = field(default_factory=dict)  # filler → times said
    filler_spans: list[tuple[int, int]] = field(default_factory=list)  # character offsets


@dataclass
class Pause:
    """A silence between two speech regions."""

    start_s: float
    end_s: float
    duration_s: float


@dataclass
class PitchContour:
    """The F0 track: ``hz[i]`` at ``times_s[i]`` (None = unvoiced)."""

    times_s: list[float] = field(default_factory=list)
    hz: list[float | None] = field(default_factory=list)


@dataclass
class EngineIdentity:
    """Which recogniser and model produced the transcript (None without speech)."""

    engine: str | None = None
    model_sha256: str | None = None
    language: str | None = None


@dataclass
class AnalysisResult:
    """Everything measured about one recording.

    ``transcript`` is None when no speech was heard (then there is no rubric and no score
    either). ``score`` is the breakdown and verdict at scoring time: its ``passed`` and
    ``pass_mark`` are the judgement of record, never recomputed against today's bands.
    """

    duration_s: float
    speech_s: float
    no_speech: bool
    schema_version: int = SCHEMA_VERSION
    analysis_version: str = ANALYSIS_VERSION
    message_ja: str = ""
    warnings: list[str] = field(default_factory=list)  # e.g. "repetition_removed"
    speech_regions: list[tuple[float, float]] = field(default_factory=list)  # seconds
    transcript: Transcript | None = None
    identity: EngineIdentity = field(default_factory=EngineIdentity)
    metrics: Metrics = field(default_factory=Metrics)
    f0_contour: PitchContour = field(default_factory=PitchContour)
    pauses: list[Pause] = field(default_factory=list)
    rubric: RubricResult | None = None
    score: Score | None = None
    baseline: Baseline | None = None  # the usual voice the answer was compared against
    timings_s: dict[str, float] = field(default_factory=dict)  # stage → seconds

    # ------------------------------------------------------------------ convenient readings

    @property
    def text(self) -> str:
        """The transcript text ("" without speech)."""
        return self.transcript.text if self.transcript is not None else ""

    @property
    def segments(self) -> list[Segment]:
        return self.transcript.segments if self.transcript is not None else []

    @property
    def breakdown(self) -> list[Deduction]:
        """The score's items, points lost first (largest first), then those that were fine."""
        items = self.score.items if self.score is not None else []
        return sorted(items, key=lambda d: (-(d.points or 0), d.category))

    @property
    def length_s(self) -> float | None:
        """Length of the recording in seconds (the last segment's end if not measured)."""
        if self.duration_s:
            return float(self.duration_s)
        ends = [s.end_s for s in self.segments]
        return max(ends) if ends else None

    def rubric_groups(self) -> list[tuple[str, GroupResult]]:
        """``[(kind, group)]``: the required groups ("required") then the NG groups ("ng")."""
        if self.rubric is None:
            return []
        return [("required", g) for g in self.rubric.required] + [("ng", g) for g in self.rubric.ng]

    # ------------------------------------------------------------------ the stored dict

    def to_dict(self) -> dict[str, Any]:
        """The stored, JSON-able dict (shape of ``schema_version`` 2; plain lists, numbers,
        strings, None)."""
        tr = self.transcript
        d: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "analysis_version": self.analysis_version,
            "duration_s": self.duration_s,
            "speech_s": self.speech_s,
            "no_speech": self.no_speech,
            "message_ja": self.message_ja,
            "warnings": list(self.warnings),
            "speech_regions": [list(r) for r in self.speech_regions],
            "transcript": tr.text if tr is not None else None,
            "segments": [
                {"start": s.start_s, "end": s.end_s, "text": s.text,
                 "avg_logprob": s.avg_logprob, "no_speech_prob": s.no_speech_prob}
                for s in (tr.segments if tr is not None else [])
            ],
            "kana": tr.kana if tr is not None else None,
            "morae": tr.morae if tr is not None else None,
            "chars": tr.chars if tr is not None else None,
            "words": tr.words if tr is not None else None,
            "fillers": dict(tr.fillers) if tr is not None else {},
            "filler_spans": [list(s) for s in tr.filler_spans] if tr is not None else [],
            **asdict(self.identity),
            **self.metrics.as_mapping(),
            "f0_contour": {"times_s": list(self.f0_contour.times_s),
                           "hz": list(self.f0_contour.hz)},
            "pauses": [{"start": p.start_s, "end": p.end_s, "duration_s": p.duration_s}
                       for p in self.pauses],
            "timings_s": dict(self.timings_s),
        }
        rr = self.rubric.to_dict() if self.rubric is not None else None
        d["rubric"] = rr["required"] if rr else None
        d["ng_phrases"] = rr["ng"] if rr else None
        d["refund_amounts"] = rr["amounts"] if rr else []
        d["max_refund_yen"] = rr["max_refund_yen"] if rr else None
        d["escalation"] = rr["escalation"] if rr else None
        d["clauses"] = rr.get("clauses", []) if rr else []
        s = self.score.to_dict() if self.score is not None else None
        d["score"] = s["total"] if s else None
        d["passed"] = s["passed"] if s else None
        d["content_score"] = s["content"] if s else None
        d["delivery_score"] = s["delivery"] if s else None
        d["content_max"] = s["content_max"] if s else None
        d["delivery_max"] = s["delivery_max"] if s else None
        d["pass_mark"] = s["pass_mark"] if s else None
        d["breakdown"] = s["items"] if s else []
        d["baseline"] = self.baseline.to_dict() if self.baseline is not None else None
        return _jsonable(d)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AnalysisResult:
        """Read a stored result of any schema version (none = version 1).

        Raises ``ValueError`` for a version newer than this code knows.
        """
        version = int(d.get("schema_version") or 1)
        reader = _READERS.get(version)
        if reader is None:
            raise ValueError(f"analysis result schema_version {version} is newer than "
                             f"{SCHEMA_VERSION}")
        return reader(d)


def _read_flat(d: Mapping[str, Any]) -> AnalysisResult:
    """Versions 1 and 2 (the same stored keys; unknown keys are ignored)."""
    has_speech = not d.get("no_speech")
    transcript = None
    if has_speech and d.get("transcript") is not None:
        segments = [
            Segment(float(s["start"]), float(s["end"]), str(s.get("text") or ""),
                    s.get("avg_logprob"), s.get("no_speech_prob"))
            for s in d.get("segments") or [] if s.get("start") is not None
        ]
        transcript = Transcript(
            text=d.get("transcript") or "",
            segments=sorted(segments, key=lambda s: s.start_s),
            kana=d.get("kana"), morae=d.get("morae"), chars=d.get("chars"), words=d.get("words"),
            fillers=dict(d.get("fillers") or {}),
            filler_spans=[(int(a), int(b)) for a, b in d.get("filler_spans") or []],
        )
    metric_names = {f.name for f in fields(Metrics)}
    metrics = Metrics(**{k: d[k] for k in metric_names if d.get(k) is not None})
    contour = d.get("f0_contour") or {}
    result = AnalysisResult(
        duration_s=float(d.get("duration_s") or 0.0),
        speech_s=float(d.get("speech_s") or 0.0),
        no_speech=bool(d.get("no_speech")),
        schema_version=int(d.get("schema_version") or 1),
        analysis_version=str(d.get("analysis_version") or ""),
        message_ja=str(d.get("message_ja") or ""),
        warnings=list(d.get("warnings") or []),
        speech_regions=[(float(a), float(b)) for a, b in d.get("speech_regions") or []],
        transcript=transcript,
        identity=EngineIdentity(d.get("engine"), d.get("model_sha256"), d.get("language")),
        metrics=metrics,
        f0_contour=PitchContour(list(contour.get("times_s") or []), list(contour.get("hz") or [])),
        pauses=[Pause(float(p["start"]), float(p["end"]), float(p["duration_s"]))
                for p in d.get("pauses") or []],
        timings_s=dict(d.get("timings_s") or {}),
    )
    if d.get("rubric") is not None:
        result.rubric = RubricResult.from_dict({
            "required": d["rubric"],
            "ng": d.get("ng_phrases") or [],
            "amounts": d.get("refund_amounts") or [],
            "max_refund_yen": d.get("max_refund_yen"),
            "escalation": d.get("escalation"),
            "clauses": d.get("clauses") or [],
        })
    if d.get("score") is not None:
        result.score = Score.from_dict({
            "total": d["score"],
            "passed": d["passed"],
            "content": d.get("content_score"),
            "delivery": d["delivery_score"],
            "content_max": d["content_max"],
            "delivery_max": d["delivery_max"],
            "pass_mark": d["pass_mark"],
            "items": d.get("breakdown") or [],
        })
    if d.get("baseline"):
        result.baseline = Baseline.from_dict(d["baseline"])
    return result


_READERS = {1: _read_flat, 2: _read_flat}


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


__all__ = [
    "ANALYSIS_VERSION",
    "SCHEMA_VERSION",
    "AnalysisResult",
    "EngineIdentity",
    "Metrics",
    "Pause",
    "PitchContour",
    "Segment",
    "Transcript",
]
