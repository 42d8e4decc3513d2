"""Trainer review: the queue, one attempt, a human score beside the machine's, timestamped
comments and the trainee's feedback. Agreement between trainers and the machine is in
:mod:`services.agreement`, team progress in :mod:`services.team_progress`; a stored analysis
result is read once per attempt through :func:`services.analysis_result.read` and "passed" is
asked of :func:`services.analysis_result.verdict`.

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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from analysis.result import AnalysisResult
from core import access, audit, validation
from core.access import Viewer
from core.clock import as_utc, local_day_start
from core.db import insert_ignore
from core.errors import NotAllowed, NotFound, Refusal
from core.models import (
    Attempt,
    AttemptKind,
    AttemptStatus,
    Comment,
    Review,
    User,
    utcnow,
)
from scenarios.schema import Scenario, Turn
from services import catalogue
from services.analysis_result import (
    RubricGroup,
    Verdict,
    correct_rubric,
    corrections_detail,
    format_seconds,
    read,
    rubric_groups,
    verdict,
)

MAX_COMMENT_CHARS = 2000
FAILED_STATUSES = (AttemptStatus.failed, AttemptStatus.no_speech)


class ReviewError(Refusal):
    """A refused change; ``key`` is an i18n key (``core/strings/review.toml``), ``values`` its
    parameters. Pages show ``ui.tr(e.key, **e.values)``."""


class AttemptNotFound(NotFound):
    """No such attempt (pages show the same message as for a refusal)."""


# --- the effective score ------------------------------------------------------------------


def effective_score(attempt: Attempt, review: Review | None) -> int | None:
    """The human score when a trainer overrode it, else the automatic one."""
    if review is not None and review.score_override is not None:
        return review.score_override
    return attempt.score


# --- loading with access -------------------------------------------------------------------


def visible_attempts_stmt(viewer: Viewer):
    """``select(Attempt, User)`` of the practice attempts ``viewer`` may see (owner joined)."""
    return (
        select(Attempt, User)
        .join(User, User.id == Attempt.user_id)
        .where(access.attempts_filter(viewer), Attempt.kind == AttemptKind.practice)
    )


def latest_reviews(session: Session, attempt_ids: Iterable[int]) -> dict[int, Review]:
    """``{attempt id: its latest Review}`` (one judgement per attempt)."""
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


def user_names(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """``{user id: display name}``."""
    ids = [i for i in set(user_ids) if i is not None]
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    return dict(rows)


def _load_for_review(session: Session, viewer: Viewer, attempt_id: int,
                     *, write: bool) -> tuple[Attempt, User]:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise AttemptNotFound()
    owner = session.get(User, attempt.user_id)
    check = access.can_review_attempt if write else access.can_view_attempt
    if owner is None or not check(viewer, attempt, owner):
        raise NotAllowed()
    return attempt, owner


# --- the queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """What the trainer narrowed the queue to. Scores are the automatic ones (0–100); dates are
    company calendar days (``core.clock``), both ends included."""

    user_id: int | None = None
    scenario_id: str | None = None
    min_score: int | None = None
    max_score: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    failed_only: bool = False  # analyses that failed or heard no speech
    status: str = "all"  # "all" | "unreviewed" | "reviewed"

    @classmethod
    def from_widgets(cls, *, user_id: int | None, scenario_id: str | None,
                     scores: tuple[int, int], dates: Any, failed_only: bool,
                     status: str) -> QueueFilters:
        """The filters as the queue's widgets give them: the full score range 0–100 means no
        score filter; ``dates`` is what a date-range input returns (nothing, one day picked so
        far, or both ends)."""
        low, high = scores
        whole = (low, high) == (0, 100)
        if isinstance(dates, (list, tuple)):
            date_from, date_to = (tuple(dates) + (None, None))[:2]
        else:
            date_from = date_to = dates or None
        return cls(user_id=user_id, scenario_id=scenario_id,
                   min_score=None if whole else low, max_score=None if whole else high,
                   date_from=date_from, date_to=date_to, failed_only=failed_only, status=status)


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
    stmt = visible_attempts_stmt(viewer)
    if f.user_id is not None:
        stmt = stmt.where(Attempt.user_id == f.user_id)
    if f.scenario_id:
        stmt = stmt.where(Attempt.scenario_id == f.scenario_id)
    if f.min_score is not None:
        stmt = stmt.where(Attempt.score >= f.min_score)
    if f.max_score is not None:
        stmt = stmt.where(Attempt.score <= f.max_score)
    if f.date_from is not None:
        stmt = stmt.where(Attempt.created_at >= local_day_start(f.date_from))
    if f.date_to is not None:
        stmt = stmt.where(Attempt.created_at < local_day_start(f.date_to + timedelta(days=1)))
    if f.failed_only:
        stmt = stmt.where(Attempt.status.in_([s.value for s in FAILED_STATUSES]))
    rows = session.exec(stmt.order_by(Attempt.created_at.desc(), Attempt.id.desc())).all()
    ids = [a.id for a, _ in rows]
    reviews = latest_reviews(session, ids)
    comments = _comment_counts(session, ids)
    items = []
    for a, owner in rows:
        r = reviews.get(a.id)
        item = QueueItem(
            attempt_id=a.id, user_id=owner.id, user_name=owner.display_name,
            scenario_id=a.scenario_id, turn_id=a.turn_id, created_at=as_utc(a.created_at),
            status=str(a.status), auto_score=a.score, passed=a.passed, reviewed=r is not None,
            reviewed_at=as_utc(r.reviewed_at) if r else None,
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
    rows = session.exec(visible_attempts_stmt(viewer)).all()
    people = sorted({(u.id, u.display_name) for _, u in rows}, key=lambda p: (p[1], p[0]))
    scenarios = sorted({a.scenario_id for a, _ in rows if a.scenario_id})
    return QueueOptions(people=people, scenario_ids=scenarios)


# --- one attempt ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RubricRow:
    """One rubric group of the turn beside the machine's verdict on the answer."""

    id: str
    label: str
    kind: str  # "required" | "ng"
    machine: RubricGroup | None  # None: the answer was judged before this group existed

    @property
    def good(self) -> bool | None:
        """Found for a required group, not said for an NG group (None: not judged)."""
        if self.machine is None:
            return None
        return self.machine.found if self.kind == "required" else not self.machine.found


@dataclass
class AttemptView:
    """Everything the review screen shows about one attempt."""

    attempt: Attempt  # the automatic result, untouched
    result: AnalysisResult | None  # its typed result (read once)
    owner_id: int
    owner_name: str
    review: Review | None
    reviewer_name: str | None
    comments: list[Comment]  # by position in the recording, then time written
    comment_authors: dict[int, str]
    can_review: bool
    scenario: Scenario | None = None
    turn: Turn | None = None

    @property
    def effective_score(self) -> int | None:
        return effective_score(self.attempt, self.review)

    @property
    def verdict(self) -> Verdict:
        """The automatic verdict of record (score, passed, the pass mark it used)."""
        return verdict(self.attempt, self.result)

    @property
    def score_change(self) -> int | None:
        """The trainer's override minus the automatic score (None without both)."""
        override = self.review.score_override if self.review is not None else None
        if override is None or self.attempt.score is None:
            return None
        return override - self.attempt.score

    @property
    def groups(self) -> list[RubricGroup]:
        """The machine's rubric verdicts on the answer (what a trainer may correct)."""
        return rubric_groups(self.result)

    @property
    def version_changed(self) -> bool:
        """The scenario changed since the answer was scored."""
        return (self.scenario is not None and self.attempt.scenario_version is not None
                and self.attempt.scenario_version != self.scenario.version)

    def rubric_rows(self) -> list[RubricRow]:
        """The turn's groups as the scenario has them now, each with the machine's verdict;
        without the scenario, the groups the machine judged."""
        machine = {g.id: g for g in self.groups}
        if self.turn is None:
            return [RubricRow(g.id, g.label, g.kind, g) for g in machine.values()]
        return ([RubricRow(g.id, g.label, "required", machine.get(g.id)) for g in self.turn.required]
                + [RubricRow(g.id, g.label, "ng", machine.get(g.id)) for g in self.turn.ng])

    @property
    def corrections(self) -> dict[str, bool]:
        """The current review's rubric corrections (group id → the human verdict)."""
        return dict(self.review.rubric_corrections or {}) if self.review is not None else {}


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
    review = latest_reviews(session, [attempt.id]).get(attempt.id)
    comments = list(session.exec(
        select(Comment).where(Comment.attempt_id == attempt.id)
        .order_by(Comment.created_at, Comment.id)
    ).all())
    comments.sort(key=lambda c: (c.at_seconds is None, c.at_seconds or 0.0))
    names = user_names(session, [c.author_id for c in comments] + ([review.trainer_id] if review else []))
    return AttemptView(
        attempt=attempt, result=read(attempt.result),
        scenario=catalogue.scenario(attempt.scenario_id),
        turn=catalogue.turn(attempt.scenario_id, attempt.turn_id), owner_id=owner.id, owner_name=owner.display_name, review=review,
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
    reason = validation.text(reason, field="reason", max_chars=validation.REVIEW_REASON_MAX,
                             error=ReviewError)
    if score_override is not None:
        if isinstance(score_override, bool) or not isinstance(score_override, (int, float)) \
                or int(score_override) != score_override or not 0 <= score_override <= 100:
            raise ReviewError("review.err_score_range")
        score_override = int(score_override)
        if not reason:
            raise ReviewError("review.err_reason_required")
    try:
        corrections = correct_rubric(read(attempt.result), rubric_corrections)
    except KeyError as e:
        raise ReviewError("review.err_unknown_group", group=e.args[0]) from None
    existing = latest_reviews(session, [attempt.id]).get(attempt.id)
    before = (existing.score_override, existing.rubric_corrections) if existing else (None, None)
    review = existing or _the_review(session, attempt.id, viewer.id)
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
    return latest_reviews(session, [attempt.id]).get(attempt.id) or _the_review(
        session, attempt.id, viewer.id)


def _the_review(session: Session, attempt_id: int, trainer_id: int) -> Review:
    """The attempt's one review row, created when missing. One per attempt is a unique index;
    two trainers (or two tabs) saving at once both end on the same row: the second insert
    waits for the first and does nothing (``core.db.insert_ignore``), then both update it."""
    insert_ignore(session, Review, {"attempt_id": attempt_id, "trainer_id": trainer_id,
                                    "reason": "", "reviewed_at": utcnow()}, ["attempt_id"])
    return session.exec(select(Review).where(Review.attempt_id == attempt_id)
                        .execution_options(populate_existing=True)).one()


def add_comment(session: Session, viewer: Viewer, attempt_id: int, *,
                at_seconds: float | None, text: str) -> Comment:
    """A comment tied to a time in the recording (``at_seconds``; None = the whole answer)."""
    attempt, _ = _load_for_review(session, viewer, attempt_id, write=True)
    text = validation.text(text, field="comment", max_chars=10 * MAX_COMMENT_CHARS,
                           error=ReviewError)  # NUL and controls out; the limit is below
    if not text:
        raise ReviewError("review.err_comment_empty")
    if len(text) > MAX_COMMENT_CHARS:
        raise ReviewError("review.err_comment_long", n=MAX_COMMENT_CHARS)
    if at_seconds is not None:
        at_seconds = float(at_seconds)
        result = read(attempt.result)
        length = result.length_s if result is not None else None
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
    reviews = list(latest_reviews(session, ids).values())
    comments: list[Comment] = []
    for chunk in _chunks(ids):
        comments += session.exec(select(Comment).where(Comment.attempt_id.in_(chunk))).all()
    names = user_names(session, [r.trainer_id for r in reviews] + [c.author_id for c in comments])

    def item(kind: str, row: Review | Comment, author_id: int, at: datetime, **extra) -> Feedback:
        a = attempts[row.attempt_id]
        return Feedback(kind=kind, id=row.id, attempt_id=a.id, scenario_id=a.scenario_id,
                        turn_id=a.turn_id, attempt_at=as_utc(a.created_at), auto_score=a.score,
                        author_name=names.get(author_id, ""), at=as_utc(at),
                        new=row.seen_by_trainee_at is None, **extra)

    out = [item("review", r, r.trainer_id, r.reviewed_at, score_override=r.score_override,
                reason=r.reason, text=r.reason,
                corrections=corrections_detail(read(attempts[r.attempt_id].result),
                                               r.rubric_corrections))
           for r in reviews]
    out += [item("comment", c, c.author_id, c.created_at, at_seconds=c.at_seconds, text=c.text)
            for c in comments]
    out.sort(key=lambda f: (f.at, f.kind, f.id), reverse=True)
    return out


def mark_feedback_seen(session: Session, viewer: Viewer, attempt_id: int) -> int:
    """The trainee has seen the feedback on their attempt; returns how many items were new.

    Raises :class:`NotAllowed` for an attempt that is not the viewer's own. Commits (as
    ``services.progress.mark_feedback_seen``, which calls it, promises its callers).
    """
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or not access.is_own_attempt(viewer, attempt):
        raise NotAllowed()
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
