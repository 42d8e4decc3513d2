"""Trainer review: the queue, one attempt, a human score beside the machine's, timestamped
comments, the trainee's feedback, machine/human agreement and team progress.

No streamlit here: pages call these functions and render what they return. Every function takes
the session first and the ``Viewer`` asking; access is decided by :mod:`core.access` (asked,
never re-implemented). Functions add rows to the session and never commit: the caller commits
(so an audit row is stored together with the change or the view it records).

The automatic result in ``Attempt`` (score, passed, result) is never changed here: a trainer's
judgement is a ``Review`` row beside it (one per attempt, updated in place; every change is in
the audit log), and the *effective* score is the human override when there is one.

Nothing here reads or returns wellbeing data.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from core import access, audit
from core.access import Viewer
from core.i18n import t
from core.models import (
    Attempt,
    AttemptKind,
    AttemptStatus,
    Comment,
    Review,
    Role,
    Team,
    User,
    utcnow,
)

#: Dates typed by trainers (filters) and shown in tables are Japanese dates.
LOCAL_TZ = ZoneInfo("Asia/Tokyo")
#: Used only when ``analysis/bands.toml`` cannot be read (Second Nature's pass mark).
DEFAULT_PASS_MARK = 80
MAX_COMMENT_CHARS = 2000
FAILED_STATUSES = (AttemptStatus.failed, AttemptStatus.no_speech)


class ReviewError(ValueError):
    """A refused change; ``key`` is an i18n key (``core/strings/review.toml``), ``values`` its
    parameters. Pages show ``ui.tr(e.key, **e.values)``."""

    def __init__(self, key: str, **values: object):
        super().__init__(key)
        self.key = key
        self.values = values


class AttemptNotFound(LookupError):
    """No such attempt (pages show the same message as for a refusal)."""


# --- small helpers over the stored analysis result ------------------------------------------


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def local_time(value: datetime | None) -> datetime | None:
    """``value`` (UTC) in Japan time."""
    value = _aware(value)
    return value.astimezone(LOCAL_TZ) if value else None


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = local_time(value)
    return local.strftime(fmt) if local else ""


def format_seconds(seconds: float | None) -> str:
    """``75.4`` -> ``"1:15"`` (a position in a recording)."""
    if seconds is None:
        return ""
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


def pass_mark() -> float:
    """The pass mark of ``analysis/bands.toml`` (80 when it cannot be read)."""
    try:
        from analysis.score import load_bands

        return float(load_bands()["pass_mark"])
    except Exception:  # noqa: BLE001 - the scorer is optional for reviews
        return float(DEFAULT_PASS_MARK)


def segments(result: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The transcript segments ``[{start, end, text, words}]`` of an analysis result."""
    if not result:
        return []
    out = []
    for seg in result.get("segments") or []:
        if isinstance(seg, Mapping) and seg.get("start") is not None:
            out.append(dict(seg))
    return sorted(out, key=lambda s: float(s["start"]))


def duration_s(result: Mapping[str, Any] | None) -> float | None:
    """Length of the recording in seconds, when the result tells it."""
    if not result:
        return None
    for key in ("duration_s", "duration"):
        if isinstance(result.get(key), (int, float)):
            return float(result[key])
    metrics = result.get("metrics")
    if isinstance(metrics, Mapping) and isinstance(metrics.get("duration_s"), (int, float)):
        return float(metrics["duration_s"])
    ends = [float(s["end"]) for s in segments(result) if s.get("end") is not None]
    return max(ends) if ends else None


#: The scalar delivery measures of ``analysis.pipeline.Result`` (its ``metrics`` property).
METRIC_KEYS = (
    "morae_per_s_span", "morae_per_s_speaking", "chars_per_min", "filler_ratio", "filler_count",
    "long_pause_count", "pause_count", "longest_pause_s", "pause_ratio", "f0_median_hz",
    "f0_sd_st", "f0_range_st", "loudness_dbfs", "noise_floor_dbfs", "snr_db", "clipping_ratio",
)


def metrics(result: Mapping[str, Any] | None) -> dict[str, Any]:
    """The delivery measures of an analysis result (flat in ``Result.to_dict()``)."""
    if not result:
        return {}
    source = result.get("metrics") if isinstance(result.get("metrics"), Mapping) else result
    return {k: source[k] for k in METRIC_KEYS if source.get(k) is not None}


@dataclass(frozen=True)
class RubricGroup:
    """One rubric group as the machine judged it."""

    id: str
    label: str
    kind: str  # "required" or "ng"
    found: bool
    matched_text: str | None = None


def rubric_groups(result: Mapping[str, Any] | None) -> list[RubricGroup]:
    """The rubric groups of an analysis result, required first, then NG.

    ``Result.to_dict()`` stores the required groups as a list in ``rubric`` and the NG groups
    in ``ng_phrases``; ``RubricResult.to_dict()`` (``{"required": [...], "ng": [...]}``) is
    read too.
    """
    result = result or {}
    rubric = result.get("rubric")
    if isinstance(rubric, Mapping):
        required, ng = rubric.get("required") or [], rubric.get("ng") or []
    else:
        required, ng = rubric or [], result.get("ng_phrases") or []
    out: list[RubricGroup] = []
    for kind, groups in (("required", required), ("ng", ng)):
        for g in groups:
            if isinstance(g, Mapping) and g.get("id"):
                out.append(RubricGroup(str(g["id"]), str(g.get("label") or g["id"]), kind,
                                       bool(g.get("found")), g.get("matched_text")))
    return out


def corrections_detail(result: Mapping[str, Any] | None,
                       corrections: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """``[{id, label, kind, machine_found, human_found}]`` for a review's rubric corrections."""
    if not corrections:
        return []
    groups = {g.id: g for g in rubric_groups(result)}
    out = []
    for gid, human in corrections.items():
        g = groups.get(gid)
        out.append({
            "id": gid,
            "label": g.label if g else gid,
            "kind": g.kind if g else "",
            "machine_found": g.found if g else None,
            "human_found": bool(human),
        })
    return out


def effective_score(attempt: Attempt, review: Review | None) -> int | None:
    """The human score when a trainer overrode it, else the automatic one."""
    if review is not None and review.score_override is not None:
        return review.score_override
    return attempt.score


# --- loading with access -------------------------------------------------------------------


def _visible_attempts_stmt(viewer: Viewer):
    return (
        select(Attempt, User)
        .join(User, User.id == Attempt.user_id)
        .where(access.attempts_filter(viewer), Attempt.kind == AttemptKind.practice)
    )


def _latest_reviews(session: Session, attempt_ids: Iterable[int]) -> dict[int, Review]:
    ids = list(set(attempt_ids))
    out: dict[int, Review] = {}
    for chunk in _chunks(ids):
        rows = session.exec(
            select(Review).where(Review.attempt_id.in_(chunk))
            .order_by(Review.reviewed_at, Review.id)
        ).all()
        for r in rows:
            out[r.attempt_id] = r  # the last one wins
    return out


def _comment_counts(session: Session, attempt_ids: Iterable[int]) -> dict[int, int]:
    ids = list(set(attempt_ids))
    out: dict[int, int] = {}
    for chunk in _chunks(ids):
        rows = session.exec(
            select(Comment.attempt_id, func.count()).where(Comment.attempt_id.in_(chunk))
            .group_by(Comment.attempt_id)
        ).all()
        out.update({a: n for a, n in rows})
    return out


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i: i + size]


def _names(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    ids = [i for i in set(user_ids) if i is not None]
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    return dict(rows)


def _load_for_review(session: Session, viewer: Viewer, attempt_id: int,
                     *, write: bool) -> tuple[Attempt, User]:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise AttemptNotFound(attempt_id)
    owner = session.get(User, attempt.user_id)
    check = access.can_review_attempt if write else access.can_view_attempt
    if owner is None or not check(viewer, attempt, owner):
        raise PermissionError(f"user {viewer.id} may not {'review' if write else 'view'} "
                              f"attempt {attempt_id}")
    return attempt, owner


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=LOCAL_TZ).astimezone(UTC)


# --- the queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """What the trainer narrowed the queue to. Scores are the automatic ones (0–100); dates are
    Japanese calendar days, both ends included."""

    user_id: int | None = None
    scenario_id: str | None = None
    min_score: int | None = None
    max_score: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    failed_only: bool = False  # analyses that failed or heard no speech
    status: str = "all"  # "all" | "unreviewed" | "reviewed"


@dataclass(frozen=True)
class QueueItem:
    attempt_id: int
    user_id: int
    user_name: str
    scenario_id: str | None
    turn_id: str | None
    created_at: datetime
    status: str
    auto_score: int | None
    passed: bool | None
    reviewed: bool
    reviewed_at: datetime | None
    score_override: int | None
    comment_count: int

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


@dataclass(frozen=True)
class QueueCounts:
    total: int = 0
    unreviewed: int = 0
    reviewed: int = 0
    overridden: int = 0
    failed: int = 0


@dataclass
class Queue:
    items: list[QueueItem]  # unreviewed first, newest first within each
    counts: QueueCounts  # over every attempt matching the filters (before ``limit``)


def review_queue(session: Session, viewer: Viewer, filters: QueueFilters | None = None,
                 *, limit: int = 500) -> Queue:
    """The practice attempts ``viewer`` may review (their teams' staff), unreviewed first."""
    f = filters or QueueFilters()
    stmt = _visible_attempts_stmt(viewer)
    if f.user_id is not None:
        stmt = stmt.where(Attempt.user_id == f.user_id)
    if f.scenario_id:
        stmt = stmt.where(Attempt.scenario_id == f.scenario_id)
    if f.min_score is not None:
        stmt = stmt.where(Attempt.score >= f.min_score)
    if f.max_score is not None:
        stmt = stmt.where(Attempt.score <= f.max_score)
    if f.date_from is not None:
        stmt = stmt.where(Attempt.created_at >= _day_start(f.date_from))
    if f.date_to is not None:
        stmt = stmt.where(Attempt.created_at < _day_start(f.date_to + timedelta(days=1)))
    if f.failed_only:
        stmt = stmt.where(Attempt.status.in_([s.value for s in FAILED_STATUSES]))
    rows = session.exec(stmt.order_by(Attempt.created_at.desc(), Attempt.id.desc())).all()
    ids = [a.id for a, _ in rows]
    reviews = _latest_reviews(session, ids)
    comments = _comment_counts(session, ids)
    items = []
    for a, owner in rows:
        r = reviews.get(a.id)
        item = QueueItem(
            attempt_id=a.id, user_id=owner.id, user_name=owner.display_name,
            scenario_id=a.scenario_id, turn_id=a.turn_id, created_at=_aware(a.created_at),
            status=str(a.status), auto_score=a.score, passed=a.passed, reviewed=r is not None,
            reviewed_at=_aware(r.reviewed_at) if r else None,
            score_override=r.score_override if r else None, comment_count=comments.get(a.id, 0),
        )
        if f.status == "unreviewed" and item.reviewed:
            continue
        if f.status == "reviewed" and not item.reviewed:
            continue
        items.append(item)
    counts = QueueCounts(
        total=len(items),
        unreviewed=sum(not i.reviewed for i in items),
        reviewed=sum(i.reviewed for i in items),
        overridden=sum(i.score_override is not None for i in items),
        failed=sum(i.failed for i in items),
    )
    items.sort(key=lambda i: i.reviewed)  # stable: newest first within each group
    return Queue(items=items[:limit], counts=counts)


@dataclass(frozen=True)
class QueueOptions:
    people: list[tuple[int, str]]  # (user id, display name) of the staff in the queue
    scenario_ids: list[str]


def queue_options(session: Session, viewer: Viewer) -> QueueOptions:
    """The people and scenarios that occur in ``viewer``'s queue (for the filter widgets)."""
    rows = session.exec(_visible_attempts_stmt(viewer)).all()
    people = sorted({(u.id, u.display_name) for _, u in rows}, key=lambda p: (p[1], p[0]))
    scenarios = sorted({a.scenario_id for a, _ in rows if a.scenario_id})
    return QueueOptions(people=people, scenario_ids=scenarios)


# --- one attempt ---------------------------------------------------------------------------


@dataclass
class AttemptView:
    """Everything the review screen shows about one attempt."""

    attempt: Attempt  # the automatic result, untouched
    owner_id: int
    owner_name: str
    review: Review | None
    reviewer_name: str | None
    comments: list[Comment]  # by position in the recording, then time written
    comment_authors: dict[int, str]
    can_review: bool

    @property
    def result(self) -> dict[str, Any]:
        return self.attempt.result or {}

    @property
    def effective_score(self) -> int | None:
        return effective_score(self.attempt, self.review)


def get_attempt_for_review(session: Session, viewer: Viewer, attempt_id: int,
                           *, record_view: bool = True) -> AttemptView:
    """Open one attempt for ``viewer``.

    Raises ``PermissionError`` when access refuses and :class:`AttemptNotFound` when there is
    no such attempt. Writes an audit row (``view_attempt``) for the view unless
    ``record_view`` is False (a page re-running for the same open attempt).
    """
    attempt, owner = _load_for_review(session, viewer, attempt_id, write=False)
    if record_view:
        audit.record(session, action=audit.Action.view_attempt, actor_id=viewer.id,
                     actor_name=viewer.username, target_type="attempt", target_id=attempt.id,
                     detail=f"owner={owner.id}")
    review = _latest_reviews(session, [attempt.id]).get(attempt.id)
    comments = list(session.exec(
        select(Comment).where(Comment.attempt_id == attempt.id)
        .order_by(Comment.created_at, Comment.id)
    ).all())
    comments.sort(key=lambda c: (c.at_seconds is None, c.at_seconds or 0.0))
    names = _names(session, [c.author_id for c in comments] + ([review.trainer_id] if review else []))
    return AttemptView(
        attempt=attempt, owner_id=owner.id, owner_name=owner.display_name, review=review,
        reviewer_name=names.get(review.trainer_id) if review else None, comments=comments,
        comment_authors=names, can_review=access.can_review_attempt(viewer, attempt, owner),
    )


def save_review(
    session: Session,
    viewer: Viewer,
    attempt_id: int,
    *,
    score_override: int | None,
    reason: str,
    rubric_corrections: Mapping[str, bool] | None = None,
) -> Review:
    """Record the trainer's judgement beside the automatic one and mark the attempt reviewed.

    ``score_override`` (0–100) requires a non-empty ``reason``. ``rubric_corrections`` maps a
    rubric group id of this attempt to the human verdict "was it said" (True/False); entries
    that agree with the machine are dropped. The attempt's automatic score and result are not
    touched. Saving again updates the review (and shows it to the trainee as new again).
    """
    attempt, _owner = _load_for_review(session, viewer, attempt_id, write=True)
    reason = (reason or "").strip()
    if score_override is not None:
        if isinstance(score_override, bool) or not isinstance(score_override, (int, float)) \
                or int(score_override) != score_override or not 0 <= score_override <= 100:
            raise ReviewError("review.err_score_range")
        score_override = int(score_override)
        if not reason:
            raise ReviewError("review.err_reason_required")
    groups = {g.id: g for g in rubric_groups(attempt.result)}
    corrections: dict[str, bool] = {}
    for gid, human in (rubric_corrections or {}).items():
        if gid not in groups:
            raise ReviewError("review.err_unknown_group", group=gid)
        if bool(human) != groups[gid].found:
            corrections[gid] = bool(human)
    review = _latest_reviews(session, [attempt.id]).get(attempt.id)
    before = (review.score_override, review.rubric_corrections) if review else (None, None)
    if review is None:
        review = Review(attempt_id=attempt.id, trainer_id=viewer.id)
    review.trainer_id = viewer.id
    review.score_override = score_override
    review.reason = reason
    review.rubric_corrections = corrections or None
    review.reviewed_at = utcnow()
    review.seen_by_trainee_at = None
    session.add(review)
    session.flush()
    if score_override is not None or corrections or before != (None, None):
        audit.record(
            session, action=audit.Action.override, actor_id=viewer.id,
            actor_name=viewer.username, target_type="attempt", target_id=attempt.id,
            detail=(f"auto={attempt.score} override={score_override} "
                    f"corrections={sorted(corrections.items())} reason={reason}")[:2000],
        )
    return review


def mark_reviewed(session: Session, viewer: Viewer, attempt_id: int) -> Review:
    """Mark an attempt reviewed without changing anything (keeps an existing review)."""
    attempt, _ = _load_for_review(session, viewer, attempt_id, write=True)
    review = _latest_reviews(session, [attempt.id]).get(attempt.id)
    if review is None:
        review = Review(attempt_id=attempt.id, trainer_id=viewer.id, reviewed_at=utcnow())
        session.add(review)
        session.flush()
    return review


def add_comment(session: Session, viewer: Viewer, attempt_id: int, *,
                at_seconds: float | None, text: str) -> Comment:
    """A comment tied to a time in the recording (``at_seconds``; None = the whole answer)."""
    attempt, _ = _load_for_review(session, viewer, attempt_id, write=True)
    text = (text or "").strip()
    if not text:
        raise ReviewError("review.err_comment_empty")
    if len(text) > MAX_COMMENT_CHARS:
        raise ReviewError("review.err_comment_long", n=MAX_COMMENT_CHARS)
    if at_seconds is not None:
        at_seconds = float(at_seconds)
        length = duration_s(attempt.result)
        if at_seconds < 0 or (length is not None and at_seconds > length + 1.0):
            raise ReviewError("review.err_time", length=format_seconds(length))
        at_seconds = round(at_seconds, 2)
    comment = Comment(attempt_id=attempt.id, author_id=viewer.id, at_seconds=at_seconds,
                      text=text)
    session.add(comment)
    session.flush()
    return comment


# --- what the trainee sees -----------------------------------------------------------------


@dataclass(frozen=True)
class Feedback:
    """One review or comment on one of the trainee's own attempts."""

    kind: str  # "review" | "comment"
    id: int  # the Review's or Comment's id
    attempt_id: int
    scenario_id: str | None
    turn_id: str | None
    attempt_at: datetime
    auto_score: int | None
    author_name: str
    at: datetime  # when it was written
    new: bool  # not yet seen by the trainee
    score_override: int | None = None
    reason: str = ""
    corrections: list[dict[str, Any]] = field(default_factory=list)
    at_seconds: float | None = None
    text: str = ""  # the comment; for a review, its reason

    @property
    def author(self) -> str:
        return self.author_name


def feedback_for_trainee(session: Session, viewer: Viewer) -> list[Feedback]:
    """Reviews and comments on ``viewer``'s own attempts, newest first."""
    attempts = {a.id: a for a in session.exec(
        select(Attempt).where(Attempt.user_id == viewer.id)).all()}
    if not attempts:
        return []
    ids = list(attempts)
    reviews = list(_latest_reviews(session, ids).values())
    comments: list[Comment] = []
    for chunk in _chunks(ids):
        comments += session.exec(select(Comment).where(Comment.attempt_id.in_(chunk))).all()
    names = _names(session, [r.trainer_id for r in reviews] + [c.author_id for c in comments])
    out: list[Feedback] = []
    for r in reviews:
        a = attempts[r.attempt_id]
        out.append(Feedback(
            kind="review", id=r.id, attempt_id=a.id, scenario_id=a.scenario_id,
            turn_id=a.turn_id, attempt_at=_aware(a.created_at), auto_score=a.score,
            author_name=names.get(r.trainer_id, ""), at=_aware(r.reviewed_at),
            new=r.seen_by_trainee_at is None, score_override=r.score_override, reason=r.reason,
            text=r.reason, corrections=corrections_detail(a.result, r.rubric_corrections),
        ))
    for c in comments:
        a = attempts[c.attempt_id]
        out.append(Feedback(
            kind="comment", id=c.id, attempt_id=a.id, scenario_id=a.scenario_id,
            turn_id=a.turn_id, attempt_at=_aware(a.created_at), auto_score=a.score,
            author_name=names.get(c.author_id, ""), at=_aware(c.created_at),
            new=c.seen_by_trainee_at is None, at_seconds=c.at_seconds, text=c.text,
        ))
    out.sort(key=lambda f: (f.at, f.kind, f.id), reverse=True)
    return out


def mark_feedback_seen(session: Session, viewer: Viewer, attempt_id: int) -> int:
    """The trainee has seen the feedback on their attempt; returns how many items were new.

    Raises ``PermissionError`` for an attempt that is not the viewer's own. Commits (as
    ``core.practice.mark_feedback_seen``, which calls it, promises its callers).
    """
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != viewer.id:
        raise PermissionError(f"attempt {attempt_id} is not user {viewer.id}'s")
    now = utcnow()
    n = 0
    for model in (Review, Comment):
        rows = session.exec(select(model).where(model.attempt_id == attempt_id,
                                                model.seen_by_trainee_at.is_(None))).all()
        for row in rows:
            row.seen_by_trainee_at = now
            session.add(row)
            n += 1
    session.commit()
    return n


# --- agreement between the machine and the trainers ----------------------------------------


@dataclass(frozen=True)
class AgreementRow:
    scenario_id: str
    reviewed: int  # reviewed attempts that have an automatic score
    overridden: int
    override_rate: float | None  # overridden / reviewed
    mean_abs_diff: float | None  # mean |override − auto| over the overridden attempts
    mean_signed_diff: float | None  # mean (override − auto): > 0 the machine is too strict
    corrected_groups: list[tuple[str, str, int]]  # (group id, label, times corrected), top 5
    corrections: int  # reviews with at least one rubric correction


def agreement_by_scenario(session: Session, viewer: Viewer | None = None) -> list[AgreementRow]:
    """Per scenario: how often and by how much trainers overrode the machine, and which rubric
    groups they corrected most often. Aggregates only (no person, no trainer).

    ``viewer``, when given, must be allowed by ``access.can_see_agreement``.
    """
    if viewer is not None and not access.can_see_agreement(viewer):
        raise PermissionError("agreement is for trainers and admins")
    rows = session.exec(
        select(Attempt, Review).join(Review, Review.attempt_id == Attempt.id)
        .where(Attempt.kind == AttemptKind.practice, Attempt.score.is_not(None),
               Attempt.scenario_id.is_not(None))
        .order_by(Review.reviewed_at, Review.id)
    ).all()
    latest: dict[int, tuple[Attempt, Review]] = {}
    for a, r in rows:
        latest[a.id] = (a, r)  # one judgement per attempt: the latest review
    by_scenario: dict[str, list[tuple[Attempt, Review]]] = defaultdict(list)
    for a, r in latest.values():
        by_scenario[a.scenario_id].append((a, r))
    out = []
    for sid in sorted(by_scenario):
        pairs = by_scenario[sid]
        diffs = [r.score_override - a.score for a, r in pairs if r.score_override is not None]
        counter: Counter[str] = Counter()
        labels: dict[str, str] = {}
        with_corrections = 0
        for a, r in pairs:
            if r.rubric_corrections:
                with_corrections += 1
                groups = {g.id: g.label for g in rubric_groups(a.result)}
                for gid in r.rubric_corrections:
                    counter[gid] += 1
                    labels.setdefault(gid, groups.get(gid, gid))
        out.append(AgreementRow(
            scenario_id=sid,
            reviewed=len(pairs),
            overridden=len(diffs),
            override_rate=len(diffs) / len(pairs) if pairs else None,
            mean_abs_diff=sum(abs(d) for d in diffs) / len(diffs) if diffs else None,
            mean_signed_diff=sum(diffs) / len(diffs) if diffs else None,
            corrected_groups=[(g, labels[g], n) for g, n in
                              sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:5]],
            corrections=with_corrections,
        ))
    return out


# --- team progress -------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    at: datetime
    score: int  # effective (the trainer's when overridden)
    auto_score: int | None
    scenario_id: str | None
    attempt_id: int


@dataclass(frozen=True)
class LatestReview:
    attempt_id: int
    reviewed_at: datetime
    trainer_name: str
    score_override: int | None
    auto_score: int | None


@dataclass
class PersonProgress:
    user_id: int
    display_name: str
    team_name: str
    attempts: int  # analysed practice answers in the period
    trend: list[TrendPoint]  # oldest first
    scenarios_completed: list[str]  # scenario ids with a finished call in the period
    pass_rate: float | None  # share of scored answers at or above the pass mark (effective)
    mean_score: float | None
    latest_review: LatestReview | None


@dataclass(frozen=True)
class HarassmentCompletion:
    """Who completed which カスハラ training scenario and when (the employer's record)."""

    user_id: int
    display_name: str
    team_name: str
    scenario_id: str
    scenario_title: str
    completed_at: datetime | None  # first finished call; None = not yet
    completions: int


@dataclass
class TeamProgress:
    teams: list[tuple[int, str]]  # the teams shown
    people: list[PersonProgress]
    harassment: list[HarassmentCompletion]
    harassment_scenarios: list[tuple[str, str]]  # (id, title)


def visible_teams(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    """The teams whose progress ``viewer`` may see: (id, name), by name."""
    ids = [tid for tid in viewer.coached_team_ids if access.can_see_team_progress(viewer, tid)]
    if not ids:
        return []
    rows = session.exec(select(Team.id, Team.name).where(Team.id.in_(ids))).all()
    return sorted(rows, key=lambda r: r[1])


def _catalogue():
    try:
        from scenarios.loader import load_catalogue
    except ImportError:  # pragma: no cover - the scenarios package is part of the app
        return None
    return load_catalogue()


def _harassment_scenarios(catalogue) -> list[tuple[str, str]]:
    if catalogue is None:
        return []
    found = catalogue.filter(harassment=True) if hasattr(catalogue, "filter") else [
        s for s in catalogue if getattr(s, "harassment", False)]
    return [(s.id, s.title) for s in found]


def _completed(a: Attempt) -> bool:
    """The answer that ended a call: analysed, with no next turn."""
    return a.status == AttemptStatus.done and a.scenario_id is not None and a.next_turn_id is None


def team_progress(
    session: Session,
    viewer: Viewer,
    *,
    team_id: int | None = None,
    user_ids: Sequence[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    catalogue: Any = None,
) -> TeamProgress:
    """Per person of the viewer's teams: score trend, scenarios completed, pass rate and latest
    review; and the harassment-training completion of each person for each カスハラ scenario.

    ``catalogue``: the scenario catalogue (default: ``scenarios.loader.load_catalogue()``).
    Refuses (``PermissionError``) a ``team_id`` the viewer may not see.
    """
    teams = visible_teams(session, viewer)
    if team_id is not None:
        if not access.can_see_team_progress(viewer, team_id):
            raise PermissionError(f"user {viewer.id} may not see team {team_id}")
        teams = [t_ for t_ in teams if t_[0] == team_id]
    team_names = dict(teams)
    stmt = select(User).where(User.team_id.in_(list(team_names) or [-1]),
                              User.role == Role.staff, User.active.is_(True))
    if user_ids is not None:
        stmt = stmt.where(User.id.in_(list(user_ids) or [-1]))
    people = sorted(session.exec(stmt).all(), key=lambda u: (u.display_name, u.id))
    person_ids = [u.id for u in people]

    astmt = _visible_attempts_stmt(viewer).where(Attempt.user_id.in_(person_ids or [-1]))
    if date_from is not None:
        astmt = astmt.where(Attempt.created_at >= _day_start(date_from))
    if date_to is not None:
        astmt = astmt.where(Attempt.created_at < _day_start(date_to + timedelta(days=1)))
    attempts = [a for a, _ in session.exec(astmt.order_by(Attempt.created_at, Attempt.id)).all()]
    reviews = _latest_reviews(session, [a.id for a in attempts])
    trainer_names = _names(session, [r.trainer_id for r in reviews.values()])
    mark = pass_mark()
    by_person: dict[int, list[Attempt]] = defaultdict(list)
    for a in attempts:
        by_person[a.user_id].append(a)

    out_people = []
    for u in people:
        mine = by_person.get(u.id, [])
        trend = []
        for a in mine:
            score = effective_score(a, reviews.get(a.id))
            if score is not None:
                trend.append(TrendPoint(_aware(a.created_at), score, a.score, a.scenario_id, a.id))
        latest = None
        reviewed = [(reviews[a.id], a) for a in mine if a.id in reviews]
        if reviewed:
            r, a = max(reviewed, key=lambda ra: (_aware(ra[0].reviewed_at), ra[0].id))
            latest = LatestReview(a.id, _aware(r.reviewed_at), trainer_names.get(r.trainer_id, ""),
                                  r.score_override, a.score)
        scores = [p.score for p in trend]
        out_people.append(PersonProgress(
            user_id=u.id, display_name=u.display_name, team_name=team_names.get(u.team_id, ""),
            attempts=sum(a.status == AttemptStatus.done for a in mine),
            trend=trend,
            scenarios_completed=sorted({a.scenario_id for a in mine if _completed(a)}),
            pass_rate=sum(s >= mark for s in scores) / len(scores) if scores else None,
            mean_score=sum(scores) / len(scores) if scores else None,
            latest_review=latest,
        ))

    catalogue = catalogue if catalogue is not None else _catalogue()
    h_scenarios = _harassment_scenarios(catalogue)
    harassment = []
    for u in people:
        for sid, title in h_scenarios:
            done = [a for a in by_person.get(u.id, []) if a.scenario_id == sid and _completed(a)]
            harassment.append(HarassmentCompletion(
                user_id=u.id, display_name=u.display_name,
                team_name=team_names.get(u.team_id, ""), scenario_id=sid, scenario_title=title,
                completed_at=min((_aware(a.created_at) for a in done), default=None),
                completions=len(done),
            ))
    return TeamProgress(teams=teams, people=out_people, harassment=harassment,
                        harassment_scenarios=h_scenarios)


def progress_rows(progress: TeamProgress, lang: str = "ja") -> list[dict[str, Any]]:
    """The team-progress table exactly as the page shows it (column names in ``lang``)."""
    def col(key: str) -> str:
        return t(f"team.col_{key}", lang)

    rows = []
    for p in progress.people:
        last = p.trend[-1].score if p.trend else None
        lr = p.latest_review
        rows.append({
            col("name"): p.display_name,
            col("team"): p.team_name,
            col("attempts"): p.attempts,
            col("mean_score"): round(p.mean_score, 1) if p.mean_score is not None else None,
            col("latest_score"): last,
            col("pass_rate"): round(100 * p.pass_rate) if p.pass_rate is not None else None,
            col("completed"): len(p.scenarios_completed),
            col("completed_ids"): " ".join(p.scenarios_completed),
            col("latest_review"): format_local(lr.reviewed_at) if lr else "",
            col("latest_override"): lr.score_override if lr else None,
        })
    return rows


def harassment_rows(progress: TeamProgress, lang: str = "ja") -> list[dict[str, Any]]:
    """The harassment-training completion table as the page shows it."""
    def col(key: str) -> str:
        return t(f"team.col_{key}", lang)

    return [
        {
            col("name"): h.display_name,
            col("team"): h.team_name,
            col("scenario"): h.scenario_title,
            col("completed_flag"): t("team.yes" if h.completed_at else "team.no", lang),
            col("completed_at"): format_local(h.completed_at),
            col("completions"): h.completions,
        }
        for h in progress.harassment
    ]


def team_progress_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """CSV (UTF-8 with BOM, for Excel) of exactly ``rows``: the rows the page shows."""
    buf = io.StringIO()
    columns = list(rows[0].keys()) if rows else []
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def record_export(session: Session, viewer: Viewer, *, what: str, n_rows: int) -> None:
    """Audit a CSV export (the page calls it when the download button is clicked)."""
    if viewer.role != Role.trainer or not viewer.coached_team_ids:
        raise PermissionError("only trainers export team progress")
    audit.record(session, action=audit.Action.export_csv, actor_id=viewer.id,
                 actor_name=viewer.username, target_type=what, detail=f"rows={n_rows}")


# --- demo data -----------------------------------------------------------------------------


def seed_demo(session: Session, people: Mapping[str, User]) -> None:
    """A couple of demo reviews and comments on demo attempts, if there are any (flush only)."""
    from core.access import viewer_for

    trainer = people.get("trainer")
    if trainer is None:
        return
    viewer = viewer_for(session, trainer)
    rows = session.exec(
        _visible_attempts_stmt(viewer).where(Attempt.status == AttemptStatus.done,
                                             Attempt.score.is_not(None))
        .order_by(Attempt.created_at, Attempt.id)
    ).all()
    attempts = [a for a, _ in rows]
    if not attempts:
        return
    first = attempts[0]
    override = max(0, min(100, (first.score or 0) + 8))
    save_review(session, viewer, first.id, score_override=override,
                reason="最後まで落ち着いた声で対応できており、自動採点より少し高く評価します。",
                rubric_corrections=None)
    add_comment(session, viewer, first.id, at_seconds=0.5,
                text="出だしの声のトーンが落ち着いていて良いです。")
    if len(attempts) > 1:
        second = attempts[-1]
        add_comment(session, viewer, second.id, at_seconds=None,
                    text="語尾が少し速くなっています。句点で一拍おきましょう。")
        mark_reviewed(session, viewer, second.id)
    session.flush()


# --- charts (Altair; plain data in, chart out) ---------------------------------------------


def team_trend_chart(progress: TeamProgress, lang: str = "ja"):
    """Each person's scores over time (the trainer's score where overridden), one line per
    person, with the pass mark. None when there is no score to draw."""
    import altair as alt
    import pandas as pd

    data = [
        {"when": local_time(pt.at).replace(tzinfo=None), "score": pt.score,
         "person": p.display_name, "scenario": pt.scenario_id or ""}
        for p in progress.people for pt in p.trend
    ]
    if not data:
        return None
    df = pd.DataFrame(data)
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("when:T", title=t("team.axis_date", lang)),
        y=alt.Y("score:Q", title=t("team.axis_score", lang), scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("person:N", title=t("team.col_name", lang)),
        tooltip=["person:N", "scenario:N", "score:Q",
                 alt.Tooltip("when:T", format="%Y-%m-%d %H:%M")],
    )
    rule = alt.Chart(pd.DataFrame({"mark": [pass_mark()], "label": [t("team.pass_line", lang)]})
                     ).mark_rule(color="#e45756", strokeDash=[5, 4]).encode(
        y="mark:Q", tooltip=["label:N", "mark:Q"])
    return alt.layer(rule, lines).properties(height=280)


def agreement_chart(rows: Sequence[AgreementRow], titles: Mapping[str, str] | None = None,
                    lang: str = "ja"):
    """Two bar charts side by side, one bar per scenario: the override rate (%), and the mean
    signed difference override − auto (red when the machine scores too low, blue when too
    high). None without rows."""
    import altair as alt
    import pandas as pd

    if not rows:
        return None
    titles = titles or {}
    df = pd.DataFrame([
        {"scenario": titles.get(r.scenario_id, r.scenario_id),
         "rate": round(100 * (r.override_rate or 0.0), 1),
         "signed": round(r.mean_signed_diff or 0.0, 1),
         "reviewed": r.reviewed}
        for r in rows
    ])
    limit = max(10.0, float(df["signed"].abs().max()))
    y = alt.Y("scenario:N", title=None, sort=list(df["scenario"]), axis=alt.Axis(labelLimit=320))
    tooltip = [alt.Tooltip("scenario:N", title=t("agreement.col_scenario", lang)),
               alt.Tooltip("reviewed:Q", title=t("agreement.col_reviewed", lang)),
               alt.Tooltip("rate:Q", title=t("agreement.col_rate", lang)),
               alt.Tooltip("signed:Q", title=t("agreement.col_signed", lang))]
    height = max(60, 36 * len(df))
    rate = alt.Chart(df).mark_bar(color="#4c78a8").encode(
        x=alt.X("rate:Q", title=t("agreement.col_rate", lang), scale=alt.Scale(domain=[0, 100])),
        y=y, tooltip=tooltip,
    ).properties(height=height, width=260)
    signed = alt.Chart(df).mark_bar().encode(
        x=alt.X("signed:Q", title=t("agreement.col_signed", lang),
                scale=alt.Scale(domain=[-limit, limit])),
        y=alt.Y("scenario:N", sort=list(df["scenario"]), axis=None),
        color=alt.condition("datum.signed > 0", alt.value("#e45756"), alt.value("#4c78a8")),
        tooltip=tooltip,
    ).properties(height=height, width=260)
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#888").encode(x="x:Q")
    return alt.hconcat(rate, alt.layer(signed, zero))
