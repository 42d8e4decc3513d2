"""Practice: the scenario list for a viewer, storing an answer (or a calibration recording),
analysing it, the branch it takes, and one attempt's feedback. No streamlit.

The order is always: **store first** (the recording on disk and an ``Attempt`` row with status
``stored``, committed), **then analyse** (``analysing`` → ``done`` / ``no_speech`` /
``failed``). A failed analysis never loses the recording: the attempt keeps it and
``analyse_attempt`` can simply be called again.

Access is never decided here: rows are read through ``core.access`` (``attempts_filter``,
``can_view_attempt``, ``can_practise``). Storing and analysing commit (the recording must be
safe before the slow analysis starts); everything else only reads.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from analysis.pipeline import analyse
from analysis.result import AnalysisResult
from analysis.score import Baseline
from core import access, storage
from core.access import Viewer
from core.config import get_settings
from core.db import get_engine
from core.errors import NotAllowed, NotFound, Refusal
from core.models import Attempt, AttemptKind, AttemptStatus, User, utcnow
from scenarios import voice
from scenarios.branching import next_turn_after
from scenarios.loader import Catalogue, LoadError
from scenarios.schema import Scenario, Turn
from services import catalogue as scenario_catalogue
from services.analysis_result import Verdict, read, verdict
from services.calibration import current_baseline

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = storage.ALLOWED_SUFFIXES  # what an upload may be (.wav .flac .ogg .mp3)
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

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


def new_run_id() -> str:
    return uuid.uuid4().hex


def own_attempts(session: Session, viewer: Viewer, *, kind: AttemptKind) -> list[Attempt]:
    """The viewer's own attempts of ``kind``, oldest first (through the access filter)."""
    stmt = (
        select(Attempt)
        .join(User, User.id == Attempt.user_id)
        .where(access.attempts_filter(viewer), Attempt.user_id == viewer.id, Attempt.kind == kind)
        .order_by(Attempt.created_at, Attempt.id)
    )
    return list(session.exec(stmt).all())


# --------------------------------------------------------------------------- the scenario list


@dataclass
class CatalogueEntry:
    scenario: Scenario
    attempts: int = 0
    best_score: int | None = None
    passed: bool = False  # a whole call passed at least once (services.calls: bands.toml [call])
    calls: int = 0  # finished calls
    passed_calls: int = 0

    @property
    def done(self) -> bool:
        return self.passed

    @property
    def tried(self) -> bool:
        return self.attempts > 0


@dataclass
class CatalogueView:
    entries: list[CatalogueEntry]
    errors: list[LoadError]
    tags: list[str]

    def filter(self, *, tag: str | None = None, difficulty: int | None = None) -> list[CatalogueEntry]:
        return [
            e for e in self.entries
            if (tag is None or tag in e.scenario.tags)
            and (difficulty is None or e.scenario.difficulty == difficulty)
        ]

    def get(self, scenario_id: str) -> CatalogueEntry | None:
        return next((e for e in self.entries if e.scenario.id == scenario_id), None)


def list_catalogue(session: Session, viewer: Viewer, *,
                   catalogue: Catalogue | None = None) -> CatalogueView:
    """Every valid scenario (easiest first) with the viewer's attempt count and best score."""
    catalogue = catalogue if catalogue is not None else scenario_catalogue.catalogue()
    entries = {s.id: CatalogueEntry(s) for s in
               sorted(catalogue.scenarios.values(), key=lambda s: (s.difficulty, s.id))}
    for a in own_attempts(session, viewer, kind=AttemptKind.practice):
        e = entries.get(a.scenario_id or "")
        if e is None:
            continue
        e.attempts += 1
        if a.status == AttemptStatus.done and a.score is not None:
            e.best_score = a.score if e.best_score is None else max(e.best_score, a.score)
    from services.calls import calls_by_scenario  # here: services.calls imports this module

    for sid, stats in calls_by_scenario(session, viewer).items():
        if sid in entries:  # progress counts calls, not turns
            e = entries[sid]
            e.calls, e.passed_calls, e.passed = stats.calls, stats.passed, stats.done
    return CatalogueView(list(entries.values()), list(catalogue.errors), catalogue.tags())


def authority_limit(scenario: Scenario, turn: Turn | None = None) -> int | None:
    """The trainee's refund limit in yen for ``turn`` (else the scenario's), if any."""
    if turn is not None and turn.max_refund_yen is not None:
        return turn.max_refund_yen
    return scenario.max_refund_yen


def voice_path(scenario: Scenario, turn: Turn, *, render: bool = True) -> Path | None:
    """The customer's line as a WAV (rendered and cached on first use when ``render``)."""
    cache = get_settings().voice_cache_dir
    path = voice.cached_path(turn.customer, voice=scenario.persona.voice,
                             speed=scenario.speed_for(turn), cache_dir=cache)
    if path.is_file() and path.stat().st_size > 44:
        return path
    if not render:
        return None
    return voice.render_turn(scenario, turn, cache)


# --------------------------------------------------------------------------- one call (the turns)


@dataclass
class PracticeRun:
    """Where a trainee is in one call: the turn state machine of the practice screen.

    ``recorder`` is the generation of the answer widgets (raised for fresh, empty ones).
    States: answering ``turn_id`` (``attempt_id`` None) → answered (``attempt_id`` set) →
    the next turn, the same turn again, or a restart.
    """

    scenario_id: str | None = None
    run_id: str = ""
    turn_id: str | None = None
    attempt_id: int | None = None
    step: int = 1
    recorder: int = 0

    def start(self, scenario: Scenario) -> None:
        """A new call of ``scenario`` from its first turn."""
        self.scenario_id, self.run_id, self.turn_id = scenario.id, new_run_id(), scenario.start
        self.attempt_id, self.step = None, 1
        self.recorder += 1

    def current_turn(self, scenario: Scenario) -> Turn:
        """The turn being answered; a new call when another scenario was chosen or the turn
        no longer exists (the scenario file changed)."""
        if self.scenario_id != scenario.id or self.turn_id is None:
            self.start(scenario)
        try:
            return scenario.turn(self.turn_id)
        except KeyError:
            self.start(scenario)
            return scenario.turn(self.turn_id)

    def answered(self, attempt_id: int) -> None:
        self.attempt_id = attempt_id

    def go_to(self, turn_id: str) -> None:
        """On to the turn the answer's branch chose."""
        self.turn_id, self.attempt_id = turn_id, None
        self.step += 1
        self.recorder += 1

    def answer_again(self) -> None:
        self.attempt_id = None
        self.recorder += 1


# --------------------------------------------------------------------------- store first


def looks_like_audio(data: bytes, suffix: str) -> bool:
    """Whether ``data`` starts as a file of its kind does (a text file renamed .wav does not):
    refused before it is stored, so no retry that can never succeed is offered."""
    head = data[:12]
    if suffix == ".wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if suffix == ".flac":
        return head[:4] == b"fLaC"
    if suffix == ".ogg":
        return head[:4] == b"OggS"
    if suffix == ".mp3":
        return head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    return True


def _check_upload(data: bytes, filename: str) -> str:
    suffix = Path(filename or "").suffix.lower()
    if suffix not in AUDIO_SUFFIXES:
        raise PracticeError("practice.err_suffix", suffixes=" / ".join(AUDIO_SUFFIXES))
    if not data:
        raise PracticeError("practice.err_empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PracticeError("practice.err_too_big", mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    if not looks_like_audio(data, suffix):
        raise PracticeError("practice.err_not_audio", suffix=suffix)
    return suffix


def _store(session: Session, viewer: Viewer, data: bytes, filename: str, **fields) -> Attempt:
    if not access.can_practise(viewer):
        raise NotAllowed()
    suffix = _check_upload(data, filename)
    relative, sha = storage.save_recording(viewer.id, data, suffix=suffix)
    attempt = Attempt(user_id=viewer.id, audio_path=relative, audio_sha256=sha,
                      status=AttemptStatus.stored, **fields)
    session.add(attempt)
    session.commit()
    session.refresh(attempt)
    return attempt


def submit_answer(session: Session, *, viewer: Viewer, scenario: Scenario, turn_id: str,
                  run_id: str, data: bytes, filename: str) -> Attempt:
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


def _turn_of(attempt: Attempt, catalogue: Catalogue | None) -> Turn | None:
    if attempt.kind != AttemptKind.practice or not attempt.scenario_id:
        return None
    catalogue = catalogue if catalogue is not None else scenario_catalogue.catalogue()
    scenario = catalogue.get(attempt.scenario_id)
    try:
        return scenario.turn(attempt.turn_id) if scenario is not None else None
    except KeyError:
        return None


def choose_next_turn(turn: Turn, result: AnalysisResult) -> str | None:
    """The branch the answer chose: the next turn id, or None when the call ends (also for an
    answer without a rubric result: nothing to branch on)."""
    if result.no_speech or result.rubric is None:
        return None
    return next_turn_after(turn, result.rubric)


def _short_error(exc: BaseException) -> str:
    message = getattr(exc, "message_ja", None)
    if message:
        return str(message)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300]


def record_result(attempt: Attempt, result: AnalysisResult, next_turn_id: str | None) -> None:
    """Write an analysis onto its attempt: the stored result (``to_dict``, the only place a
    result becomes a dict), the columns pages filter on, and the verdict of record."""
    attempt.result = result.to_dict()
    attempt.error = None
    attempt.engine = result.identity.engine
    attempt.model_sha256 = result.identity.model_sha256
    attempt.analysis_version = result.analysis_version
    attempt.analysed_at = utcnow()
    attempt.next_turn_id = None
    attempt.transcript = None
    attempt.score = None
    attempt.passed = None
    if result.no_speech:
        attempt.status = AttemptStatus.no_speech
        return
    attempt.status = AttemptStatus.done
    attempt.transcript = result.text
    if result.score is not None:
        # floor, not round: 79.6 is shown as 79, in agreement with "not passed" (pass mark 80)
        attempt.score = math.floor(float(result.score.total) + 1e-9)
        attempt.passed = bool(result.score.passed)  # judged against the pass mark stored with it
    attempt.next_turn_id = next_turn_id


def run_analysis(session: Session, attempt: Attempt, *, progress: Progress | None = None,
                 catalogue: Catalogue | None = None, baseline: Baseline | None = None,
                 use_baseline: bool = True) -> Attempt:
    """Analyse ``attempt`` on ``session`` and record the outcome (flushes; caller commits).

    ``baseline``: compare a practice answer against this usual voice (default: the owner's
    current one, unless ``use_baseline`` is False). Every failure, including choosing the
    branch, marks the attempt ``failed`` (retryable) and keeps the recording.
    """
    settings = get_settings()
    practice = attempt.kind == AttemptKind.practice
    try:
        turn = _turn_of(attempt, catalogue)
        if practice and use_baseline and baseline is None:
            baseline = current_baseline(session, attempt.user_id)
        result = analyse(
            storage.recording_path(attempt.audio_path),
            rubric=turn.rubric() if turn is not None else None,
            baseline=baseline if practice else None,
            engine=settings.whisper_engine,
            model_path=settings.whisper_model_dir,
            cache_dir=settings.model_cache_dir,
            beam_size=settings.whisper_beam_size,
            threads=settings.whisper_threads,
            max_seconds=settings.max_recording_seconds,
            progress=progress,
        )
        chosen = choose_next_turn(turn, result) if turn is not None else None
    except Exception as exc:  # noqa: BLE001 - every failure is recorded; the audio is kept
        log.warning("analysis of attempt %s failed: %r", attempt.id, exc)
        attempt.status = AttemptStatus.failed
        attempt.error = _short_error(exc)
        attempt.analysed_at = utcnow()
        session.add(attempt)
        session.flush()
        return attempt
    record_result(attempt, result, chosen)
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
        run_analysis(session, attempt, progress=progress)
        session.commit()
        session.refresh(attempt)
        return attempt


# --------------------------------------------------------------------------- one attempt


def get_attempt_for(session: Session, viewer: Viewer | None, attempt_id: int) -> Attempt:
    """The attempt if ``viewer`` may open it (asks ``core.access``); :class:`NotAllowed`
    otherwise (also for no viewer), :class:`NotFound` when there is no such attempt."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound()
    owner = session.get(User, attempt.user_id)
    if viewer is None or owner is None or not access.can_view_attempt(viewer, attempt, owner):
        raise NotAllowed()
    return attempt


@dataclass
class AttemptFeedback:
    """One attempt as the practice screen shows it: the row, its typed result (read once), the
    verdict of record, the baseline its charts compare with, and where the call goes next."""

    attempt: Attempt
    result: AnalysisResult | None
    verdict: Verdict
    baseline: Baseline | None  # the one it was scored against, else the owner's current one
    scenario: Scenario | None = None
    turn: Turn | None = None
    next_turn: Turn | None = None

    @property
    def analysed(self) -> bool:
        return self.attempt.status in (AttemptStatus.done, AttemptStatus.no_speech)


def open_attempt(session: Session, viewer: Viewer, attempt_id: int) -> AttemptFeedback:
    """The feedback of one attempt the viewer may open (``get_attempt_for`` decides)."""
    attempt = get_attempt_for(session, viewer, attempt_id)
    result = read(attempt.result)
    baseline = result.baseline if result is not None else None
    if baseline is None and result is not None:  # scored before a calibration: the usual voice
        baseline = current_baseline(session, attempt.user_id)
    scenario = scenario_catalogue.scenario(attempt.scenario_id)
    turn = scenario_catalogue.turn(attempt.scenario_id, attempt.turn_id)
    nxt = scenario_catalogue.turn(attempt.scenario_id, attempt.next_turn_id)
    return AttemptFeedback(attempt, result, verdict(attempt, result), baseline, scenario, turn, nxt)


def run_attempts(session: Session, viewer: Viewer, run_id: str) -> list[Attempt]:
    """The viewer's own attempts of one call (run), oldest first."""
    return [a for a in own_attempts(session, viewer, kind=AttemptKind.practice)
            if a.run_id == run_id]


# --------------------------------------------------------------------------- feedback text


@dataclass(frozen=True)
class Piece:
    """A piece of the transcript: ``kind`` is None (plain), "hit", "ng" or "filler"."""

    text: str
    kind: str | None = None
    label: str = ""


@dataclass(frozen=True)
class ClauseMark:
    """A clause of the transcript with the groups (intents) it expressed: ``(label, kind)``."""

    text: str
    intents: tuple[tuple[str, str], ...]


def clause_marks(result: AnalysisResult | None) -> list[ClauseMark]:
    """The clauses that expressed a rubric group (or an NG group), in order (issue 10)."""
    if result is None or result.rubric is None:
        return []
    out = []
    for c in result.rubric.clauses:
        hits = tuple((h.get("label") or h.get("id", ""), h.get("kind", "")) for h in c.get("hits", []))
        if hits:
            out.append(ClauseMark(str(c.get("text", "")), hits))
    return out


@dataclass(frozen=True)
class MissedGroup:
    """A required group the answer missed, with the clause said that came closest (or None)."""

    label: str
    closest: str | None


def missed_groups(result: AnalysisResult | None) -> list[MissedGroup]:
    if result is None or result.rubric is None:
        return []
    return [MissedGroup(g.label, getattr(g, "closest", None))
            for g in result.rubric.required if not g.found]


def transcript_pieces(result: AnalysisResult | None) -> list[Piece]:
    """Split the transcript into plain text and highlighted pieces (rubric hits, NG phrases,
    fillers). Overlaps are resolved by priority: NG over hits over fillers."""
    if result is None or result.transcript is None:
        return []
    text = result.text
    marks: list[tuple[int, int, str, str]] = []
    priority = {"ng": 0, "hit": 1, "filler": 2}
    for kind, g in result.rubric_groups():
        if g.found and g.span:
            marks.append((int(g.span[0]), int(g.span[1]), "ng" if kind == "ng" else "hit", g.label))
    for start, end in result.transcript.filler_spans:
        marks.append((int(start), int(end), "filler", ""))
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

