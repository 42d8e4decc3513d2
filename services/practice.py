"""The practice flow's data and process layer (no Streamlit): the scenario list for a viewer,
storing an answer, analysing it, the personal baseline, progress data and demo attempts.

The order is always: **store first** (the recording on disk and an ``Attempt`` row with status
``stored``, committed), **then analyse** (``analysing`` → ``done`` / ``no_speech`` /
``failed``). A failed analysis never loses the recording: the attempt keeps it and
``analyse_attempt`` can simply be called again.

Access is never decided here: rows are read through ``core.access`` (``attempts_filter``,
``can_view_attempt``).
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from core import access, storage
from core.access import Viewer
from core.config import get_settings
from core.db import get_engine
from core.errors import Refusal
from core.models import Attempt, AttemptKind, AttemptStatus, User, utcnow
from services.analysis_result import pass_mark

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = storage.ALLOWED_SUFFIXES  # what an upload may be (.wav .flac .ogg .mp3)
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
DEMO_AUDIO_DIR = Path(__file__).resolve().parent.parent / "demo" / "audio"
SCENARIOS_DIR: Path | None = None  # None: the scenarios package's own data folder

# The metrics the progress page follows over time: key -> catalogue key of its label.
TREND_METRICS: dict[str, str] = {
    "score": "progress.metric_score",
    "morae_per_s_span": "progress.metric_pace",
    "f0_sd_st": "progress.metric_pitch_spread",
    "filler_ratio": "progress.metric_fillers",
    "long_pause_count": "progress.metric_long_pauses",
}

# Analysis stages (analysis.pipeline.STAGES) -> catalogue key of their label.
STAGE_KEYS: dict[str, str] = {
    "load": "practice.stage_load",
    "vad": "practice.stage_vad",
    "transcribe": "practice.stage_transcribe",
    "text": "practice.stage_text",
    "prosody": "practice.stage_prosody",
    "score": "practice.stage_score",
}

Progress = Callable[[str], None]


class PracticeError(Refusal):
    """A refused submission; ``key`` is an i18n key, ``values`` its parameters."""


# --------------------------------------------------------------------------- scenarios


def load_scenarios():
    """The scenario catalogue (``scenarios.loader.Catalogue``); broken files become ``errors``."""
    from scenarios.loader import load_catalogue

    return load_catalogue(SCENARIOS_DIR)


@dataclass
class CatalogueEntry:
    scenario: Any  # scenarios.schema.Scenario
    attempts: int = 0
    best_score: int | None = None

    @property
    def done(self) -> bool:
        """Passed at least once (a best score at or above the pass mark)."""
        return self.best_score is not None and self.best_score >= pass_mark()

    @property
    def tried(self) -> bool:
        return self.attempts > 0


@dataclass
class CatalogueView:
    entries: list[CatalogueEntry]
    errors: list[Any]  # scenarios.loader.LoadError
    tags: list[str]

    def filter(self, *, tag: str | None = None, difficulty: int | None = None) -> list[CatalogueEntry]:
        return [
            e for e in self.entries
            if (tag is None or tag in e.scenario.tags)
            and (difficulty is None or e.scenario.difficulty == difficulty)
        ]

    def get(self, scenario_id: str) -> CatalogueEntry | None:
        return next((e for e in self.entries if e.scenario.id == scenario_id), None)


def _own_attempts(session: Session, viewer: Viewer, *, kind: AttemptKind) -> list[Attempt]:
    """The viewer's own attempts of ``kind``, oldest first (through the access filter)."""
    stmt = (
        select(Attempt)
        .join(User, User.id == Attempt.user_id)
        .where(access.attempts_filter(viewer), Attempt.user_id == viewer.id, Attempt.kind == kind)
        .order_by(Attempt.created_at, Attempt.id)
    )
    return list(session.exec(stmt).all())


def list_catalogue(session: Session, viewer: Viewer, *, catalogue=None) -> CatalogueView:
    """Every valid scenario (easiest first) with the viewer's attempt count and best score."""
    catalogue = catalogue if catalogue is not None else load_scenarios()
    best: dict[str, int] = {}
    count: dict[str, int] = {}
    for a in _own_attempts(session, viewer, kind=AttemptKind.practice):
        if a.scenario_id is None:
            continue
        count[a.scenario_id] = count.get(a.scenario_id, 0) + 1
        if a.status == AttemptStatus.done and a.score is not None:
            best[a.scenario_id] = max(best.get(a.scenario_id, a.score), a.score)
    entries = [
        CatalogueEntry(s, count.get(s.id, 0), best.get(s.id))
        for s in sorted(catalogue.scenarios.values(), key=lambda s: (s.difficulty, s.id))
    ]
    return CatalogueView(entries, list(catalogue.errors), catalogue.tags())


def authority_limit(scenario, turn=None) -> int | None:
    """The trainee's refund limit in yen for ``turn`` (else the scenario's), if any."""
    if turn is not None and turn.max_refund_yen is not None:
        return turn.max_refund_yen
    return scenario.max_refund_yen


def voice_path(scenario, turn, *, render: bool = True) -> Path | None:
    """The customer's line as a WAV (rendered and cached on first use when ``render``)."""
    from scenarios import voice

    cache = get_settings().voice_cache_dir
    path = voice.cached_path(turn.customer, voice=scenario.persona.voice,
                             speed=scenario.speed_for(turn), cache_dir=cache)
    if path.is_file() and path.stat().st_size > 44:
        return path
    if not render:
        return None
    return voice.render_turn(scenario, turn, cache)


def local_when(value) -> str:
    """A stored (UTC) time as shown to people: company time, ``YYYY-MM-DD HH:MM``."""
    from core.clock import format_local

    return format_local(value)


def new_run_id() -> str:
    return uuid.uuid4().hex


# --------------------------------------------------------------------------- store first


def _check_upload(data: bytes, filename: str) -> str:
    suffix = Path(filename or "").suffix.lower()
    if suffix not in AUDIO_SUFFIXES:
        raise PracticeError("practice.err_suffix", suffixes=" / ".join(AUDIO_SUFFIXES))
    if not data:
        raise PracticeError("practice.err_empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PracticeError("practice.err_too_big", mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    return suffix


def _store(session: Session, viewer: Viewer, data: bytes, filename: str, **fields: Any) -> Attempt:
    if not access.can_practise(viewer):
        raise PermissionError("only staff record practice answers")
    suffix = _check_upload(data, filename)
    relative, sha = storage.save_recording(viewer.id, data, suffix=suffix)
    attempt = Attempt(user_id=viewer.id, audio_path=relative, audio_sha256=sha,
                      status=AttemptStatus.stored, **fields)
    session.add(attempt)
    session.commit()
    session.refresh(attempt)
    return attempt


def submit_answer(
    session: Session,
    *,
    viewer: Viewer,
    scenario,
    turn_id: str,
    run_id: str,
    data: bytes,
    filename: str,
) -> Attempt:
    """Store an answer to ``turn_id`` of ``scenario``: the file, then an ``Attempt`` row with
    status ``stored`` (committed). Raises ``PracticeError`` for a non-audio file."""
    scenario.turn(turn_id)  # KeyError for a turn the scenario does not have
    return _store(session, viewer, data, filename, kind=AttemptKind.practice, run_id=run_id,
                  scenario_id=scenario.id, scenario_version=scenario.version, turn_id=turn_id)


def submit_calibration(session: Session, *, viewer: Viewer, data: bytes, filename: str) -> Attempt:
    """Store a calibration recording (the neutral sentence read aloud)."""
    return _store(session, viewer, data, filename, kind=AttemptKind.calibration,
                  run_id=new_run_id())


# --------------------------------------------------------------------------- analysis


def current_baseline(session: Session, user_id: int):
    """``analysis.score.Baseline`` from the newest usable calibration, or None."""
    from analysis.score import make_baseline

    stmt = (
        select(Attempt)
        .where(Attempt.user_id == user_id, Attempt.kind == AttemptKind.calibration,
               Attempt.status == AttemptStatus.done)
        .order_by(Attempt.created_at.desc(), Attempt.id.desc())
    )
    for attempt in session.exec(stmt).all():
        try:
            return make_baseline(attempt.result or {})
        except (ValueError, KeyError, TypeError):
            continue
    return None


def usable_calibration(attempt: Attempt) -> bool:
    """Does this analysed calibration give a baseline (speech with pitch and pace)?"""
    from analysis.score import make_baseline

    if attempt.status != AttemptStatus.done:
        return False
    try:
        make_baseline(attempt.result or {})
    except (ValueError, KeyError, TypeError):
        return False
    return True


def _rubric_and_turn(attempt: Attempt, catalogue=None):
    if attempt.kind != AttemptKind.practice or not attempt.scenario_id:
        return None, None
    catalogue = catalogue if catalogue is not None else load_scenarios()
    scenario = catalogue.get(attempt.scenario_id)
    if scenario is None:
        return None, None
    try:
        turn = scenario.turn(attempt.turn_id)
    except KeyError:
        return None, None
    return turn.rubric(), turn


def choose_next_turn(turn, result: dict[str, Any]) -> str | None:
    """The branch the answer chose: the next turn id, or None when the call ends."""
    from scenarios.branching import next_turn

    groups = result.get("rubric") or []
    found = {g["id"] for g in groups if g.get("found")}
    missed = {g["id"] for g in groups if not g.get("found")}
    ng_found = {g["id"] for g in (result.get("ng_phrases") or []) if g.get("found")}
    over = any(a.get("over_limit") and a.get("promised") for a in result.get("refund_amounts") or [])
    return next_turn(turn, found=found, missed=missed, ng_found=ng_found, over_authority=over)


def _short_error(exc: BaseException) -> str:
    message = getattr(exc, "message_ja", None)
    if message:
        return str(message)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300]


def _run_analysis(session: Session, attempt: Attempt, *, progress: Progress | None,
                  catalogue=None, baseline=None, use_baseline: bool = True) -> Attempt:
    """Analyse ``attempt`` on ``session`` and record the outcome (flushes; caller commits)."""
    from analysis.pipeline import analyse

    settings = get_settings()
    try:
        rubric, turn = _rubric_and_turn(attempt, catalogue)
        if use_baseline and baseline is None and attempt.kind == AttemptKind.practice:
            baseline = current_baseline(session, attempt.user_id)
        result = analyse(
            storage.recording_path(attempt.audio_path),
            rubric=rubric,
            baseline=baseline if attempt.kind == AttemptKind.practice else None,
            engine=settings.whisper_engine,
            model_path=settings.whisper_model_dir,
            cache_dir=settings.model_cache_dir,
            beam_size=settings.whisper_beam_size,
            threads=settings.whisper_threads,
            max_seconds=settings.max_recording_seconds,
            progress=progress,
        )
        data = result.to_dict()
        chosen_turn = (choose_next_turn(turn, data)
                       if turn is not None and not data.get("no_speech") else None)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded; the audio is kept
        log.warning("analysis of attempt %s failed: %r", attempt.id, exc)
        attempt.status = AttemptStatus.failed
        attempt.error = _short_error(exc)
        attempt.analysed_at = utcnow()
        session.add(attempt)
        session.flush()
        return attempt

    attempt.result = data
    attempt.error = None
    attempt.engine = data.get("engine")
    attempt.model_sha256 = data.get("model_sha256")
    attempt.analysis_version = data.get("analysis_version")
    attempt.analysed_at = utcnow()
    attempt.next_turn_id = None
    if data.get("no_speech"):
        attempt.status = AttemptStatus.no_speech
        attempt.transcript = None
        attempt.score = None
        attempt.passed = None
    else:
        attempt.status = AttemptStatus.done
        attempt.transcript = data.get("transcript") or ""
        if data.get("score") is not None:
            # floor, not round: 79.6 is shown as 79, in agreement with "not passed" (pass mark 80)
            attempt.score = math.floor(float(data["score"]) + 1e-9)
            attempt.passed = bool(data.get("passed"))
        attempt.next_turn_id = chosen_turn
    session.add(attempt)
    session.flush()
    return attempt


def analyse_attempt(attempt_id: int, *, progress: Progress | None = None) -> Attempt:
    """Analyse a stored attempt (again): status analysing → done / no_speech / failed.

    Uses its own database session and commits at each step, so the page can show the stored
    attempt even if the process dies half-way. Retrying is calling this again.
    """
    with Session(get_engine(), expire_on_commit=False) as session:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None:
            raise LookupError(f"attempt {attempt_id} not found")
        attempt.status = AttemptStatus.analysing
        attempt.error = None
        session.add(attempt)
        session.commit()
        _run_analysis(session, attempt, progress=progress)
        session.commit()
        session.refresh(attempt)
        return attempt


def get_attempt_for(session: Session, viewer: Viewer | None, attempt_id: int) -> Attempt:
    """The attempt if ``viewer`` may open it (asks ``core.access``); PermissionError otherwise,
    LookupError when there is no such attempt."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise LookupError(f"attempt {attempt_id} not found")
    owner = session.get(User, attempt.user_id)
    if viewer is None or owner is None or not access.can_view_attempt(viewer, attempt, owner):
        raise PermissionError("not allowed to open this attempt")
    return attempt


def run_attempts(session: Session, viewer: Viewer, run_id: str) -> list[Attempt]:
    """The viewer's own attempts of one call (run), oldest first."""
    return [a for a in _own_attempts(session, viewer, kind=AttemptKind.practice)
            if a.run_id == run_id]


def latest_calibration(session: Session, viewer: Viewer) -> Attempt | None:
    rows = _own_attempts(session, viewer, kind=AttemptKind.calibration)
    return rows[-1] if rows else None


# --------------------------------------------------------------------------- feedback text


@dataclass(frozen=True)
class Piece:
    """A piece of the transcript: ``kind`` is None (plain), "hit", "ng" or "filler"."""

    text: str
    kind: str | None = None
    label: str = ""


def transcript_pieces(result: dict[str, Any]) -> list[Piece]:
    """Split the transcript into plain text and highlighted pieces (rubric hits, NG phrases,
    fillers). Overlaps are resolved by priority: NG over hits over fillers."""
    text = result.get("transcript") or ""
    marks: list[tuple[int, int, str, str]] = []
    priority = {"ng": 0, "hit": 1, "filler": 2}
    for g in result.get("ng_phrases") or []:
        if g.get("found") and g.get("span"):
            marks.append((int(g["span"][0]), int(g["span"][1]), "ng", g.get("label", "")))
    for g in result.get("rubric") or []:
        if g.get("found") and g.get("span"):
            marks.append((int(g["span"][0]), int(g["span"][1]), "hit", g.get("label", "")))
    for span in result.get("filler_spans") or []:
        marks.append((int(span[0]), int(span[1]), "filler", ""))
    owner: list[tuple[str, str] | None] = [None] * len(text)
    for start, end, kind, label in sorted(marks, key=lambda m: -priority[m[2]]):
        for i in range(max(0, start), min(len(text), end)):
            owner[i] = (kind, label)
    pieces: list[Piece] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and owner[j] == owner[i]:
            j += 1
        kind, label = owner[i] if owner[i] else (None, "")
        pieces.append(Piece(text[i:j], kind, label))
        i = j
    return pieces


def breakdown(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The score's items, points lost first (largest first), then the items that were fine."""
    items = list(result.get("breakdown") or [])
    return sorted(items, key=lambda d: (-(d.get("points") or 0), d.get("category", "")))


# --------------------------------------------------------------------------- progress


@dataclass
class ProgressData:
    rows: list[dict[str, Any]]  # one per analysed practice attempt, oldest first
    best: list[dict[str, Any]]  # one per scenario tried: best score, attempts, passed
    baseline: Any | None  # analysis.score.Baseline
    feedback: list[Any] = field(default_factory=list)


def _title(catalogue, scenario_id: str | None) -> str:
    scenario = catalogue.get(scenario_id) if scenario_id else None
    return scenario.title if scenario is not None else (scenario_id or "")


def progress_for(session: Session, viewer: Viewer, *, catalogue=None) -> ProgressData:
    """The viewer's own practice over time: metrics per attempt and best score per scenario."""
    catalogue = catalogue if catalogue is not None else load_scenarios()
    rows: list[dict[str, Any]] = []
    best: dict[str, dict[str, Any]] = {}
    for a in _own_attempts(session, viewer, kind=AttemptKind.practice):
        entry = best.setdefault(a.scenario_id or "", {
            "scenario_id": a.scenario_id, "title": _title(catalogue, a.scenario_id),
            "attempts": 0, "best_score": None, "passed": False, "last_at": None,
        })
        entry["attempts"] += 1
        entry["last_at"] = a.created_at
        if a.status != AttemptStatus.done:
            continue
        r = a.result or {}
        row = {
            "attempt_id": a.id, "created_at": a.created_at, "scenario_id": a.scenario_id,
            "title": entry["title"], "turn_id": a.turn_id, "score": a.score, "passed": a.passed,
        }
        for key in TREND_METRICS:
            if key != "score":
                row[key] = r.get(key)
        rows.append(row)
        if a.score is not None and (entry["best_score"] is None or a.score > entry["best_score"]):
            entry["best_score"] = a.score
            entry["passed"] = a.score >= pass_mark()
    return ProgressData(rows=rows, best=list(best.values()),
                        baseline=current_baseline(session, viewer.id),
                        feedback=feedback_for(session, viewer))


# --------------------------------------------------------------------------- trainer feedback


def feedback_for(session: Session, viewer: Viewer) -> list[Any]:
    """Reviews and comments on the viewer's own attempts, newest first, each with a ``new``
    flag (``services.review.Feedback``)."""
    from services import review

    return list(review.feedback_for_trainee(session, viewer))


def mark_feedback_seen(session: Session, viewer: Viewer, attempt_id: int) -> int:
    """Mark the reviews and comments on one of the viewer's own attempts as seen (commits);
    returns how many were new. PermissionError for someone else's attempt."""
    from services import review

    return review.mark_feedback_seen(session, viewer, attempt_id)


# --------------------------------------------------------------------------- demo data

# (username, clip, days ago) — a few real analysed answers for the demo staff.
DEMO_CLIPS = {
    "calibration": "calibration_neutral.flac",
    "apology": "answer_apology.flac",
    "rude": "answer_rude.flac",
}
DEMO_ATTEMPTS: list[tuple[str, str, int]] = [
    ("sato", "rude", 20),
    ("sato", "apology", 12),
    ("sato", "apology", 3),
    ("suzuki", "apology", 6),
    ("yamamoto", "rude", 4),
]
DEMO_CALIBRATED = ("sato", "suzuki")
DEMO_SCENARIO = "late_delivery"


def seed_demo(session: Session, people: dict[str, User]) -> None:
    """A few really analysed attempts for demo staff (the clips in ``demo/audio``).

    Each clip is analysed once per baseline with the real pipeline and its result reused for
    every demo attempt of that clip and baseline. A clip that cannot be analysed leaves its attempts stored as
    ``failed`` (the demo still starts). Flushes, does not commit (``demo.seed`` commits).
    """
    catalogue = load_scenarios()
    scenario = catalogue.get(DEMO_SCENARIO)
    now = utcnow()
    cache: dict[tuple, Attempt] = {}

    def add(username: str, clip: str, days: int, kind: AttemptKind) -> None:
        user = people.get(username)
        path = DEMO_AUDIO_DIR / DEMO_CLIPS[clip]
        if user is None or not path.is_file():
            return
        data = path.read_bytes()
        relative, sha = storage.save_recording(user.id, data, suffix=path.suffix)
        fields: dict[str, Any] = {"kind": kind, "run_id": new_run_id()}
        if kind == AttemptKind.practice:
            if scenario is None:
                return
            fields |= {"scenario_id": scenario.id, "scenario_version": scenario.version,
                       "turn_id": scenario.start}
        attempt = Attempt(user_id=user.id, audio_path=relative, audio_sha256=sha,
                          created_at=now - timedelta(days=days, hours=len(username)),
                          **fields)
        session.add(attempt)
        session.flush()
        baseline = (current_baseline(session, user.id) if kind == AttemptKind.practice
                    else None)
        key = (kind.value, clip, baseline)  # same clip, same baseline: same analysis
        if key in cache:
            _copy_analysis(cache[key], attempt)
        else:
            _run_analysis(session, attempt, progress=None, catalogue=catalogue,
                          baseline=baseline, use_baseline=False)
            cache[key] = attempt
        session.add(attempt)
        session.flush()

    for username in DEMO_CALIBRATED:
        add(username, "calibration", 25, AttemptKind.calibration)
    for username, clip, days in DEMO_ATTEMPTS:
        add(username, clip, days, AttemptKind.practice)


def _copy_analysis(source: Attempt, target: Attempt) -> None:
    for name in ("status", "error", "transcript", "result", "score", "passed", "engine",
                 "model_sha256", "analysis_version", "next_turn_id"):
        setattr(target, name, getattr(source, name))
    target.analysed_at = target.created_at
